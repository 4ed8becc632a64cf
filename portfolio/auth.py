"""Bearer tokens and roles. Every request resolves its token once; each blueprint declares which
permission its methods need, and the check runs before the view (401 without a valid token, 403 with a
role that lacks the permission). A token never has less than an anonymous caller (OPEN_READS)."""
import hashlib
import secrets
import threading
import time

from flask import current_app, g, request
from sqlalchemy import select

from portfolio.api.problems import ProblemError
from portfolio.extensions import db
from portfolio.models import ApiToken
from portfolio.models.base import utcnow

TOKEN_PREFIX = "tcm_"
PERMISSIONS = {
    "viewer": {"read"},
    "editor": {"read", "create", "edit", "delete"},
    "finance": {"read", "aggregate"},
    "integrator": {"read", "create", "edit", "bulk"},
    "admin": {"read", "create", "edit", "delete", "aggregate", "bulk"},
}
READ_PERMISSIONS = {"read", "aggregate"}
# {blueprint name: {method: permission}}, as protect() declared it: the OpenAPI document's statuses
# (401, 403) and security follow it (api/contract.py).
PROTECTED: dict[str, dict[str, str]] = {}
CACHE_SECONDS = 1.0  # a revoked token is refused by every worker within a second
_cache: dict[tuple[str, str], tuple[float, tuple | None]] = {}
_lock = threading.Lock()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(name: str, role: str) -> tuple[ApiToken, str]:
    if role not in PERMISSIONS:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(PERMISSIONS)}")
    if db.session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise ValueError(f"a token named {name!r} already exists")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, role=role, token_hash=hash_token(token), prefix=token[:12])
    db.session.add(row)
    db.session.commit()
    return row, token


def revoke_token(name: str) -> ApiToken:
    row = db.session.scalars(select(ApiToken).where(ApiToken.name == name)).one_or_none()
    if row is None:
        raise LookupError(f"no token named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.commit()
    _cache.clear()  # this worker at once; the others within CACHE_SECONDS
    return row


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="tcm-portfolio"'})


class Caller:
    """The authenticated token, as cached per worker (id, name, role)."""

    __slots__ = ("id", "name", "role")

    def __init__(self, id_: int, name: str, role: str):
        self.id, self.name, self.role = id_, name, role


def _lookup(token_hash: str) -> Caller | None:
    key = (str(db.engine.url), token_hash)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached and now - cached[0] < CACHE_SECONDS:
        return Caller(*cached[1]) if cached[1] else None
    row = db.session.execute(select(ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.revoked_at)
                             .where(ApiToken.token_hash == token_hash)).one_or_none()
    found = None if row is None or row.revoked_at is not None else (row.id, row.name, row.role)
    with _lock:
        if len(_cache) > 10000:
            _cache.clear()
        _cache[key] = (now, found)
    return Caller(*found) if found else None


def authenticate() -> Caller | None:
    """The request's token, or None when it sends none. A bad or revoked token is refused outright."""
    if "token" in g:
        return g.token
    header = request.headers.get("Authorization", "")
    g.token = None
    if header:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _unauthorized("Send the token as 'Authorization: Bearer <token>'.")
        caller = _lookup(hash_token(value.strip()))
        if caller is None:
            raise _unauthorized("The token is not valid (unknown or revoked).")
        g.token = caller
        g.actor = caller.name
    return g.token


def require(permission: str) -> None:
    token = authenticate()
    open_read = permission in READ_PERMISSIONS and current_app.config.get("OPEN_READS")
    if token is None:
        if open_read:
            return
        raise _unauthorized("This request needs a bearer token.")
    if permission not in PERMISSIONS[token.role] and not open_read:
        raise ProblemError(403, f"The role {token.role!r} may not do this (needs {permission!r}).")


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
