"""The money a project carries, as the figures and rollup tables store it (integer cents).

One column per (kind of money, budget status): the current and original budget split by IATI
BudgetStatus (indicative / committed) so that a `budget_status` filter is a choice of columns, and one
column per IATI TransactionType this system records. Counts are per project (COUNT_COLUMNS).
"""

BUDGET_STATUSES = ("indicative", "committed")

# IATI TransactionType codes of the five kinds recorded here, by our own readable code.
TRANSACTION_TYPES = {
    "incoming-commitment": "11",
    "incoming-funds": "1",
    "outgoing-commitment": "2",
    "disbursement": "3",
    "expenditure": "4",
}
TRANSACTION_COLUMN = {kind: kind.replace("-", "_") for kind in TRANSACTION_TYPES}

AMOUNT_COLUMNS = (
    "current_indicative", "current_committed", "original_indicative", "original_committed",
    *TRANSACTION_COLUMN.values(),
)
# How many projects a cell covers, and how many of them have no budget line, no original line, no
# transaction, or no budget line or no transaction (so that "remaining" has its own unknown count).
COUNT_COLUMNS = ("project_count", "unknown_budget", "unknown_original", "unknown_actuals", "unknown_remaining")


def budget_columns(kind: str, status: str | None) -> tuple[str, ...]:
    """The stored columns of the current or original budget, for one budget status or both."""
    statuses = BUDGET_STATUSES if status is None else (status,)
    return tuple(f"{kind}_{s}" for s in statuses)
