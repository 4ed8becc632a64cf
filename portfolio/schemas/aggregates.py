"""Aggregate answers: rows with every measure, the grand total, and whether the rows add up."""
from marshmallow import Schema, fields

from portfolio.schemas.fields import DecimalString, Money, shared_enum
from portfolio.statistics.measures import MEASURES


def _figures() -> dict:
    """One money field and one unknown count per measure (statistics/measures.py), and the derived two."""
    out = {"project_count": fields.Integer(metadata={"description": "Projects in the row"})}
    for m in MEASURES:
        out[f"{m.key}_usd"] = Money(allow_none=True, metadata={
            "description": f"{m.label}, exact to the cent; null when it is unknown for every project in the row"})
        out[f"unknown_{m.key}_count"] = fields.Integer(metadata={
            "description": f"Projects in the row whose {m.label.lower()} is unknown"})
    out["remaining_usd"] = Money(signed=True, allow_none=True, metadata={
        "description": "budget_usd - expenditure_usd; null when either is null"})
    out["unknown_remaining_count"] = fields.Integer(metadata={
        "description": "Projects whose budget or actuals are unknown"})
    out["spent_percent"] = DecimalString(2, digits=21, allow_none=True, metadata={
        "description": "expenditure_usd / budget_usd x 100, rounded half-up; null when either is null or the "
                       "budget is zero"})
    return out


FiguresSchema = Schema.from_dict(_figures(), name="Figures")


class AggregateRowSchema(FiguresSchema):
    key = fields.Raw(allow_none=True, metadata={"description": "Code of the dimension value (a year for years); "
                                                              "null for the projects that have none"})
    label = fields.String()
    share_percent = DecimalString(2, allow_none=True, metadata={
        "description": "Share of the total current budget; for additive dimensions rounded by largest remainder "
                       "so the rows sum to exactly 100.00"})


class AggregateSchema(Schema):
    dimension = fields.String()
    additive = fields.Boolean(metadata={"description": "True when every measure's rows sum exactly to the total"})
    counts_additive = fields.Boolean(metadata={"description": "True when each project is counted in one row only"})
    organisation_role = shared_enum("OrganisationRole", metadata={"description": "For organisation rows: the role"})
    note = fields.String()
    filters = fields.Dict(metadata={"description": "The filters the figures answer"})
    rows = fields.List(fields.Nested(AggregateRowSchema))
    total = fields.Nested(FiguresSchema)


class CrossTabCellSchema(FiguresSchema):
    priority = fields.String()


class CrossTabRowSchema(FiguresSchema):
    region = fields.String()
    label = fields.String()
    cells = fields.List(fields.Nested(CrossTabCellSchema))


class CrossTabColumnSchema(FiguresSchema):
    priority = fields.String()
    label = fields.String()


class CrossTabSchema(Schema):
    dimension = fields.String()
    additive = fields.Boolean()
    note = fields.String()
    filters = fields.Dict()
    rows = fields.List(fields.Nested(CrossTabRowSchema))
    columns = fields.List(fields.Nested(CrossTabColumnSchema))
    total = fields.Nested(FiguresSchema)


class BaselineSchema(Schema):
    as_of = fields.Date()
    as_of_label = fields.String()
    project_count = fields.Integer()
    budget_usd = Money()
    budget_qualifier = fields.String(allow_none=True)
    source = fields.String()


class ItemizedSchema(Schema):
    project_count = fields.Integer()
    known_budget_count = fields.Integer()
    unknown_budget_count = fields.Integer()
    synthetic_count = fields.Integer(metadata={"description": "Generated demo projects included in these figures"})
    budget_usd = Money(allow_none=True, metadata={"description": "Known budgets; null when every project's budget "
                                                                 "is unknown"})


class CoverageSchema(Schema):
    projects_percent = DecimalString(2)
    budget_percent = DecimalString(2)


class SummaryRegionSchema(Schema):
    region = fields.String()
    label = fields.String()
    project_count = fields.Integer()
    known_budget_count = fields.Integer()
    unknown_budget_count = fields.Integer()
    budget_usd = Money(allow_none=True)


class PortfolioSummarySchema(Schema):
    baseline = fields.Nested(BaselineSchema)
    itemized = fields.Nested(ItemizedSchema)
    coverage = fields.Nested(CoverageSchema)
    by_region = fields.List(fields.Nested(SummaryRegionSchema))
    note = fields.String()
