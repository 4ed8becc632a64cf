"""The figures every aggregate row and total carries, built from the stored counts and amounts.

Each measure is exact to the cent and has its own unknown count: the projects in the row for which it
is unknown (no budget line; no original line; no transaction). A measure is null when it is unknown for
every project in the row, never 0.00; a row with no project at all has 0.00 (nothing, known).
remaining = current budget - spent and spent_percent = spent / current budget, both over the projects whose
budget and spending are both known (the "paired" amounts: a project with no transaction takes no part and is
counted in unknown_remaining_count), so remaining adds up over rows like every other measure; null when no
project of the row has both (and the percent when that budget is zero).
"""
from dataclasses import dataclass
from decimal import Decimal

from portfolio.figure_columns import AMOUNT_COLUMNS, COUNT_COLUMNS, budget_columns
from portfolio.money import from_cents, round_percent

VALUE_COLUMNS = COUNT_COLUMNS + AMOUNT_COLUMNS  # the order every reader returns a group's values in
ZERO_VALUES = (0,) * len(VALUE_COLUMNS)


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    source: str  # "current", "original", or a transaction column
    unknown: str  # the count column of projects for which it is unknown

    def columns(self, budget_status: str | None) -> tuple[str, ...]:
        if self.source in ("current", "original"):
            return budget_columns(self.source, budget_status)
        return (self.source,)


MEASURES = (
    Measure("budget", "Current budget", "current", "unknown_budget"),
    Measure("original_budget", "Original budget", "original", "unknown_original"),
    Measure("incoming_commitment", "Incoming commitments", "incoming_commitment", "unknown_actuals"),
    Measure("incoming_funds", "Incoming funds", "incoming_funds", "unknown_actuals"),
    Measure("outgoing_commitment", "Committed", "outgoing_commitment", "unknown_actuals"),
    Measure("disbursement", "Disbursed", "disbursement", "unknown_actuals"),
    Measure("expenditure", "Spent", "expenditure", "unknown_actuals"),
)
# The figures of a row, in the order the renderers write them: (field, label, is money).
FIGURES = (("project_count", "Projects", False),
           *((f, label, money) for m in MEASURES for f, label, money in (
               (f"{m.key}_usd", f"{m.label} (USD)", True), (f"unknown_{m.key}_count", f"{m.label}: unknown", False))),
           ("remaining_usd", "Remaining (USD)", True), ("unknown_remaining_count", "Remaining: unknown", False),
           ("spent_percent", "Spent %", True))


def cell(values, budget_status: str | None = None) -> dict:
    """A row's figures from its stored counts and amounts (a tuple in VALUE_COLUMNS order)."""
    v = dict(zip(VALUE_COLUMNS, (int(x or 0) for x in (values or ZERO_VALUES))))
    count = v["project_count"]
    out = {"project_count": count}
    for m in MEASURES:
        unknown = v[m.unknown]
        out[f"{m.key}_usd"] = None if count and unknown == count else from_cents(sum(v[c] for c in m.columns(
            budget_status)))
        out[f"unknown_{m.key}_count"] = unknown
    paired = count == 0 or v["unknown_remaining"] < count
    budget = sum(v[c] for c in budget_columns("paired_current", budget_status))
    spent = v["paired_expenditure"]
    out["remaining_usd"] = from_cents(budget - spent) if paired else None
    out["unknown_remaining_count"] = v["unknown_remaining"]
    out["spent_percent"] = round_percent(Decimal(spent) * 100 / budget) if paired and budget else None
    return out


def add(a, b) -> tuple:
    return tuple(x + y for x, y in zip(a or ZERO_VALUES, b or ZERO_VALUES))
