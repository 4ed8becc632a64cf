"""Organisation register schemas."""
from marshmallow import Schema, fields

from portfolio.schemas.fields import Code, Text, VocabularyCode, shared_enum
from portfolio.schemas.projects import StrictSchema, optional

ORGANISATION_CODE = r"^[A-Z0-9][A-Z0-9-]{0,19}$"
IATI_IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{1,99}$"


class OrganisationWriteSchema(StrictSchema):
    name = Text(max_length=300, min_length=1, blank=False, required=True)
    iati_identifier = Code(IATI_IDENTIFIER, "An IATI organisation identifier, e.g. XM-DAC-47066.", allow_none=True)
    type = shared_enum("OrganisationType", required=True)
    country = VocabularyCode("countries", upper=True, allow_none=True, metadata={
        "description": "ISO 3166 code, for a national body"})


class OrganisationCreateSchema(OrganisationWriteSchema):
    code = Code(ORGANISATION_CODE, "1-20 capital letters, digits or '-'", required=True,
                metadata={"description": "Stable code, never changed once created", "example": "IOM"})


OrganisationPatchSchema = optional(OrganisationWriteSchema, "OrganisationPatchSchema")


class OrganisationSchema(Schema):
    code = fields.String()
    name = fields.String()
    iati_identifier = fields.String(allow_none=True)
    type = shared_enum("OrganisationType")
    type_name = fields.String()
    country = fields.String(allow_none=True)
    source = fields.String(metadata={"description": "Citation of the source documents, or \"api\""})
    judgement = fields.String(allow_none=True)
    synthetic = fields.Boolean()
    version = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
