"""Exact money: Decimal in Python, integer minor units in the database, one rounding rule.

SQLite keeps NUMERIC as a binary float, so sums over many rows drift. Every amount is therefore
stored as a BIGINT count of minor units (USD in cents; amounts in their own currency in thousandths,
so that three-decimal currencies such as KWD fit) and converted at the ORM boundary by
`ScaledDecimal`. The limits below are enforced before anything is written, and they keep every SQL
sum exact on both engines: one amount is at most 10^12 USD (10^14 cents) and one project's total of a
measure at most 10^13 USD, so a 64-bit sum (9.2 x 10^18 cents) holds more than 9,000 projects at the
maximum each (and a database error, never a wrong figure, if ever it did not); `flask rollups verify`
compares every stored sum with a fresh one.
"""
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
ROUNDING = ROUND_HALF_UP  # the one rounding rule: commercial rounding, half away from zero
MAX_AMOUNT = Decimal(10) ** 15  # in an amount's own currency (exclusive)
MAX_USD = Decimal(10) ** 12  # one amount's USD value (inclusive)
MAX_PROJECT_USD = Decimal(10) ** 13  # one project's total of a measure (inclusive)
MAX_FX_RATE = Decimal(100000)  # USD per unit
PERCENT_PLACES = Decimal("0.01")


class ScaledDecimal(TypeDecorator):
    """A Decimal with a fixed number of places, stored as a scaled BIGINT.

    Binding a value with more places than `scale` raises instead of rounding silently: rounding
    is a business decision made (and documented) by the caller.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int = 2):
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value).scaleb(self.scale)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        # PostgreSQL returns SUM(bigint) as numeric (Decimal); SQLite returns int. Both are exact.
        return Decimal(int(value)).scaleb(-self.scale).quantize(Decimal(1).scaleb(-self.scale))

    @property
    def python_type(self):
        return Decimal


def round_cents(value: Decimal) -> Decimal:
    """The one rounding rule, to the cent."""
    return value.quantize(CENT, rounding=ROUNDING)


def round_percent(value: Decimal) -> Decimal:
    return value.quantize(PERCENT_PLACES, rounding=ROUNDING)


def to_cents(amount: Decimal) -> int:
    scaled = amount.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than 2 decimal places")
    return int(scaled)


def from_cents(cents: int | None) -> Decimal | None:
    if cents is None:
        return None
    return Decimal(int(cents)).scaleb(-2).quantize(CENT)


def convert_to_usd(amount: Decimal, rate: Decimal) -> Decimal:
    """USD value of `amount` at `rate` (USD per one unit of the currency): the exact product, then
    the one rounding rule to the cent."""
    return round_cents(amount * rate)


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split the integer `total` in proportion to `weights`, exactly (largest remainder method).

    Each part first gets floor(total * w / W); the units left over go one each to the parts with
    the largest fractional remainders, ties going to the earlier part. The caller orders the
    parts by a stable key (priority position, country code), so the result is deterministic and
    the parts always sum to `total`.
    """
    if total < 0:
        raise ValueError("total must not be negative")
    weight_sum = sum(weights)
    if not weights or weight_sum <= 0 or any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative with a positive sum")
    parts = []
    remainders = []
    for index, weight in enumerate(weights):
        quotient, remainder = divmod(total * weight, weight_sum)
        parts.append(quotient)
        remainders.append((-remainder, index))
    left = total - sum(parts)
    for _, index in sorted(remainders)[:left]:
        parts[index] += 1
    return parts
