from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base, UtcDateTime, utcnow


class AuditEvent(Base):
    """Who changed what and when, with the state before and after. Events of a project's budget lines
    and transactions carry its code, so the project's history is one index range."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_project_code_id", "project_code", "id"),
        Index("ix_audit_events_entity_entity_id_id", "entity", "entity_id", "id"),
        # The deleted-projects feed: one range of (entity, action, at).
        Index("ix_audit_events_entity_action_at", "entity", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(120))  # a token name runs to 120
    project_code: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
