"""Input of an amount in a currency, shared by budget lines and transactions."""
from decimal import Decimal

from marshmallow import ValidationError, fields

from portfolio.money import MAX_AMOUNT, MAX_FX_RATE
from portfolio.rules import MAX_PLACES, MINOR_UNITS
from portfolio.schemas.fields import DecimalString, Money, StrictDate, decimal_pattern, fullmatch


def amount_field(**kwargs) -> DecimalString:
    return DecimalString(MAX_PLACES, high=MAX_AMOUNT, high_exclusive=True, metadata={
        "description": "Decimal string in `currency`, with at most the currency's ISO 4217 minor units "
                       "(JPY 0, USD 2, KWD 3)", "example": "125000.00"}, **kwargs)


def amount_output(**kwargs) -> fields.String:
    """An amount in an answer, as stored and in its currency's minor units (JPY 1250, USD 1250.00, KWD
    1250.000; services/state.py amount_text): the same grammar as amount_field's."""
    return fields.String(metadata={"description": "In `currency`, with its ISO 4217 minor units (JPY 1250, USD "
                                                  "1250.00, KWD 1250.000)", "format": "decimal",
                                   "pattern": decimal_pattern(MAX_PLACES), "x-decimal-places": MAX_PLACES}, **kwargs)


class CurrencyCode(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=fullmatch(r"^[A-Za-z]{3}$", "Three letters, an ISO 4217 code."),
                         metadata={"pattern": "^[A-Za-z]{3}$", "description": "ISO 4217 code of a current "
                                   "currency (case-insensitive)", "example": "EUR"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs).upper()
        if code not in MINOR_UNITS:
            raise ValidationError(f"Not a current ISO 4217 currency one can budget in: {code!r}.")
        return code


def fx_rate_field(**kwargs) -> DecimalString:
    return DecimalString(10, digits=6, low=Decimal(0), low_exclusive=True, high=MAX_FX_RATE, allow_none=True,
                         metadata={"description": "USD per one unit of `currency`. Omit it to take the rate in "
                                                  "force on the value date from /api/v1/exchange-rates (the row "
                                                  "used is recorded as fx_rate_id); a USD amount has none."},
                         **kwargs)


class ConvertedFields:
    """amount, currency, fx_rate, fx_value_date: mixed into the budget line and transaction schemas."""

    amount = amount_field(required=True)
    currency = CurrencyCode(required=True)
    fx_rate = fx_rate_field()
    fx_value_date = StrictDate(allow_none=True, metadata={"description": "The date the rate applies to"})


class ConvertedOutFields:
    """How a budget line or transaction shows its amount: in its currency's minor units, and in USD with the
    rate, its value date and the exchange-rate row it came from (null when the caller stated it)."""

    amount = amount_output()
    currency = fields.String()
    fx_rate = DecimalString(10, allow_none=True)
    fx_value_date = fields.Date(allow_none=True)
    fx_rate_id = fields.Integer(allow_none=True, metadata={
        "description": "The exchange_rates row the rate was taken from; null when the caller stated it"})
    usd_amount = Money(metadata={"description": "amount x fx_rate, rounded half-up to the cent"})
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
