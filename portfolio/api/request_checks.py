"""What every request is checked for before a view runs, against the published contract itself:

- query parameters: only those the OpenAPI document lists for the operation, each at most once (an
  unknown or repeated parameter is refused, never ignored: a figure must answer the question asked);
- the Accept header: a media type the operation produces, else 406;
- bodies: a media type the operation takes (415); JSON nested at most MAX_DEPTH levels (400); no NUL
  character and no lone surrogate in any string of the body or the query (422, naming where);
- URLs of at most 8 KiB (414) and page numbers within MAX_PAGE.
"""
import json
import re

from flask import Flask, current_app, request

from portfolio.api.base import MAX_PAGE
from portfolio.api.problems import ProblemError
from portfolio.errors import escape_pointer, field_error

MAX_URL_BYTES = 8192
MAX_DEPTH = 32
DOCS_PREFIX = "/api/v1/docs"
JSON_TYPES = ("application/json",)


def _bad_text(value: str) -> str | None:
    if "\x00" in value:
        return "Must not contain a NUL character (U+0000)."
    if re.search("[\ud800-\udfff]", value):
        return "Must not contain a lone surrogate (invalid Unicode)."
    return None


def check_strings(value, pointer: str = "", depth: int = 0, found: list | None = None) -> list[dict]:
    """Every string (keys included) of a parsed JSON body; errors with their JSON pointers."""
    found = [] if found is None else found
    if depth > MAX_DEPTH:
        raise ProblemError(400, f"The JSON body is nested more than {MAX_DEPTH} levels deep.")
    if isinstance(value, str):
        message = _bad_text(value)
        if message:
            found.append(field_error(pointer or "/", message))
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{pointer}/{escape_pointer(key)}"
            message = _bad_text(key)
            if message:
                found.append(field_error(child, "Key: " + message))
            check_strings(item, child, depth + 1, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_strings(item, f"{pointer}/{index}", depth + 1, found)
    return found


def _spec_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>:]+)>", r"{\1}", rule)


def contract() -> dict:
    """{(spec path, method): (query names, produced media types, accepted media types)}, from the spec."""
    cache = current_app.extensions.setdefault("tcm_contract", {})
    if not cache:
        spec = current_app.extensions["tcm_api"].spec.to_dict()
        components = spec.get("components", {}).get("parameters", {})
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                params = [components.get(p["$ref"].rsplit("/", 1)[-1], {}) if "$ref" in p else p
                          for p in operation.get("parameters", []) + item.get("parameters", [])]
                produced = {media for status, response in operation["responses"].items() if str(status).startswith("2")
                            for media in response.get("content", {})}
                accepted = set(operation.get("requestBody", {}).get("content", {}))
                cache[path, method.upper()] = ({p["name"] for p in params if p.get("in") == "query"}, produced,
                                               accepted)
    return cache


def _operation():
    if request.url_rule is None:
        return None
    method = "GET" if request.method == "HEAD" else request.method
    return contract().get((_spec_path(request.url_rule.rule), method))


def _check_query(names: set[str]) -> None:
    errors = []
    for name in request.args:
        values = request.args.getlist(name)
        if name not in names:
            errors.append(field_error(f"/{escape_pointer(name)}", "Unknown parameter for this operation"
                                      + (f"; it takes {', '.join(sorted(names))}." if names else "; it takes none."),
                                      "query"))
        elif len(values) > 1:
            errors.append(field_error(f"/{escape_pointer(name)}", "Given more than once; give one value.", "query"))
        for value in values:
            message = _bad_text(value)
            if message:
                errors.append(field_error(f"/{escape_pointer(name)}", message, "query"))
    page = request.args.get("page", "")
    if "page" in names and page.isdigit() and int(page) > MAX_PAGE:
        errors.append(field_error("/page", f"Must be at most {MAX_PAGE:,}.", "query"))
    if errors:
        raise ProblemError(422, "The request has invalid query parameters: " + ", ".join(
            dict.fromkeys(e["pointer"] for e in errors)), type_="validation-error", errors=errors)


def _check_accept(produced: set[str]) -> None:
    if not produced or not request.accept_mimetypes or request.accept_mimetypes.best == "*/*":
        return
    acceptable = set(produced) | {"application/problem+json"}
    if request.accept_mimetypes.best_match(sorted(acceptable)) is None:
        raise ProblemError(406, f"This operation answers {', '.join(sorted(produced))}; the Accept header allows "
                                "none of them.", type_="not-acceptable")


def _check_body(accepted: set[str]) -> None:
    has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get("Transfer-Encoding", "")
    if request.method not in ("POST", "PUT", "PATCH") or not has_body:
        return
    mimetype = request.mimetype
    allowed = accepted or set(JSON_TYPES)
    if mimetype not in allowed and not (mimetype.endswith("+json") and "application/json" in allowed):
        raise ProblemError(415, f"Send the body as {' or '.join(sorted(allowed))}; "
                                f"got {mimetype or 'no Content-Type'}.", type_="unsupported-media-type")
    if mimetype == "application/json" or mimetype.endswith("+json"):
        try:
            body = json.loads(request.get_data(cache=True))
        except RecursionError as exc:
            raise ProblemError(400, f"The JSON body is nested more than {MAX_DEPTH} levels deep.") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProblemError(400, "The body is not valid JSON.") from exc
        errors = check_strings(body)
        if errors:
            raise ProblemError(422, "The request has invalid fields: " + ", ".join(e["pointer"] for e in errors),
                               type_="validation-error", errors=errors)


def register(app: Flask) -> None:
    @app.before_request
    def _check_request():
        # gunicorn passes long request lines on (limit_request_line = 0), so the refusal is ours, as
        # problem+json, not the server's HTML page.
        if len(request.full_path.encode()) > MAX_URL_BYTES:
            raise ProblemError(414, f"The URL is longer than {MAX_URL_BYTES} bytes.", type_="uri-too-long")
        if request.method == "OPTIONS" or not request.path.startswith("/api/") or request.path.startswith(DOCS_PREFIX):
            return
        operation = _operation()
        if operation is None:
            return  # 404 / 405 follow in routing
        names, produced, accepted = operation
        _check_query(names)
        _check_accept(produced)
        _check_body(accepted)
