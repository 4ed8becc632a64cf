"""Every failure becomes an RFC 9457 problem+json response; nothing leaks SQL or a stack trace."""
import http
import logging

from flask import Flask, Response, json, request
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class ProblemError(Exception):
    """Raised by services for a domain error with a status, a type slug and field errors."""

    def __init__(self, status: int, detail: str, *, type_: str | None = None, errors=None, headers=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_
        self.errors = errors or []
        self.headers = headers or {}


def field_error(pointer: str, message: str, location: str = "json") -> dict:
    return {"location": location, "pointer": pointer, "message": message}


def _escape(token) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def flatten_messages(messages, location: str, prefix: str = "") -> list[dict]:
    """Turn marshmallow's nested message dict into a flat list of JSON-pointer errors."""
    out: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            child = prefix if key == "_schema" else f"{prefix}/{_escape(key)}"
            out.extend(flatten_messages(value, location, child))
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, (dict, list)):
                out.extend(flatten_messages(item, location, prefix))
            else:
                out.append(field_error(prefix or "/", str(item), location))
    else:
        out.append(field_error(prefix or "/", str(messages), location))
    return out


def errors_from_webargs(messages) -> list[dict]:
    """webargs groups messages by location: {"json": {...}, "query": {...}}."""
    out: list[dict] = []
    if isinstance(messages, dict):
        for location, nested in messages.items():
            out.extend(flatten_messages(nested, location))
    return out


def problem_response(status: int, detail: str | None = None, *, type_: str | None = None,
                     errors: list | None = None, headers: dict | None = None, title: str | None = None) -> Response:
    body = {
        "type": f"/problems/{type_}" if type_ else "about:blank",
        "title": title or http.HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    try:
        body["instance"] = request.path
    except RuntimeError:
        pass
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


_TYPE_BY_STATUS = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
    409: "conflict", 412: "precondition-failed", 413: "payload-too-large", 415: "unsupported-media-type",
    422: "validation-error", 428: "precondition-required", 429: "too-many-requests",
}


_DETAIL_BY_STATUS = {
    412: "The resource changed since you read it (If-Match does not match its ETag); fetch it again, "
         "re-apply your change and retry.",
    428: "This request must be conditional: send If-Match with the ETag you read.",
}


def http_exception_to_problem(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    errors = []
    if "messages" in data:
        errors = errors_from_webargs(data["messages"])
    elif "errors" in data and isinstance(data["errors"], list):
        errors = data["errors"]
    detail = data.get("message") or _DETAIL_BY_STATUS.get(error.code) or error.description
    if errors and error.code == 422:
        detail = "The request has invalid fields: " + ", ".join(sorted({e["pointer"] for e in errors}))
    headers = dict(data.get("headers") or {})
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    code = error.code or 500
    return problem_response(code, detail, type_=_TYPE_BY_STATUS.get(code), errors=errors, headers=headers)


def register(app: Flask) -> None:
    from portfolio.extensions import db

    @app.errorhandler(ProblemError)
    def _problem(error: ProblemError):
        db.session.rollback()
        return problem_response(error.status, error.detail, type_=error.type or _TYPE_BY_STATUS.get(error.status),
                                errors=error.errors, headers=error.headers)

    @app.errorhandler(ValidationError)
    def _validation(error: ValidationError):
        db.session.rollback()
        errors = flatten_messages(error.messages, "json")
        return problem_response(422, "The request has invalid fields: " + ", ".join(sorted({e["pointer"] for e in errors})),
                                type_="validation-error", errors=errors)

    @app.errorhandler(StaleDataError)
    def _stale(error):
        db.session.rollback()
        return problem_response(412, "The resource was changed by someone else; fetch it again and retry.",
                                type_="precondition-failed")

    @app.errorhandler(IntegrityError)
    def _integrity(error):
        db.session.rollback()
        log.warning("integrity error: %s", error.orig.__class__.__name__)
        return problem_response(409, "The change conflicts with existing data.", type_="conflict")

    @app.errorhandler(OperationalError)
    def _operational(error):
        db.session.rollback()
        log.exception("database error")
        return problem_response(503, "The database is unavailable; retry later.", type_="service-unavailable",
                                headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def _unexpected(error):
        if isinstance(error, HTTPException):
            return http_exception_to_problem(error)
        db.session.rollback()
        log.exception("unhandled error")
        return problem_response(500, "An unexpected error occurred; it has been logged.")
