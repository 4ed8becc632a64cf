"""Finance rollups as JSON, CSV or XLSX (each its own operation, so a generated client gets either a
typed answer or the file's bytes), and the portfolio summary against the declared baseline."""
from flask import Response
from flask.views import MethodView

from portfolio.api.base import ApiBlueprint
from portfolio.auth import protect
from portfolio.schemas.aggregates import AggregateSchema, CrossTabSchema, PortfolioSummarySchema
from portfolio.schemas.filters import AggregateFilterSchema, BudgetFilterSchema
from portfolio.statistics import renderers
from portfolio.statistics.aggregates import aggregate, region_priority
from portfolio.statistics.dimensions import CROSS_TAB, DIMENSIONS
from portfolio.statistics.summary import portfolio_summary

blp = ApiBlueprint("aggregates", __name__, url_prefix="/api/v1",
                   description="Rollups that add up to the cent, with budget against actual; every project-list "
                               "filter applies")
protect(blp, {"GET": "aggregate"})

DIMENSION_RULE = "<any(" + ", ".join(f"'{key}'" for key in DIMENSIONS) + "):dimension>"
FILES = {"csv": (renderers.CSV_MIME, "string"), "xlsx": (renderers.XLSX_MIME, "binary")}


def _answer(dimension: str, args: dict) -> dict:
    return region_priority(args) if dimension == CROSS_TAB else aggregate(dimension, args)


def file_response(result: dict, extension: str) -> Response:
    if extension == "csv":
        body = renderers.to_csv(result)
    else:
        title = f"TCM Portfolio: {result['dimension']} (USD)"
        body = renderers.to_xlsx(result, title)
    name = renderers.filename(result["dimension"], extension)
    return Response(body, content_type=FILES[extension][0] + ("; charset=utf-8" if extension == "csv" else ""),
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _file_doc(extension: str) -> dict:
    media, _ = FILES[extension]
    return {"operationId": f"getAggregate{extension.title()}",
            "responses": {"200": {"description": f"The same figures as the JSON answer, as {extension.upper()}",
                                  "content": {media: {"schema": {"type": "string", "format": "binary"}}}}}}


@blp.route(f"/aggregates/{DIMENSION_RULE}")
class Aggregate(MethodView):
    @blp.doc(operationId="getAggregate")
    @blp.arguments(AggregateFilterSchema, location="query")
    @blp.response(200, AggregateSchema)
    def get(self, args, dimension):
        """Rows by a dimension with every measure (current and original budget, commitments, incoming funds,
        disbursed, spent, remaining, spent %), each with its unknown count, and the total.

        `additive` says whether the rows add up to the total (activity type and RCP rows overlap). The same
        figures as a file: `.csv` or `.xlsx` after the path."""
        return aggregate(dimension, args)


@blp.route("/aggregates/region-priority")
class RegionPriority(MethodView):
    @blp.doc(operationId="getRegionPriority")
    @blp.arguments(AggregateFilterSchema, location="query")
    @blp.response(200, CrossTabSchema)
    def get(self, args):
        """Cross-tab of regions (rows) by priorities (columns); cells, rows and columns add up to the total."""
        return region_priority(args)


def _file_route(extension: str):
    rule = "/aggregates/<any(" + ", ".join(f"'{k}'" for k in (*DIMENSIONS, CROSS_TAB)) + f"):dimension>.{extension}"

    class AggregateFile(MethodView):
        @blp.arguments(AggregateFilterSchema, location="query")
        @blp.doc(**_file_doc(extension))
        def get(self, args, dimension):
            return file_response(_answer(dimension, args), extension)

    AggregateFile.__name__ = AggregateFile.__qualname__ = f"Aggregate{extension.title()}"
    AggregateFile.get.__doc__ = (f"The aggregate (or the region-priority cross-tab) as {extension.upper()}: the same "
                                 "figures as the JSON, every measure, the total row" +
                                 (", the filters and the generation time" if extension == "xlsx" else "") + ".")
    blp.route(rule)(AggregateFile)


for _extension in FILES:
    _file_route(_extension)


@blp.route("/portfolio/summary")
class Summary(MethodView):
    @blp.doc(operationId="getPortfolioSummary")
    @blp.arguments(BudgetFilterSchema, location="query")
    @blp.response(200, PortfolioSummarySchema)
    def get(self, args):
        """Itemized projects and budget against the declared baseline, with coverage and unknown budgets."""
        return portfolio_summary(args)
