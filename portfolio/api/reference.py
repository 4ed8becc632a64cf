"""Reference data: regions, priorities, activity types, countries, RCPs, exchange rates."""
from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import select

from portfolio.api.base import ApiBlueprint
from portfolio.auth import protect
from portfolio.extensions import db
from portfolio.models import ExchangeRate
from portfolio.schemas.fields import DecimalString
from portfolio.schemas.reference import (
    ActivityTypeSchema,
    CountryQuerySchema,
    CountrySchema,
    PrioritySchema,
    RcpQuerySchema,
    RcpSchema,
    RegionSchema,
)
from portfolio.services import reference

blp = ApiBlueprint("reference", __name__, url_prefix="/api/v1", description="Reference vocabularies and RCPs")
protect(blp, {"GET": "read"})


class ExchangeRateSchema(Schema):
    id = fields.Integer()
    currency = fields.String()
    date = fields.Date(metadata={"description": "In force from this date (for FX_MAX_AGE_DAYS days at most)"})
    usd_per_unit = DecimalString(10)
    source = fields.String()


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
