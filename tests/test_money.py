"""Money is exact: largest-remainder allocation and cents storage, property-tested."""
from decimal import Decimal

import pytest
from helpers import example_count
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio.money import allocate, convert_to_usd, from_cents, to_cents
from portfolio.services.storage import equal_shares

totals = st.integers(min_value=0, max_value=10**14)  # up to USD 10^12 in cents
weight_lists = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12).filter(
    lambda ws: sum(ws) > 0)


@given(totals, weight_lists)
def test_allocate_parts_sum_exactly_to_total(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)


@given(totals, weight_lists)
def test_allocate_each_part_within_one_unit_of_its_exact_share(total, weights):
    parts = allocate(total, weights)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights):
        exact = Decimal(total) * weight / weight_sum
        assert abs(Decimal(part) - exact) < 1


@given(st.integers(min_value=1, max_value=50))
def test_equal_shares_sum_to_exactly_100_percent(count):
    shares = equal_shares(count)  # hundredths of a percent
    assert sum(shares) == 10000
    assert max(shares) - min(shares) <= 1


@settings(max_examples=example_count(200))
@given(st.decimals(min_value=0, max_value=10**12, places=2), st.integers(min_value=1, max_value=6))
def test_split_by_equal_shares_sums_to_budget(total, n):
    parts = [from_cents(c) for c in allocate(to_cents(total), equal_shares(n))]
    assert sum(parts) == total


def test_allocate_rejects_negative_total():
    with pytest.raises(ValueError):
        allocate(-1, [1])


def test_convert_to_usd_rounds_half_up_to_the_cent():
    assert convert_to_usd(Decimal("0.01"), Decimal("0.5")) == Decimal("0.01")
    assert convert_to_usd(Decimal("10.00"), Decimal("1.2345")) == Decimal("12.35")
