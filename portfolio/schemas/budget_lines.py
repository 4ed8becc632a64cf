"""Budget line schemas: an IATI-style budget for a period of at most one year."""
from datetime import date
from decimal import Decimal

import pycountry
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from portfolio.models import BUDGET_STATUSES, BUDGET_TYPES
from portfolio.schemas.fields import DecimalString
from portfolio.schemas.projects import StrictSchema

MAX_AMOUNT = Decimal("10000000000000")  # 10^13 in any currency: far above any project, far below BIGINT
MAX_RATE = Decimal("100000")


def one_year_after(start: date) -> date:
    try:
        return start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 1, day=28)


def _currency(code: str) -> None:
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError(f"Unknown ISO 4217 currency code: {code!r}.")


class BudgetLineWriteSchema(StrictSchema):
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True, metadata={"description": "At most one year after period_start, "
                                                                      "exclusive (2003-01-01..2003-12-31 is the max)"})
    amount = DecimalString(2, required=True, low=Decimal(0), high=MAX_AMOUNT,
                           metadata={"description": "Decimal string, at most 2 places, in `currency`",
                                     "example": "125000.00"})
    currency = fields.String(required=True, validate=[validate.Length(equal=3), _currency],
                             metadata={"description": "ISO 4217 code", "example": "USD", "pattern": "^[A-Za-z]{3}$"})
    fx_rate = DecimalString(10, allow_none=True, low=Decimal(0), low_exclusive=True, high=MAX_RATE,
                            metadata={"description": "USD per one unit of `currency`; required unless USD. The USD "
                                                     "amount is amount x fx_rate rounded half-up to the cent."})
    fx_value_date = fields.Date(allow_none=True, metadata={"description": "Date of the rate; required unless USD"})
    donor = fields.String(allow_none=True, validate=validate.Length(min=1, max=200))
    type = fields.String(load_default="original", validate=validate.OneOf(BUDGET_TYPES))
    status = fields.String(load_default="indicative", validate=validate.OneOf(BUDGET_STATUSES))

    @pre_load
    def _upper_currency(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("currency"), str):
            data = dict(data)
            data["currency"] = data["currency"].upper()
        return data

    @validates_schema
    def _check(self, data, partial=None, **kwargs):
        errors: dict = {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end:
            if end < start:
                errors["period_end"] = ["period_end must not be before period_start."]
            elif end >= one_year_after(start):
                errors["period_end"] = ["A budget period may not be longer than one year."]
        currency = data.get("currency")
        if currency and currency != "USD" and not partial:
            if data.get("fx_rate") is None:
                errors["fx_rate"] = ["Required for a non-USD line: USD per one unit of the currency."]
            if data.get("fx_value_date") is None:
                errors["fx_value_date"] = ["Required for a non-USD line: the date of the rate."]
        if currency == "USD" and data.get("fx_rate") not in (None, Decimal(1)):
            errors["fx_rate"] = ["A USD line has no exchange rate (or 1)."]
        if errors:
            raise ValidationError(errors)


class BudgetLinePatchSchema(BudgetLineWriteSchema):
    """PATCH body: any subset of the writable fields (used with partial=True)."""


class BudgetLineSchema(Schema):
    id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    amount = DecimalString(2)
    currency = fields.String()
    fx_rate = DecimalString(10, allow_none=True)
    fx_value_date = fields.Date(allow_none=True)
    usd_amount = DecimalString(2, metadata={"description": "amount x fx_rate, rounded half-up to the cent"})
    donor = fields.String(allow_none=True)
    type = fields.String()
    status = fields.String()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
