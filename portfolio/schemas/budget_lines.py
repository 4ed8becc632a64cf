"""Budget line schemas: an IATI-style budget for a period of at most one year."""
from marshmallow import Schema, ValidationError, fields, validates_schema

from portfolio.rules import amount_errors, period_errors
from portfolio.schemas.fields import StrictDate, VocabularyCode, shared_enum
from portfolio.schemas.money import ConvertedFields, ConvertedOutFields
from portfolio.schemas.projects import StrictSchema, optional


class BudgetLineWriteSchema(ConvertedFields, StrictSchema):
    period_start = StrictDate(required=True)
    period_end = StrictDate(required=True, metadata={"description": "Before the same day a year after "
                                                                    "period_start (2003-01-01..2003-12-31 is the max)"})
    donor = VocabularyCode("organisations", allow_none=True, metadata={
        "description": "Code of the organisation funding this line (see /api/v1/organisations)"})
    type = shared_enum("BudgetType", load_default="original")
    status = shared_enum("BudgetStatus", load_default="indicative")

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **kwargs):
        errors = amount_errors(data)
        period = period_errors(data.get("period_start"), data.get("period_end"))
        if period:
            errors["period_end"] = period
        if errors:
            raise ValidationError(errors)


BudgetLinePatchSchema = optional(BudgetLineWriteSchema, "BudgetLinePatchSchema")


class BudgetLineSchema(ConvertedOutFields, Schema):
    id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    donor = fields.String(allow_none=True)
    type = shared_enum("BudgetType")
    status = shared_enum("BudgetStatus")
    current = fields.Boolean(metadata={"description": "Counts in the current budget (false: an original line "
                                                      "replaced by a revised line of the same period)"})
