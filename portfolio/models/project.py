"""Projects and their classifications. Their money is in finance.py, its attributions in figures.py."""
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base, UtcDateTime, utcnow
from portfolio.money import ScaledDecimal

# IATI ActivityStatus codelist, codes 1-6.
PROJECT_STATUSES = ("pipeline", "implementation", "finalisation", "closed", "cancelled", "suspended")
# OECD DAC 5-digit purpose codes a project may state (IATI Sector vocabulary 1). Only 15190 is known here:
# "Facilitation of orderly, safe, regular and responsible migration and mobility".
DAC_SECTORS = {"15190": "Facilitation of orderly, safe, regular and responsible migration and mobility"}
# IATI ActivityScope codelist (2.03): the geographical scope of the activity, as the project states it.
ACTIVITY_SCOPES = {"1": "Global", "2": "Regional", "3": "Multi-national", "4": "National",
                   "5": "Sub-national: Multi-first-level administrative areas",
                   "6": "Sub-national: Single first-level administrative area",
                   "7": "Sub-national: Single second-level administrative area", "8": "Single location"}


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
    # Unique as written, and regardless of case: migration 0008's unique index on lower(code) (an expression
    # index, made by the migration and left out of autogenerate's comparison, as lower(title)'s is).
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    status: Mapped[str] = mapped_column(Enum(*PROJECT_STATUSES, name="project_status", native_enum=False), index=True)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    post_emergency: Mapped[bool] = mapped_column(default=False)
    # The OECD DAC purpose code the project states (published as IATI sector vocabulary 1); NULL: none stated.
    dac_sector: Mapped[str | None] = mapped_column(String(5))
    activity_scope: Mapped[str | None] = mapped_column(String(2))
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



REQUIRED = "required"  # a PUT must carry the field (the schema requires it)
SERVER = "server"  # the API never writes the field (seed, demo data)


class Field(NamedTuple):
    """One field of a project, declared once: what a write stores, what PUT resets, what the audit trail
    records and the bulk files carry follow from PROJECT_FIELDS (ARCHITECTURE.md, "Where new code belongs").

    kind: "key" (the code), "column" (a column of `projects`, stored as given: services/storage.py apply),
    "region" (a code stored as its id) or "links" (a list in a link table). put: what a PUT that leaves the
    field out writes, REQUIRED or SERVER. audit: in the audit snapshot (services/state.py snapshot). csv: a
    column of the bulk CSV / XLSX files (schemas/bulk.py, services/bulk_exports.py), in this order."""

    name: str
    kind: str = "column"
    put: object = REQUIRED
    audit: bool = True
    csv: bool = True


PROJECT_FIELDS = (
    Field("code", "key"),
    Field("title"),
    Field("region", "region"),
    Field("acronym", put=None),
    Field("description", put=None),
    Field("status", put="pipeline"),
    Field("start_date", put=None),
    Field("end_date", put=None),
    Field("post_emergency", put=False),
    Field("countries", "links", put=[]),
    Field("priorities", "links"),
    Field("activity_types", "links", put=[]),
    Field("rcps", "links", put=[]),
    Field("participating_organisations", "links", put=[]),
    Field("dac_sector", put=None),
    Field("activity_scope", put=None),
    Field("synthetic", put=SERVER, csv=False),
    Field("source", put=SERVER, csv=False),
    Field("judgement", put=SERVER, audit=False, csv=False),
)
# The columns of `projects` a write takes as given, and what a PUT that leaves a field out writes.
PROJECT_COLUMNS = tuple(f.name for f in PROJECT_FIELDS if f.kind == "column")
PUT_DEFAULTS = {f.name: f.put for f in PROJECT_FIELDS if f.put not in (REQUIRED, SERVER)}
CSV_FIELDS = tuple(f for f in PROJECT_FIELDS if f.csv)

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
