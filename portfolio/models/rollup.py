"""Precomputed rollups, kept exact by the write path in the same transaction (services/rollups.py).

Each cell is keyed by the filters an aggregate can be answered for without touching the base
tables: `filter_priority_id` (0: every project; P: only projects serving priority P), region,
status, synthetic, and the project's start and end years (0: no start date; 9999: no end date), so
"active in a year range" is a range condition over cells.
"""
from decimal import Decimal

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base
from portfolio.money import ScaledDecimal

NO_START = 0
OPEN_END = 9999


class _Keys:
    filter_priority_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    synthetic: Mapped[bool] = mapped_column(primary_key=True)
    start_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    end_year: Mapped[int] = mapped_column(Integer, primary_key=True)


class RollupProject(_Keys, Base):
    """Whole projects: counts, unknown budgets and budgets by region, status, ... (and totals)."""

    __tablename__ = "rollup_projects"

    project_count: Mapped[int] = mapped_column(BigInteger, default=0)
    unknown_count: Mapped[int] = mapped_column(BigInteger, default=0)
    budget_usd: Mapped[Decimal] = mapped_column(ScaledDecimal(2), default=Decimal(0))


class RollupPriority(_Keys, Base):
    """Budget attributed to each priority (0: projects without one)."""

    __tablename__ = "rollup_priorities"

    priority_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_count: Mapped[int] = mapped_column(BigInteger, default=0)
    unknown_count: Mapped[int] = mapped_column(BigInteger, default=0)
    budget_usd: Mapped[Decimal] = mapped_column(ScaledDecimal(2), default=Decimal(0))


class RollupYear(_Keys, Base):
    """Budget lines by the year their period starts."""

    __tablename__ = "rollup_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_count: Mapped[int] = mapped_column(BigInteger, default=0)
    budget_usd: Mapped[Decimal] = mapped_column(ScaledDecimal(2), default=Decimal(0))
