"""Exchange rates anyone can trace: a table of USD-per-unit rates by currency and date (loaded from a
CSV by `flask rates load`), and the pricing of an amount in USD with either a stated rate or the rate
in force on its value date, whose row is recorded."""
import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from portfolio import dialect
from portfolio.errors import Invalid, escape_pointer, field_error
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
                # Said to whoever entered the amount (a programme manager in the web app, a script): loading a
                # rate is an administrator's task.
                return [field_error(f"{prefix}/fx_rate", f"No {record['currency']} rate in force on "
                                    f"{record['fx_value_date']} (none published in the {max_age().days} days before "
                                    "it): state fx_rate (the rate used), or ask an administrator to load the rate "
                                    "(Exchange rates, or POST /api/v1/exchange-rates).")]
            record.update(fx_rate=rate.usd_per_unit, fx_rate_id=rate.id)
        record["usd_amount"] = convert_to_usd(record["amount"], record["fx_rate"])
    if record["usd_amount"] > MAX_USD:
        return [field_error(f"{prefix}/amount", f"Worth USD {record['usd_amount']}; one amount may be at most "
                            f"USD {MAX_USD:,}.")]
    return []


class BadRate(ValueError):
    """What is wrong with one rate row, and the field it is wrong in (None: the row as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# The grammar and bounds of the API's other dates and decimals (portfolio/schemas/fields.py StrictDate and
# DecimalString): YYYY-MM-DD only, in 1900..2199, and a plain decimal without sign, exponent or spaces.
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2199, 12, 31)
RATE_VALUE = re.compile(r"\A[0-9]{1,6}(\.[0-9]{1,10})?\Z")
RATE_DATE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


class BadRow(ValueError):
    """Everything wrong with one rate row: a BadRate per bad field (all of them, not the first)."""

    def __init__(self, problems: list[BadRate]):
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


def _row(record: dict, seen: dict, where: str, unknown: tuple[str, ...] = ()) -> dict:
    """One rate row from its four text fields, or BadRow naming every field that is wrong and why."""
    problems = [BadRate(f"Unknown field (a rate has {', '.join(CSV_COLUMNS)}).", escape_pointer(name))
                for name in unknown]
    text = {}
    for name in CSV_COLUMNS:
        if isinstance(record.get(name), str):
            text[name] = record[name]
        else:
            problems.append(BadRate(f"Give {name} as text (each of {', '.join(CSV_COLUMNS)} is required).", name))
    currency = day = value = source = None
    if "currency" in text:
        currency = text["currency"].strip().upper()
        if currency not in MINOR_UNITS or currency == "USD":
            problems.append(BadRate(f"Not a current ISO 4217 currency other than USD: {currency!r}.", "currency"))
            currency = None
    if "usd_per_unit" in text:
        value_text = text["usd_per_unit"].strip()
        value = Decimal(value_text) if RATE_VALUE.match(value_text) else None
        if value is None or not 0 < value <= 100000:
            problems.append(BadRate("usd_per_unit must be a decimal in (0, 100000] with at most 10 places, without "
                                    f"sign, exponent or spaces (for example \"1.2597\"); got {value_text!r}.",
                                    "usd_per_unit"))
    if "source" in text:
        source = text["source"].strip()
        if not 1 <= len(source) <= 300:
            problems.append(BadRate("source must name where the rate comes from (1-300 characters).", "source"))
    if "date" in text:
        date_text = text["date"].strip()
        try:
            day = date.fromisoformat(date_text) if RATE_DATE.match(date_text) else None
        except ValueError:
            day = None
        if day is None or not FIRST_DATE <= day <= LAST_DATE:
            problems.append(BadRate(f"date must be a date YYYY-MM-DD between {FIRST_DATE} and {LAST_DATE}; got "
                                    f"{date_text!r}.", "date"))
            day = None
    if currency is not None and day is not None and (currency, day) in seen:
        problems.append(BadRate(f"the {currency} rate of {day} is already on {seen[currency, day]}", "date"))
    if problems:
        raise BadRow(problems)
    seen[currency, day] = where  # a valid row only: a later one of the same currency and date repeats it
    return {"currency": currency, "date": day, "usd_per_unit": value, "source": source}


def _errors(exc: ValueError, pointer: str, location: str, **extra) -> list[dict]:
    """The errors of a refused row: one per bad field."""
    return [_error(problem, pointer, location, **extra) for problem in getattr(exc, "problems", [exc])]


def _error(exc: ValueError, pointer: str, location: str, **extra) -> dict:
    field = getattr(exc, "field", None)
    if field is None:
        return field_error(pointer, str(exc), location, **extra)
    if location == "csv":
        extra["column"] = field
    return field_error(f"{pointer}/{field}", str(exc), location, **extra)


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
                rows.append({**_row(record, seen, f"line {line}"),
                             WHERE: ("csv", f"/rows/{line - 2}", {"row": line})})
            except ValueError as exc:
                errors.extend(_errors(exc, f"/rows/{line - 2}", "csv", row=line))
    except (UnicodeDecodeError, csv.Error) as exc:
        errors.append(field_error("/", f"The file cannot be read as UTF-8 CSV: {exc}", "csv"))
    return rows, errors


MAX_ITEMS = 5000  # rates in one JSON upload, as for the bulk uploads (published as maxItems)
WHERE = "_where"  # a parsed row's place in the upload (location, pointer, extra), for the errors of load()


def parse_items(body) -> tuple[list[dict], list[dict]]:
    """The same rows as JSON, {"items": [{"currency", "date", "usd_per_unit", "source"}, ...]}."""
    if not isinstance(body, dict) or set(body) != {"items"} or not isinstance(body["items"], list):
        return [], [field_error("/", 'Expected {"items": [{"currency", "date", "usd_per_unit", "source"}, ...]}.')]
    if not body["items"]:
        return [], [field_error("/items", "Give at least one rate.")]
    if len(body["items"]) > MAX_ITEMS:
        return [], [field_error("/items", f"At most {MAX_ITEMS} rates in one upload; this one has "
                                          f"{len(body['items'])}.")]
    rows, errors, seen = [], [], {}
    for index, record in enumerate(body["items"]):
        try:
            if not isinstance(record, dict):
                raise BadRate(f"an object with the fields {', '.join(CSV_COLUMNS)} and no other")
            unknown = tuple(sorted(set(record) - set(CSV_COLUMNS)))
            rows.append({**_row(record, seen, f"item {index}", unknown), WHERE: ("json", f"/items/{index}", {})})
        except ValueError as exc:
            errors.extend(_errors(exc, f"/items/{index}", "json"))
    return rows, errors


def _used(rate_ids: set[int]) -> set[int]:
    if not rate_ids:
        return set()
    return {rate_id for model in (BudgetLine, Transaction) for rate_id in db.session.scalars(
        select(model.fx_rate_id).where(dialect.id_filter(model.fx_rate_id, rate_ids)).distinct())}


def load_csv(data: bytes) -> dict:
    """Insert new rates and update changed ones (by currency and date); all or nothing."""
    return load(*parse_csv(data))


def _stored(row: dict) -> dict:
    return {name: value for name, value in row.items() if name != WHERE}


def load(rows: list[dict], errors: list[dict]) -> dict:
    """Load parsed rows (parse_csv, parse_items), or refuse them all when any is invalid."""
    if errors:
        raise Invalid(errors, f"{len(errors)} rate row(s) are invalid; nothing was loaded.")
    existing = {(r.currency, r.date): r for r in db.session.scalars(select(ExchangeRate))}
    fresh = [r for r in rows if (r["currency"], r["date"]) not in existing]
    changes = [(existing[r["currency"], r["date"]], r) for r in rows if (r["currency"], r["date"]) in existing
               and (existing[r["currency"], r["date"]].usd_per_unit, existing[r["currency"], r["date"]].source)
               != (r["usd_per_unit"], r["source"])]
    used = _used({row.id for row, _ in changes})
    if used:
        raise Invalid([field_error(f"{r[WHERE][1]}/usd_per_unit", f"The {row.currency} rate of {row.date} already "
                                   "priced amounts; a rate in use is never changed (publish a rate of another date).",
                                   r[WHERE][0], **r[WHERE][2], **({"column": "usd_per_unit"} if r[WHERE][0] == "csv"
                                                                  else {}))
                       for row, r in changes if row.id in used])
    for row, r in changes:
        row.usd_per_unit, row.source = r["usd_per_unit"], r["source"]
    changed = len(changes)
    now = utcnow()  # COPY (PostgreSQL) applies no Python-side default
    dialect.insert_rows(ExchangeRate.__table__, [{**_stored(r), "created_at": now} for r in fresh])
    db.session.flush()
    return {"created": len(fresh), "updated": changed, "unchanged": len(rows) - len(fresh) - changed}
