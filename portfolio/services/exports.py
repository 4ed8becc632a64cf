"""Every budget line or transaction as CSV, streamed: rows come from a server-side cursor in batches and
are written as they arrive, so memory stays flat however many there are. Text cells that a spreadsheet
could read as a formula are neutralised (statistics/renderers.neutralise)."""
import csv
import io
from datetime import date

from sqlalchemy import BigInteger, select, type_coerce

from portfolio.extensions import db
from portfolio.models import BudgetLine, Project, Transaction
from portfolio.services.queries import project_filters
from portfolio.services.vocabulary import current
from portfolio.statistics.renderers import neutralise

BATCH = 5000


def _scaled(value, places: int) -> str:
    """Integer minor units to an exact decimal string, without going through float."""
    if value is None:
        return ""
    whole, fraction = divmod(int(value), 10 ** places)
    return f"{whole}.{fraction:0{places}d}"


def _raw(column):
    return type_coerce(column, BigInteger)


LAYOUTS = {
    "budget-lines": (BudgetLine, "period_start", [
        ("line_id", BudgetLine.id, str), ("period_start", BudgetLine.period_start, str),
        ("period_end", BudgetLine.period_end, str), ("amount", _raw(BudgetLine.amount), lambda v: _scaled(v, 3)),
        ("currency", BudgetLine.currency, str), ("fx_rate", _raw(BudgetLine.fx_rate), lambda v: _scaled(v, 10)),
        ("fx_value_date", BudgetLine.fx_value_date, str), ("fx_rate_id", BudgetLine.fx_rate_id, str),
        ("usd_amount", _raw(BudgetLine.usd_amount), lambda v: _scaled(v, 2)),
        ("donor", BudgetLine.donor_organisation_id, "organisation"), ("type", BudgetLine.type, str),
        ("status", BudgetLine.status, str), ("current", BudgetLine.current, lambda v: "true" if v else "false")]),
    "transactions": (Transaction, "date", [
        ("transaction_id", Transaction.id, str), ("reference", Transaction.reference, neutralise),
        ("type", Transaction.type, str), ("date", Transaction.date, str),
        ("amount", _raw(Transaction.amount), lambda v: _scaled(v, 3)), ("currency", Transaction.currency, str),
        ("fx_rate", _raw(Transaction.fx_rate), lambda v: _scaled(v, 10)),
        ("fx_value_date", Transaction.fx_value_date, str), ("fx_rate_id", Transaction.fx_rate_id, str),
        ("usd_amount", _raw(Transaction.usd_amount), lambda v: _scaled(v, 2)),
        ("provider", Transaction.provider_organisation_id, "organisation"),
        ("receiver", Transaction.receiver_organisation_id, "organisation"),
        ("description", Transaction.description, neutralise)]),
}


def header(kind: str) -> list[str]:
    return ["project_code", *(name for name, _, _ in LAYOUTS[kind][2]), "synthetic"]


def rows(kind: str, args: dict):
    model, date_column, columns = LAYOUTS[kind]
    when = getattr(model, date_column)
    clauses = project_filters(args, years="none")
    if args.get("year_from"):
        clauses.append(when >= date(args["year_from"], 1, 1))
    if args.get("year_to"):
        clauses.append(when <= date(args["year_to"], 12, 31))
    if args.get("budget_status") and model is BudgetLine:  # as in the aggregates: only lines of that status
        clauses.append(BudgetLine.status == args["budget_status"])
    statement = (select(Project.code, *(c for _, c, _ in columns), Project.synthetic)
                 .join(Project, Project.id == model.project_id).where(*clauses).order_by(model.id))
    return db.session.execute(statement.execution_options(yield_per=BATCH)).partitions()


def stream_csv(kind: str, args: dict):
    organisations = {term.id: term.code for term in current().organisations.values()}
    formats = [(lambda v, f=f: "" if v is None else (organisations.get(v, "") if f == "organisation" else f(v)))
               for _, _, f in LAYOUTS[kind][2]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(kind))
    for partition in rows(kind, args):
        for code, *values, synthetic in partition:
            writer.writerow([neutralise(code), *(f(v) for f, v in zip(formats, values)),
                             "true" if synthetic else "false"])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")
