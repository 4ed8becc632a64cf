"""Bulk exports for finance: every budget line as one streamed CSV."""
from flask import Response, stream_with_context
from flask.views import MethodView

from portfolio.api.base import ApiBlueprint
from portfolio.auth import protect
from portfolio.schemas.projects import ProjectFilterSchema
from portfolio.services import exports, line_export

blp = ApiBlueprint("exports", __name__, url_prefix="/api/v1", description="Streamed exports for finance")
protect(blp, {"GET": "aggregate"})


@blp.route("/exports/budget-lines")
class BudgetLinesExport(MethodView):
    @blp.arguments(ProjectFilterSchema, location="query")
    @blp.response(200, description="CSV, one row per budget line; amounts as exact decimal strings",
                  content_type="text/csv")
    def get(self, args):
        """All budget lines of the (filtered) projects as CSV, streamed in constant memory."""
        return Response(stream_with_context(line_export.stream_csv(args)), mimetype=exports.CSV_MIME, headers={
            "Content-Disposition": f'attachment; filename="{exports.filename("budget-lines", "csv")}"'})
