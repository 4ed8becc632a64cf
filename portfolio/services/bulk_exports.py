"""Projects, budget lines and transactions in the bulk imports' own layout (CSV or XLSX), so a file exported
here opens back in the importer and changes nothing: export -> import -> export gives the same content.

Only what the importer takes is written: no ids but a budget line's `line_id` (which the importer updates by),
no derived figures (usd_amount, current), and `fx_rate` only where it was stated (a rate taken from the rates
table is left empty with its `fx_value_date`, so a re-import keeps the table row it came from). Amounts are in
their currency's minor units; shares with two places; lists joined by ';' as the importer splits them.

CSV: text that a spreadsheet could read as a formula is written with a leading apostrophe, which the importer
drops (schemas/csv_input.py escape/unescape). XLSX: the first sheet, the header in row 1; text cells are
strings (never formulas), dates are dates, and amounts and rates are numbers when a spreadsheet's double holds
them exactly (else text, so nothing is rounded).
"""
import csv
import io
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, String, bindparam, select

from portfolio import xlsx
from portfolio.errors import Invalid, field_error
from portfolio.extensions import db
from portfolio.filters import filter_params, project_filters
from portfolio.models import BudgetLine, Project, Transaction
from portfolio.models.project import CSV_FIELDS
from portfolio.services import state as states
from portfolio.vocabulary import current

BATCH = 500
SHEET_ROWS = xlsx.MAX_ROWS  # an XLSX sheet's rows, the header included
# The importers' columns (schemas/bulk.py), less `clear` and `if_match` (tests/test_xlsx_import.py checks).
COLUMNS = {
    "projects": tuple(f.name for f in CSV_FIELDS),
    "budget-lines": ("project", "line_id", "period_start", "period_end", "amount", "currency", "fx_rate",
                     "fx_value_date", "donor", "type", "status"),
    "transactions": ("project", "reference", "type", "date", "amount", "currency", "fx_rate", "fx_value_date",
                     "provider", "receiver", "description"),
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Amount(Decimal):
    """A decimal written with a fixed number of places (the currency's minor units, or a rate's 10)."""

    places: int = 2

    @classmethod
    def of(cls, value: Decimal, places: int) -> "Amount":
        out = cls(value.quantize(Decimal(1).scaleb(-places)))
        out.places = places
        return out


def _places(currency: str) -> int:
    from portfolio.rules import MINOR_UNITS

    return min(MINOR_UNITS.get(currency, 2), 3)


def _project_rows(args: dict):
    vocab = current()
    ids = db.session.scalars(select(Project.id).where(*project_filters(args)).order_by(Project.code),
                             filter_params(args)).all()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        loaded = states.load(ids=chunk, records=False)
        for project_id in chunk:
            snap = states.snapshot(loaded[project_id], vocab)
            row = loaded[project_id].row
            yield [_cell(f, snap, row) for f in CSV_FIELDS]


# A list's cell: its entries joined by ";", each as the importer reads it (schemas/bulk.py csv_projects).
LIST_ENTRY = {"priorities": lambda p: f"{p['code']}:{p['share']}",
              "participating_organisations": lambda o: f"{o['organisation']}:{o['role']}:{o['share']}"}


def _cell(f, snap: dict, row: dict):
    """A project field's cell: a column's stored value (dates as dates; booleans as true/false), a region
    and codes as the audit snapshot has them."""
    if f.kind == "links":
        return ";".join(map(LIST_ENTRY.get(f.name, str), snap[f.name]))
    if f.kind == "column":
        value = row[f.name]
        return ("true" if value else "false") if isinstance(value, bool) else value
    return snap[f.name]


def _record_rows(kind: str, args: dict):
    model, when = (BudgetLine, BudgetLine.period_start) if kind == "budget-lines" else (Transaction, Transaction.date)
    clauses = project_filters(args, years="none")
    if args.get("year_from"):
        clauses.append(when >= bindparam("f_from_date", type_=Date))
    if args.get("year_to"):
        clauses.append(when <= bindparam("f_to_date", type_=Date))
    params = filter_params(args)
    if args.get("budget_status") and model is BudgetLine:
        clauses.append(BudgetLine.status == bindparam("f_budget_status", type_=String))
        params["f_budget_status"] = args["budget_status"]
    organisations = {term.id: term.code for term in current().organisations.values()}
    statement = (select(Project.code, model).join_from(model, Project, Project.id == model.project_id)
                 .where(*clauses).order_by(model.id).execution_options(yield_per=BATCH))
    for code, record in db.session.execute(statement, params):
        places = _places(record.currency)
        stated = record.fx_rate if record.fx_rate is not None and record.fx_rate_id is None else None
        money = [Amount.of(record.amount, places), record.currency,
                 None if stated is None else Amount.of(stated, 10), record.fx_value_date]
        if kind == "budget-lines":
            yield [code, record.id, record.period_start, record.period_end, *money,
                   organisations.get(record.donor_organisation_id), record.type, record.status]
        else:
            yield [code, record.reference, record.type, record.date, *money,
                   organisations.get(record.provider_organisation_id),
                   organisations.get(record.receiver_organisation_id), record.description]


def rows(kind: str, args: dict):
    return _project_rows(args) if kind == "projects" else _record_rows(kind, args)


def escape(text: str) -> str:
    """As schemas/csv_input.py escape(): the importer reads the value back without the apostrophe."""
    return "'" + text if text[:1] in FORMULA_START or (text[:1] == "'" and text[1:2] in (*FORMULA_START, "'")) \
        else text


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Amount):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return escape(value)
    return str(value)


def stream_csv(kind: str, args: dict):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # every CR and LF inside a cell quoted
    writer.writerow(COLUMNS[kind])
    for number, row in enumerate(rows(kind, args), start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if number % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _exact_double(value: Decimal) -> bool:
    return len(value.normalize().as_tuple().digits) <= 15 and Decimal(repr(float(value))) == value


def _xlsx_cell(value):
    if isinstance(value, Amount):  # a number where a spreadsheet's double holds it exactly, else exact text
        shown = "0" + ("." + "0" * value.places if value.places else "")
        return xlsx.Number(format(value, "f"), shown) if _exact_double(value) else format(value, "f")
    if isinstance(value, str):  # text, even if it looks like a formula, and shown and edited as text then
        return xlsx.Text(value, quote=value[:1] in FORMULA_START)
    return value


def to_xlsx(kind: str, args: dict) -> bytes:
    book = xlsx.Workbook(kind, freeze_rows=1)
    book.append(COLUMNS[kind], bold=True)
    for number, row in enumerate(rows(kind, args), start=2):
        if number > SHEET_ROWS:
            raise Invalid([field_error("/", f"More than {SHEET_ROWS - 1:,} rows: a sheet cannot hold them. Export "
                                            "as CSV, or filter.", "query")], "Too many rows for one sheet.")
        book.append([_xlsx_cell(value) for value in row])
    return book.close()
