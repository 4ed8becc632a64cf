"""Domain errors. Services raise these; the HTTP layer (api/problems.py) alone turns them into RFC 9457
problem+json responses, so services know nothing of HTTP."""


# A problem lists at most this many errors (in document order) and gives their total as `error_count`: a body
# of 50,000 bad codes was answered by 4.9 MB of errors. The detail names at most DETAIL_POINTERS of them.
MAX_ERRORS = 1000
DETAIL_POINTERS = 10


def invalid_fields_detail(errors: list[dict]) -> str:
    """"The request has invalid fields: /a, /b, ..." naming at most DETAIL_POINTERS pointers."""
    named: dict[str, None] = {}
    for error in errors:
        named.setdefault(error["pointer"])
        if len(named) > DETAIL_POINTERS:
            break
    shown = list(named)[:DETAIL_POINTERS]
    rest = sum(1 for e in errors if e["pointer"] not in named) if len(named) > DETAIL_POINTERS else 0
    more = f" and {rest + 1:,} more error(s)" if len(named) > DETAIL_POINTERS else ""
    return "The request has invalid fields: " + ", ".join(shown) + more


def field_error(pointer: str, message: str, location: str = "json", **extra) -> dict:
    """One error, located by a JSON Pointer (RFC 6901) into the body, query or CSV file."""
    return {"location": location, "pointer": pointer, "message": message, **extra}


def escape_pointer(token) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def flatten_messages(messages, location: str, prefix: str = "") -> list[dict]:
    """marshmallow's nested message dict as a flat list of JSON-pointer errors."""
    out: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            child = prefix if key == "_schema" else f"{prefix}/{escape_pointer(key)}"
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


def _pointer_key(error: dict) -> list:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in error["pointer"].split("/")]


def sort_errors(errors: list[dict]) -> list[dict]:
    """Errors in document order (rows by number, not as text)."""
    return sorted(errors, key=_pointer_key)


class DomainError(Exception):
    """A refusal with a human detail, a problem type slug and, where it is about fields, their errors."""

    type = "about:blank"

    def __init__(self, detail: str, *, type_: str | None = None, errors: list[dict] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        if type_:
            self.type = type_


class Unauthorized(DomainError):
    """No caller, or a credential that is not valid (a bad or revoked token)."""

    type = "unauthorized"


class Forbidden(DomainError):
    """The caller may not do this (its role lacks the permission, or a session's write lacks its CSRF token)."""

    type = "forbidden"


class NotFound(DomainError):
    type = "not-found"


class Conflict(DomainError):
    """The request conflicts with the current state (a code already taken, a row still referenced)."""

    type = "conflict"


class PreconditionFailed(DomainError):
    """The caller's expected version is not the current one."""

    type = "precondition-failed"


class Invalid(DomainError):
    """Invalid input; `errors` name every offending field."""

    type = "validation-error"

    def __init__(self, errors: list[dict], detail: str | None = None, **kwargs):
        errors = sort_errors(errors)
        if detail is None:
            detail = invalid_fields_detail(errors)
        super().__init__(detail, errors=errors, **kwargs)


class Unavailable(DomainError):
    type = "service-unavailable"
