"""People who sign in: user accounts (argon2 password hashes) and their server-side sessions. A session's
row is found by the SHA-256 of the random token its cookie carries, so the table alone cannot be used to
sign in; deleting the row ends the session everywhere at once."""
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base, UtcDateTime, utcnow
from portfolio.models.security import ROLES

USERNAME_MAX = 32
NAME_MAX = 80  # "user:" + username + " (" + name + ")" fits the audit actor column (120)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    role: Mapped[str] = mapped_column(Enum(*ROLES, name="user_role", native_enum=False))
    # argon2id in PHC form ($argon2id$v=19$m=...,t=...,p=...$salt$hash): its parameters travel with it.
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UserSession(Base):
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the cookie's token: the token is 256 random bits, so a fast hash cannot be brute-forced.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The absolute end (created_at + SESSION_LIFETIME_HOURS); the idle end is last_seen_at + SESSION_IDLE_MINUTES.
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))
