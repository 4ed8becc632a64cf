"""Projects, their classifications and their budget lines."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, UtcDateTime, utcnow
from portfolio.models.reference import ActivityType, Country, Priority, Rcp, Region
from portfolio.money import ScaledDecimal

# IATI ActivityStatus codelist, codes 1-6.
PROJECT_STATUSES = ("pipeline", "implementation", "finalisation", "closed", "cancelled", "suspended")
# IATI BudgetType and BudgetStatus codelists.
BUDGET_TYPES = ("original", "revised")
BUDGET_STATUSES = ("indicative", "committed")


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="date_order"),
        CheckConstraint("budget_usd IS NULL OR budget_usd >= 0", name="budget_non_negative"),
        # (sort key, id): the list's orderings and keyset pages read these indexes in order.
        Index("ix_projects_title_id", "title", "id"),
        Index("ix_projects_start_date_id", "start_date", "id"),
        Index("ix_projects_budget_usd_id", "budget_usd", "id"),
        Index("ix_projects_updated_at_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    status: Mapped[str] = mapped_column(
        Enum(*PROJECT_STATUSES, name="project_status", native_enum=False), index=True
    )
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    post_emergency: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(200), default="api")
    synthetic: Mapped[bool] = mapped_column(default=False, index=True)
    # NULL means unknown (no budget line yet), which is not the same as zero.
    budget_usd: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    # Optimistic locking: every UPDATE checks and bumps `version`, so a concurrent writer that
    # read an older version fails instead of overwriting (surfaced as 412 Precondition Failed).
    __mapper_args__ = {"version_id_col": version}

    region: Mapped[Region] = relationship(lazy="joined")
    priorities: Mapped[list["ProjectPriority"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )
    countries: Mapped[list["ProjectCountry"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )
    activity_types: Mapped[list["ProjectActivityType"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )
    rcps: Mapped[list["ProjectRcp"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )
    budget_lines: Mapped[list["BudgetLine"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(BudgetLine.period_start, BudgetLine.id)",
    )


class ProjectPriority(Base):
    """A priority the project serves, with its share in percent (shares of a project sum to 100)."""

    __tablename__ = "project_priorities"
    __table_args__ = (
        CheckConstraint("share > 0 AND share <= 10000", name="share_range"),
        CheckConstraint("budget_usd IS NULL OR budget_usd >= 0", name="budget_non_negative"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priorities.id"), primary_key=True, index=True)
    share: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    # The project's budget attributed to this priority, exact to the cent (largest remainder).
    budget_usd: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))

    project: Mapped[Project] = relationship(back_populates="priorities")
    priority: Mapped[Priority] = relationship(lazy="joined")


class ProjectCountry(Base):
    __tablename__ = "project_countries"
    __table_args__ = (CheckConstraint("budget_usd IS NULL OR budget_usd >= 0", name="budget_non_negative"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), primary_key=True, index=True)
    # Equal split of the project's budget across its countries, exact to the cent.
    budget_usd: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))

    project: Mapped[Project] = relationship(back_populates="countries")
    country: Mapped[Country] = relationship(lazy="joined")


class ProjectActivityType(Base):
    __tablename__ = "project_activity_types"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    activity_type_id: Mapped[int] = mapped_column(ForeignKey("activity_types.id"), primary_key=True, index=True)

    project: Mapped[Project] = relationship(back_populates="activity_types")
    activity_type: Mapped[ActivityType] = relationship(lazy="joined")


class ProjectRcp(Base):
    """A link between a project and an RCP stated in the sources or by a user."""

    __tablename__ = "project_rcps"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    rcp_id: Mapped[int] = mapped_column(ForeignKey("rcps.id"), primary_key=True, index=True)

    project: Mapped[Project] = relationship(back_populates="rcps")
    rcp: Mapped[Rcp] = relationship(lazy="joined")


class BudgetLine(Base):
    """A budget for one period of at most a year, like an IATI <budget>."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        CheckConstraint("usd_amount >= 0", name="usd_amount_non_negative"),
        CheckConstraint("fx_rate IS NULL OR fx_rate > 0", name="fx_rate_positive"),
        Index("ix_budget_lines_project_period", "project_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    currency: Mapped[str] = mapped_column(String(3))
    # USD per one unit of `currency`, with the date it applied; NULL for USD lines.
    fx_rate: Mapped[Decimal | None] = mapped_column(ScaledDecimal(10))
    fx_value_date: Mapped[date | None]
    usd_amount: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    donor: Mapped[str | None] = mapped_column(String(200), index=True)
    type: Mapped[str] = mapped_column(Enum(*BUDGET_TYPES, name="budget_type", native_enum=False), default="original")
    status: Mapped[str] = mapped_column(
        Enum(*BUDGET_STATUSES, name="budget_status", native_enum=False), default="indicative"
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship(back_populates="budget_lines")
