"""Callers and permissions over HTTP. Every request resolves its caller once: a bearer token (scripts) or,
without an Authorization header, a person's session cookie (api/sessions.py). Each blueprint declares which
permission its methods need, and the same check runs before the view for both (401 without a valid token
or session, 403 with a role that lacks the permission). A caller never has less than an anonymous one
(OPEN_READS). Roles and tokens themselves: portfolio/auth.py."""
from flask import current_app, g, request

from portfolio.auth import PERMISSIONS, READ_PERMISSIONS, Caller, hash_token, lookup
from portfolio.errors import Forbidden, Unauthorized

# {blueprint name: {method: permission}}, as protect() declared it: the OpenAPI document's statuses
# (401, 403) and security follow it (api/contract.py).
PROTECTED: dict[str, dict[str, str]] = {}


def authenticate() -> Caller | None:
    """The request's caller, or None when it has none. With an Authorization header, its bearer token (a
    bad or revoked one is refused outright, whatever cookie comes with it); else the session cookie's live
    session, if any. g.token is the token only (idempotency keys belong to tokens)."""
    if "caller" in g:
        if g.get("auth_refusal") is not None:
            # The first call (the rate limiter's key) was refused: every later one is, with the same words (it
            # answered "needs a bearer token" to a revoked or malformed one).
            raise g.auth_refusal
        return g.caller
    header = request.headers.get("Authorization", "")
    g.token = g.caller = g.auth_refusal = None
    if header:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            g.auth_refusal = Unauthorized("Send the token as 'Authorization: Bearer <token>'.")
            raise g.auth_refusal
        caller = lookup(hash_token(value.strip()))
        if caller is None:
            g.auth_refusal = Unauthorized("The token is not valid (unknown or revoked).")
            raise g.auth_refusal
        g.token = g.caller = caller
        g.actor = caller.name
        return caller
    from portfolio.api import sessions
    from portfolio.services import users

    live = sessions.current()
    if live is not None:
        found = live.session
        g.user_session = found
        g.caller = Caller(found.user_id, users.actor(found.username, found.name), found.role, "user")
        g.actor = g.caller.name
    return g.caller


def require(permission: str) -> None:
    token = authenticate()
    open_read = permission in READ_PERMISSIONS and current_app.config.get("OPEN_READS")
    if token is None:
        if open_read:
            return
        raise Unauthorized("This request needs a bearer token or a session (POST /api/v1/session).")
    if permission not in PERMISSIONS[token.role] and not open_read:
        raise Forbidden(f"The role {token.role!r} may not do this (needs {permission!r}).")


def protect(blueprint, permissions_by_method: dict[str, str]) -> None:
    """Declare the permission each HTTP method of a blueprint needs."""
    PROTECTED[blueprint.name] = dict(permissions_by_method)

    @blueprint.before_request
    def _check():
        if request.method == "OPTIONS":
            return
        method = "GET" if request.method == "HEAD" else request.method
        if method in permissions_by_method:  # other methods end as 405 in routing
            require(permissions_by_method[method])


def current_actor() -> str:
    return g.get("actor", "anonymous")
