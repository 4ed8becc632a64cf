"""Reference data: regions, priorities, activity types, countries, RCPs."""
from flask.views import MethodView

from portfolio.api.base import ApiBlueprint
from portfolio.auth import protect
from portfolio.models import ActivityType, Priority, Region
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


@blp.route("/regions")
class Regions(MethodView):
    @blp.response(200, RegionSchema(many=True))
    def get(self):
        """The four IOM geographic regions of 2003."""
        return reference.list_ordered(Region)


@blp.route("/priorities")
class Priorities(MethodView):
    @blp.response(200, PrioritySchema(many=True))
    def get(self):
        """The five priorities of §13."""
        return reference.list_ordered(Priority)


@blp.route("/activity-types")
class ActivityTypes(MethodView):
    @blp.response(200, ActivityTypeSchema(many=True))
    def get(self):
        """The eight common TCM activity types of §14."""
        return reference.list_ordered(ActivityType)


@blp.route("/countries")
class Countries(MethodView):
    @blp.arguments(CountryQuerySchema, location="query")
    @blp.response(200, CountrySchema(many=True))
    def get(self, args):
        """ISO 3166 countries, with the former countries the sources name."""
        return reference.list_countries(args.get("historic"), args.get("q"))


@blp.route("/rcps")
class Rcps(MethodView):
    @blp.arguments(RcpQuerySchema, location="query")
    @blp.response(200, RcpSchema(many=True))
    def get(self, args):
        """The 13 major RCPs of Annex A and the 5 further groups of its footnote, with members."""
        return reference.list_rcps(args.get("country"), args.get("kind"))


@blp.route("/rcps/<string:code>")
class RcpDetail(MethodView):
    @blp.response(200, RcpSchema)
    def get(self, code):
        """One RCP with its members."""
        return reference.get_rcp(code)
