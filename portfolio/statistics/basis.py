"""The rule behind each measure of an answer, in words (the `basis` every aggregate echoes): how its money
is placed in years and, for each dimension the answer splits by, how it is attributed. The rules themselves
are services/figures.py's; docs/finance.md states them once for people."""
from portfolio.figure_columns import EVIDENCE_ROLE
from portfolio.statistics.dimensions import Dimension, role_of

BUDGETS = ("budget", "original_budget")
INCOMING = ("incoming_commitment", "incoming_funds")
SPENDING = ("outgoing_commitment", "disbursement", "expenditure")
YEARS = {"budget": "a budget line counts in the calendar years of its period, pro rata by days",
         "transaction": "a transaction counts in the year of its date"}
FUNDERS = {
    "budget": "to the budget line's donor (a line without a donor: to the funding participants by their shares, "
              "else no funder stated)",
    "incoming": "to the transaction's provider (without one: as spending)",
    "spending": "to the project's donors in proportion to their current budget of that year (else of the whole "
                "project, else to the funding participants by share, else no funder stated)",
}


def _family(measure: str) -> str:
    return "budget" if measure in BUDGETS else "incoming" if measure in INCOMING else "spending"


def _rule(dimension: Dimension, args: dict, family: str) -> str | None:
    if dimension.kind == "split":
        role = role_of(dimension, args)
        if role == EVIDENCE_ROLE:
            return f"by funder {FUNDERS[family]}"
        if role is not None:
            return f"to the organisations in the role {role} by their shares"
        return {"priority": "to the project's priorities by share",
                "country": "to the project's countries equally"}[dimension.key]
    if dimension.kind == "overlap":
        return f"each {dimension.title.lower()} row carries its projects' whole figures"
    return None


def basis(dims: tuple[Dimension, ...], args: dict) -> dict[str, str]:
    """{measure: rule}: the year rule, then the attribution of each split dimension and of a `funder`; every
    split in cents by largest remainder."""
    out = {}
    for measure in (*BUDGETS, *INCOMING, *SPENDING):
        family = _family(measure)
        parts = [YEARS["budget" if family == "budget" else "transaction"]]
        parts += [r for r in (_rule(d, args, family) for d in dims) if r]
        if args.get("funder") and not any(role_of(d, args) == EVIDENCE_ROLE for d in dims):
            parts.append(f"only {args['funder']}'s money as funder (money goes by funder {FUNDERS[family]})")
        out[measure] = "; ".join(parts) + "; in cents by largest remainder."
    out["remaining"] = ("current budget minus expenditure, of the projects whose budget and spending are both known "
                        "(at least one budget line and one transaction), attributed as those two are; the others "
                        "are counted in unknown_remaining_count.")
    return out
