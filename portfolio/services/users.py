"""User accounts and their sessions: argon2 password hashes (argon2-cffi), server-side sessions found by
the SHA-256 of a random token, idle and absolute expiry, and ending every session of a person.

Signing in answers the same way, in about the same time, for an unknown user, a disabled one and a wrong
password: the password is always checked against an argon2 hash (a fixed dummy one when there is no such
user), and the caller only learns "no".
"""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from sqlalchemy import delete, select, update

from portfolio.auth import record
from portfolio.extensions import db
from portfolio.models import ROLES, User, UserSession
from portfolio.models.base import utcnow
from portfolio.models.people import NAME_MAX, USERNAME_MAX

USERNAME_PATTERN = rf"^[a-z0-9][a-z0-9._-]{{0,{USERNAME_MAX - 1}}}$"
USERNAME_HELP = (f"1-{USERNAME_MAX} lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
PASSWORD_MIN, PASSWORD_MAX = 12, 1024  # NIST SP 800-63B: at least 8, allow long passphrases; 12 here
TOUCH_SECONDS = 60  # last_seen_at is written at most once a minute per session, not on every request

# argon2-cffi's parameter profiles (PASSWORD_HASH_PROFILE). The default is argon2-cffi's own, RFC 9106's
# low-memory profile. CHEAPEST is argon2-cffi's profile for test suites, where each hash would otherwise cost
# 0.15 s of CPU: tests/conftest.py sets it, and the tests of the hashing itself put the default back. A stored
# hash made with other parameters is re-hashed with the app's at the next successful sign-in (check_needs_rehash).
# Not RFC_9106_HIGH_MEMORY: 2 GiB per hash, for every sign-in at once (an unknown user's included).
HASH_PROFILES = ("RFC_9106_LOW_MEMORY", "CHEAPEST")
_dummy: dict[str, str] = {}


def hasher_for(profile: str) -> PasswordHasher:
    if profile not in HASH_PROFILES:
        raise ValueError(f"PASSWORD_HASH_PROFILE={profile!r} is not one of {', '.join(HASH_PROFILES)}.")
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def hasher() -> PasswordHasher:
    """The app's hasher (api/sessions.py init_app builds it from PASSWORD_HASH_PROFILE)."""
    return current_app.extensions["password_hasher"]


def _dummy_hash(checker: PasswordHasher) -> str:
    """A hash with the app's parameters, checked when there is no such user, so both cost the same."""
    key = f"{checker.time_cost}/{checker.memory_cost}/{checker.parallelism}"
    if key not in _dummy:
        _dummy[key] = checker.hash(secrets.token_urlsafe(16))
    return _dummy[key]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_username(username: str) -> str:
    return username.strip().lower()


def username_error(username: str) -> str | None:
    if not re.fullmatch(USERNAME_PATTERN, username):
        return f"A username is {USERNAME_HELP}."
    return None


def password_error(password: str) -> str | None:
    if len(password) < PASSWORD_MIN:
        return f"A password has at least {PASSWORD_MIN} characters."
    if len(password) > PASSWORD_MAX:
        return f"A password has at most {PASSWORD_MAX} characters."
    if "\x00" in password:
        return "A password must not contain a NUL character."
    return None


def name_error(name: str | None) -> str | None:
    if name is not None and not 1 <= len(name.strip()) <= NAME_MAX:
        return f"A name is 1-{NAME_MAX} characters."
    return None


def actor(username: str, name: str | None) -> str:
    """How history names a person: `user:alice (Alice Martin)`, or `user:alice` without a name. The prefix
    keeps people apart from tokens (a token's name may not start with `user:`)."""
    return f"user:{username} ({name})" if name else f"user:{username}"


def snapshot(user: User) -> dict:
    """An account as its history shows it: never a password or its hash (when it was last set, as text)."""
    return {"username": user.username, "name": user.name, "role": user.role, "active": user.disabled_at is None,
            "password_changed_at": user.password_changed_at.isoformat() if user.password_changed_at else None}


def _record(actor: str, action: str, user: User, before: dict | None) -> None:
    db.session.flush()
    record(actor, action, "user", user.username, before, snapshot(user))


def get(username: str) -> User:
    user = db.session.scalars(select(User).where(User.username == normalise_username(username))).one_or_none()
    if user is None:
        raise LookupError(f"no user named {username!r}")
    return user


def create(username: str, role: str, password: str, name: str | None = None, *, actor: str) -> User:
    """A new account (flushed, not committed), recorded in history as created by `actor`. ValueError says what
    is wrong (and nothing is written)."""
    username = normalise_username(username)
    problems = [p for p in (username_error(username), password_error(password), name_error(name)) if p]
    if role not in ROLES:
        problems.append(f"Unknown role {role!r}; one of {', '.join(ROLES)}.")
    if problems:
        raise ValueError(" ".join(problems))
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(f"A user named {username!r} already exists.")
    now = utcnow()
    user = User(username=username, name=name.strip() if name else None, role=role,
                password_hash=hasher().hash(password), created_at=now, password_changed_at=now)
    db.session.add(user)
    _record(actor, "create", user, None)
    return user


def set_password(user: User, password: str, *, actor: str) -> None:
    """A new password; every session of the user ends (whoever knew the old one is signed out). History
    records that it was set, and when, never the password."""
    problem = password_error(password)
    if problem:
        raise ValueError(problem)
    before = snapshot(user)
    user.password_hash = hasher().hash(password)
    user.password_changed_at = utcnow()
    end_sessions(user.id)
    _record(actor, "set-password", user, before)


def disable(user: User, *, actor: str) -> int:
    """Refuse the user's sign-ins from now on and end every session; returns the sessions ended. History
    records it when the account was active."""
    before = snapshot(user)
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        _record(actor, "disable", user, before)
    ended = end_sessions(user.id)
    db.session.flush()
    return ended


def enable(user: User, *, actor: str) -> None:
    """Allow sign-ins again; history records it when the account was disabled."""
    if user.disabled_at is not None:
        before = snapshot(user)
        user.disabled_at = None
        _record(actor, "enable", user, before)


def change(user: User, *, role: str | None = None, name: str | None = None, actor: str) -> None:
    """A new role ends the user's sessions too: a session carries the role it was opened with. One history
    event when the role or the name changed; a ValueError changes nothing."""
    before = snapshot(user)
    if role is not None and role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; one of {', '.join(ROLES)}.")
    if name is not None and name_error(name):
        raise ValueError(name_error(name))
    if role is not None and role != user.role:
        user.role = role
        end_sessions(user.id)
    if name is not None:
        user.name = name.strip()
    db.session.flush()
    if snapshot(user) != before:
        _record(actor, "update", user, before)


def end_sessions(user_id: int) -> int:
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user_id)).rowcount


def check_password(username: str, password: str) -> User | None:
    """The active user whose password this is, else None, whatever the reason. A hash made with older
    parameters is replaced (in the caller's transaction)."""
    user = db.session.scalars(select(User).where(User.username == normalise_username(username))).one_or_none()
    checker = hasher()
    stored = user.password_hash if user is not None else _dummy_hash(checker)
    try:
        checker.verify(stored, password)
        valid = True
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        valid = False
    if not valid or user is None or user.disabled_at is not None:
        return None
    if checker.check_needs_rehash(user.password_hash):
        user.password_hash = checker.hash(password)
    return user


@dataclass(frozen=True)
class Session:
    """A live session as a request sees it."""

    id: int
    user_id: int
    username: str
    name: str | None
    role: str
    expires_at: datetime  # the earlier of the idle and the absolute end, as of this request


def start(user: User, *, idle: timedelta, lifetime: timedelta, address: str | None, user_agent: str | None
          ) -> tuple[str, Session]:
    """A new session (flushed): (the cookie's token, the session). The token is shown only here."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(user_id=user.id, token_hash=hash_token(token), created_at=now, last_seen_at=now,
                      expires_at=now + lifetime, address=(address or "")[:64] or None,
                      user_agent=(user_agent or "")[:200] or None)
    user.last_sign_in_at = now
    db.session.add(row)
    db.session.flush()
    return token, Session(row.id, user.id, user.username, user.name, user.role, min(now + idle, row.expires_at))


def find(token: str, *, idle: timedelta) -> Session | None:
    """The live session of a cookie's token, or None. Runs on its own connection to the primary and commits
    at once: an expired row is deleted, and last_seen_at moves (at most once a minute) whatever becomes of
    the request, without pinning the request's own reads to the primary."""
    now = utcnow()
    digest = hash_token(token)
    with db.engine.begin() as connection:
        row = connection.execute(
            select(UserSession.id, UserSession.user_id, UserSession.last_seen_at, UserSession.expires_at,
                   User.username, User.name, User.role, User.disabled_at)
            .join(User, User.id == UserSession.user_id).where(UserSession.token_hash == digest)).one_or_none()
        if row is None:
            return None
        expired = now >= row.expires_at or now >= row.last_seen_at + idle or row.disabled_at is not None
        if expired:
            connection.execute(delete(UserSession).where(UserSession.id == row.id))
            return None
        seen = row.last_seen_at
        if (now - seen).total_seconds() >= TOUCH_SECONDS:
            connection.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
            seen = now
    return Session(row.id, row.user_id, row.username, row.name, row.role, min(seen + idle, row.expires_at))


def end(session_id: int) -> None:
    db.session.execute(delete(UserSession).where(UserSession.id == session_id))


def purge_expired(*, idle: timedelta) -> int:
    """Delete sessions past their absolute or idle end (they are refused anyway; this keeps the table small)."""
    now = utcnow()
    return db.session.execute(delete(UserSession).where(
        (UserSession.expires_at <= now) | (UserSession.last_seen_at <= now - idle))).rowcount
