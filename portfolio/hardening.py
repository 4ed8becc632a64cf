"""Response hygiene (security headers, Retry-After only where it means something) and the key rate
limits count by: the authenticated token, whatever the spelling of its header."""
from flask import Flask, request

from portfolio.api.problems import ProblemError
from portfolio.auth import authenticate

DOCS_PREFIX = "/api/v1/docs"


def rate_limit_key() -> str:
    """Per token when a valid one is sent (its id: "bearer x" and "Bearer  x" are the same token), else
    per client address (an invalid token is refused with 401 anyway)."""
    try:
        token = authenticate()
    except ProblemError:
        token = None
    return f"token:{token.id}" if token is not None else "addr:" + (request.remote_addr or "unknown")


def register(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.status_code not in (429, 503):
            # Flask-Limiter adds it to every answer; it means "retry after" on these two only.
            response.headers.pop("Retry-After", None)
        if request.path.startswith(DOCS_PREFIX):
            # Swagger UI runs one inline script of its own; everything else comes from this app.
            response.headers.setdefault("Content-Security-Policy", "default-src 'self'; script-src 'self' "
                                        "'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:")
        else:
            response.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
