"""A write moves the rollups by exactly the change in its projects' contributions, computed here from the
states the write path already holds (before and after) rather than re-read with SQL: the same cells
statistics/rollups.py computes with GROUP BY over the stored figures (see models/rollup.py for what a cell
is). `flask rollups verify` and the property tests compare the two computations.
"""
from collections import defaultdict
from operator import add

from portfolio import dialect
from portfolio.measures import AMOUNT_COLUMNS, COUNT_COLUMNS
from portfolio.models import ORGANISATION_ROLES, RollupOrganisation, RollupPriority, RollupProject
from portfolio.models.rollup import KIND_ALL, KIND_GAP, KIND_RUN, KIND_YEAR
from portfolio.services import figures
from portfolio.statistics.rollups import columns

WIDTH = len(COUNT_COLUMNS) + len(AMOUNT_COLUMNS)
NO_MONEY = (0,) * len(AMOUNT_COLUMNS)


def _flags(row: dict) -> tuple:
    unknown_budget = row["budget_usd"] is None
    unknown_actuals = not row["actuals_known"]
    return (1, int(unknown_budget), int(row["original_budget_usd"] is None), int(unknown_actuals),
            int(unknown_budget or unknown_actuals))


def _runs(years: list[int]) -> tuple[list, list]:
    runs, gaps = [], []
    for year in years:
        if runs and year == runs[-1][1] + 1:
            runs[-1][1] = year
        else:
            if runs:
                gaps.append((runs[-1][1], year))
            runs.append([year, year])
    return [tuple(r) for r in runs], gaps


def _add(cells: dict, key: tuple, values: tuple) -> None:
    current = cells.get(key)
    cells[key] = values if current is None else tuple(map(add, current, values))


def add_state(cells: dict, state, derived, sign: int) -> None:
    """Add (sign=+1) or remove (-1) one project's contribution to every cell: {(table, key): values}."""
    row = state.row
    counts = tuple(sign * c for c in _flags(row))
    keys = (row["region_id"], row["status"], bool(row["synthetic"]))
    project_t, priority_t, _, organisation_t = figures.FIGURE_TABLES
    by_year = {r["year"]: tuple(sign * r[c] for c in AMOUNT_COLUMNS) for r in derived.figures[project_t]}
    years = sorted(by_year)
    runs, gaps = _runs(years)
    groups = {RollupProject: {(): by_year}}
    priority_groups: dict = defaultdict(dict)
    for r in derived.figures[priority_t]:
        priority_groups[(r["priority_id"],)][r["year"]] = tuple(sign * r[c] for c in AMOUNT_COLUMNS)
    priorities = [(p,) for p, _ in state.links["priorities"]]
    groups[RollupPriority] = {p: priority_groups.get(p, {}) for p in priorities} or {(0,): by_year}
    organisation_groups: dict = defaultdict(dict)
    for r in derived.figures[organisation_t]:
        organisation_groups[(r["role"], r["organisation_id"])][r["year"]] = tuple(sign * r[c] for c in AMOUNT_COLUMNS)
    groups[RollupOrganisation] = {}
    for role in ORGANISATION_ROLES:
        members = [(role, o) for r, o, *_ in state.links["organisations"] if r == role]
        for member in members or [(role, 0)]:
            groups[RollupOrganisation][member] = organisation_groups.get(member, {}) if members else by_year
    # The values of a cell (counts, then amounts) are signed once here, not once per cell.
    in_run, in_gap = counts + NO_MONEY, tuple(-c for c in counts) + NO_MONEY
    for fp in [0, *(p for (p,) in priorities)]:
        for table, members in groups.items():
            for group, yearly in members.items():
                base = (fp, *keys, *group)
                total = tuple(map(sum, zip(*yearly.values()))) if yearly else NO_MONEY
                _add(cells, (table, (*base, KIND_ALL, 0, 0)), counts + total)
                for year, amounts in yearly.items():
                    _add(cells, (table, (*base, KIND_YEAR, year, year)), counts + amounts)
                for lo, hi in runs:
                    _add(cells, (table, (*base, KIND_RUN, lo, hi)), in_run)
                for lo, hi in gaps:
                    _add(cells, (table, (*base, KIND_GAP, lo, hi)), in_gap)


def apply(cells: dict) -> None:
    """Add the non-zero deltas to the rollup tables: one upsert per table, cells in key order (so concurrent
    writers lock them in the same order and cannot deadlock)."""
    by_table: dict = defaultdict(list)
    for (table, key), values in sorted(cells.items(), key=lambda item: (item[0][0].__tablename__, item[0][1])):
        if any(values):
            by_table[table].append((key, values))
    for table, rows in by_table.items():
        names = columns(table)
        key_count = len(names) - WIDTH
        records = [dict(zip(names, (*key, *values))) for key, values in rows]
        dialect.add_to_rows(table.__table__, names[:key_count], names[key_count:], records)
