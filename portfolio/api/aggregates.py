"""Finance rollups as JSON, CSV or XLSX (each its own operation, so a generated client gets either a
typed answer or the file's bytes), and the portfolio summary against the declared baseline."""
from flask import Response
from flask.views import MethodView

from portfolio.api.auth import protect
from portfolio.api.base import ApiBlueprint
from portfolio.api.problems import NOT_FOUND_EXPLAINERS
from portfolio.errors import field_error
from portfolio.schemas.aggregates import AggregateSchema, CrossedSchema, CrossTabSchema, PortfolioSummarySchema
from portfolio.schemas.filters import AggregateFilterSchema, SummaryFilterSchema
from portfolio.statistics import renderers
from portfolio.statistics.aggregates import aggregate, crossed, region_priority
from portfolio.statistics.dimensions import CROSS_TAB, DIMENSIONS
from portfolio.statistics.summary import portfolio_summary

blp = ApiBlueprint("aggregates", __name__, url_prefix="/api/v1",
                   description="Rollups that add up to the cent, with budget against actual; every project-list "
                               "filter applies")
protect(blp, {"GET": "aggregate"})


def _rule(name: str) -> str:
    return "<any(" + ", ".join(f"'{key}'" for key in DIMENSIONS) + f"):{name}>"


DIMENSION_RULE = _rule("dimension")
CROSSED_RULE = _rule("rows") + "/" + _rule("columns")
# The files: every dimension, and the region-priority cross-tab
ONE_RULE = "<any(" + ", ".join(f"'{k}'" for k in (*DIMENSIONS, CROSS_TAB)) + "):dimension>"
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


def _file_doc(extension: str, crossed: bool = False) -> dict:
    media, _ = FILES[extension]
    return {"operationId": f"get{'Crossed' if crossed else ''}Aggregate{extension.title()}",
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


@blp.route(f"/aggregates/{CROSSED_RULE}")
class Crossed(MethodView):
    @blp.doc(operationId="getCrossedAggregate")
    @blp.arguments(AggregateFilterSchema, location="query")
    @blp.response(200, CrossedSchema)
    def get(self, args, rows, columns):
        """Two dimensions crossed (for example /aggregates/donor/region): a cell per row and column with every
        measure, both margins (each equal to that dimension's own aggregate under the same filters) and the
        total, all exact to the cent; where a dimension is additive, the cells add up to its margins.

        Crossed: any two of region, status, year, priority, country, donor, organisation (one role),
        activity-type and rcp, except two organisation dimensions, and an organisation role other than
        funding with priority, country or donor (their figures are split by shares and not kept crossed).
        The same figures as a file: `.csv` or `.xlsx` after the path."""
        return crossed(rows, columns, args)


@blp.route("/aggregates/region-priority")
class RegionPriority(MethodView):
    @blp.doc(operationId="getRegionPriority")
    @blp.arguments(AggregateFilterSchema, location="query")
    @blp.response(200, CrossTabSchema)
    def get(self, args):
        """Cross-tab of regions (rows) by priorities (columns); cells, rows and columns add up to the total."""
        return region_priority(args)


@blp.route(f"/aggregates/{ONE_RULE}.csv")
class AggregateCsv(MethodView):
    @blp.arguments(AggregateFilterSchema, location="query")
    @blp.doc(**_file_doc("csv"))
    def get(self, args, dimension):
        """The aggregate (or the region-priority cross-tab) as CSV: the same figures as the JSON, every measure,
        the total row."""
        return file_response(_answer(dimension, args), "csv")


@blp.route(f"/aggregates/{ONE_RULE}.xlsx")
class AggregateXlsx(MethodView):
    @blp.arguments(AggregateFilterSchema, location="query")
    @blp.doc(**_file_doc("xlsx"))
    def get(self, args, dimension):
        """The aggregate (or the region-priority cross-tab) as XLSX: the same figures as the JSON, every measure,
        the total row, the filters and the generation time."""
        return file_response(_answer(dimension, args), "xlsx")


@blp.route(f"/aggregates/{CROSSED_RULE}.csv")
class CrossedCsv(MethodView):
    @blp.arguments(AggregateFilterSchema, location="query")
    @blp.doc(**_file_doc("csv", crossed=True))
    def get(self, args, rows, columns):
        """Two dimensions crossed as CSV: the cells, then the row margins, the column margins and the total."""
        return file_response(crossed(rows, columns, args), "csv")


@blp.route(f"/aggregates/{CROSSED_RULE}.xlsx")
class CrossedXlsx(MethodView):
    @blp.arguments(AggregateFilterSchema, location="query")
    @blp.doc(**_file_doc("xlsx", crossed=True))
    def get(self, args, rows, columns):
        """Two dimensions crossed as XLSX: the cells, then the row margins, the column margins and the total, with
        the filters and the generation time."""
        return file_response(crossed(rows, columns, args), "xlsx")


@blp.route("/portfolio/summary")
class Summary(MethodView):
    @blp.doc(operationId="getPortfolioSummary")
    @blp.arguments(SummaryFilterSchema, location="query")
    @blp.response(200, PortfolioSummarySchema)
    def get(self, args):
        """Itemized projects and budget against the declared baseline, with coverage and unknown budgets.

        With `funder`, the budgets are that funder's attributed money in the projects it counts for (as in
        /aggregates/donor), and coverage its share of the baseline; `basis` says which rule the money follows."""
        return portfolio_summary(args)


def _explain_not_found(path: str):
    """Why /aggregates/... matched no operation, naming the path parameter at fault: a misspelt dimension
    (/aggregates/regions, /aggregates/funder) or file type got the generic "check your spelling" 404."""
    parts = path.removeprefix(AGGREGATES_PREFIX).split("/")
    if not 1 <= len(parts) <= 2:
        return None
    *heads, last = parts
    name, dot, extension = last.partition(".")
    names = [*heads, name]
    pointers = ["/dimension"] if len(names) == 1 else ["/rows", "/columns"]
    allowed = [*DIMENSIONS, CROSS_TAB] if len(names) == 1 else list(DIMENSIONS)
    found = [field_error(pointer, f"No aggregate dimension {value!r}; the dimensions are {', '.join(allowed)}"
                                  + ("" if len(names) == 1 else f" ({CROSS_TAB} is not crossed again)") + ".",
                         "path")
             for pointer, value in zip(pointers, names) if value not in allowed]
    if dot and extension not in FILES:
        found.append(field_error(pointers[-1], f"No file type {extension!r} after the path: .csv or .xlsx "
                                               "(or none, for JSON).", "path"))
    if not found:
        return None
    shapes = "/aggregates/{dimension}, /aggregates/{rows}/{columns} (.csv or .xlsx for a file)"
    return f"No aggregate at this URL: {' '.join(e['message'] for e in found)} The URLs are {shapes}.", found


AGGREGATES_PREFIX = "/api/v1/aggregates/"
NOT_FOUND_EXPLAINERS[AGGREGATES_PREFIX] = _explain_not_found
