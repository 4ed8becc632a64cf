"""Projects and their classifications. Their money is in finance.py, its attributions in figures.py."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base, UtcDateTime, utcnow
from portfolio.money import ScaledDecimal

# IATI ActivityStatus codelist, codes 1-6.
PROJECT_STATUSES = ("pipeline", "implementation", "finalisation", "closed", "cancelled", "suspended")


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="date_order"),
        CheckConstraint("budget_usd IS NULL OR budget_usd >= 0", name="budget_non_negative"),
        # (sort key, id): the list's orderings and keyset pages read these indexes in order.
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
    status: Mapped[str] = mapped_column(Enum(*PROJECT_STATUSES, name="project_status", native_enum=False), index=True)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    post_emergency: Mapped[bool] = mapped_column(default=False)
    # Where the project comes from ("002 Annex ¶7 ...", "api") and, for seeded values that are a
    # judgement rather than a quotation, which ones and why.
    source: Mapped[str] = mapped_column(Text, default="api")
    judgement: Mapped[str | None] = mapped_column(Text)
    synthetic: Mapped[bool] = mapped_column(default=False, index=True)
    # Derived from the budget lines and transactions (services/figures.py). NULL means unknown (no
    # budget line, no original line), which is not the same as zero.
    budget_usd: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))
    original_budget_usd: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))
    actuals_known: Mapped[bool] = mapped_column(default=False)
    # Code, title, acronym and description, lower-cased and without accents: what text search reads.
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ProjectPriority(Base):
    """A priority the project serves, with its share in hundredths of a percent (the shares sum to 100 %)."""

    __tablename__ = "project_priorities"
    __table_args__ = (CheckConstraint("share > 0 AND share <= 10000", name="share_range"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priorities.id"), primary_key=True, index=True)
    share: Mapped[int] = mapped_column(Integer)


class ProjectCountry(Base):
    __tablename__ = "project_countries"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), primary_key=True, index=True)


class ProjectActivityType(Base):
    __tablename__ = "project_activity_types"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    activity_type_id: Mapped[int] = mapped_column(ForeignKey("activity_types.id"), primary_key=True, index=True)


class ProjectRcp(Base):
    """A link between a project and an RCP stated in the sources or by a user."""

    __tablename__ = "project_rcps"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    rcp_id: Mapped[int] = mapped_column(ForeignKey("rcps.id"), primary_key=True, index=True)


# Titles sort without regard to case (and keyset pages walk this index).
Index("ix_projects_lower_title_id", func.lower(Project.title), Project.id)
# Word search: on PostgreSQL a GIN index over the words of search_text (on SQLite an FTS5 table,
# projects_fts, kept in step by triggers; both made by the migration that introduced them).
Index("ix_projects_search", func.to_tsvector(literal_column("'simple'"), Project.search_text),
      postgresql_using="gin").ddl_if(dialect="postgresql")
