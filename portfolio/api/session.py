"""Signing in and out: a person's session (api/sessions.py), for the web app and anyone using the API
from a browser. Scripts use bearer tokens instead."""
from flask import current_app, g, request, session
from flask.views import MethodView
from flask_login import login_user, logout_user
from flask_wtf.csrf import generate_csrf

from portfolio.api import sessions
from portfolio.api.base import ApiBlueprint
from portfolio.api.problems import ProblemError
from portfolio.auth import PERMISSIONS
from portfolio.schemas.people import SessionSchema, SignInSchema
from portfolio.services import users

blp = ApiBlueprint("session", __name__, url_prefix="/api/v1",
                   description="A person's session: sign in (username and password), who is signed in, sign out")
BAD_CREDENTIALS = "The username or password is not right."  # the same for an unknown, disabled or wrong one


def _not_signed_in() -> ProblemError:
    return ProblemError(401, "Not signed in (no session, or it ended): sign in with POST /api/v1/session.",
                        headers={"WWW-Authenticate": 'Bearer realm="tcm-portfolio"'})


def _body(found: users.Session) -> dict:
    return {"user": {"username": found.username, "name": found.name, "role": found.role,
                     "permissions": sorted(PERMISSIONS[found.role])},
            "csrf_token": generate_csrf(), "expires_at": found.expires_at}


def _live() -> users.Session:
    """The cookie's session (an Authorization header does not make one: this is about the cookie)."""
    live = sessions.current()
    if live is None:
        raise _not_signed_in()
    return live.session


def signin_account_key() -> str:
    """Rate-limit key of a sign-in: the account it tries (lower-cased, as sign-in compares it)."""
    body = request.get_json(silent=True, cache=True)
    username = body.get("username") if isinstance(body, dict) else None
    return "signin-account:" + (users.normalise_username(username)[:200] if isinstance(username, str) else "")


def signin_address_key() -> str:
    return "signin-address:" + (request.remote_addr or "unknown")


def failed(response) -> bool:
    return response.status_code == 401


@blp.route("/session")
class Session(MethodView):
    @blp.doc(operationId="createSession", security=[])
    @blp.arguments(SignInSchema)
    @blp.response(200, SessionSchema, description="Signed in: the session cookie (tcm_session) is set")
    @blp.alt_response(401, description="The username or password is not right (the same answer for a user that "
                                       "does not exist or is disabled)")
    @blp.alt_response(503, description="The database is unavailable: retry after Retry-After seconds")
    def post(self, data):
        """Sign in with a username and password. Answers the user, their role and permissions, the CSRF token
        every write made with this session must send as X-CSRF-Token, and when the session ends; sets the
        HttpOnly session cookie. Failed attempts are limited per account and per address (429 with
        Retry-After)."""
        user = users.check_password(data["username"], data["password"])
        if user is None:
            raise ProblemError(401, BAD_CREDENTIALS, type_="unauthorized",
                               headers={"WWW-Authenticate": 'Bearer realm="tcm-portfolio"'})
        previous = sessions.current()
        if previous is not None:  # signing in again replaces the session this browser had
            users.end(previous.session.id)
        # A new cookie content (and CSRF secret), never one set before sign-in: no session fixation.
        logout_user()
        session.clear()
        g.pop("csrf_token", None)
        token, found = users.start(user, idle=sessions.idle(), lifetime=sessions.lifetime(),
                                   address=request.remote_addr, user_agent=request.user_agent.string)
        login_user(sessions.SessionUser(token, found))
        session.permanent = True
        g.actor = users.actor(found.username, found.name)
        return _body(found)

    @blp.doc(operationId="getSession", security=[{"sessionCookie": []}])
    @blp.response(200, SessionSchema)
    @blp.alt_response(401, description="Not signed in, or the session ended")
    @blp.alt_response(503, description="The database is unavailable: retry after Retry-After seconds")
    def get(self):
        """Who is signed in with this browser's session cookie, with a fresh CSRF token; 401 when nobody is."""
        return _body(_live())

    @blp.doc(operationId="deleteSession", security=[{"sessionCookie": []}])
    @blp.response(204)
    @blp.alt_response(401, description="Not signed in, or the session ended")
    @blp.alt_response(403, description="The X-CSRF-Token header is missing or wrong")
    @blp.alt_response(503, description="The database is unavailable: retry after Retry-After seconds")
    def delete(self):
        """Sign out: the session's row is deleted (the cookie is worthless from now on, on every worker) and
        the cookie is cleared. Needs the X-CSRF-Token header."""
        found = _live()
        users.end(found.id)
        logout_user()
        session.clear()
        return None


def register_limits(limiter) -> None:
    """Failed sign-ins per account and per address (successful ones are not counted)."""
    limiter.limit(lambda: _config("RATELIMIT_SIGNIN_ACCOUNT"), key_func=signin_account_key, methods=["POST"],
                  deduct_when=failed, override_defaults=False, scope="signin-account")(blp)
    limiter.limit(lambda: _config("RATELIMIT_SIGNIN_ADDRESS"), key_func=signin_address_key, methods=["POST"],
                  deduct_when=failed, override_defaults=False, scope="signin-address")(blp)


def _config(name: str) -> str:
    return current_app.config[name]
