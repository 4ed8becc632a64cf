"""Every failure becomes an RFC 9457 problem+json response; nothing leaks SQL or a stack trace. The one
place where domain errors (portfolio.errors) and library errors meet HTTP statuses."""
import http
import logging

from flask import Flask, Response, current_app, has_request_context, json, request
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from portfolio import errors
from portfolio.extensions import db

PROBLEM_JSON = "application/problem+json"
AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="tcm-portfolio"'}  # with every 401 for a missing/bad caller
log = logging.getLogger(__name__)

STATUS_OF = {errors.Unauthorized: 401, errors.Forbidden: 403, errors.NotFound: 404, errors.Conflict: 409,
             errors.PreconditionFailed: 412, errors.Invalid: 422, errors.Unavailable: 503}
TYPE_BY_STATUS = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
    406: "not-acceptable", 409: "conflict", 412: "precondition-failed", 413: "payload-too-large",
    414: "uri-too-long", 415: "unsupported-media-type", 422: "validation-error", 428: "precondition-required",
    429: "too-many-requests", 500: "internal-error", 503: "service-unavailable",
}
DETAIL_BY_STATUS = {
    412: "The resource changed since you read it (If-Match does not match its ETag); fetch it again, "
         "re-apply your change and retry.",
    428: "This request must be conditional: send If-Match with the ETag you read.",
}


# Blueprints whose URLs carry a code (a dimension, a file type) register here what a 404 under their prefix
# means: a function of the path returning (detail, errors), or None for the generic answer.
NOT_FOUND_EXPLAINERS: dict[str, object] = {}


class ProblemError(Exception):
    """An HTTP-level refusal raised by the HTTP layer itself (authentication, media types, limits)."""

    def __init__(self, status: int, detail: str, *, type_: str | None = None, errors=None, headers=None,
                 error_count: int | None = None):
        super().__init__(detail)
        self.status, self.detail, self.type = status, detail, type_
        self.errors = errors or []
        self.error_count = error_count
        self.headers = headers or {}


def problem_response(status: int, detail: str | None = None, *, type_: str | None = None,
                     errors_: list | None = None, headers: dict | None = None,
                     error_count: int | None = None) -> Response:
    type_ = type_ or TYPE_BY_STATUS.get(status)
    body = {"type": f"/problems/{type_}" if type_ and type_ != "about:blank" else "about:blank",
            "title": http.HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    if has_request_context():
        body["instance"] = request.path
    if errors_:  # the first MAX_ERRORS, and how many there are
        body["errors"] = errors_[:errors.MAX_ERRORS]
        body["error_count"] = error_count or len(errors_)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def errors_from_webargs(messages) -> list[dict]:
    """webargs groups messages by location: {"json": {...}, "query": {...}}."""
    out: list[dict] = []
    if isinstance(messages, dict):
        for location, nested in messages.items():
            out.extend(errors.flatten_messages(nested, location))
    return errors.sort_errors(out)


def http_exception_to_problem(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    found = []
    if "messages" in data:
        found = errors_from_webargs(data["messages"])
    elif isinstance(data.get("errors"), list):
        found = data["errors"]
    detail = data.get("message") or DETAIL_BY_STATUS.get(error.code) or error.description
    if error.code == 413 and has_request_context():
        # Werkzeug's words ("The data value transmitted exceeds the capacity limit") name no limit.
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit:
            size = f"{limit / 1024 / 1024:g} MiB" if limit >= 1024 * 1024 else f"{limit / 1024:g} KiB"
            detail = (f"The body is larger than {size} ({limit:,} bytes), the most a request may carry; nothing "
                      "was read or written. Split a bulk upload into several (each at most 5,000 rows).")
    if error.code == 404 and not found and has_request_context():
        for prefix, explain in NOT_FOUND_EXPLAINERS.items():
            explained = explain(request.path) if request.path.startswith(prefix) else None
            if explained:
                detail, found = explained
                break
    if found and error.code == 422:
        detail = errors.invalid_fields_detail(found)
    headers = dict(data.get("headers") or {})
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem_response(error.code or 500, detail, errors_=found, headers=headers)


def database_problem(error) -> Response:
    """A failure the database reported, as the client should read it; nothing was written."""
    if isinstance(error, IntegrityError):
        log.warning("integrity error: %s", error.orig.__class__.__name__)
        # PostgreSQL says which value was taken ("Key (project_id, reference)=(5, K4) already exists.")
        said = getattr(getattr(error.orig, "diag", None), "message_detail", None)
        return problem_response(409, "The change conflicts with a change made at the same time (or with existing "
                                     "data); read it again and retry." + (f" {said}" if said else ""),
                                type_="conflict")
    if isinstance(error, DataError):
        # A value the database cannot hold (a sum beyond 64 bits): refused as a whole.
        log.warning("data error: %s", error.orig.__class__.__name__)
        return problem_response(422, "A figure would exceed what the database can hold exactly; nothing was "
                                     "written.", type_="validation-error")
    log.exception("database error")
    return problem_response(503, "The database is unavailable or busy; retry later.", type_="service-unavailable",
                            headers={"Retry-After": "5"})


def register(app: Flask) -> None:
    @app.errorhandler(errors.DomainError)
    def _domain(error: errors.DomainError):
        db.session.rollback()
        status = next(s for kind, s in STATUS_OF.items() if isinstance(error, kind))
        headers = {"Retry-After": "5"} if status == 503 else AUTHENTICATE if status == 401 else None
        return problem_response(status, error.detail, type_=error.type, errors_=error.errors, headers=headers)

    @app.errorhandler(ProblemError)
    def _problem(error: ProblemError):
        db.session.rollback()
        return problem_response(error.status, error.detail, type_=error.type, errors_=error.errors,
                                headers=error.headers, error_count=error.error_count)

    @app.errorhandler(ValidationError)
    def _validation(error: ValidationError):
        db.session.rollback()
        found = errors.sort_errors(errors.flatten_messages(error.messages, "json"))
        return problem_response(422, errors.invalid_fields_detail(found), errors_=found)

    @app.errorhandler(IntegrityError)
    @app.errorhandler(DataError)
    @app.errorhandler(OperationalError)
    def _database(error):
        db.session.rollback()
        return database_problem(error)

    @app.errorhandler(Exception)
    def _unexpected(error):
        if isinstance(error, HTTPException):
            return http_exception_to_problem(error)
        db.session.rollback()
        log.exception("unhandled error")
        return problem_response(500, "An unexpected error occurred; it has been logged.")
