"""Request and response hygiene: content types, security headers, rate-limit keys."""
import hashlib

from flask import Flask, request

from portfolio.errors import ProblemError

JSON_TYPES = ("application/json",)
# Endpoints that also take uploads.
UPLOAD_ENDPOINTS = {"bulk.Bulk": ("text/csv", "application/csv", "multipart/form-data")}
DOCS_PREFIX = "/api/v1/docs"
MAX_URL_BYTES = 8192


def rate_limit_key() -> str:
    """Per token when one is sent (hashed, never stored), else per client address."""
    header = request.headers.get("Authorization")
    if header:
        return "token:" + hashlib.sha256(header.encode()).hexdigest()[:24]
    return "addr:" + (request.remote_addr or "unknown")


def register(app: Flask) -> None:
    @app.before_request
    def _url_length():
        # gunicorn passes long request lines on (limit_request_line = 0), so the refusal is ours,
        # as problem+json, not the server's HTML page.
        if len(request.full_path.encode()) > MAX_URL_BYTES:
            raise ProblemError(414, f"The URL is longer than {MAX_URL_BYTES} bytes.", type_="uri-too-long")

    @app.before_request
    def _content_type():
        if request.method not in ("POST", "PUT", "PATCH") or not request.path.startswith("/api/"):
            return
        has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get("Transfer-Encoding", "")
        if not has_body:
            return
        mimetype = request.mimetype
        allowed = JSON_TYPES + UPLOAD_ENDPOINTS.get(request.endpoint, ())
        if mimetype not in allowed and not mimetype.endswith("+json"):
            raise ProblemError(415, f"Send the body as {' or '.join(allowed)}; got {mimetype or 'no Content-Type'}.",
                               type_="unsupported-media-type")

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path.startswith(DOCS_PREFIX):
            # Swagger UI runs one inline script of its own; everything else comes from this app.
            response.headers.setdefault("Content-Security-Policy", "default-src 'self'; script-src 'self' "
                                        "'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:")
        else:
            response.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
