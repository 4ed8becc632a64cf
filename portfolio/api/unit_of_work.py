"""One transaction per request, committed once, after the response is rendered.

Services flush; this hook commits a write whose response succeeded, together with its Idempotency-Key
outcome, or rolls it back. A response therefore describes exactly what was committed, and a crash can
never leave a write without its key's outcome (or the reverse)."""
from flask import Flask, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from portfolio.api import idempotency
from portfolio.api.problems import database_problem
from portfolio.extensions import db

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _commit(response, key: int | None):
    try:
        if key is not None:
            idempotency.store(key, response)
        db.session.commit()
        return response
    except (IntegrityError, DataError, OperationalError) as exc:
        db.session.rollback()
        if key is not None:
            idempotency.forget(key)
        return database_problem(exc)


def register(app: Flask) -> None:
    @app.after_request
    def _finish_unit_of_work(response):
        if request.method not in WRITES:
            return response
        key = idempotency.claimed()
        if response.status_code < 400:
            return _commit(response, key)
        db.session.rollback()
        if key is not None:
            if idempotency.final(response.status_code):
                idempotency.store(key, response)
                db.session.commit()
            else:
                idempotency.forget(key)
        return response
