"""Budget rollups, computed in the database with GROUP BY over exact integer cents.

Per-priority and per-country budgets are stored allocations (see allocation.py), year and donor
come from budget lines, so every additive dimension sums to the portfolio total to the cent.
"""
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from sqlalchemy import Select, case, exists, extract, func, literal_column, null, select, union_all

from portfolio.extensions import db
from portfolio.models import (
    PROJECT_STATUSES,
    ActivityType,
    BudgetLine,
    Country,
    Priority,
    Project,
    ProjectActivityType,
    ProjectCountry,
    ProjectPriority,
    ProjectRcp,
    Rcp,
    Region,
    RollupPriority,
    RollupProject,
    RollupYear,
)
from portfolio.models.rollup import NO_START
from portfolio.money import allocate, to_cents
from portfolio.services.project_queries import project_filters

DIMENSIONS = ("region", "priority", "activity-type", "rcp", "country", "year", "donor", "status")
ZERO = Decimal("0.00")

NOTES = {
    "region": "Each project has one region: rows add up to the total.",
    "status": "Each project has one status: rows add up to the total.",
    "priority": "Budgets are attributed by each project's priority shares, in cents by largest remainder: rows add "
                "up to the total. A project serving several priorities is counted in each of them.",
    "country": "Budgets are split equally across a project's countries, in cents by largest remainder: rows add up "
               "to the total. A project in several countries is counted in each of them.",
    "year": "By the year in which each budget line's period starts: rows add up to the total of known budgets. "
            "Projects with an unknown budget have no line and appear only in total.unknown_budget_count.",
    "donor": "By the donor of each budget line: rows add up to the total of known budgets.",
    "activity-type": "A project may have several activity types; each row carries the project's whole budget, so "
                     "rows overlap and do NOT add up to the total.",
    "rcp": "By stated RCP links. A project may be linked to several RCPs; each row carries the project's whole "
           "budget, so rows overlap and do NOT add up to the total.",
}
ADDITIVE = {"region": (True, True), "status": (True, True), "priority": (True, False), "country": (True, False),
            "year": (True, False), "donor": (True, False), "activity-type": (False, False), "rcp": (False, False)}


def _within(statement, project_id_column, clauses):
    if not clauses:
        return statement
    return statement.where(project_id_column.in_(select(Project.id).where(*clauses)))


def scope(statement, project_id_column, args):
    """`statement` restricted to the projects matching the list filters in `args`."""
    return _within(statement, project_id_column, project_filters(args))


def _unknown(budget_column):
    return func.count(case((budget_column.is_(None), 1)))


def _measures(count, unknown, budget) -> list:
    return [count.label("project_count"), unknown.label("unknown_count"), budget.label("budget")]


def _cell(count, unknown, budget) -> dict:
    count, unknown = int(count or 0), int(unknown or 0)
    if budget is None or (count and unknown == count):
        budget = None if count and unknown == count else ZERO
    return {"project_count": count, "unknown_budget_count": unknown, "budget_usd": budget}


class Part(NamedTuple):
    """One grouped SELECT of an answer: its first `keys` columns are the group key, then
    (project count, unknown-budget count, budget)."""

    statement: Select
    keys: int


def fetch(parts: dict[object, Part]) -> dict:
    """Every part in one statement (UNION ALL, each row tagged with its part): one round trip, and a
    shared filter (the `matching` CTE) is evaluated once. A part with a key gives {key: values},
    a part without one gives its single values tuple."""
    names = list(parts)
    width = max(part.keys for part in parts.values())
    members = []
    for tag, name in enumerate(names):
        columns = list(parts[name].statement.subquery().c)
        n = parts[name].keys
        keys = columns[:n] + [null()] * (width - n)
        members.append(select(literal_column(str(tag)).label("part"),
                              *(key.label(f"key{i}") for i, key in enumerate(keys)), *columns[n:]))
    statement = members[0] if len(members) == 1 else union_all(*members)
    found: dict = {name: {} for name in names}
    for row in db.session.execute(statement):
        name = names[row[0]]
        n = parts[name].keys
        found[name][row[1] if n == 1 else tuple(row[1:1 + n])] = tuple(row[1 + width:])
    for name in names:
        if not parts[name].keys:
            found[name] = found[name].get((), (0, 0, None))
    return found


class BaseReader:
    """GROUP BY over the base tables: any filter.

    When an answer has several parts, the filter (which may be a text search over every project) is
    evaluated once, as a materialized CTE of the matching projects that every part reads; a single
    part is left to the planner, with the filter applied directly.
    """

    def __init__(self, args, shared: bool = True):
        self.clauses = project_filters(args)
        self.matching = None
        if self.clauses and shared:
            self.matching = (select(Project.id, Project.budget_usd).where(*self.clauses)
                             .cte("matching").prefix_with("MATERIALIZED"))

    def restrict(self, statement, project_id_column):
        if not self.clauses:
            return statement
        if self.matching is not None:
            return statement.where(project_id_column.in_(select(self.matching.c.id)))
        if project_id_column is Project.id and not statement.get_final_froms()[1:]:
            return statement.where(*self.clauses)  # a query over projects alone: filter it directly
        return _within(statement, project_id_column, self.clauses)

    def grouped(self, keys, project_id, budget, *, joins=(), distinct=False) -> Part:
        count = func.count(func.distinct(project_id)) if distinct else func.count(project_id)
        statement = select(*keys, *_measures(count, _unknown(budget), func.sum(budget)))
        for target, on in joins:
            statement = statement.join(target, on)
        return Part(self.restrict(statement.group_by(*keys), project_id), len(keys))

    def projects_by(self, column_name) -> Part:
        return self.grouped([getattr(Project, column_name)], Project.id, Project.budget_usd)

    def priorities(self) -> Part:
        return self.grouped([ProjectPriority.priority_id], ProjectPriority.project_id, ProjectPriority.budget_usd)

    def region_priorities(self) -> Part:
        return self.grouped([Project.region_id, ProjectPriority.priority_id], ProjectPriority.project_id,
                            ProjectPriority.budget_usd, joins=[(Project, Project.id == ProjectPriority.project_id)])

    def years(self) -> Part:
        year = extract("year", BudgetLine.period_start)
        return self.grouped([year], BudgetLine.project_id, BudgetLine.usd_amount, distinct=True)

    def _projects(self, *where) -> Part:
        """count, unknown and budget of the projects in scope (and matching `where`)."""
        if self.matching is not None:
            source = self.matching.c
            return Part(select(*_measures(func.count(source.id), _unknown(source.budget_usd),
                                          func.sum(source.budget_usd))).where(*where), 0)
        return Part(self.restrict(select(*_measures(func.count(Project.id), _unknown(Project.budget_usd),
                                                    func.sum(Project.budget_usd))).where(*where), Project.id), 0)

    def totals(self) -> Part:
        return self._projects()

    def without(self, link_model) -> Part:
        """Projects (in scope) with no row in `link_model`."""
        project_id = self.matching.c.id if self.matching is not None else Project.id
        return self._projects(~exists().where(link_model.project_id == project_id))


ROLLUP_FILTERS = {"region", "priority", "status", "synthetic", "year_from", "year_to"}
ROLLUP_DIMENSIONS = {"region", "status", "priority", "year", "region-priority"}


class RollupReader:
    """The same answers from the rollup tables, for the filters and dimensions they are keyed by."""

    def __init__(self, args):
        self.args = args

    @staticmethod
    def serves(args) -> bool:
        return all(name in ROLLUP_FILTERS for name, value in args.items() if value is not None)

    def _where(self, model):
        args = self.args
        clauses = []
        if args.get("priority"):
            clauses.append(model.filter_priority_id == select(Priority.id).where(
                Priority.code == args["priority"]).scalar_subquery())
        else:
            clauses.append(model.filter_priority_id == 0)
        if args.get("region"):
            clauses.append(model.region_id == select(Region.id).where(Region.code == args["region"]).scalar_subquery())
        if args.get("status"):
            clauses.append(model.status == args["status"])
        if args.get("synthetic") is not None:
            clauses.append(model.synthetic.is_(args["synthetic"]))
        if args.get("year_from"):
            clauses += [model.start_year != NO_START, model.end_year >= args["year_from"]]
        if args.get("year_to"):
            clauses += [model.start_year != NO_START, model.start_year <= args["year_to"]]
        return clauses

    def grouped(self, model, keys, with_unknown=True) -> Part:
        unknown = func.sum(model.unknown_count) if with_unknown else literal_column("0")
        # Rollup rows whose count went back to zero stay behind; an empty group is not a row.
        return Part(select(*keys, *_measures(func.sum(model.project_count), unknown, func.sum(model.budget_usd)))
                    .where(*self._where(model)).group_by(*keys).having(func.sum(model.project_count) > 0),
                    len(keys))

    def projects_by(self, column_name) -> Part:
        return self.grouped(RollupProject, [getattr(RollupProject, column_name)])

    def priorities(self) -> Part:
        return self.grouped(RollupPriority, [RollupPriority.priority_id])

    def region_priorities(self) -> Part:
        return self.grouped(RollupPriority, [RollupPriority.region_id, RollupPriority.priority_id])

    def years(self) -> Part:
        return self.grouped(RollupYear, [RollupYear.year], with_unknown=False)

    def totals(self) -> Part:
        return Part(select(*_measures(func.sum(RollupProject.project_count), func.sum(RollupProject.unknown_count),
                                      func.sum(RollupProject.budget_usd))).where(*self._where(RollupProject)), 0)

    def without(self, link_model) -> Part | None:
        return None  # the priority rollup keeps projects without a priority under priority 0


def reader(args, dimension: str = "region", use_rollups: bool = True, parts: int = 2):
    """The rollups when they can answer; else the base tables, whose filter is shared by the parts
    of the answer when there are several (one query is better left to the planner)."""
    if use_rollups and dimension in ROLLUP_DIMENSIONS and RollupReader.serves(args):
        return RollupReader(args)
    return BaseReader(args, shared=parts > 1)


def totals(args, use_rollups: bool = True) -> dict:
    return _cell(*fetch({"total": reader(args, use_rollups=use_rollups).totals()})["total"])


def _cached(key, load):
    """Reference data read once per unit of work (the session), whatever the answer needs of it."""
    cache = db.session.info.setdefault("vocabulary", {})
    if key not in cache:
        cache[key] = load()
    return cache[key]


def _vocabulary(model, label="name"):
    """(id, code, label) in the vocabulary's order."""
    return _cached((model, label), lambda: [(row.id, row.code, getattr(row, label)) for row in db.session.scalars(
        select(model).order_by(model.position))])


def _country_names() -> dict:
    return _cached(Country, lambda: dict(db.session.execute(select(Country.code, Country.name)).all()))


LINKS = {"priority": ProjectPriority, "country": ProjectCountry, "activity-type": ProjectActivityType,
         "rcp": ProjectRcp}


def _parts(dimension: str, source) -> dict[str, Part]:
    """The grouped rows of `dimension` (and the projects with no row, for linked dimensions)."""
    if dimension == "region":
        parts = {"rows": source.projects_by("region_id")}
    elif dimension == "status":
        parts = {"rows": source.projects_by("status")}
    elif dimension == "priority":
        parts = {"rows": source.priorities()}
    elif dimension == "year":
        parts = {"rows": source.years()}
    elif dimension == "country":
        parts = {"rows": source.grouped([ProjectCountry.country_code], ProjectCountry.project_id,
                                        ProjectCountry.budget_usd)}
    elif dimension == "activity-type":
        parts = {"rows": source.grouped([ProjectActivityType.activity_type_id], ProjectActivityType.project_id,
                                        Project.budget_usd,
                                        joins=[(Project, Project.id == ProjectActivityType.project_id)])}
    elif dimension == "rcp":
        parts = {"rows": source.grouped([ProjectRcp.rcp_id], ProjectRcp.project_id, Project.budget_usd,
                                        joins=[(Project, Project.id == ProjectRcp.project_id)])}
    elif dimension == "donor":
        parts = {"rows": source.grouped([BudgetLine.donor], BudgetLine.project_id, BudgetLine.usd_amount,
                                        distinct=True)}
    else:
        raise KeyError(dimension)
    if dimension in LINKS:
        none = source.without(LINKS[dimension])
        if none is not None:
            parts["none"] = none
    return parts


NONE_LABELS = {"priority": "(no priority)", "country": "(no country)", "activity-type": "(no activity type)",
               "rcp": "(no stated RCP link)"}


def _rows(dimension: str, found: dict) -> list[dict]:
    """The answer's rows, in the vocabulary's order, from the fetched parts."""
    grouped = found["rows"]
    rows: list[tuple] = []  # (key, label, (count, unknown, budget))
    if dimension == "region":
        rows = [(code, name, grouped.get(id_)) for id_, code, name in _vocabulary(Region)]
    elif dimension == "status":
        rows = [(status, status, grouped.get(status)) for status in PROJECT_STATUSES]
    elif dimension == "priority":
        rows = [(code, name, grouped.get(id_)) for id_, code, name in _vocabulary(Priority)]
    elif dimension == "year":
        years = {int(year): values for year, values in grouped.items()}
        rows = [(year, str(year), years[year]) for year in sorted(years)]
    elif dimension == "country":
        names = _country_names()
        rows = [(code, names.get(code, code), grouped[code]) for code in sorted(grouped)]
    elif dimension == "activity-type":
        rows = [(code, name, grouped.get(id_)) for id_, code, name in _vocabulary(ActivityType)]
    elif dimension == "rcp":
        rows = [(code, name, grouped.get(id_)) for id_, code, name in _vocabulary(Rcp, "short_name")]
    elif dimension == "donor":
        rows = [(donor, donor, grouped[donor]) for donor in sorted(k for k in grouped if k is not None)]
        if None in grouped:
            rows.append((None, "(donor not stated)", grouped[None]))
    if dimension in LINKS:
        # The priority rollup keeps projects without a priority under priority 0 (no "none" part).
        none = found["none"] if "none" in found else grouped.get(0)
        if none and none[0]:
            rows.append((None, NONE_LABELS[dimension], none))
    return [{"key": key, "label": label, **_cell(*(values or (0, 0, None)))} for key, label, values in rows]


def _shares(rows: list[dict], total: Decimal | None, additive: bool) -> None:
    known = [row for row in rows if row["budget_usd"] is not None]
    if not total:
        for row in rows:
            row["share_percent"] = None
        return
    total_cents = to_cents(total)
    if additive:
        # Largest remainder on basis points, so the shares of additive rows sum to exactly 100.00.
        points = allocate(10000, [to_cents(row["budget_usd"]) for row in known])
        for row, bp in zip(known, points):
            row["share_percent"] = Decimal(bp) / 100
    else:
        for row in known:
            row["share_percent"] = (Decimal(to_cents(row["budget_usd"])) * 100 / total_cents).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP)
    for row in rows:
        row.setdefault("share_percent", None)


def aggregate(dimension: str, args: dict, use_rollups: bool = True) -> dict:
    # Each project is in exactly one region or status row: their total is the sum of the rows.
    derived_total = dimension in ("region", "status")
    source = reader(args, dimension, use_rollups, parts=1 if derived_total else 2)
    parts = _parts(dimension, source)
    if not derived_total:
        parts["total"] = source.totals()
    found = fetch(parts)
    rows = _rows(dimension, found)
    if derived_total:
        total = _cell(sum(r["project_count"] for r in rows), sum(r["unknown_budget_count"] for r in rows),
                      sum((r["budget_usd"] for r in rows if r["budget_usd"] is not None), ZERO))
    else:
        total = _cell(*found["total"])
    additive, counts_additive = ADDITIVE[dimension]
    _shares(rows, total["budget_usd"], additive)
    return {"dimension": dimension, "additive": additive, "counts_additive": counts_additive,
            "note": NOTES[dimension], "rows": rows, "total": total}


def region_priority(args: dict, use_rollups: bool = True) -> dict:
    source = reader(args, "region-priority", use_rollups)
    margins = {dimension: _parts(dimension, source) for dimension in ("region", "priority")}
    found = fetch({"cells": source.region_priorities(), "total": source.totals(),
                   **{(dimension, name): part for dimension, parts in margins.items() for name, part in parts.items()}})
    by = {dimension: {row["key"]: row for row in _rows(dimension, {name: found[dimension, name] for name in parts})}
          for dimension, parts in margins.items()}
    cells = {key: _cell(*values) for key, values in found["cells"].items()}
    regions, priorities = _vocabulary(Region), _vocabulary(Priority)
    empty = _cell(0, 0, None)
    out_rows = []
    for region_id, region_code, region_name in regions:
        row_cells = [{"priority": p_code, **{k: v for k, v in cells.get((region_id, p_id), empty).items()
                                              if k != "unknown_budget_count"}}
                     for p_id, p_code, _ in priorities]
        region_row = by["region"][region_code]
        out_rows.append({"region": region_code, "label": region_name, "cells": row_cells,
                         "project_count": region_row["project_count"],
                         "unknown_budget_count": region_row["unknown_budget_count"],
                         "budget_usd": region_row["budget_usd"]})
    columns = [{"priority": code, "label": name, "project_count": by["priority"][code]["project_count"],
                "budget_usd": by["priority"][code]["budget_usd"]} for _, code, name in priorities]
    return {"dimension": "region-priority", "additive": True,
            "note": "Cells attribute each project's budget to its priorities by share (largest remainder, in cents): "
                    "cells sum to their row (region) and column (priority) totals, which sum to the total.",
            "rows": out_rows, "columns": columns, "total": _cell(*found["total"])}
