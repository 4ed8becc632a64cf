"""Domain rules that both the input schemas and the services apply (the services to the merged state of
a partial update), so each is written once."""
from datetime import date
from decimal import Decimal

from iso4217 import Currency

# ISO 4217 list one, without the codes that are not money one can budget in (funds, metals, XXX, XTS):
# those have no minor unit; the CFA francs, the East Caribbean dollar and the CFP franc are kept.
MINOR_UNITS = {c.code: c.exponent for c in Currency
               if c.exponent is not None and (not c.code.startswith("X") or c.code in ("XAF", "XOF", "XCD", "XPF"))}
MAX_PLACES = 3  # amounts are stored in thousandths of their currency


def one_year_after(start: date) -> date:
    try:
        return start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 1, day=28)


def period_errors(start: date | None, end: date | None) -> list[str]:
    if start and end:
        if end < start:
            return ["period_end must not be before period_start."]
        if end >= one_year_after(start):
            return ["A budget period may not be longer than one year."]
    return []


def amount_errors(values: dict) -> dict[str, list[str]]:
    """An amount's places within its currency's minor units; no rate on a USD amount."""
    errors: dict = {}
    currency, amount = values.get("currency"), values.get("amount")
    if currency in MINOR_UNITS and isinstance(amount, Decimal):
        places = min(MINOR_UNITS[currency], MAX_PLACES)
        if amount != amount.quantize(Decimal(1).scaleb(-places)):
            errors["amount"] = [f"{currency} has {places} decimal places (ISO 4217 minor units)."]
    if currency == "USD":
        for name in ("fx_rate", "fx_value_date"):
            if values.get(name) is not None:
                errors[name] = ["A USD amount has no exchange rate."]
    return errors


def date_order_errors(start: date | None, end: date | None) -> list[str]:
    return ["end_date must not be before start_date."] if start and end and end < start else []
