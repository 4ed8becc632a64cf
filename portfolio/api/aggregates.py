"""Finance rollups as JSON, CSV or XLSX, and the portfolio summary against the declared baseline."""
from flask import Response, request
from flask.views import MethodView

from portfolio.api.base import ApiBlueprint
from portfolio.auth import protect
from portfolio.schemas.aggregates import AggregateQuerySchema, AggregateSchema, CrossTabSchema, PortfolioSummarySchema
from portfolio.schemas.projects import ProjectFilterSchema
from portfolio.services import aggregates, exports
from portfolio.services.summary import portfolio_summary

blp = ApiBlueprint("aggregates", __name__, url_prefix="/api/v1",
                   description="Budget rollups that add up to the cent; every project-list filter applies")
protect(blp, {"GET": "aggregate"})

FILE_RESPONSES = {200: {"content": {
    "text/csv": {"schema": {"type": "string"}},
    exports.XLSX_MIME: {"schema": {"type": "string", "format": "binary"}},
}}}


def _format(args) -> str:
    if args.get("format"):
        return args["format"]
    best = request.accept_mimetypes.best_match(["application/json", "text/csv", exports.XLSX_MIME],
                                               default="application/json")
    return {"text/csv": "csv", exports.XLSX_MIME: "xlsx"}.get(best, "json")


def _respond(result: dict, args: dict):
    fmt = _format(args)
    if fmt == "json":
        return result
    if fmt == "csv":
        body, mime = exports.to_csv(result), exports.CSV_MIME
    else:
        body, mime = exports.to_xlsx(result), exports.XLSX_MIME
    return Response(body, mimetype=mime, headers={
        "Content-Disposition": f'attachment; filename="{exports.filename(result["dimension"], fmt)}"'})


@blp.route("/aggregates/<any('region','priority','activity-type','rcp','country','year','donor','status'):dimension>")
class Aggregate(MethodView):
    @blp.arguments(AggregateQuerySchema, location="query")
    @blp.response(200, AggregateSchema)
    @blp.doc(responses=FILE_RESPONSES)
    def get(self, args, dimension):
        """Rollup by region, priority, activity type, RCP, country, year, donor or status.

        `additive` says whether the rows' budgets sum to the total (activity type and RCP rows overlap).
        """
        return _respond(aggregates.aggregate(dimension, args), args)


@blp.route("/aggregates/region-priority")
class RegionPriority(MethodView):
    @blp.arguments(AggregateQuerySchema, location="query")
    @blp.response(200, CrossTabSchema)
    @blp.doc(responses=FILE_RESPONSES)
    def get(self, args):
        """Cross-tab of regions (rows) by priorities (columns); cells, rows and columns add up to the total."""
        return _respond(aggregates.region_priority(args), args)


@blp.route("/portfolio/summary")
class Summary(MethodView):
    @blp.arguments(ProjectFilterSchema, location="query")
    @blp.response(200, PortfolioSummarySchema)
    def get(self, args):
        """Itemized projects and budget against the declared baseline, with coverage and unknown budgets."""
        return portfolio_summary(args)
