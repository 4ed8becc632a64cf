"""The money a project carries, as the figures and rollup tables store it (integer cents).

One column per (kind of money, budget status): the current and original budget split by IATI
BudgetStatus (indicative / committed) so that a `budget_status` filter is a choice of columns, and one
column per IATI TransactionType this system records. Counts are per project (COUNT_COLUMNS).
"""
from functools import cache

from sqlalchemy import case, not_, or_

BUDGET_STATUSES = ("indicative", "committed")
# The organisation role whose money is attributed by evidence (services/figures.py), and the key of money for
# which no funder is stated (a budget line without a donor, spending in a project without any funder).
EVIDENCE_ROLE = "funding"
NO_FUNDER = 0

# IATI TransactionType codes of the five kinds recorded here, by our own readable code.
TRANSACTION_TYPES = {
    "incoming-commitment": "11",
    "incoming-funds": "1",
    "outgoing-commitment": "2",
    "disbursement": "3",
    "expenditure": "4",
}
TRANSACTION_COLUMN = {kind: kind.replace("-", "_") for kind in TRANSACTION_TYPES}

# "paired_*": the current budget and the spending of projects whose budget and spending are both known (at
# least one budget line and one transaction), so that remaining = paired budget - paired spending adds up
# like every other measure (a project whose spending is unknown takes no part in it; it is counted instead).
PAIRED_COLUMNS = ("paired_current_indicative", "paired_current_committed", "paired_expenditure")
AMOUNT_COLUMNS = (
    "current_indicative", "current_committed", "original_indicative", "original_committed",
    *TRANSACTION_COLUMN.values(), *PAIRED_COLUMNS,
)
# How many projects a cell covers, and how many of them have no budget line, no original line, no
# transaction, or no budget line or no transaction (so that "remaining" has its own unknown count).
COUNT_COLUMNS = ("project_count", "unknown_budget", "unknown_original", "unknown_actuals", "unknown_remaining")


@cache  # every cell of every answer asks it, several times per measure
def budget_columns(kind: str, status: str | None) -> tuple[str, ...]:
    """The stored columns of the current, original or paired current budget, for one budget status or both."""
    statuses = BUDGET_STATUSES if status is None else (status,)
    return tuple(f"{kind}_{s}" for s in statuses)


def counts_of(row: dict) -> tuple[int, ...]:
    """A project's COUNT_COLUMNS, from its `projects` row: 1, then whether its current budget, original budget,
    actuals and remaining are unknown (1) or known (0). unknown_flags says the same in SQL."""
    unknown_budget = row["budget_usd"] is None
    unknown_actuals = not row["actuals_known"]
    return (1, int(unknown_budget), int(row["original_budget_usd"] is None), int(unknown_actuals),
            int(unknown_budget or unknown_actuals))


def unknown_flags(columns) -> dict:
    """The unknown flags of COUNT_COLUMNS (after project_count) as SQL over `projects`' columns (a model, a
    table's .c), each 1 or 0, as counts_of computes them."""
    unknown_budget, unknown_actuals = columns.budget_usd.is_(None), not_(columns.actuals_known)
    return {"unknown_budget": case((unknown_budget, 1), else_=0),
            "unknown_original": case((columns.original_budget_usd.is_(None), 1), else_=0),
            "unknown_actuals": case((unknown_actuals, 1), else_=0),
            "unknown_remaining": case((or_(unknown_budget, unknown_actuals), 1), else_=0)}
