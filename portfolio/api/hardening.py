"""Response hygiene (security headers, Retry-After only where it means something) and the key rate
limits count by: the authenticated token, whatever the spelling of its header."""
from flask import Flask, request

from portfolio.api.auth import authenticate
from portfolio.api.docs import DOCS_PREFIX
from portfolio.errors import Unauthorized

PUBLIC = ("/api/v1/openapi.json",)  # and the docs page: the contract is the same for everyone


def rate_limit_key() -> str:
    """Per token when a valid one is sent (its id: "bearer x" and "Bearer  x" are the same token), per
    person when a session cookie is (`user:<id>`), else per client address (an invalid token is refused
    with 401 anyway)."""
    try:
        caller = authenticate()
    except Unauthorized:
        caller = None
    return caller.key if caller is not None else "addr:" + (request.remote_addr or "unknown")


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
        api = request.path.startswith("/api/")
        if not (request.path in PUBLIC or request.path.startswith(DOCS_PREFIX)) and (
                api or "Cache-Control" not in response.headers):
            # (The web app's pages and assets say how they may be cached themselves: the page no-cache,
            # versioned libraries immutable; an API answer never keeps a cache policy of its own.)
            # Answers depend on the caller's token (or the data at that moment): no cache may keep them. ETags
            # still work: a client revalidates with If-None-Match and gets 304.
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
