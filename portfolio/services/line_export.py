"""All budget lines as CSV, streamed: rows come from a server-side cursor in batches and are
written as they arrive, so memory stays flat however many lines there are."""
import csv
import io

from sqlalchemy import BigInteger, select, type_coerce

from portfolio.extensions import db
from portfolio.models import BudgetLine, Project
from portfolio.services.aggregates import scope

HEADER = ["project_code", "line_id", "period_start", "period_end", "amount", "currency", "fx_rate",
          "fx_value_date", "usd_amount", "donor", "type", "status", "synthetic"]
BATCH = 5000


def _scaled(value, places: int) -> str:
    """Integer minor units to an exact decimal string, without going through float."""
    if value is None:
        return ""
    value = int(value)
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(abs(value), 10 ** places)
    return f"{sign}{whole}.{fraction:0{places}d}"


def rows(args: dict):
    statement = scope(
        select(Project.code, BudgetLine.id, BudgetLine.period_start, BudgetLine.period_end,
               type_coerce(BudgetLine.amount, BigInteger), BudgetLine.currency,
               type_coerce(BudgetLine.fx_rate, BigInteger), BudgetLine.fx_value_date,
               type_coerce(BudgetLine.usd_amount, BigInteger), BudgetLine.donor, BudgetLine.type, BudgetLine.status,
               Project.synthetic)
        .join(Project, Project.id == BudgetLine.project_id).order_by(BudgetLine.id),
        BudgetLine.project_id, args)
    result = db.session.execute(statement.execution_options(yield_per=BATCH))
    for partition in result.partitions():
        yield partition


def stream_csv(args: dict):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for partition in rows(args):
        for (code, line_id, start, end, amount, currency, rate, value_date, usd, donor, type_, status,
             synthetic) in partition:
            writer.writerow([code, line_id, start, end, _scaled(amount, 2), currency, _scaled(rate, 10),
                             value_date or "", _scaled(usd, 2), donor or "", type_, status,
                             "true" if synthetic else "false"])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")
