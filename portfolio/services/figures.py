"""What a project's budget lines and transactions add up to: its totals, which lines are current, and
its money by year attributed to its priorities, countries and organisations, exact to the cent.

Rules (README, "How money is kept exact"):
- Current budget: for each period, the revised line where there is one, else the original line. A
  revised line replaces the original line of the same period; a revised line with no original of its
  period stands alone. (Partial overlaps are refused on input.)
- Year: the year a budget period starts; the year of a transaction's date.
- Attribution, per year and per amount: to priorities by share, to countries equally, to the
  organisations of each role by share; in cents by largest remainder, ties to the first priority (in
  the order of §13), the first country code, the first organisation registered.
"""
from collections import defaultdict
from dataclasses import dataclass

from portfolio.measures import AMOUNT_COLUMNS, TRANSACTION_COLUMN
from portfolio.models import (
    ORGANISATION_ROLES,
    ProjectCountryFigure,
    ProjectFigure,
    ProjectOrganisationFigure,
    ProjectPriorityFigure,
)
from portfolio.money import allocate, from_cents, to_cents
from portfolio.services.state import ProjectState
from portfolio.services.vocabulary import Vocabulary

FIGURE_TABLES = (ProjectFigure.__table__, ProjectPriorityFigure.__table__, ProjectCountryFigure.__table__,
                 ProjectOrganisationFigure.__table__)
_INDEX = {name: i for i, name in enumerate(AMOUNT_COLUMNS)}


@dataclass
class Derived:
    totals: dict  # budget_usd, original_budget_usd, actuals_known
    current: dict[int, bool]  # budget line id -> counts in the current budget
    figures: dict  # figures table -> rows


def current_flags(lines: dict[int, dict]) -> dict[int, bool]:
    revised_periods = {(line["period_start"], line["period_end"])
                       for line in lines.values() if line["type"] == "revised"}
    return {line_id: line["type"] == "revised" or (line["period_start"], line["period_end"]) not in revised_periods
            for line_id, line in lines.items()}


def by_year(state: ProjectState, current: dict[int, bool]) -> dict[int, list[int]]:
    """{year: [cents per amount column]} of the project's money."""
    years: dict[int, list[int]] = defaultdict(lambda: [0] * len(AMOUNT_COLUMNS))
    for line_id, line in state.lines.items():
        cents = to_cents(line["usd_amount"])
        amounts = years[line["period_start"].year]
        if current[line_id]:
            amounts[_INDEX[f"current_{line['status']}"]] += cents
        if line["type"] == "original":
            amounts[_INDEX[f"original_{line['status']}"]] += cents
    for row in state.transactions.values():
        years[row["date"].year][_INDEX[TRANSACTION_COLUMN[row["type"]]]] += to_cents(row["usd_amount"])
    return dict(years)


def _split(amounts: list[int], weights: list[int]) -> list[list[int]]:
    """Each amount split by the weights: one list of amounts per part."""
    parts = [[0] * len(amounts) for _ in weights]
    for column, total in enumerate(amounts):
        if total:
            for part, cents in zip(parts, allocate(total, weights)):
                part[column] = cents
    return parts


def _row(keys: dict, amounts: list[int]) -> dict:
    return {**keys, **dict(zip(AMOUNT_COLUMNS, amounts))}


def derive(state: ProjectState, vocab: Vocabulary) -> Derived:
    current = current_flags(state.lines)
    years = by_year(state, current)
    lines = state.lines.values()
    budget = [to_cents(line["usd_amount"]) for line_id, line in state.lines.items() if current[line_id]]
    original = [to_cents(line["usd_amount"]) for line in lines if line["type"] == "original"]
    totals = {"budget_usd": from_cents(sum(budget)) if state.lines else None,
              "original_budget_usd": from_cents(sum(original)) if original else None,
              "actuals_known": bool(state.transactions)}
    project_id = state.id
    priorities = sorted(state.links["priorities"], key=lambda p: vocab.term("priorities", p[0]).position)
    countries = [code for (code,) in state.links["countries"]]
    roles = {role: sorted((o, s) for r, o, s, *_ in state.links["organisations"] if r == role)
             for role in ORGANISATION_ROLES}
    figures: dict = {table: [] for table in FIGURE_TABLES}
    project_t, priority_t, country_t, organisation_t = FIGURE_TABLES
    for year, amounts in sorted(years.items()):
        base = {"project_id": project_id, "year": year}
        figures[project_t].append(_row(base, amounts))
        if priorities:
            for (priority_id, _), part in zip(priorities, _split(amounts, [s for _, s in priorities])):
                figures[priority_t].append(_row({**base, "priority_id": priority_id}, part))
        if countries:
            for code, part in zip(countries, _split(amounts, [1] * len(countries))):
                figures[country_t].append(_row({**base, "country_code": code}, part))
        for role, members in roles.items():
            if members:
                for (organisation_id, _), part in zip(members, _split(amounts, [s for _, s in members])):
                    figures[organisation_t].append(_row({**base, "role": role, "organisation_id": organisation_id},
                                                        part))
    return Derived(totals, current, figures)


def link_totals(rows: list[dict], key: str) -> dict:
    """{key value: {amount column: cents}} summed over the years: a link's share of the project's money."""
    out: dict = defaultdict(lambda: dict.fromkeys(AMOUNT_COLUMNS, 0))
    for row in rows:
        sums = out[row[key] if isinstance(key, str) else tuple(row[k] for k in key)]
        for column in AMOUNT_COLUMNS:
            sums[column] += row[column]
    return dict(out)
