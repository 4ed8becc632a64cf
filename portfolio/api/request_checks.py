"""What every request is checked for before a view runs, against the published contract itself:

- query parameters: only those the OpenAPI document lists for the operation, each at most once (an
  unknown or repeated parameter is refused, never ignored: a figure must answer the question asked);
  page and page_size (whose schema flask-smorest makes) are ASCII digits, as schemas/fields.py DigitsInteger
  holds the other integers (no space, sign or separator that int() would forgive);
- the Accept header: a media type the operation produces, else 406;
- bodies: present when the operation requires one (every POST, PUT and PATCH that takes a body: a request without
  one is a 422 naming the body, `{"pointer": "/", "location": "body"}`, never an update that changes nothing; an
  empty JSON object is a body, and a PATCH of `{}` changes nothing, as in RFC 7396); a media type the operation
  takes (415), and for JSON and CSV no charset but UTF-8 (415 naming the Content-Type header); JSON nested at
  most MAX_DEPTH levels (400); the text rule
  (schemas/fields.py text_problem: no control character but tab, LF and CR, no lone surrogate) in every
  string and key of the body and every query parameter (422, naming where);
- URLs of at most 8 KiB (414) and page numbers within MAX_PAGE;
- a body is read whole or refused: over MAX_CONTENT_LENGTH it is a 413 however it is framed (BodyRequest).
"""
import json
import re
from urllib.parse import unquote, unquote_to_bytes

from flask import Flask, Request, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from portfolio.api.base import MAX_PAGE
from portfolio.api.docs import DOCS_PREFIX
from portfolio.api.problems import ProblemError
from portfolio.errors import MAX_ERRORS, escape_pointer, field_error, invalid_fields_detail
from portfolio.schemas.fields import BAD_TEXT, INTEGER_TEXT, DigitsInteger, text_problem

MAX_URL_BYTES = 8192
MAX_DEPTH = 32
MAX_LIST = 5000  # the longest list the contract allows anywhere (bulk items); every array has its maxItems
MAX_FIELDS = 100  # far more than any object of the contract has (they refuse unknown fields anyway)
JSON_TYPES = ("application/json",)
TEXT_TYPES = (*JSON_TYPES, "text/csv", "application/csv")  # read as UTF-8: another declared charset is a 415


class WholeBodyStream(LimitedStream):
    """A body without a Content-Length (chunked), limited to MAX_CONTENT_LENGTH. Werkzeug's LimitedStream stops
    reading at the limit and returns what it read as if it were the whole body; a chunked CSV of 17 MB was
    imported cut at 16 MiB, its last row truncated. Here reaching the limit with more to come is a 413."""

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return data


class BodyRequest(Request):
    """The app's request class: its stream is read whole or refused (see WholeBodyStream)."""

    @cached_property
    def stream(self):
        stream = get_input_stream(self.environ, max_content_length=self.max_content_length)
        if type(stream) is LimitedStream and stream._limit_is_max:  # no Content-Length: the maximum is the limit
            stream = WholeBodyStream(stream._stream, stream.limit, is_max=True)
        return stream


def _bad_text(value: str) -> str | None:
    return text_problem(value)


class _Marked(dict):
    """A JSON object that gave a key more than once (json keeps the last; we refuse it), or has more fields
    than any object of the contract (MAX_FIELDS)."""

    repeated: list[str]
    fields: int


# What a JSON text must contain for one of its strings to break the text rule: a \\u escape of a C0, DEL, C1
# or surrogate code point, a \\b or \\f escape, or a raw DEL or C1 character (raw C0 characters are not JSON).
# A body without any is not walked string by string (a 10 MB body of valid text is answered sooner).
_SUSPECT = re.compile(rb"\\(?:u00[01][0-9a-fA-F]|u007[fF]|u00[89][0-9a-fA-F]|u[dD][89a-fA-F]|[bf])"
                      rb"|\x7f|\xc2[\x80-\x9f]")


def parse_json(raw: bytes) -> tuple[object, bool]:
    """(the body parsed once, whether check_strings must walk it). Objects that repeat a key or have too many
    fields are marked for check_strings to name."""
    marked = False

    def hook(pairs: list[tuple[str, object]]) -> dict:
        nonlocal marked
        found = dict(pairs)
        if len(found) == len(pairs) and len(pairs) <= MAX_FIELDS:
            return found
        marked = True
        seen: set[str] = set()
        odd = _Marked(found)
        odd.repeated = list(dict.fromkeys(key for key, _ in pairs if key in seen or seen.add(key)))
        odd.fields = len(pairs)
        return odd

    body = json.loads(raw, object_pairs_hook=hook)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:  # UTF-16 or UTF-32 JSON: the byte scan does not apply
        return body, True
    return body, marked or _SUSPECT.search(raw) is not None


def not_json_detail(exc: Exception) -> str:
    """Why a body is not JSON, and where: an integration script's author finds the fault without a debugger."""
    if isinstance(exc, UnicodeDecodeError):
        return (f"The body is not valid JSON: it is not UTF-8 (byte {exc.start} cannot be decoded); send JSON as "
                "UTF-8.")
    if isinstance(exc, json.JSONDecodeError):
        return f"The body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
    return "The body is not valid JSON."


def json_body():
    """The request's JSON body as the checks parsed it (parsed now if they did not)."""
    if not hasattr(request, "tcm_json"):
        request.tcm_json, request.tcm_json_suspect = parse_json(request.get_data(cache=True))
    return request.tcm_json


def check_strings(value, pointer: str = "", depth: int = 0, found: list | None = None, text: bool = True
                  ) -> list[dict]:
    """Every string (keys included) of a parsed JSON body, and every key given twice; errors with their JSON
    pointers. A list longer than any the contract allows (MAX_LIST) is not walked: the schema refuses it by
    its maxItems, at once, and walking a million items would take seconds. `text`: check the text rule (the
    body may hold a string that breaks it). Pointers are built only for what is reported."""
    found = [] if found is None else found
    if depth > MAX_DEPTH:
        raise ProblemError(400, f"The JSON body is nested more than {MAX_DEPTH} levels deep.")
    if isinstance(value, str):
        if text and BAD_TEXT.search(value):
            # Past MAX_ERRORS only counted: a body of 500,000 bad strings is not answered by 500,000 dicts.
            found.append(field_error(pointer or "/", text_problem(value)) if len(found) < MAX_ERRORS else None)
    elif isinstance(value, dict):
        if getattr(value, "fields", 0) > MAX_FIELDS:
            found.append(field_error(pointer or "/", f"An object has at most {MAX_FIELDS} fields; this one has "
                                                     f"{value.fields:,}."))
            return found
        for key in getattr(value, "repeated", ()):
            found.append(field_error(f"{pointer}/{escape_pointer(key)}", "Given more than once in this object; "
                                                                         "give each field once."))
        for key, item in value.items():
            if text and BAD_TEXT.search(key):
                found.append(field_error(f"{pointer}/{escape_pointer(key)}", "Key: " + text_problem(key)))
            if isinstance(item, (dict, list)) or (text and isinstance(item, str) and BAD_TEXT.search(item)):
                check_strings(item, f"{pointer}/{escape_pointer(key)}", depth + 1, found, text)
    elif isinstance(value, list) and len(value) <= MAX_LIST:
        for index, item in enumerate(value):
            if isinstance(item, (dict, list)) or (text and isinstance(item, str) and BAD_TEXT.search(item)):
                check_strings(item, f"{pointer}/{index}", depth + 1, found, text)
    return found


def _spec_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>:]+)>", r"{\1}", rule)


def contract() -> dict:
    """{(spec path, method): (query names, produced media types, accepted media types, body required, pagination
    parameters)}, from the spec."""
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
                required = bool(operation.get("requestBody", {}).get("required"))
                query = [p for p in params if p.get("in") == "query"]
                integers = {p["name"] for p in query if p["name"] in PAGINATION
                            and p.get("schema", {}).get("type") == "integer"}
                cache[path, method.upper()] = ({p["name"] for p in query}, produced, accepted, required, integers)
    return cache


def _operation():
    if request.url_rule is None:
        return None
    method = "GET" if request.method == "HEAD" else request.method
    return contract().get((_spec_path(request.url_rule.rule), method))


def _not_utf8_query() -> list[dict]:
    """Parameters whose percent-encoded bytes are not UTF-8. Werkzeug keeps such escapes as literal text, so
    `q=%FF%FE` searched for the text "%FF%FE" and answered [] (an answer to another question)."""
    errors = []
    for part in request.query_string.split(b"&"):
        name, _, value = part.partition(b"=")
        for raw in (name, value):
            try:
                unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError as exc:
                shown = unquote(name.decode("latin-1"), errors="replace")
                where = "name" if raw is name else "value"
                errors.append(field_error(f"/{escape_pointer(shown)}", f"Not UTF-8 once percent-decoded (byte "
                                          f"{exc.start} of the {where}); percent-encode the UTF-8 bytes of the text.",
                                          "query"))
                break
    return errors


# flask-smorest builds the pagination parameters' schema itself, with marshmallow's lenient Integer; our own
# schemas' integers are DigitsInteger (schemas/fields.py), whose errors come with the other fields' errors.
PAGINATION = ("page", "page_size")


def _check_query(names: set[str], integers: set[str] = frozenset()) -> None:
    errors = _not_utf8_query() if b"%" in request.query_string else []
    if errors:
        raise ProblemError(422, "The request has invalid query parameters: " + ", ".join(
            dict.fromkeys(e["pointer"] for e in errors)), type_="validation-error", errors=errors)
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
            elif name in integers and not INTEGER_TEXT.fullmatch(value):
                # Python's int() (marshmallow's Integer) strips spaces and takes "+", "_" and any script's
                # digits: `page=%201` read as 1. An integer parameter is ASCII digits, as published.
                errors.append(field_error(f"/{escape_pointer(name)}", DigitsInteger.default_error_messages[
                    "invalid"], "query"))
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


def _check_charset(mimetype: str) -> None:
    """JSON is UTF-8 (RFC 8259 §8.1) and so are the CSV uploads: a body declared in another charset is refused
    rather than read as UTF-8 (latin-1 bytes read as UTF-8 are another text, silently). UTF-8 may be declared
    (any case) or not; XML declares its encoding in the document itself, which the parser follows."""
    if mimetype in TEXT_TYPES or mimetype.endswith("+json"):
        require_utf8(request.mimetype_params, "The body", "/Content-Type", "header")


def require_utf8(params: dict, what: str, pointer: str, location: str) -> None:
    """415 when `params` (a Content-Type's) declare a charset other than UTF-8 (any case, quoted or not)."""
    charset = params.get("charset")
    if charset is not None and charset.strip().lower() != "utf-8":
        message = f"{what} must be UTF-8: declare charset=utf-8 or no charset (got charset={charset})."
        raise ProblemError(415, f"{message} Encode the text as UTF-8 and send it again.",
                           type_="unsupported-media-type", errors=[field_error(pointer, message, location)])


def _check_body(accepted: set[str], required: bool) -> None:
    has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get("Transfer-Encoding", "")
    # A stated media type the operation does not take is refused whether or not the body is empty (an empty
    # XLSX upload was a 422 where the same request with bytes was a 415).
    states_type = bool(accepted) and bool(request.headers.get("Content-Type"))
    if request.method not in ("POST", "PUT", "PATCH") or not (has_body or states_type or required):
        return
    mimetype = request.mimetype
    allowed = accepted or set(JSON_TYPES)
    if (has_body or states_type) and mimetype not in allowed and not (
            mimetype.endswith("+json") and "application/json" in allowed):
        raise ProblemError(415, f"Send the body as {' or '.join(sorted(allowed))}; "
                                f"got {mimetype or 'no Content-Type'}.", type_="unsupported-media-type")
    _check_charset(mimetype)
    if required and not has_body:
        # webargs reads a missing JSON body as {}: a PATCH without a body answered 200, changing nothing.
        message = f"A body is required: send it as {' or '.join(sorted(allowed))}."
        raise ProblemError(422, message, type_="validation-error", errors=[field_error("/", message, "body")])
    if has_body and (mimetype == "application/json" or mimetype.endswith("+json")):
        try:
            body = json_body()
        except RecursionError as exc:
            raise ProblemError(400, f"The JSON body is nested more than {MAX_DEPTH} levels deep.") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProblemError(400, not_json_detail(exc)) from exc
        found = check_strings(body, text=request.tcm_json_suspect)
        if found:
            errors = [error for error in found if error is not None]
            raise ProblemError(422, invalid_fields_detail(errors), type_="validation-error", errors=errors,
                               error_count=len(found))


def register(app: Flask) -> None:
    app.request_class = BodyRequest

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
        names, produced, accepted, required, integers = operation
        _check_query(names, integers)
        _check_accept(produced)
        _check_body(accepted, required)
