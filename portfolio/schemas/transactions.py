"""Transaction schemas: IATI transactions of the five types recorded here."""
from marshmallow import Schema, ValidationError, fields, validates_schema

from portfolio.rules import amount_errors
from portfolio.schemas.fields import Code, StrictDate, Text, VocabularyCode, shared_enum
from portfolio.schemas.money import ConvertedFields, ConvertedOutFields
from portfolio.schemas.projects import StrictSchema, optional

REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$"


class TransactionWriteSchema(ConvertedFields, StrictSchema):
    reference = Code(REFERENCE_PATTERN, "1-64 letters, digits, '.', '_', ':', '/' or '-', starting with a letter "
                     "or digit", required=True, metadata={
                         "description": "Your own reference, unique within the project: imports upsert by it"})
    type = shared_enum("TransactionType", required=True)
    date = StrictDate(required=True, metadata={"description": "The transaction date; its year is the year the "
                                                              "money counts in"})
    provider = VocabularyCode("organisations", allow_none=True, metadata={
        "description": "Organisation the money comes from"})
    receiver = VocabularyCode("organisations", allow_none=True, metadata={
        "description": "Organisation the money goes to"})
    description = Text(max_length=2000, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **kwargs):
        errors = amount_errors(data)
        if errors:
            raise ValidationError(errors)


TransactionPatchSchema = optional(TransactionWriteSchema, "TransactionPatchSchema")


class TransactionSchema(ConvertedOutFields, Schema):
    id = fields.Integer()
    reference = fields.String()
    type = shared_enum("TransactionType")
    date = fields.Date()
    provider = fields.String(allow_none=True)
    receiver = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
