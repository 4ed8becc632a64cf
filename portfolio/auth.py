"""Tokens and roles: what each role may do, issuing and revoking API tokens, and finding a live token by its
hash (cached per worker). Resolving a request's caller and checking its permission is HTTP's part
(api/auth.py)."""
import hashlib
import secrets
import threading
import time

from sqlalchemy import select

from portfolio.extensions import db
from portfolio.models import ApiToken, AuditEvent
from portfolio.models.base import utcnow

TOKEN_PREFIX = "tcm_"
USER_ACTOR_PREFIX = "user:"
PERMISSIONS = {
    "viewer": {"read"},
    "editor": {"read", "create", "edit", "delete"},
    "finance": {"read", "aggregate"},
    "integrator": {"read", "create", "edit", "bulk"},
    "admin": {"read", "create", "edit", "delete", "aggregate", "bulk", "admin"},  # admin: tokens and users
}
READ_PERMISSIONS = {"read", "aggregate"}
CACHE_SECONDS = 1.0  # a revoked token is refused by every worker within a second
_cache: dict[tuple[str, str], tuple[float, tuple | None]] = {}
_lock = threading.Lock()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def record(actor: str, action: str, entity: str, entity_id: str, before: dict | None, after: dict | None) -> None:
    """One audit event of an admin action (a token here, an account in services/users.py), in the caller's
    transaction. Snapshots name the role, the name and whether it is active: never a password, a token or a
    hash."""
    db.session.add(AuditEvent(actor=actor, action=action, entity=entity, entity_id=entity_id, project_code=None,
                              before=before, after=after))
    db.session.flush()


def token_snapshot(row: ApiToken) -> dict:
    """A token as its history shows it: no token, hash or prefix."""
    return {"name": row.name, "role": row.role, "active": row.revoked_at is None}


def issue_token(name: str, role: str, *, actor: str, commit: bool = True) -> tuple[ApiToken, str]:
    """A new token (its row, and the token itself, shown only here), recorded in history as created by `actor`."""
    if role not in PERMISSIONS:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(PERMISSIONS)}")
    if name.startswith(USER_ACTOR_PREFIX):
        raise ValueError(f"a token's name may not start with {USER_ACTOR_PREFIX!r} (history names people so)")
    if db.session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise ValueError(f"a token named {name!r} already exists")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, role=role, token_hash=hash_token(token), prefix=token[:12])
    db.session.add(row)
    db.session.flush()
    record(actor, "create", "token", row.name, None, token_snapshot(row))
    if commit:
        db.session.commit()
    return row, token


def revoke_token(name: str, *, actor: str, commit: bool = True) -> ApiToken:
    """Revoke the token (recorded in history as revoked by `actor`); revoking a revoked one changes nothing."""
    row = db.session.scalars(select(ApiToken).where(ApiToken.name == name)).one_or_none()
    if row is None:
        raise LookupError(f"no token named {name!r}")
    if row.revoked_at is None:
        before = token_snapshot(row)
        row.revoked_at = utcnow()
        record(actor, "revoke", "token", row.name, before, token_snapshot(row))
        if commit:
            db.session.commit()
        else:
            db.session.flush()
    _cache.clear()  # this worker at once; the others within CACHE_SECONDS
    return row


class Caller:
    """The authenticated caller: a token as cached per worker (id, name, role), or a person's session (the
    user's id, their history name, their role)."""

    __slots__ = ("id", "name", "role", "kind")

    def __init__(self, id_: int, name: str, role: str, kind: str = "token"):
        self.id, self.name, self.role, self.kind = id_, name, role, kind

    @property
    def key(self) -> str:
        """Whom rate limits and read-your-writes count by: `token:3`, `user:5`."""
        return f"{self.kind}:{self.id}"


def lookup(token_hash: str) -> Caller | None:
    """The live token with this hash (cached per worker for CACHE_SECONDS), or None."""
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
