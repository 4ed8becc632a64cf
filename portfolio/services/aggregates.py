"""Budget rollups, computed in the database with GROUP BY over exact integer cents.

Per-priority and per-country budgets are stored allocations (see allocation.py), year and donor
come from budget lines, so every additive dimension sums to the portfolio total to the cent.
"""
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, exists, extract, func, literal, select

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
from portfolio.services.project_queries import id_filter, project_filters

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


def scope(statement, project_id_column, args):
    clauses = project_filters(args)
    if not clauses:
        return statement
    return statement.where(project_id_column.in_(select(Project.id).where(*clauses)))


def _unknown(budget_column):
    return func.count(case((budget_column.is_(None), 1)))


def _cell(count, unknown, budget) -> dict:
    count, unknown = int(count or 0), int(unknown or 0)
    if budget is None or (count and unknown == count):
        budget = None if count and unknown == count else ZERO
    return {"project_count": count, "unknown_budget_count": unknown, "budget_usd": budget}


IDS_INLINE_LIMIT = 20000


class BaseReader:
    """GROUP BY over the base tables: any filter.

    The filters are evaluated once, into the set of matching project ids, which every grouped query
    then reads by primary key (the filter may be a text search over every project).
    """

    def __init__(self, args, prefetch: bool = True):
        self.args = args
        self._ids = None if prefetch else False

    def restrict(self, statement, project_id_column):
        clauses = project_filters(self.args)
        if not clauses:
            return statement
        if self._ids is None:
            found = db.session.scalars(select(Project.id).where(*clauses).limit(IDS_INLINE_LIMIT + 1)).all()
            self._ids = found if len(found) <= IDS_INLINE_LIMIT else False
        if self._ids is False:  # one query, or too many ids to pass: let the database apply the filter
            if project_id_column is Project.id and not statement.get_final_froms()[1:]:
                return statement.where(*clauses)  # a query over projects alone: filter it directly
            return scope(statement, project_id_column, self.args)
        return statement.where(id_filter(project_id_column, self._ids))

    def _grouped(self, keys, project_id, budget, *, joins=(), distinct=False):
        count = func.count(func.distinct(project_id)) if distinct else func.count(project_id)
        statement = select(*keys, count, _unknown(budget), func.sum(budget))
        for target, on in joins:
            statement = statement.join(target, on)
        statement = self.restrict(statement.group_by(*keys), project_id)
        n = len(keys)
        return {(row[0] if n == 1 else tuple(row[:n])): tuple(row[n:]) for row in db.session.execute(statement)}

    def projects_by(self, column_name):
        return self._grouped([getattr(Project, column_name)], Project.id, Project.budget_usd)

    def priorities(self):
        return self._grouped([ProjectPriority.priority_id], ProjectPriority.project_id, ProjectPriority.budget_usd)

    def region_priorities(self):
        return self._grouped([Project.region_id, ProjectPriority.priority_id], ProjectPriority.project_id,
                             ProjectPriority.budget_usd, joins=[(Project, Project.id == ProjectPriority.project_id)])

    def years(self):
        year = extract("year", BudgetLine.period_start)
        found = self._grouped([year], BudgetLine.project_id, BudgetLine.usd_amount, distinct=True)
        return {int(k): v for k, v in found.items()}

    def totals(self):
        statement = self.restrict(select(func.count(Project.id), _unknown(Project.budget_usd),
                                         func.sum(Project.budget_usd)), Project.id)
        return db.session.execute(statement).one()

    def without(self, link_model):
        """Projects (in scope) with no row in `link_model`: count, unknown, budget."""
        statement = select(func.count(Project.id), _unknown(Project.budget_usd), func.sum(Project.budget_usd)).where(
            ~exists().where(link_model.project_id == Project.id))
        return db.session.execute(self.restrict(statement, Project.id)).one()


ROLLUP_FILTERS = {"region", "priority", "status", "synthetic", "year_from", "year_to"}


class RollupReader:
    """The same answers from the rollup tables, for the filters they are keyed by."""

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

    def _grouped(self, model, keys, with_unknown=True):
        unknown = func.sum(model.unknown_count) if with_unknown else literal(0)
        statement = (select(*keys, func.sum(model.project_count), unknown, func.sum(model.budget_usd))
                     .where(*self._where(model)).group_by(*keys))
        n = len(keys)
        return {(row[0] if n == 1 else tuple(row[:n])): tuple(row[n:]) for row in db.session.execute(statement)
                if row[n]}

    def projects_by(self, column_name):
        return self._grouped(RollupProject, [getattr(RollupProject, column_name)])

    def priorities(self):
        found = self._grouped(RollupPriority, [RollupPriority.priority_id])
        if 0 in found:
            found[None] = found.pop(0)
        return found

    def region_priorities(self):
        return {k: v for k, v in self._grouped(RollupPriority, [RollupPriority.region_id,
                                                                 RollupPriority.priority_id]).items() if k[1]}

    def years(self):
        return {int(k): v for k, v in self._grouped(RollupYear, [RollupYear.year], with_unknown=False).items()}

    def totals(self):
        statement = select(func.sum(RollupProject.project_count), func.sum(RollupProject.unknown_count),
                           func.sum(RollupProject.budget_usd)).where(*self._where(RollupProject))
        return db.session.execute(statement).one()

    def without_priority(self):
        return self.priorities().get(None)


def reader(args, use_rollups: bool = True, queries: int = 2):
    """The rollups when they can answer; else the base tables, whose filter is evaluated once up
    front when several queries will reuse it (one query is better left to the planner)."""
    if use_rollups and RollupReader.serves(args):
        return RollupReader(args)
    return BaseReader(args, prefetch=queries > 1)


def totals(args, use_rollups: bool = True) -> dict:
    return _cell(*reader(args, use_rollups).totals())


def _vocabulary(model):
    """(id, code, name) in the vocabulary's order; read once per unit of work."""
    cache = db.session.info.setdefault("vocabulary", {})
    if model not in cache:
        cache[model] = [(row.id, row.code, row.name) for row in db.session.scalars(select(model).order_by(
            model.position))]
    return cache[model]


def _rows(dimension: str, args: dict, use_rollups: bool = True, source=None) -> list[dict]:
    source = source or reader(args, use_rollups)
    base = source if isinstance(source, BaseReader) else BaseReader(args)
    rows: list[tuple] = []  # (key, label, (count, unknown, budget))
    if dimension == "region":
        found = source.projects_by("region_id")
        rows = [(code, name, found.get(id_)) for id_, code, name in _vocabulary(Region)]
    elif dimension == "status":
        found = source.projects_by("status")
        rows = [(status, status, found.get(status)) for status in PROJECT_STATUSES]
    elif dimension == "priority":
        found = source.priorities()
        rows = [(code, name, found.get(id_)) for id_, code, name in _vocabulary(Priority)]
        none = found.get(None) if isinstance(source, RollupReader) else base.without(ProjectPriority)
        if none and none[0]:
            rows.append((None, "(no priority)", none))
    elif dimension == "year":
        found = source.years()
        rows = [(year, str(year), found[year]) for year in sorted(found)]
    elif dimension == "country":
        found = base._grouped([ProjectCountry.country_code], ProjectCountry.project_id, ProjectCountry.budget_usd)
        names = dict(db.session.execute(select(Country.code, Country.name).where(Country.code.in_(list(found)))).all())
        rows = [(code, names.get(code, code), found[code]) for code in sorted(found)]
        rows += _none_row(base, ProjectCountry, "(no country)")
    elif dimension == "activity-type":
        found = base._grouped([ProjectActivityType.activity_type_id], ProjectActivityType.project_id,
                              Project.budget_usd, joins=[(Project, Project.id == ProjectActivityType.project_id)])
        rows = [(code, name, found.get(id_)) for id_, code, name in _vocabulary(ActivityType)]
        rows += _none_row(base, ProjectActivityType, "(no activity type)")
    elif dimension == "rcp":
        found = base._grouped([ProjectRcp.rcp_id], ProjectRcp.project_id, Project.budget_usd,
                              joins=[(Project, Project.id == ProjectRcp.project_id)])
        rcps = db.session.execute(select(Rcp.id, Rcp.code, Rcp.short_name).order_by(Rcp.position)).all()
        rows = [(code, name, found.get(id_)) for id_, code, name in rcps]
        rows += _none_row(base, ProjectRcp, "(no stated RCP link)")
    elif dimension == "donor":
        found = base._grouped([BudgetLine.donor], BudgetLine.project_id, BudgetLine.usd_amount, distinct=True)
        named = sorted(k for k in found if k is not None)
        rows = [(donor, donor, found[donor]) for donor in named]
        if None in found:
            rows.append((None, "(donor not stated)", found[None]))
    else:
        raise KeyError(dimension)
    return [{"key": key, "label": label, **_cell(*(values or (0, 0, None)))} for key, label, values in rows]


def _none_row(base: BaseReader, link_model, label: str) -> list[tuple]:
    count, unknown, budget = base.without(link_model)
    return [(None, label, (count, unknown, budget))] if count else []


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
    source = reader(args, use_rollups, queries=1 if dimension in ("region", "status") else 2)
    rows = _rows(dimension, args, source=source)
    if dimension in ("region", "status"):
        # Each project is in exactly one row: the total is the sum of the rows, no second scan.
        total = _cell(sum(r["project_count"] for r in rows), sum(r["unknown_budget_count"] for r in rows),
                      sum((r["budget_usd"] for r in rows if r["budget_usd"] is not None), ZERO))
    else:
        total = _cell(*source.totals())
    additive, counts_additive = ADDITIVE[dimension]
    _shares(rows, total["budget_usd"], additive)
    return {"dimension": dimension, "additive": additive, "counts_additive": counts_additive,
            "note": NOTES[dimension], "rows": rows, "total": total}


def region_priority(args: dict, use_rollups: bool = True) -> dict:
    source = reader(args, use_rollups)
    found = {key: _cell(*values) for key, values in source.region_priorities().items()}
    regions, priorities = _vocabulary(Region), _vocabulary(Priority)
    by_region = {row["key"]: row for row in _rows("region", args, source=source)}
    by_priority = {row["key"]: row for row in _rows("priority", args, source=source)}
    empty = _cell(0, 0, None)
    out_rows = []
    for region_id, region_code, region_name in regions:
        cells = [{"priority": p_code, **{k: v for k, v in found.get((region_id, p_id), empty).items()
                                          if k != "unknown_budget_count"}}
                 for p_id, p_code, _ in priorities]
        region_row = by_region[region_code]
        out_rows.append({"region": region_code, "label": region_name, "cells": cells,
                         "project_count": region_row["project_count"],
                         "unknown_budget_count": region_row["unknown_budget_count"],
                         "budget_usd": region_row["budget_usd"]})
    columns = [{"priority": code, "label": name, "project_count": by_priority[code]["project_count"],
                "budget_usd": by_priority[code]["budget_usd"]} for _, code, name in priorities]
    return {"dimension": "region-priority", "additive": True,
            "note": "Cells attribute each project's budget to its priorities by share (largest remainder, in cents): "
                    "cells sum to their row (region) and column (priority) totals, which sum to the total.",
            "rows": out_rows, "columns": columns, "total": _cell(*source.totals())}
