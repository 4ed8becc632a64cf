"""Exchange rates anyone can trace: a table of USD-per-unit rates by currency and date (loaded from a
CSV by `flask rates load`), and the pricing of an amount in USD with either a stated rate or the rate
in force on its value date, whose row is recorded."""
import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from portfolio import dialect
from portfolio.errors import Invalid, field_error
from portfolio.extensions import db
from portfolio.models import BudgetLine, ExchangeRate, Transaction
from portfolio.models.base import utcnow
from portfolio.money import MAX_USD, convert_to_usd, round_cents
from portfolio.rules import MINOR_UNITS

CSV_COLUMNS = ("currency", "date", "usd_per_unit", "source")


def max_age() -> timedelta:
    return timedelta(days=current_app.config.get("FX_MAX_AGE_DAYS", 31))


def in_force(currency: str, value_date: date) -> ExchangeRate | None:
    """The latest rate of `currency` published on or before `value_date`, if not older than FX_MAX_AGE_DAYS."""
    return db.session.scalars(select(ExchangeRate).where(
        ExchangeRate.currency == currency, ExchangeRate.date <= value_date,
        ExchangeRate.date >= value_date - max_age()).order_by(ExchangeRate.date.desc()).limit(1)).first()


class RateBook:
    """Rates held in memory for pricing many amounts with the same rule as `in_force` (demo data, imports)."""

    def __init__(self, rows: list[ExchangeRate]):
        self.by_currency: dict[str, list] = {}
        for row in sorted(rows, key=lambda r: (r.currency, r.date)):
            self.by_currency.setdefault(row.currency, []).append(row)
        self.dates = {c: [r.date for r in rows] for c, rows in self.by_currency.items()}

    def in_force(self, currency: str, value_date: date) -> ExchangeRate | None:
        import bisect

        index = bisect.bisect_right(self.dates.get(currency, []), value_date) - 1
        if index < 0:
            return None
        row = self.by_currency[currency][index]
        return row if row.date >= value_date - max_age() else None


def price(record: dict, *, lookup: bool, default_value_date: date, prefix: str = "",
          book: RateBook | None = None) -> list[dict]:
    """Set usd_amount (and the rate fields) of a budget line or transaction in storage form.

    USD: no rate. With `lookup`, the rate in force on the value date (default: `default_value_date`) is
    taken from the table and its row recorded; if there is none, the amount is refused. Without it the
    record's rate is kept as it is (stated by the caller, or taken from the table earlier). Returns
    errors, empty when priced."""
    if record["currency"] == "USD":
        record.update(fx_rate=None, fx_value_date=None, fx_rate_id=None, usd_amount=round_cents(record["amount"]))
    else:
        record["fx_value_date"] = record.get("fx_value_date") or default_value_date
        if lookup:
            rate = (book.in_force if book else in_force)(record["currency"], record["fx_value_date"])
            if rate is None:
                return [field_error(f"{prefix}/fx_rate", f"No {record['currency']} rate in force on "
                                    f"{record['fx_value_date']} (none published in the {max_age().days} days before "
                                    "it): load one with `flask rates load`, or state fx_rate.")]
            record.update(fx_rate=rate.usd_per_unit, fx_rate_id=rate.id)
        record["usd_amount"] = convert_to_usd(record["amount"], record["fx_rate"])
    if record["usd_amount"] > MAX_USD:
        return [field_error(f"{prefix}/amount", f"Worth USD {record['usd_amount']}; one amount may be at most "
                            f"USD {MAX_USD:,}.")]
    return []


def parse_csv(data: bytes) -> tuple[list[dict], list[dict]]:
    """Rows of a rates CSV (header: currency,date,usd_per_unit,source), and every error with its line."""
    rows, errors, seen = [], [], {}
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
            return [], [field_error("/", f"The header must be {','.join(CSV_COLUMNS)}.", "csv", row=1)]
        for record in reader:
            line = reader.line_num
            try:
                currency = record["currency"].strip().upper()
                if currency not in MINOR_UNITS or currency == "USD":
                    raise ValueError(f"not a current ISO 4217 currency other than USD: {currency!r}")
                value = Decimal(record["usd_per_unit"].strip())
                if not (value.is_finite() and 0 < value <= 100000 and value == value.quantize(Decimal("1e-10"))):
                    raise ValueError("usd_per_unit must be a decimal in (0, 100000] with at most 10 places")
                source = (record["source"] or "").strip()
                if not 1 <= len(source) <= 300:
                    raise ValueError("source must name where the rate comes from (1-300 characters)")
                day = date.fromisoformat(record["date"].strip())
                if (currency, day) in seen:
                    raise ValueError(f"the {currency} rate of {day} is already on line {seen[currency, day]}")
                seen[currency, day] = line
                rows.append({"currency": currency, "date": day, "usd_per_unit": value, "source": source})
            except (ValueError, ArithmeticError, AttributeError) as exc:
                errors.append(field_error(f"/rows/{line - 2}", str(exc), "csv", row=line))
    except (UnicodeDecodeError, csv.Error) as exc:
        errors.append(field_error("/", f"The file cannot be read as UTF-8 CSV: {exc}", "csv"))
    return rows, errors


def _used(rate_ids: set[int]) -> set[int]:
    if not rate_ids:
        return set()
    return {rate_id for model in (BudgetLine, Transaction) for rate_id in db.session.scalars(
        select(model.fx_rate_id).where(dialect.id_filter(model.fx_rate_id, rate_ids)).distinct())}


def load_csv(data: bytes) -> dict:
    """Insert new rates and update changed ones (by currency and date); all or nothing."""
    rows, errors = parse_csv(data)
    if errors:
        raise Invalid(errors, f"{len(errors)} rate row(s) are invalid; nothing was loaded.")
    existing = {(r.currency, r.date): r for r in db.session.scalars(select(ExchangeRate))}
    fresh = [r for r in rows if (r["currency"], r["date"]) not in existing]
    changes = [(existing[r["currency"], r["date"]], r) for r in rows if (r["currency"], r["date"]) in existing
               and (existing[r["currency"], r["date"]].usd_per_unit, existing[r["currency"], r["date"]].source)
               != (r["usd_per_unit"], r["source"])]
    used = _used({row.id for row, _ in changes})
    if used:
        raise Invalid([field_error("/", f"The {row.currency} rate of {row.date} already priced amounts; a rate in "
                                   "use is never changed (publish a rate of another date).", "csv")
                       for row, _ in changes if row.id in used])
    for row, r in changes:
        row.usd_per_unit, row.source = r["usd_per_unit"], r["source"]
    changed = len(changes)
    now = utcnow()  # COPY (PostgreSQL) applies no Python-side default
    dialect.insert_rows(ExchangeRate.__table__, [{**r, "created_at": now} for r in fresh])
    db.session.flush()
    return {"created": len(fresh), "updated": changed, "unchanged": len(rows) - len(fresh) - changed}
