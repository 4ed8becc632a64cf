from marshmallow import Schema, fields

from portfolio.models import MEMBER_ROLES
from portfolio.schemas.fields import DecimalString, Text, VocabularyCode, enum


class QuerySchema(Schema):
    """Query strings. Unknown parameter names are refused before any schema runs (api/query.py checks them
    against the parameters the OpenAPI document publishes), so each schema sees only its own."""

    class Meta:
        unknown = "exclude"


class VocabularySchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    position = fields.Integer()
    source = fields.String(metadata={"description": "Where in the source documents this term comes from"})


class RegionSchema(VocabularySchema):
    pass


class PrioritySchema(VocabularySchema):
    pass


class ActivityTypeSchema(VocabularySchema):
    pass


class CountrySchema(Schema):
    code = fields.String(metadata={"description": "ISO 3166-1 alpha-2, or ISO 3166-3 alpha-4 for a former country"})
    alpha_3 = fields.String()
    name = fields.String()
    official_name = fields.String(allow_none=True)
    historic = fields.Boolean()
    withdrawn = fields.String(allow_none=True, metadata={"description": "Date the code was withdrawn"})


class CountryQuerySchema(QuerySchema):
    historic = fields.Boolean(metadata={"description": "Only former (true) or only current (false) countries"})
    q = Text(max_length=200, min_length=1, metadata={"description": "Case-insensitive match on code or name"})


class RcpMemberSchema(Schema):
    country = fields.String(attribute="country_code")
    country_name = fields.Function(lambda m: m.country.name)
    name_in_source = fields.String(metadata={"description": "The name as the 2005 matrix writes it"})
    role = fields.String(metadata={"description": "member; observer; or interested (the CIS Conference's "
                                                  "interested States)"})
    in_stated_total = fields.Boolean(
        metadata={"description": "False for participants the matrix lists beside its total (\"+ Hong Kong\")"})


class RcpSchema(Schema):
    code = fields.String()
    short_name = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"description": "major (Annex A matrix) or other (its footnote i)"})
    region_grouping = fields.String(allow_none=True)
    start_year = fields.Integer(allow_none=True)
    stated_total = fields.String(allow_none=True)
    stated_member_count = fields.Integer(allow_none=True)
    stated_interested_count = fields.Integer(allow_none=True)
    member_count = fields.Function(lambda r: sum(1 for m in r.members if m.role == "member"))
    chair = fields.String(allow_none=True)
    observers_partners = fields.String(allow_none=True)
    secretariat = fields.String(allow_none=True)
    main_areas = fields.String(allow_none=True)
    current_priorities = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    source = fields.String()
    members = fields.List(fields.Nested(RcpMemberSchema))


class RcpQuerySchema(QuerySchema):
    country = VocabularyCode("countries", upper=True, metadata={
        "description": "Only RCPs in which this country takes part in `role`"})
    role = enum((*MEMBER_ROLES, "any"), load_default="member", metadata={
        "description": "With `country`: member (default), observer, interested (CIS Conference) or any"})
    kind = enum(("major", "other"), metadata={"description": "major or other"})


class ExchangeRateSchema(Schema):
    id = fields.Integer()
    currency = fields.String()
    date = fields.Date(metadata={"description": "In force from this date (for FX_MAX_AGE_DAYS days at most)"})
    usd_per_unit = DecimalString(10)
    source = fields.String()


class RatesLoadedSchema(Schema):
    created = fields.Integer(metadata={"description": "Rates of a new currency and date"})
    updated = fields.Integer(metadata={"description": "Rates whose value or source changed (never one in use)"})
    unchanged = fields.Integer()
