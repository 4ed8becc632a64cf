"""One transaction per request, committed once, after the response is rendered.

Services flush; this hook commits a write whose response succeeded, together with its Idempotency-Key
outcome, or rolls it back. A response therefore describes exactly what was committed, and a crash can
never leave a write without its key's outcome (or the reverse). The key's claim is released only after
that commit (api/idempotency.py), so the next request with the key finds the outcome."""
from flask import Flask, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from portfolio.api import idempotency
from portfolio.api.problems import database_problem, problem_response
from portfolio.extensions import db

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _lost_claim():
    """SQLite: the key's lease ran out and another request took it over while this one worked."""
    db.session.rollback()
    return problem_response(409, f"This request took longer than its {idempotency.HEADER} is held; another request "
                                 "with the key took it over. Nothing was written; retry to get its answer.",
                            type_="idempotency-in-progress")


def _commit(response, key: int | None):
    try:
        if key is not None and not idempotency.store(key, response):
            return _lost_claim()
        db.session.commit()
        return response
    except (IntegrityError, DataError, OperationalError) as exc:
        db.session.rollback()
        if key is not None:
            idempotency.forget(key)
        return database_problem(exc)


def _finish(response):
    key = idempotency.claimed()
    if response.status_code < 400:
        return _commit(response, key)
    db.session.rollback()
    if key is not None:
        if idempotency.final(response.status_code):
            if not idempotency.store(key, response):
                return _lost_claim()
            db.session.commit()
        else:
            idempotency.forget(key)
    return response


def register(app: Flask) -> None:
    @app.after_request
    def _finish_unit_of_work(response):
        if request.method not in WRITES:
            return response
        try:
            return _finish(response)
        finally:
            idempotency.release()

    @app.teardown_request
    def _release_claim(_error=None):
        idempotency.release()  # a request that ended without its after_request (an error in a later hook)
