"""Project input, output and query schemas."""
import re
from datetime import timezone
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from portfolio.models import PROJECT_STATUSES
from portfolio.schemas.fields import DecimalString
from portfolio.schemas.reference import QuerySchema

CODE = re.compile(r"^(?!bulk$)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CODE_HELP = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (not the reserved 'bulk')"


class StrictSchema(Schema):
    """Request bodies reject unknown fields, so a typo never passes silently."""

    class Meta:
        unknown = RAISE


class PriorityShareInSchema(StrictSchema):
    code = fields.String(required=True, metadata={"example": "irregular-migration"})
    share = DecimalString(2, allow_numbers=True, low=Decimal(0), low_exclusive=True, high=Decimal(100),
                          load_default=None,
                          metadata={"description": "Percent of the project serving this priority; all shares or "
                                                   "none (none: equal split, remainder to the first)",
                                    "example": "50.00"})


def _duplicates(values) -> list[int]:
    seen: set = set()
    out = []
    for index, value in enumerate(values):
        if value in seen:
            out.append(index)
        seen.add(value)
    return out


class ProjectWriteSchema(StrictSchema):
    """Fields a programme manager or a script may write. `code` only on create."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    acronym = fields.String(allow_none=True, validate=validate.Length(max=40))
    description = fields.String(allow_none=True, validate=validate.Length(max=20000))
    region = fields.String(required=True, metadata={"description": "Region code, see /api/v1/regions"})
    countries = fields.List(fields.String(validate=validate.Length(min=2, max=4)), load_default=list,
                            metadata={"description": "ISO 3166 codes (CSXX for Serbia and Montenegro)"})
    priorities = fields.List(fields.Nested(PriorityShareInSchema), required=True,
                             validate=validate.Length(min=1, max=5))
    activity_types = fields.List(fields.String(), load_default=list)
    rcps = fields.List(fields.String(), load_default=list, metadata={"description": "Stated RCP links (codes)"})
    status = fields.String(load_default="pipeline", validate=validate.OneOf(PROJECT_STATUSES),
                           metadata={"description": "IATI activity status"})
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    post_emergency = fields.Boolean(load_default=False)

    @pre_load
    def _normalise_codes(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("countries"), list):
            data = dict(data)
            data["countries"] = [c.upper() if isinstance(c, str) else c for c in data["countries"]]
        return data

    @validates_schema
    def _check(self, data, partial=None, **kwargs):
        errors: dict = {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            errors["end_date"] = ["end_date must not be before start_date."]
        for name in ("countries", "activity_types", "rcps"):
            for index in _duplicates(data.get(name) or []):
                errors.setdefault(name, {})[index] = ["Listed twice."]
        priorities = data.get("priorities") or []
        for index in _duplicates([p["code"] for p in priorities]):
            errors.setdefault("priorities", {})[index] = {"code": ["Listed twice."]}
        shares = [p.get("share") for p in priorities]
        given = [s for s in shares if s is not None]
        if given and len(given) != len(shares):
            errors.setdefault("priorities", {})
            for index, share in enumerate(shares):
                if share is None:
                    errors["priorities"].setdefault(index, {})["share"] = [
                        "Give a share for every priority, or for none (equal split)."]
        elif given and sum(given) != Decimal(100):
            errors["priorities"] = [f"Shares must sum to 100; they sum to {sum(given)}."]
        if errors:
            raise ValidationError(errors)


class ProjectCreateSchema(ProjectWriteSchema):
    code = fields.String(required=True, validate=validate.Regexp(CODE, error=CODE_HELP),
                         metadata={"description": "Stable external code scripts refer to the project by"})


class ProjectPatchSchema(ProjectWriteSchema):
    """PATCH body: any subset of the writable fields (used with partial=True)."""


class NamedRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class ProjectPrioritySchema(Schema):
    code = fields.Function(lambda pp: pp.priority.code)
    name = fields.Function(lambda pp: pp.priority.name)
    share = DecimalString(2)
    budget_usd = DecimalString(2, allow_none=True, metadata={"description": "Budget attributed by the share; "
                                                                            "null when the budget is unknown"})


class ProjectCountrySchema(Schema):
    code = fields.String(attribute="country_code")
    name = fields.Function(lambda pc: pc.country.name)
    budget_usd = DecimalString(2, allow_none=True)


class ProjectRcpSchema(Schema):
    code = fields.String()
    short_name = fields.String()
    link = fields.String(metadata={"description": "stated (in the sources or by a user) or derived (an RCP whose "
                                                  "members include one of the project's countries)"})
    via_countries = fields.List(fields.String(), metadata={"description": "For derived links: the countries"})


class BudgetSummarySchema(Schema):
    known = fields.Boolean()
    total_usd = DecimalString(2, allow_none=True, metadata={"description": "null when no budget line is known"})
    line_count = fields.Integer()


class ProjectSchema(Schema):
    code = fields.String()
    title = fields.String()
    acronym = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    region = fields.Nested(NamedRefSchema)
    countries = fields.List(fields.Nested(ProjectCountrySchema))
    priorities = fields.List(fields.Nested(ProjectPrioritySchema))
    activity_types = fields.Function(
        lambda p: [{"code": a.activity_type.code, "name": a.activity_type.name} for a in
                   sorted(p.activity_types, key=lambda a: a.activity_type.position)],
        metadata={"type": "array", "items": {"type": "object"}})
    rcps = fields.List(fields.Nested(ProjectRcpSchema), attribute="rcp_links")
    status = fields.String()
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    post_emergency = fields.Boolean()
    synthetic = fields.Boolean(metadata={"description": "true for generated demo data, never a real project"})
    source = fields.String()
    budget = fields.Nested(BudgetSummarySchema)
    version = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


SORT_KEYS = ("title", "code", "start_date", "budget", "updated_at")


class ProjectFilterSchema(QuerySchema):
    """The filter set of the project list; every aggregate accepts the same filters."""

    region = fields.String()
    priority = fields.String()
    country = fields.String()
    rcp = fields.String(metadata={"description": "Stated link to this RCP"})
    activity_type = fields.String()
    status = fields.String(validate=validate.OneOf(PROJECT_STATUSES))
    post_emergency = fields.Boolean()
    synthetic = fields.Boolean()
    year_from = fields.Integer(validate=validate.Range(min=1900, max=2200),
                               metadata={"description": "Active in or after this year (projects with no dates "
                                                        "are left out when a year bound is given)"})
    year_to = fields.Integer(validate=validate.Range(min=1900, max=2200))
    q = fields.String(validate=validate.Length(min=1, max=200),
                      metadata={"description": "Case-insensitive text search in code, title, acronym, description"})
    updated_since = fields.AwareDateTime(default_timezone=timezone.utc, metadata={
        "description": "Only projects created or changed at or after this time (ISO 8601; UTC if no offset). "
                       "Changes to budget lines count. With /sync/deleted-projects, lets a script mirror the "
                       "portfolio incrementally."})

    @validates_schema
    def _years(self, data, **kwargs):
        if data.get("year_from") and data.get("year_to") and data["year_to"] < data["year_from"]:
            raise ValidationError({"year_to": ["year_to must not be before year_from."]})

    @post_load
    def _upper_country(self, data, **kwargs):
        if data.get("country"):
            data["country"] = data["country"].upper()
        return data




class ProjectQuerySchema(ProjectFilterSchema):
    sort = fields.String(load_default="code", validate=validate.OneOf(SORT_KEYS + tuple(f"-{k}" for k in SORT_KEYS)),
                         metadata={"description": "Sort key, '-' prefix for descending; ties by id"})
    cursor = fields.String(validate=validate.Length(min=1, max=500), metadata={
        "description": "Keyset pagination: 'first', 'last', or a cursor from a Link header. Every page costs the "
                       "same however deep; `page` is then ignored. Without it, `page` uses offsets."})
