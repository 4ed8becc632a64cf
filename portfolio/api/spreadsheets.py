"""Spreadsheet round trips: the bulk import of budget lines (JSON, CSV or XLSX, like those of projects and
transactions), and projects, budget lines and transactions exported in the imports' own layout, as CSV or
XLSX, so an exported file opens back in the importer unchanged (services/bulk_exports.py)."""
from flask import Response, stream_with_context
from flask.views import MethodView

from portfolio.api import idempotency, uploads
from portfolio.api.auth import protect
from portfolio.api.base import ApiBlueprint
from portfolio.schemas import bulk as bulk_schemas
from portfolio.schemas.filters import BudgetFilterSchema, ProjectFilterSchema
from portfolio.services import budget_line_import, bulk_exports
from portfolio.statistics import renderers

lines_blp = ApiBlueprint("budget_lines_bulk", __name__, url_prefix="/api/v1",
                         description="Bulk import of budget lines")
protect(lines_blp, {"POST": "bulk"})
idempotency.enable(lines_blp)

exports_blp = ApiBlueprint("bulk_exports", __name__, url_prefix="/api/v1",
                           description="Projects, budget lines and transactions in the bulk imports' layout (CSV, "
                                       "XLSX): an exported file imports back unchanged")
protect(exports_blp, {"GET": "read"})


@lines_blp.route("/budget-lines/bulk")
class BudgetLinesBulk(MethodView):
    @lines_blp.doc(operationId="bulkUpsertBudgetLines")
    @lines_blp.response(200, bulk_schemas.BulkBudgetLineResultSchema)
    @lines_blp.doc(requestBody=uploads.request_body(
        bulk_schemas.BulkBudgetLinesRequestSchema, bulk_schemas.BUDGET_LINE_CSV,
        "project,period_start,period_end,amount,currency,donor,status\n"
        "TCM-1,2004-01-01,2004-12-31,250000.00,USD,EC,committed\n"))
    def post(self):
        """Add (a row without line_id) or change (a row with the line_id the export writes) up to 5,000 budget
        lines in one transaction. If any row is invalid nothing is written, and every error names its row
        (/items/17/amount; for CSV and XLSX also the file's row and the column, and in XLSX its letter). A
        row equal to the stored line writes nothing. The revision rules are checked once every row is
        applied."""
        return uploads.import_records(bulk_schemas.BUDGET_LINE_CSV, bulk_schemas.BUDGET_LINE_SCHEMAS,
                                      budget_line_import)


def _file(kind: str, extension: str, args: dict) -> Response:
    name = renderers.filename(f"{kind}-import-layout", extension)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if extension == "csv":
        return Response(stream_with_context(bulk_exports.stream_csv(kind, args)),
                        content_type="text/csv; charset=utf-8", headers=headers)
    return Response(bulk_exports.to_xlsx(kind, args), content_type=renderers.XLSX_MIME, headers=headers)


def _doc(extension: str) -> dict:
    media = "text/csv" if extension == "csv" else renderers.XLSX_MIME
    return {"200": {"description": "The bulk import's own columns, one row per record, header in row 1; posting "
                                   "the file back to the import changes nothing",
                    "content": {media: {"schema": {"type": "string", "format": "binary"}}}}}


@exports_blp.route("/projects/bulk/export.csv")
class ProjectsExportCsv(MethodView):
    @exports_blp.doc(operationId="exportProjectsBulkCsv")
    @exports_blp.arguments(ProjectFilterSchema, location="query")
    @exports_blp.doc(responses=_doc("csv"))
    def get(self, args):
        """Projects as CSV, in the bulk import's layout

        The (filtered) projects, one row each: an exported file imports back unchanged."""
        return _file("projects", "csv", args)


@exports_blp.route("/projects/bulk/export.xlsx")
class ProjectsExportXlsx(MethodView):
    @exports_blp.doc(operationId="exportProjectsBulkXlsx")
    @exports_blp.arguments(ProjectFilterSchema, location="query")
    @exports_blp.doc(responses=_doc("xlsx"))
    def get(self, args):
        """Projects as XLSX, in the bulk import's layout

        The (filtered) projects, one row each: an exported file imports back unchanged."""
        return _file("projects", "xlsx", args)


@exports_blp.route("/budget-lines/bulk/export.csv")
class BudgetLinesExportCsv(MethodView):
    @exports_blp.doc(operationId="exportBudgetLinesBulkCsv")
    @exports_blp.arguments(BudgetFilterSchema, location="query")
    @exports_blp.doc(responses=_doc("csv"))
    def get(self, args):
        """Budget lines as CSV, in the bulk import's layout

        The (filtered) projects' budget lines, one row each: an exported file imports back unchanged."""
        return _file("budget-lines", "csv", args)


@exports_blp.route("/budget-lines/bulk/export.xlsx")
class BudgetLinesExportXlsx(MethodView):
    @exports_blp.doc(operationId="exportBudgetLinesBulkXlsx")
    @exports_blp.arguments(BudgetFilterSchema, location="query")
    @exports_blp.doc(responses=_doc("xlsx"))
    def get(self, args):
        """Budget lines as XLSX, in the bulk import's layout

        The (filtered) projects' budget lines, one row each: an exported file imports back unchanged."""
        return _file("budget-lines", "xlsx", args)


@exports_blp.route("/transactions/bulk/export.csv")
class TransactionsExportCsv(MethodView):
    @exports_blp.doc(operationId="exportTransactionsBulkCsv")
    @exports_blp.arguments(ProjectFilterSchema, location="query")
    @exports_blp.doc(responses=_doc("csv"))
    def get(self, args):
        """Transactions as CSV, in the bulk import's layout

        The (filtered) projects' transactions, one row each: an exported file imports back unchanged."""
        return _file("transactions", "csv", args)


@exports_blp.route("/transactions/bulk/export.xlsx")
class TransactionsExportXlsx(MethodView):
    @exports_blp.doc(operationId="exportTransactionsBulkXlsx")
    @exports_blp.arguments(ProjectFilterSchema, location="query")
    @exports_blp.doc(responses=_doc("xlsx"))
    def get(self, args):
        """Transactions as XLSX, in the bulk import's layout

        The (filtered) projects' transactions, one row each: an exported file imports back unchanged."""
        return _file("transactions", "xlsx", args)
