"""Aggregate answers: rows with every measure, the grand total, and whether the rows add up."""
from marshmallow import Schema, fields, missing

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
        "description": "Current budget minus expenditure of the projects whose budget and spending are both known "
                       "(each counted in unknown_remaining_count otherwise): it adds up over rows like every measure; "
                       "null when no project of the row has both"})
    out["unknown_remaining_count"] = fields.Integer(metadata={
        "description": "Projects whose budget or spending is unknown (no budget line, or no transaction)"})
    out["spent_percent"] = DecimalString(2, digits=21, allow_none=True, metadata={
        "description": "Expenditure / current budget x 100 over the same projects as remaining_usd, rounded "
                       "half-up; null when remaining_usd is null or that budget is zero"})
    return out


class RowDumpSchema(Schema):
    """Dumps a row given as a dict as marshmallow does, without its per-field accessor calls: an aggregate
    answer dumps about a hundred figures, and that machinery was a tenth of a rollup-served answer's time. The
    same values, keys and defaults (tests/test_aggregates_api.py compares it with marshmallow's own dump);
    anything else than a plain dict, or a key the row lacks, takes marshmallow's path."""

    def _serialize(self, obj, *, many: bool = False):
        if many or type(obj) is not dict:
            return super()._serialize(obj, many=many)
        # Kept with the dump_fields it was made from: a copy of this schema narrowed by only= or exclude= (as
        # Nested(instance, only=...) makes) has other dump_fields and makes its own plan.
        owner, plan = self.__dict__.get("_row_plan", (None, None))
        if owner is not self.dump_fields:
            # direct: the field reads its own key of the row (marshmallow's accessor does nothing more).
            plan = [(attr, source, attr if field.data_key is None else field.data_key, field,
                     field._CHECK_ATTRIBUTE and "." not in source)
                    for attr, field in self.dump_fields.items() for source in (field.attribute or attr,)]
            self._row_plan = (self.dump_fields, plan)
        out = {}
        for attr, source, key, field, direct in plan:
            if not direct or source not in obj:
                value = field.serialize(attr, obj, accessor=self.get_attribute)
                if value is not missing:
                    out[key] = value
                continue
            out[key] = field._serialize(obj[source], attr, obj)
        return out


FiguresSchema = RowDumpSchema.from_dict(_figures(), name="Figures")


class AggregateRowSchema(FiguresSchema):
    key = fields.Raw(allow_none=True, metadata={"description": "Code of the dimension value (a year for years); "
                                                              "null for the projects that have none"})
    label = fields.String()
    share_percent = DecimalString(2, allow_none=True, metadata={
        "description": "Share of the total current budget; for additive dimensions rounded by largest remainder "
                       "so the rows sum to exactly 100.00"})


BASIS = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
    "description": "The rule each measure follows in this answer (years, and the attribution of every split): "
                   "budget, original_budget, incoming_commitment, incoming_funds, outgoing_commitment, disbursement, "
                   "expenditure, remaining"})


class AggregateSchema(Schema):
    dimension = fields.String()
    basis = BASIS
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
    basis = BASIS
    additive = fields.Boolean()
    note = fields.String()
    filters = fields.Dict()
    rows = fields.List(fields.Nested(CrossTabRowSchema))
    columns = fields.List(fields.Nested(CrossTabColumnSchema))
    total = fields.Nested(FiguresSchema)


class CrossedCellSchema(FiguresSchema):
    key = fields.Raw(allow_none=True, metadata={"description": "The column's code (null: its \"none\" column)"})


class CrossedRowSchema(FiguresSchema):
    key = fields.Raw(allow_none=True, metadata={"description": "The row's code (null: its \"none\" row)"})
    label = fields.String()
    cells = fields.List(fields.Nested(CrossedCellSchema), metadata={
        "description": "One cell per column, in the order of `columns`"})


class CrossedColumnSchema(FiguresSchema):
    key = fields.Raw(allow_none=True)
    label = fields.String()


class CrossedSchema(Schema):
    dimension = fields.String(metadata={"description": "rows/columns, e.g. donor/region"})
    rows_dimension = fields.String()
    columns_dimension = fields.String()
    rows_organisation_role = shared_enum("OrganisationRole", metadata={"description": "For organisation rows"})
    columns_organisation_role = shared_enum("OrganisationRole", metadata={
        "description": "For organisation columns"})
    rows_additive = fields.Boolean(metadata={
        "description": "True when each row's cells add up to the row (its margin) for every measure"})
    columns_additive = fields.Boolean(metadata={
        "description": "True when each column's cells add up to the column (its margin) for every measure"})
    note = fields.String()
    basis = BASIS
    filters = fields.Dict(metadata={"description": "The filters the figures answer"})
    rows = fields.List(fields.Nested(CrossedRowSchema), metadata={
        "description": "Row margins (each the one-dimensional aggregate of the rows' dimension) with their cells"})
    columns = fields.List(fields.Nested(CrossedColumnSchema), metadata={
        "description": "Column margins (each the one-dimensional aggregate of the columns' dimension)"})
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
    basis = BASIS
    filters = fields.Dict(metadata={"description": "The filters the figures answer"})
    note = fields.String()
