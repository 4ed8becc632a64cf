"""Precomputed rollups, kept exact by the write path in the same transaction (statistics/rollups.py).

A cell is keyed by what an aggregate can be filtered by without the base tables: `filter_priority_id`
(0: every project; P: only projects serving priority P), region, status, synthetic; and by `kind`:

- KIND_ALL: each project once (lo = hi = 0): project counts with no year range;
- KIND_YEAR (lo = hi = the year): the money of that year, and the projects having money in it;
- KIND_RUN / KIND_GAP: each run of consecutive years in which a project has money (lo..hi) counts +1,
  each gap between two runs (lo = the last year of one, hi = the first of the next) counts -1. For a
  year range [a, b] the runs that overlap it minus the gaps inside it (a <= lo and hi <= b) count each
  project with money in the range exactly once, whatever its gaps.
"""
from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import AmountColumns, Base, CountColumns

KIND_ALL, KIND_YEAR, KIND_RUN, KIND_GAP = 0, 1, 2, 3


class _Cell(CountColumns, AmountColumns):
    filter_priority_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    synthetic: Mapped[bool] = mapped_column(primary_key=True)
    kind: Mapped[int] = mapped_column(Integer, primary_key=True)
    lo: Mapped[int] = mapped_column(Integer, primary_key=True)
    hi: Mapped[int] = mapped_column(Integer, primary_key=True)


class RollupProject(_Cell, Base):
    """Whole projects."""

    __tablename__ = "rollup_projects"


class RollupPriority(_Cell, Base):
    """Money attributed to each priority by share; counts: the projects serving it (0: none)."""

    __tablename__ = "rollup_priorities"

    priority_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class RollupOrganisation(_Cell, Base):
    """Money attributed to each organisation of a role by share (0: projects with none in that role)."""

    __tablename__ = "rollup_organisations"

    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True)


# A table of many groups (a country, an activity type or an RCP per cell) is read by its filter key and kind
# across every group: its primary key starts with the group, so an index leads with what the reader selects
# (at 100,000 projects rollup_countries holds about 250,000 cells, and PostgreSQL scanned them all).
class RollupCountry(_Cell, Base):
    """Money split equally across each project's countries ("" for a project with none), as the country
    figures hold it; counts: the projects in the country."""

    __tablename__ = "rollup_countries"
    __table_args__ = (Index("ix_rollup_countries_cells", "filter_priority_id", "kind", "lo", "hi"),)

    country_code: Mapped[str] = mapped_column(String(4), primary_key=True)


class RollupActivityType(_Cell, Base):
    """Each project's whole money under each of its activity types (0 for a project with none): the rows of
    an overlap dimension do not add up; counts: the projects of the type."""

    __tablename__ = "rollup_activity_types"
    __table_args__ = (Index("ix_rollup_activity_types_cells", "filter_priority_id", "kind", "lo", "hi"),)

    activity_type_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class RollupRcp(_Cell, Base):
    """Each project's whole money under each RCP it is linked to, once per way of reading its links (`rcp_link`;
    rcp 0: a project with no link of that way); counts: the projects linked to the RCP."""

    __tablename__ = "rollup_rcps"
    __table_args__ = (Index("ix_rollup_rcps_cells", "filter_priority_id", "kind", "lo", "hi"),)

    rcp_link: Mapped[str] = mapped_column(String(8), primary_key=True)
    rcp_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class RollupPriorityFunder(_Cell, Base):
    """Money attributed to each priority and funder (the funding role, by evidence; 0: no funder stated),
    from the cube; counts: the projects serving the priority with that funder among their funders."""

    __tablename__ = "rollup_priority_funders"

    priority_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True)


# The other two margins of the cube (models/figures.py ProjectCrossFigure), so that every pair of its splits
# crosses from cells: many groups a cell, read by filter key and kind (the index, as for countries).
class RollupPriorityCountry(_Cell, Base):
    """Money attributed to each priority and country, from the cube (0, "": none); counts: the projects serving
    the priority in the country."""

    __tablename__ = "rollup_priority_countries"
    __table_args__ = (Index("ix_rollup_priority_countries_cells", "filter_priority_id", "kind", "lo", "hi"),)

    priority_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_code: Mapped[str] = mapped_column(String(4), primary_key=True)


class RollupCountryFunder(_Cell, Base):
    """Money attributed to each country and funder (the funding role, by evidence; "", 0: none), from the cube;
    counts: the projects in the country with that funder among their funders."""

    __tablename__ = "rollup_country_funders"
    __table_args__ = (Index("ix_rollup_country_funders_cells", "filter_priority_id", "kind", "lo", "hi"),)

    country_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
