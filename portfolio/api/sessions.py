"""People's sessions over HTTP: the cookie, Flask-Login's user loading, and the CSRF check.

- The cookie (`tcm_session`) is Flask's signed session cookie: HttpOnly, SameSite=Lax, Secure on HTTPS (or
  always with SESSION_COOKIE_SECURE). Through Flask-Login it carries one random token; the session's row
  in `user_sessions` is found by that token's SHA-256 (services/users.py), so deleting the row (sign-out,
  `flask users disable`, a new password or role) ends the session at once, on every worker.
- CSRF: every write to the API authenticated by the cookie must send `X-CSRF-Token` with the csrf_token that
  POST/GET /api/v1/session answered (Flask-WTF's signed token, bound to a secret kept in the session). The
  check runs before any other check of the request, so a cross-site form post is refused 403 naming the
  header, whatever its media type. Requests with an Authorization header are not checked: another site
  cannot make a browser send one. Signing in is not checked (there is no session yet); it takes JSON only,
  which a cross-site form cannot send.
"""
import logging
from datetime import timedelta

from flask import Flask, current_app, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import validate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms.validators import ValidationError

from portfolio.errors import Forbidden, field_error
from portfolio.services import users

CSRF_HEADER = "X-CSRF-Token"
SESSION_PATH = "/api/v1/session"
WRITES = ("POST", "PUT", "PATCH", "DELETE")
login_manager = LoginManager()


class SessionUser(UserMixin):
    """Flask-Login's user: its id is the session's token (Flask-Login's "alternative tokens"), so a session
    is loaded, and can be revoked, by its row, not by the user's id."""

    def __init__(self, token: str, found: users.Session):
        self.token, self.session = token, found

    def get_id(self) -> str:
        return self.token


@login_manager.user_loader
def _load(token: str) -> SessionUser | None:
    found = users.find(token, idle=idle())
    return SessionUser(token, found) if found is not None else None


def idle() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def lifetime() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_LIFETIME_HOURS"])


def current() -> SessionUser | None:
    """The request's live session (from its cookie), or None."""
    user = current_user._get_current_object()
    return user if isinstance(user, SessionUser) else None


class SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))

    def open_session(self, app: Flask, request):
        # A request without the cookie (every token-authenticated call) starts an empty session without building
        # the signing serializer first, as Flask's own method does (4% of a rollup-served answer in-process).
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def check_csrf() -> None:
    """Refuse a cookie-authenticated write without a valid X-CSRF-Token (403, naming the header)."""
    from portfolio.api.auth import authenticate

    if request.method not in WRITES or not request.path.startswith("/api/") \
            or request.headers.get("Authorization") is not None \
            or (request.method == "POST" and request.path == SESSION_PATH):
        return
    caller = authenticate()
    if caller is None or caller.kind != "user":
        return  # no session: the permission check answers 401
    token = request.headers.get(CSRF_HEADER)
    try:
        validate_csrf(token)
    except ValidationError as exc:
        reason = str(exc.args[0]) if exc.args else "The CSRF token is invalid."
        message = (f"Missing: send the header {CSRF_HEADER}." if not token else reason)
        raise Forbidden(f"A write made with a session cookie needs the header {CSRF_HEADER} carrying the "
                        f"csrf_token of POST or GET {SESSION_PATH}. {message}", type_="csrf",
                        errors=[field_error(f"/{CSRF_HEADER}", message, "header")]) from exc
    g.csrf_valid = True


def init_app(app: Flask) -> None:
    app.extensions["password_hasher"] = users.hasher_for(app.config["PASSWORD_HASH_PROFILE"])
    if app.config["PASSWORD_HASH_PROFILE"] == "CHEAPEST":
        logging.getLogger(__name__).warning("PASSWORD_HASH_PROFILE=CHEAPEST: passwords are hashed with argon2-cffi's "
                                            "profile for test suites, which protects nothing. Never in production.")
    proxies = {name: app.config.get(f"PROXY_FIX_X_{name.upper()}", 0) for name in ("for", "proto", "host")}
    if any(proxies.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies["for"], x_proto=proxies["proto"],
                                x_host=proxies["host"])
    app.permanent_session_lifetime = timedelta(hours=app.config["SESSION_LIFETIME_HOURS"])
    app.session_interface = SessionInterface()
    login_manager.session_protection = None  # addresses change (mobile, proxies); the row is what counts
    login_manager.init_app(app)


def register_csrf(app: Flask) -> None:
    """Before the request checks (api/request_checks.py), so a cross-site form post is a 403, not a 415."""
    app.before_request(check_csrf)
