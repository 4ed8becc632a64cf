"""Aggregate responses: rows that add up, the grand total, and whether the rows are additive."""
from marshmallow import Schema, fields, validate

from portfolio.schemas.fields import DecimalString
from portfolio.schemas.projects import ProjectFilterSchema

FORMATS = ("json", "csv", "xlsx")


class AggregateQuerySchema(ProjectFilterSchema):
    format = fields.String(validate=validate.OneOf(FORMATS),
                           metadata={"description": "json (default), csv or xlsx; the Accept header works too"})


class AggregateRowSchema(Schema):
    key = fields.Raw(allow_none=True, metadata={"description": "Code of the dimension value; null for the "
                                                              "projects that have none (e.g. no budget line)"})
    label = fields.String()
    project_count = fields.Integer()
    unknown_budget_count = fields.Integer(metadata={"description": "Projects in this row whose budget is unknown"})
    budget_usd = DecimalString(2, allow_none=True, metadata={
        "description": "Sum of known budgets; null when every project in the row has an unknown budget"})
    share_percent = DecimalString(2, allow_none=True, metadata={
        "description": "Share of the total budget; for additive dimensions rounded by largest remainder so the "
                       "rows sum to exactly 100.00"})


class AggregateTotalSchema(Schema):
    project_count = fields.Integer()
    unknown_budget_count = fields.Integer()
    budget_usd = DecimalString(2, allow_none=True)


class AggregateSchema(Schema):
    dimension = fields.String()
    additive = fields.Boolean(metadata={"description": "True when the rows' budgets sum exactly to the total"})
    counts_additive = fields.Boolean(metadata={"description": "True when each project is counted in one row only"})
    note = fields.String()
    rows = fields.List(fields.Nested(AggregateRowSchema))
    total = fields.Nested(AggregateTotalSchema)


class CrossTabCellSchema(Schema):
    priority = fields.String()
    project_count = fields.Integer()
    budget_usd = DecimalString(2, allow_none=True)


class CrossTabRowSchema(Schema):
    region = fields.String()
    label = fields.String()
    cells = fields.List(fields.Nested(CrossTabCellSchema))
    project_count = fields.Integer()
    unknown_budget_count = fields.Integer()
    budget_usd = DecimalString(2, allow_none=True)


class CrossTabColumnSchema(Schema):
    priority = fields.String()
    label = fields.String()
    project_count = fields.Integer()
    budget_usd = DecimalString(2, allow_none=True)


class CrossTabSchema(Schema):
    dimension = fields.String()
    additive = fields.Boolean()
    note = fields.String()
    rows = fields.List(fields.Nested(CrossTabRowSchema))
    columns = fields.List(fields.Nested(CrossTabColumnSchema))
    total = fields.Nested(AggregateTotalSchema)


class BaselineSchema(Schema):
    as_of = fields.Date()
    as_of_label = fields.String()
    project_count = fields.Integer()
    budget_usd = DecimalString(2)
    budget_qualifier = fields.String(allow_none=True)
    source = fields.String()


class ItemizedSchema(Schema):
    project_count = fields.Integer()
    known_budget_count = fields.Integer()
    unknown_budget_count = fields.Integer()
    synthetic_count = fields.Integer(metadata={"description": "Generated demo projects included in these figures"})
    budget_usd = DecimalString(2)


class CoverageSchema(Schema):
    projects_percent = DecimalString(2)
    budget_percent = DecimalString(2)


class SummaryRegionSchema(Schema):
    region = fields.String()
    label = fields.String()
    project_count = fields.Integer()
    known_budget_count = fields.Integer()
    unknown_budget_count = fields.Integer()
    budget_usd = DecimalString(2)


class PortfolioSummarySchema(Schema):
    baseline = fields.Nested(BaselineSchema)
    itemized = fields.Nested(ItemizedSchema)
    coverage = fields.Nested(CoverageSchema)
    by_region = fields.List(fields.Nested(SummaryRegionSchema))
    note = fields.String()
