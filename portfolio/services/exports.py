"""Every budget line or transaction as CSV, streamed in constant memory, whatever the number of rows.

PostgreSQL writes the CSV itself (COPY ... TO STDOUT, its output passed on as it arrives); SQLite rows come
from a cursor in batches and are written by csv.writer. Both follow one column layout: exact decimals from
integer minor units (never a float), organisations by code, and every free text that a spreadsheet could
read as a formula neutralised (statistics/renderers.neutralise), so both engines give the same file. An
amount is written in its currency's minor units, as JSON gives it (USD 146077.94, JPY 1250, KWD 1.234: it
was 146077.940, stored thousandths shown whole), and USD figures in cents."""
import csv
import io

from sqlalchemy import BigInteger, Date, String, bindparam, case, cast, func, literal, select, type_coerce
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from portfolio import dialect
from portfolio.extensions import db
from portfolio.filters import filter_params, project_filters
from portfolio.models import BudgetLine, Organisation, Project, Transaction
from portfolio.rules import MAX_PLACES, MINOR_UNITS
from portfolio.statistics.renderers import FORMULA, neutralise
from portfolio.vocabulary import current

BATCH = 5000
# (column name, attribute, kind): kinds are int, text (codes: cannot start like a formula), free (any text:
# neutralised), date, scaled:N (integer units of 10^-N), amount (thousandths, shown in the row's currency's minor
# units), bool, organisation (its code)
LAYOUTS = {
    "budget-lines": (BudgetLine, "period_start", [
        ("line_id", "id", "int"), ("period_start", "period_start", "date"), ("period_end", "period_end", "date"),
        ("amount", "amount", "amount"), ("currency", "currency", "text"), ("fx_rate", "fx_rate", "scaled:10"),
        ("fx_value_date", "fx_value_date", "date"), ("fx_rate_id", "fx_rate_id", "int"),
        ("usd_amount", "usd_amount", "scaled:2"), ("donor", "donor_organisation_id", "organisation"),
        ("type", "type", "text"), ("status", "status", "text"), ("current", "current", "bool")]),
    "transactions": (Transaction, "date", [
        ("transaction_id", "id", "int"), ("reference", "reference", "text"), ("type", "type", "text"),
        ("date", "date", "date"), ("amount", "amount", "amount"), ("currency", "currency", "text"),
        ("fx_rate", "fx_rate", "scaled:10"), ("fx_value_date", "fx_value_date", "date"),
        ("fx_rate_id", "fx_rate_id", "int"), ("usd_amount", "usd_amount", "scaled:2"),
        ("provider", "provider_organisation_id", "organisation"),
        ("receiver", "receiver_organisation_id", "organisation"), ("description", "description", "free")]),
}


def header(kind: str) -> list[str]:
    return ["project_code", *(name for name, _, _ in LAYOUTS[kind][2]), "synthetic"]


def _scaled(value, places: int) -> str:
    """Integer minor units to an exact decimal string, without going through float."""
    whole, fraction = divmod(int(value), 10 ** places)
    return f"{whole}.{fraction:0{places}d}"


def _places(currency: str) -> int:
    return min(MINOR_UNITS.get(currency, 2), MAX_PLACES)


def _amount(thousandths, currency: str) -> str:
    """Stored thousandths in the currency's minor units (the write path keeps them within those places)."""
    places = _places(currency)
    text = _scaled(thousandths, MAX_PLACES)
    return text[:len(text) - (MAX_PLACES - places) - (1 if places == 0 else 0)]


def _python(kind: str):
    if kind.startswith("scaled:"):
        places = int(kind.split(":")[1])
        return lambda v: _scaled(v, places)
    return {"bool": lambda v: "true" if v else "false", "free": lambda v: neutralise(str(v))}.get(kind, str)


def _sql(kind: str, column, organisations: dict, currency=None):
    """The same cell, formatted by PostgreSQL (as text; NULL stays NULL, written as an empty cell)."""
    if kind.startswith("scaled:"):
        places = int(kind.split(":")[1])
        return cast(cast(type_coerce(column, BigInteger), postgresql.NUMERIC) / 10 ** places,
                    postgresql.NUMERIC(30, places))
    if kind == "amount":
        value = cast(type_coerce(column, BigInteger), postgresql.NUMERIC) / 10 ** MAX_PLACES
        groups: dict[int, list[str]] = {}
        for code in MINOR_UNITS:
            groups.setdefault(_places(code), []).append(code)
        return cast(case(*((currency.in_(sorted(codes)), cast(value, postgresql.NUMERIC(30, places)))
                           for places, codes in sorted(groups.items())),
                         else_=cast(value, postgresql.NUMERIC(30, 2))), String)
    if kind == "bool":
        return case((column, "true"), else_="false")
    if kind == "date":
        return func.to_char(column, "YYYY-MM-DD")
    if kind == "organisation":
        return organisations[column.key].code
    if kind == "free":
        return case((column.regexp_match(FORMULA), literal("'") + column), else_=column)
    return cast(column, String)


def _statement(kind: str, args: dict, formatted: bool):
    model, date_column, columns = LAYOUTS[kind]
    when = getattr(model, date_column)
    clauses = project_filters(args, years="none")
    if args.get("year_from"):
        clauses.append(when >= bindparam("f_from_date", type_=Date))
    if args.get("year_to"):
        clauses.append(when <= bindparam("f_to_date", type_=Date))
    if args.get("budget_status") and model is BudgetLine:  # as in the aggregates: only lines of that status
        clauses.append(BudgetLine.status == bindparam("f_budget_status", type_=String))
    if formatted:
        organisations = {attr: aliased(Organisation) for _, attr, k in columns if k == "organisation"}
        cells = [_sql(k, getattr(model, attr), organisations, model.currency).label(name) for name, attr, k in columns]
        statement = select(Project.code, *cells, case((Project.synthetic, "true"), else_="false"))
        for attr, alias in organisations.items():
            statement = statement.outerjoin(alias, alias.id == getattr(model, attr))
    else:
        statement = select(Project.code, *(type_coerce(getattr(model, attr), BigInteger)
                                           if k.startswith("scaled") or k == "amount" else getattr(model, attr)
                                           for _, attr, k in columns), Project.synthetic)
    return (statement.join_from(model, Project, Project.id == model.project_id).where(*clauses)
            .order_by(model.id))


def _params(args: dict) -> dict:
    params = filter_params(args)
    if args.get("budget_status"):
        params["f_budget_status"] = args["budget_status"]
    return params


def stream_csv(kind: str, args: dict):
    if dialect.is_postgresql():
        yield from _copy(kind, args)
    else:
        yield from _write(kind, args)


def _copy(kind: str, args: dict):
    statement = _statement(kind, args, formatted=True).params(_params(args))
    connection = db.session.connection()
    query = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
        yield (",".join(header(kind)) + "\n").encode()
        for block in copy:
            yield bytes(block)


def _write(kind: str, args: dict):
    organisations = {term.id: term.code for term in current().organisations.values()}
    formats = [(lambda v: organisations.get(v, "")) if k == "organisation" else _amount if k == "amount" else _python(k)
               for _, _, k in LAYOUTS[kind][2]]
    buffer = io.StringIO()
    # csv.writer quotes a cell holding a character of its line terminator only: with "\n" alone, a cell
    # holding "\r" went out unquoted and broke the row. Rows are written with "\r\n" (every CR and LF in a
    # cell quoted, as COPY does) and end with "\n", as COPY's do.
    writer = csv.writer(buffer, lineterminator="\r\n")

    def writerow(row):
        writer.writerow(row)
        buffer.seek(buffer.tell() - 2)
        buffer.write("\n")
        buffer.truncate()

    writerow(header(kind))
    rows = db.session.execute(_statement(kind, args, formatted=False).execution_options(yield_per=BATCH),
                              _params(args))
    currency_at = [name for name, _, _ in LAYOUTS[kind][2]].index("currency")
    for partition in rows.partitions():
        for code, *values, synthetic in partition:
            writerow([code, *("" if v is None else f(v, values[currency_at]) if k == "amount" else f(v)
                              for (_, _, k), f, v in zip(LAYOUTS[kind][2], formats, values)),
                      "true" if synthetic else "false"])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # no row at all: the header alone
        yield buffer.getvalue().encode("utf-8")
