"""A project's money by year, and its attribution to priorities, countries and organisations.

Derived data (services/figures.py), rewritten by the write path for a project whose derivation changed
(its budget lines, transactions, links or shares; not a title or a status), and for every project when the
priorities' order changes (`flask seed`) or a migration marks them stale; `flask rollups verify` compares
them with a fresh derivation. Every amount of every year is split in cents by largest remainder, so
that every rollup and every base-table aggregate is a plain, exact SUM over these rows.
Year: a calendar year; a budget period crossing a year end counts in each year pro rata by days.
"""
from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import AmountColumns, Base


class _Year:
    # The attribution tables' keys do not lead with project_id, so each has an index on it of its own
    # (migration 0006): without it every write that replaces a project's figures, and every project
    # deleted (ON DELETE CASCADE), read those tables whole on PostgreSQL (900,000 rows at 100,000 projects).
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class ProjectFigure(_Year, AmountColumns, Base):
    __tablename__ = "project_figures"


class ProjectPriorityFigure(_Year, AmountColumns, Base):
    __tablename__ = "project_priority_figures"
    __table_args__ = (Index("ix_project_priority_figures_project_id", "project_id"),)  # see _Year

    # 0: the money of a project serving no priority (no foreign key: derived data, written by the write path).
    priority_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class ProjectCountryFigure(_Year, AmountColumns, Base):
    __tablename__ = "project_country_figures"
    __table_args__ = (Index("ix_project_country_figures_project_id", "project_id"),)  # see _Year

    # "": the money of a project in no country (no foreign key: derived data, written by the write path).
    country_code: Mapped[str] = mapped_column(String(4), primary_key=True, index=True)


class ProjectOrganisationFigure(_Year, AmountColumns, Base):
    """Money by role and organisation. The funding role holds every cent of the project's money, by
    evidence, organisation_id 0 being "no funder stated" (so no foreign key: the write path keeps the ids
    true); the other roles hold the money split among their participants only."""

    __tablename__ = "project_organisation_figures"
    __table_args__ = (Index("ix_project_organisation_figures_project_id", "project_id"),)  # see _Year

    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class ProjectCrossFigure(_Year, AmountColumns, Base):
    """Money by priority x country x funder (0, "" and 0 when the project has none), whose three margins are
    exactly the priority, country and funding figures: any two of these dimensions cross to the cent."""

    __tablename__ = "project_cross_figures"
    __table_args__ = (Index("ix_project_cross_figures_project_id", "project_id"),)  # see _Year

    priority_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True)


# The five figure tables in the order the write path derives them (services/figures.py derive).
FIGURE_TABLES = (ProjectFigure.__table__, ProjectPriorityFigure.__table__, ProjectCountryFigure.__table__,
                 ProjectOrganisationFigure.__table__, ProjectCrossFigure.__table__)
