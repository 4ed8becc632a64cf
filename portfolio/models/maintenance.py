"""Flags of the derived data's state. A migration that changes how figures are derived marks them
"stale"; `flask rollups rebuild` recomputes and verifies them and marks them "fresh". Until then the
instance is not ready (/readyz 503) and aggregates answer 503, rather than figures nobody can reproduce."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base, UtcDateTime, utcnow

DERIVED = "derived"


class MaintenanceFlag(Base):
    __tablename__ = "maintenance_flags"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
