"""Streamed exports for finance: every budget line, every transaction, as CSV in constant memory."""
from flask import Response, stream_with_context
from flask.views import MethodView

from portfolio.api.auth import protect
from portfolio.api.base import ApiBlueprint
from portfolio.schemas.filters import BudgetFilterSchema, ProjectFilterSchema
from portfolio.services import exports
from portfolio.statistics import renderers

blp = ApiBlueprint("exports", __name__, url_prefix="/api/v1", description="Streamed exports for finance")
protect(blp, {"GET": "aggregate"})

FILE = {"200": {"description": "CSV, one row per record; amounts as exact decimal strings; text cells that a "
                               "spreadsheet could read as formulas are prefixed with an apostrophe",
                "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}}}}


def _stream(kind: str, args: dict) -> Response:
    return Response(stream_with_context(exports.stream_csv(kind, args)), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{renderers.filename(kind, "csv")}"'})


@blp.route("/exports/budget-lines")
class BudgetLinesExport(MethodView):
    @blp.doc(operationId="exportBudgetLines")
    @blp.arguments(BudgetFilterSchema, location="query")
    @blp.doc(responses=FILE)
    def get(self, args):
        """All budget lines of the (filtered) projects as CSV, streamed in constant memory. A year range selects
        the lines whose period starts in it."""
        return _stream("budget-lines", args)


@blp.route("/exports/transactions")
class TransactionsExport(MethodView):
    @blp.doc(operationId="exportTransactions")
    @blp.arguments(ProjectFilterSchema, location="query")
    @blp.doc(responses=FILE)
    def get(self, args):
        """All transactions of the (filtered) projects as CSV, streamed in constant memory. A year range selects
        the transactions dated in it."""
        return _stream("transactions", args)
