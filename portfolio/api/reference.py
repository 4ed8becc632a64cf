"""Reference data: regions, priorities, activity types, countries, RCPs, exchange rates."""
from flask import request
from flask.views import MethodView
from sqlalchemy import select

from portfolio.api.auth import protect
from portfolio.api.base import ApiBlueprint
from portfolio.errors import Invalid, field_error
from portfolio.extensions import db
from portfolio.models import ExchangeRate
from portfolio.schemas.reference import (
    ActivityTypeSchema,
    CountryQuerySchema,
    CountrySchema,
    ExchangeRateSchema,
    PrioritySchema,
    RatesLoadedSchema,
    RcpQuerySchema,
    RcpSchema,
    RegionSchema,
)
from portfolio.services import exchange_rates, reference

blp = ApiBlueprint("reference", __name__, url_prefix="/api/v1", description="Reference vocabularies and RCPs")
# Loading rates is an administrator's task, as `flask rates load` on the server is: a rate prices amounts.
protect(blp, {"GET": "read", "POST": "admin"})


RATES_EXAMPLE = "currency,date,usd_per_unit,source\nEUR,2004-01-01,1.2597,ECB euro reference rate\n"
RATES_BODY = {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "required": ["items"], "additionalProperties": False,
                                     "properties": {"items": {
        "type": "array", "minItems": 1, "maxItems": exchange_rates.MAX_ITEMS,
        "items": {"type": "object", "required": list(exchange_rates.CSV_COLUMNS),
                                                   "additionalProperties": False, "properties": {
            "currency": {"type": "string", "example": "EUR"}, "date": {"type": "string", "format": "date"},
            "usd_per_unit": {"type": "string", "format": "decimal", "example": "1.2597"},
            "source": {"type": "string", "maxLength": 300}}}}}}},
    "text/csv": {"schema": {"type": "string", "format": "binary", "description": "A UTF-8 CSV whose header is "
                            "exactly currency,date,usd_per_unit,source"}, "example": RATES_EXAMPLE},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "The rates CSV"}}}}}}


@blp.route("/regions")
class Regions(MethodView):
    @blp.doc(operationId="listRegions")
    @blp.response(200, RegionSchema(many=True))
    def get(self):
        """The four IOM geographic regions of 2003."""
        return reference.terms("regions")


@blp.route("/priorities")
class Priorities(MethodView):
    @blp.doc(operationId="listPriorities")
    @blp.response(200, PrioritySchema(many=True))
    def get(self):
        """The five priorities of §13."""
        return reference.terms("priorities")


@blp.route("/activity-types")
class ActivityTypes(MethodView):
    @blp.doc(operationId="listActivityTypes")
    @blp.response(200, ActivityTypeSchema(many=True))
    def get(self):
        """The eight common TCM activity types of §14."""
        return reference.terms("activity_types")


@blp.route("/countries")
class Countries(MethodView):
    @blp.doc(operationId="listCountries")
    @blp.arguments(CountryQuerySchema, location="query")
    @blp.response(200, CountrySchema(many=True))
    def get(self, args):
        """ISO 3166 countries, with the former countries the sources name."""
        return reference.list_countries(args.get("historic"), args.get("q"))


@blp.route("/rcps")
class Rcps(MethodView):
    @blp.doc(operationId="listRcps")
    @blp.arguments(RcpQuerySchema, location="query")
    @blp.response(200, RcpSchema(many=True))
    def get(self, args):
        """The 13 major RCPs of Annex A and the 5 further groups of its footnote, with their members,
        observers and (CIS Conference) interested States."""
        return reference.list_rcps(args.get("country"), args.get("kind"), args["role"])


@blp.route("/rcps/<string(maxlength=40):code>")
class RcpDetail(MethodView):
    @blp.doc(operationId="getRcp")
    @blp.response(200, RcpSchema)
    def get(self, code):
        """One RCP with its members."""
        return reference.get_rcp(code)


@blp.route("/exchange-rates")
class ExchangeRates(MethodView):
    @blp.doc(operationId="listExchangeRates")
    @blp.response(200, ExchangeRateSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """The loaded exchange rates (USD per unit), by currency and date: every rate an amount was priced
        with is here, under the id the amount records (fx_rate_id)."""
        statement = select(ExchangeRate).order_by(ExchangeRate.currency, ExchangeRate.date)
        rows = db.session.scalars(statement).all()
        pagination_parameters.item_count = len(rows)
        first = pagination_parameters.first_item
        return rows[first:first + pagination_parameters.page_size]

    @blp.doc(operationId="bulkUpsertExchangeRates", requestBody=RATES_BODY)
    @blp.response(200, RatesLoadedSchema)
    def post(self):
        """Load rates, as `flask rates load` does: a CSV (currency,date,usd_per_unit,source; as the body or
        the form field `file`) or JSON items with the same fields. New rates are added, changed ones updated
        (by currency and date), all or nothing; a rate that already priced an amount is never changed. Every
        invalid row is named (CSV: `row`, the header being line 1). Administrators only."""
        if request.mimetype == "application/json":
            return exchange_rates.load(*exchange_rates.parse_items(request.get_json(silent=True)))
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("file")
            if upload is None:
                raise Invalid([field_error("/file", "Upload the CSV as the form field `file`.", "files")])
            data = upload.read()
        else:
            data = request.get_data()
        return exchange_rates.load_csv(data)
