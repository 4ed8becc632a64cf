"""A write moves the rollups by exactly the change in its projects' contributions, computed here from the
states the write path already holds (before and after) rather than re-read with SQL: the same cells
statistics/rollups.py computes with GROUP BY over the stored figures (see models/rollup.py for what a cell
is). `flask rollups verify` and the property tests compare the two computations.
"""
from collections import defaultdict
from operator import add

from portfolio import dialect
from portfolio.figure_columns import AMOUNT_COLUMNS, COUNT_COLUMNS, EVIDENCE_ROLE, NO_FUNDER, counts_of
from portfolio.models import (
    FIGURE_TABLES,
    RollupActivityType,
    RollupCountry,
    RollupOrganisation,
    RollupPriority,
    RollupProject,
    RollupRcp,
)
from portfolio.models.rollup import KIND_ALL, KIND_GAP, KIND_RUN, KIND_YEAR
from portfolio.statistics.rollups import CUBE_PAIRS, GROUPS, columns

WIDTH = len(COUNT_COLUMNS) + len(AMOUNT_COLUMNS)
NO_MONEY = (0,) * len(AMOUNT_COLUMNS)
NO_PRIORITY = 0
NO_COUNTRY = ""
NO_ACTIVITY_TYPE = 0
NO_RCP = 0


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


def rcp_links(state, rcp_roles: dict) -> dict[str, set]:
    """A project's RCPs in each way of reading its links (filters.py rcp_links), from its state and the
    vocabulary's memberships (country -> [(rcp id, role)])."""
    stated = {r for (r,) in state.links["rcps"]}
    derived = {r for (c,) in state.links["countries"] for r, role in rcp_roles.get(c, ()) if role == "member"}
    return {"stated": stated, "derived": derived, "any": stated | derived}


def add_state(cells: dict, state, derived, sign: int, rcp_roles: dict) -> None:
    """Add (sign=+1) or remove (-1) one project's contribution to every cell: {(table, key): values}.
    rcp_roles: the vocabulary's RCP memberships by country (the derived RCP links)."""
    row = state.row
    counts = tuple(sign * c for c in counts_of(row))
    keys = (row["region_id"], row["status"], bool(row["synthetic"]))
    project_t, priority_t, country_t, organisation_t, cross_t = FIGURE_TABLES

    def yearly(rows, key) -> dict:
        out: dict = defaultdict(dict)
        for r in rows:
            amounts = tuple(sign * r[c] for c in AMOUNT_COLUMNS)
            group, year = key(r), r["year"]
            out[group][year] = tuple(map(add, out[group][year], amounts)) if year in out[group] else amounts
        return out

    by_year = yearly(derived.figures[project_t], lambda r: ()).get((), {})
    years = sorted(by_year)
    runs, gaps = _runs(years)
    priorities = [(p,) for p, _ in state.links["priorities"]] or [(NO_PRIORITY,)]
    priority_money = yearly(derived.figures[priority_t], lambda r: (r["priority_id"],))
    organisation_money = yearly(derived.figures[organisation_t], lambda r: (r["role"], r["organisation_id"]))
    country_money = yearly(derived.figures[country_t], lambda r: (r["country_code"],))
    countries = [(c,) for (c,) in state.links["countries"]] or [(NO_COUNTRY,)]
    activity_types = state.links["activity_types"] or [(NO_ACTIVITY_TYPE,)]
    groups = {RollupProject: {(): by_year}, RollupPriority: {p: priority_money.get(p, {}) for p in priorities},
              RollupCountry: {c: country_money.get(c, {}) for c in countries}, RollupOrganisation: {},
              RollupActivityType: {tuple(a): by_year for a in activity_types},
              RollupRcp: {(link, r): by_year for link, rcps in rcp_links(state, rcp_roles).items()
                          for r in (rcps or (NO_RCP,))}}
    for role, members in derived.members.items():
        for organisation in members:
            money = organisation_money.get((role, organisation))
            if money is None and organisation == NO_FUNDER and role != EVIDENCE_ROLE:
                money = by_year  # a role nobody takes part in: the project's whole money under 0
            groups[RollupOrganisation][(role, organisation)] = money or {}
    # The cube's pairs: each pair of the project's values of two splits, with the cube's money summed over the third.
    values = {"priority_id": [p for (p,) in priorities], "country_code": [c for (c,) in countries],
              "organisation_id": list(derived.members[EVIDENCE_ROLE])}
    for table in CUBE_PAIRS:
        one, other = GROUPS[table]
        cube = yearly(derived.figures[cross_t], lambda r, one=one, other=other: (r[one], r[other]))
        groups[table] = {(a, b): cube.get((a, b), {}) for a in values[one] for b in values[other]}
    # The values of a cell (counts, then amounts) are signed once here, not once per cell.
    in_run, in_gap = counts + NO_MONEY, tuple(-c for c in counts) + NO_MONEY
    for fp in [0, *(p for p, _ in state.links["priorities"])]:
        for table, members in groups.items():
            for group, money in members.items():
                base = (fp, *keys, *group)
                total = tuple(map(sum, zip(*money.values()))) if money else NO_MONEY
                _add(cells, (table, (*base, KIND_ALL, 0, 0)), counts + total)
                for year, amounts in money.items():
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
    batches = []
    for table, rows in by_table.items():
        names = columns(table)
        key_count = len(names) - WIDTH
        batches.append((table.__table__, names[:key_count], names[key_count:], [(*k, *v) for k, v in rows]))
    dialect.add_to_tables(batches)
