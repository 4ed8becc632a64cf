"""Keeping the rollup tables exact.

A project's contribution to every rollup cell is computed by the same GROUP BY statements that
rebuild the tables from scratch. A write subtracts the contributions of the projects it touches
before the change and adds them back after it, in its own transaction and inside the database (an
upsert that increments), so the rollups never drift from the base tables.
"""
from contextlib import contextmanager

from sqlalchemy import (BigInteger, Integer, case, cast, delete, extract, func, insert, literal, select, true,
                        type_coerce, union_all)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from portfolio.extensions import db
from portfolio.models import BudgetLine, Project, ProjectPriority, RollupPriority, RollupProject, RollupYear
from portfolio.models.rollup import NO_START, OPEN_END
from portfolio.services.project_queries import id_filter

CHUNK = 900


def _year(column):
    return cast(extract("year", column), Integer)


def _keys():
    start = case((Project.start_date.is_(None), NO_START), else_=_year(Project.start_date))
    end = case((Project.end_date.is_(None), OPEN_END), else_=_year(Project.end_date))
    return [Project.region_id, Project.status, Project.synthetic, start, end]


def _cents_sum(column):
    """SUM of a ScaledDecimal column as the raw integer cents (no conversion to dollars)."""
    return type_coerce(func.coalesce(func.sum(type_coerce(column, BigInteger)), 0), BigInteger)


def _restrict(statement, ids, *joined):
    """Only these projects. The same filter on every inner-joined table's project id as well: it is
    redundant, but it lets the planner read those tables by index instead of scanning them."""
    if ids is None:
        return statement
    return statement.where(*(id_filter(column, ids) for column in (Project.id, *joined)))


def _project_query(ids):
    keys = _keys()
    measures = [func.count(Project.id), func.count(case((Project.budget_usd.is_(None), 1))),
                _cents_sum(Project.budget_usd)]
    everyone = _restrict(select(literal(0), *keys, *measures).group_by(*keys), ids)
    pf = aliased(ProjectPriority)
    by_filter = _restrict(select(pf.priority_id, *keys, *measures).join(pf, pf.project_id == Project.id)
                          .group_by(pf.priority_id, *keys), ids, pf.project_id)
    return union_all(everyone, by_filter)


def _priority_query(ids):
    keys = _keys()
    pp = aliased(ProjectPriority)
    budget = case((pp.project_id.is_(None), Project.budget_usd), else_=pp.budget_usd)
    measures = [func.count(Project.id), func.count(case((budget.is_(None), 1))), _cents_sum(budget)]
    priority = func.coalesce(pp.priority_id, 0)
    everyone = _restrict(select(literal(0), priority, *keys, *measures)
                         .outerjoin(pp, pp.project_id == Project.id).group_by(priority, *keys), ids)
    pf = aliased(ProjectPriority)
    by_filter = _restrict(select(pf.priority_id, pp.priority_id, *keys, *measures)
                          .join(pp, pp.project_id == Project.id).join(pf, pf.project_id == Project.id)
                          .group_by(pf.priority_id, pp.priority_id, *keys), ids, pp.project_id, pf.project_id)
    return union_all(everyone, by_filter)


def _year_query(ids):
    """Budget lines by the year their period starts. The lines are summed per project and year
    first (one read of budget_lines, shared by both parts): a project's row there counts it once."""
    keys = _keys()
    year = _year(BudgetLine.period_start)
    lines = select(BudgetLine.project_id.label("project_id"), year.label("year"),
                   _cents_sum(BudgetLine.usd_amount).label("cents")).group_by(BudgetLine.project_id, year)
    if ids is not None:
        lines = lines.where(id_filter(BudgetLine.project_id, ids))
    lines = lines.cte("lines")
    measures = [func.count(lines.c.project_id), type_coerce(func.coalesce(func.sum(lines.c.cents), 0), BigInteger)]
    everyone = (select(literal(0), lines.c.year, *keys, *measures)
                .join_from(lines, Project, Project.id == lines.c.project_id).group_by(lines.c.year, *keys))
    pf = aliased(ProjectPriority)
    by_filter = _restrict(select(pf.priority_id, lines.c.year, *keys, *measures)
                          .join_from(lines, Project, Project.id == lines.c.project_id)
                          .join(pf, pf.project_id == Project.id)
                          .group_by(pf.priority_id, lines.c.year, *keys), ids, pf.project_id)
    return union_all(everyone, by_filter)


KEYS = ["filter_priority_id", "region_id", "status", "synthetic", "start_year", "end_year"]
TABLES = (
    (RollupProject, _project_query, KEYS, ["project_count", "unknown_count", "budget_usd"]),
    (RollupPriority, _priority_query, ["filter_priority_id", "priority_id"] + KEYS[1:],
     ["project_count", "unknown_count", "budget_usd"]),
    (RollupYear, _year_query, ["filter_priority_id", "year"] + KEYS[1:], ["project_count", "budget_usd"]),
)



def contributions(ids=None) -> dict:
    """{model: {key tuple: [measures]}} for the given project ids (None: all projects).

    Budgets are integer cents here (the raw column sums), so differences are exact integers.
    """
    out = {}
    for model, query, keys, measures in TABLES:
        cells: dict = {}
        chunks = [None] if ids is None else [list(ids)[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
        for chunk in chunks:
            if chunk == []:
                continue
            for row in db.session.execute(query(chunk)):
                key = tuple(bool(v) if k == "synthetic" else int(v) if k not in ("status",) else v
                            for k, v in zip(keys, row[:len(keys)]))
                values = [int(v) for v in row[len(keys):]]
                if key in cells:
                    cells[key] = [a + b for a, b in zip(cells[key], values)]
                else:
                    cells[key] = values
        out[model] = cells
    return out


class Tracker:
    def __init__(self, ids):
        self.ids = set(ids)

    def add(self, project_id: int) -> None:
        self.ids.add(project_id)


SQLITE_IDS_PER_STATEMENT = 30000  # below SQLite's 32,766 bound parameters


def add_contributions(ids, sign: int) -> None:
    """Add (sign=+1) or remove (sign=-1) the projects' current contributions to every rollup cell,
    in the database: INSERT ... SELECT ... ON CONFLICT DO UPDATE SET m = m + excluded.m."""
    ids = sorted(ids)
    if not ids:
        return
    dialect = db.session.get_bind().dialect.name
    step = len(ids) if dialect == "postgresql" else SQLITE_IDS_PER_STATEMENT
    for start in range(0, len(ids), step):
        chunk = ids[start:start + step]
        for model, query, keys, measures in TABLES:
            source = query(chunk).subquery()
            columns = list(source.c)
            rows = (select(*columns[:len(keys)], *[column * sign for column in columns[len(keys):]])
                    # WHERE: SQLite's upsert needs one after a SELECT; ORDER BY: every writer locks the
                    # cells in the same order, so concurrent writers cannot deadlock.
                    .where(true()).order_by(*columns[:len(keys)]))
            table = model.__table__
            statement = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
                         ).from_select(keys + measures, rows)
            statement = statement.on_conflict_do_update(
                index_elements=[table.c[k] for k in keys],
                set_={m: table.c[m] + getattr(statement.excluded, m) for m in measures})
            db.session.execute(statement)


@contextmanager
def tracked(project_ids=()):
    """Wrap a write: the rollups move by exactly the change in the touched projects' contributions."""
    tracker = Tracker(project_ids)
    db.session.flush()
    add_contributions(tracker.ids, -1)
    yield tracker
    db.session.flush()
    add_contributions(tracker.ids, +1)


def rebuild() -> None:
    """Recompute every rollup from the base tables (after raw loads such as `flask demo-data`)."""
    for model, query, keys, measures in TABLES:
        db.session.execute(delete(model))
        db.session.execute(insert(model).from_select(keys + measures, query(None)))
    db.session.commit()


def differences() -> list[tuple]:
    """Cells where the stored rollups differ from a fresh computation (should always be empty)."""
    fresh = contributions(None)
    out = []
    for model, _, keys, measures in TABLES:
        stored = {}
        columns = [model.__table__.c[k] for k in keys] + [type_coerce(model.__table__.c[m], BigInteger)
                                                          for m in measures]
        for row in db.session.execute(select(*columns)):
            key = tuple(bool(v) if k == "synthetic" else v for k, v in zip(keys, row[:len(keys)]))
            values = [int(v) for v in row[len(keys):]]
            if any(values):
                stored[key] = values
        expected = {k: v for k, v in fresh[model].items() if any(v)}
        for key in set(stored) | set(expected):
            if stored.get(key) != expected.get(key):
                out.append((model.__tablename__, key, stored.get(key), expected.get(key)))
    return out


