"""Budget rollups, computed in the database with GROUP BY over exact integer cents.

Per-priority and per-country budgets are stored allocations (see allocation.py), year and donor
come from budget lines, so every additive dimension sums to the portfolio total to the cent.
"""
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, exists, extract, func, select

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
)
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


def scope(statement, project_id_column, args):
    clauses = project_filters(args)
    if not clauses:
        return statement
    return statement.where(project_id_column.in_(select(Project.id).where(*clauses)))


def _unknown(budget_column):
    return func.count(case((budget_column.is_(None), 1)))


def _grouped(key, project_id, budget, args, *, joins=(), distinct=False):
    count = func.count(func.distinct(project_id)) if distinct else func.count(project_id)
    statement = select(key, count, _unknown(budget), func.sum(budget))
    for target, on in joins:
        statement = statement.join(target, on)
    statement = scope(statement.group_by(key), project_id, args)
    return {row[0]: (row[1], row[2], row[3]) for row in db.session.execute(statement)}


def _without(link_model, args):
    """Projects (in scope) with no row in `link_model`: counted, unknown, budget."""
    statement = select(func.count(Project.id), _unknown(Project.budget_usd), func.sum(Project.budget_usd)).where(
        ~exists().where(link_model.project_id == Project.id))
    return db.session.execute(scope(statement, Project.id, args)).one()


def totals(args) -> dict:
    statement = scope(select(func.count(Project.id), _unknown(Project.budget_usd), func.sum(Project.budget_usd)),
                       Project.id, args)
    count, unknown, budget = db.session.execute(statement).one()
    return _cell(count, unknown, budget)


def _cell(count, unknown, budget) -> dict:
    count, unknown = int(count or 0), int(unknown or 0)
    if budget is None:
        budget = None if count and unknown == count else ZERO
    return {"project_count": count, "unknown_budget_count": unknown, "budget_usd": budget}


def _vocabulary(model):
    return [(row.id, row.code, row.name) for row in db.session.scalars(select(model).order_by(model.position))]


def _rows(dimension: str, args: dict) -> list[dict]:
    rows: list[tuple] = []  # (key, label, (count, unknown, budget))
    if dimension == "region":
        found = _grouped(Project.region_id, Project.id, Project.budget_usd, args)
        rows = [(code, name, found.get(id_)) for id_, code, name in _vocabulary(Region)]
    elif dimension == "status":
        found = _grouped(Project.status, Project.id, Project.budget_usd, args)
        rows = [(status, status, found.get(status)) for status in PROJECT_STATUSES]
    elif dimension == "priority":
        found = _grouped(ProjectPriority.priority_id, ProjectPriority.project_id, ProjectPriority.budget_usd, args)
        rows = [(code, name, found.get(id_)) for id_, code, name in _vocabulary(Priority)]
        rows += _none_row(ProjectPriority, args, "(no priority)")
    elif dimension == "country":
        found = _grouped(ProjectCountry.country_code, ProjectCountry.project_id, ProjectCountry.budget_usd, args)
        names = dict(db.session.execute(select(Country.code, Country.name).where(Country.code.in_(list(found)))).all())
        rows = [(code, names.get(code, code), found[code]) for code in sorted(found)]
        rows += _none_row(ProjectCountry, args, "(no country)")
    elif dimension == "activity-type":
        found = _grouped(ProjectActivityType.activity_type_id, ProjectActivityType.project_id, Project.budget_usd,
                         args, joins=[(Project, Project.id == ProjectActivityType.project_id)])
        rows = [(code, name, found.get(id_)) for id_, code, name in _vocabulary(ActivityType)]
        rows += _none_row(ProjectActivityType, args, "(no activity type)")
    elif dimension == "rcp":
        found = _grouped(ProjectRcp.rcp_id, ProjectRcp.project_id, Project.budget_usd, args,
                         joins=[(Project, Project.id == ProjectRcp.project_id)])
        rcps = db.session.execute(select(Rcp.id, Rcp.code, Rcp.short_name).order_by(Rcp.position)).all()
        rows = [(code, name, found.get(id_)) for id_, code, name in rcps]
        rows += _none_row(ProjectRcp, args, "(no stated RCP link)")
    elif dimension == "year":
        year = extract("year", BudgetLine.period_start)
        found = _grouped(year, BudgetLine.project_id, BudgetLine.usd_amount, args, distinct=True)
        rows = [(int(y), str(int(y)), found[y]) for y in sorted(found)]
    elif dimension == "donor":
        found = _grouped(BudgetLine.donor, BudgetLine.project_id, BudgetLine.usd_amount, args, distinct=True)
        named = sorted(k for k in found if k is not None)
        rows = [(donor, donor, found[donor]) for donor in named]
        if None in found:
            rows.append((None, "(donor not stated)", found[None]))
    else:
        raise KeyError(dimension)
    return [{"key": key, "label": label, **_cell(*(values or (0, 0, None)))} for key, label, values in rows]


def _none_row(link_model, args, label: str) -> list[tuple]:
    count, unknown, budget = _without(link_model, args)
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


def aggregate(dimension: str, args: dict) -> dict:
    rows = _rows(dimension, args)
    total = totals(args)
    additive, counts_additive = ADDITIVE[dimension]
    _shares(rows, total["budget_usd"], additive)
    return {"dimension": dimension, "additive": additive, "counts_additive": counts_additive,
            "note": NOTES[dimension], "rows": rows, "total": total}


def region_priority(args: dict) -> dict:
    statement = (select(Project.region_id, ProjectPriority.priority_id, func.count(ProjectPriority.project_id),
                        _unknown(ProjectPriority.budget_usd), func.sum(ProjectPriority.budget_usd))
                 .join(Project, Project.id == ProjectPriority.project_id)
                 .group_by(Project.region_id, ProjectPriority.priority_id))
    found = {(r, p): _cell(c, u, b) for r, p, c, u, b in db.session.execute(scope(
        statement, ProjectPriority.project_id, args))}
    regions, priorities = _vocabulary(Region), _vocabulary(Priority)
    by_region = {row["key"]: row for row in _rows("region", args)}
    by_priority = {row["key"]: row for row in _rows("priority", args)}
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
            "rows": out_rows, "columns": columns, "total": totals(args)}
