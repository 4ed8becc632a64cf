"""A project's budget attributed to its priorities and countries, exact to the cent.

Computed once, when a project or its budget lines change, and stored, so every rollup by
priority or country is a plain SUM that adds up to the portfolio total exactly.
"""
from decimal import Decimal

from portfolio.money import allocate, from_cents, to_cents

HUNDRED_PERCENT_BP = 10000  # shares are stored in hundredths of a percent


def equal_shares(count: int) -> list[Decimal]:
    """Equal percentage shares to 0.01 %, summing to exactly 100 (first ones take the remainder)."""
    return [Decimal(bp) / 100 for bp in allocate(HUNDRED_PERCENT_BP, [1] * count)]


def with_shares(pairs: list[tuple]) -> list[tuple]:
    """(priority, share or None) pairs -> (priority, share) pairs. All shares given: as given. None
    given: an equal split, in the vocabulary's own order so the remainder rule is stable."""
    if all(share is None for _, share in pairs):
        ordered = sorted(pairs, key=lambda pair: pair[0].position)
        return [(priority, share) for (priority, _), share in zip(ordered, equal_shares(len(ordered)))]
    return [(priority, Decimal(share)) for priority, share in pairs]


def split_by_shares(total: Decimal | None, shares: list[Decimal]) -> list[Decimal | None]:
    if total is None or not shares:
        return [None] * len(shares)
    weights = [to_cents(share) for share in shares]  # a share in percent, in hundredths
    return [from_cents(c) for c in allocate(to_cents(total), weights)]


def split_equally(total: Decimal | None, count: int) -> list[Decimal | None]:
    if total is None or count == 0:
        return [None] * count
    return [from_cents(c) for c in allocate(to_cents(total), [1] * count)]


def apply_budget(project) -> None:
    """Recompute the project's budget total and its per-priority and per-country attributions.

    No budget line means the budget is unknown (NULL), not zero.
    """
    lines = project.budget_lines
    project.budget_usd = sum((line.usd_amount for line in lines), Decimal("0.00")) if lines else None
    priorities = sorted(project.priorities, key=lambda pp: (pp.priority.position, pp.priority_id))
    for link, amount in zip(priorities, split_by_shares(project.budget_usd, [p.share for p in priorities])):
        link.budget_usd = amount
    countries = sorted(project.countries, key=lambda pc: pc.country_code)
    for link, amount in zip(countries, split_equally(project.budget_usd, len(countries))):
        link.budget_usd = amount
