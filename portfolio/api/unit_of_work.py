"""One transaction per request, committed once, after the response is rendered.

Services flush; this hook commits a write whose response succeeded, together with its Idempotency-Key
outcome, or rolls it back. A response therefore describes exactly what was committed, and a crash can
never leave a write without its key's outcome (or the reverse)."""
import logging

from flask import Flask, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from portfolio.api import idempotency
from portfolio.api.problems import problem_response
from portfolio.extensions import db

WRITES = ("POST", "PUT", "PATCH", "DELETE")
log = logging.getLogger(__name__)


def _commit(response, key: int | None):
    try:
        if key is not None:
            idempotency.store(key, response)
        db.session.commit()
        return response
    except (IntegrityError, DataError, OperationalError) as exc:
        db.session.rollback()
        log.warning("commit failed: %s", exc.__class__.__name__)
        if key is not None:
            idempotency.forget(key)
        if isinstance(exc, IntegrityError):
            return problem_response(409, "The change conflicts with a change made at the same time; read again and "
                                         "retry.", type_="conflict")
        if isinstance(exc, DataError):
            return problem_response(422, "A figure would exceed what the database can hold exactly; nothing was "
                                         "written.", type_="validation-error")
        return problem_response(503, "The database is unavailable or busy; retry later.",
                                type_="service-unavailable", headers={"Retry-After": "5"})


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
