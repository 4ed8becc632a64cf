"""A project's budget against actual: by year, by donor and by participating organisation."""
from marshmallow import Schema, fields

from portfolio.schemas.aggregates import FiguresSchema
from portfolio.schemas.fields import DecimalString, shared_enum


class YearFiguresSchema(FiguresSchema):
    year = fields.Integer()


class DonorFiguresSchema(FiguresSchema):
    organisation = fields.String(allow_none=True, metadata={
        "description": "The funder's code; null for the money no funder is stated for"})
    name = fields.String()


class OrganisationFiguresSchema(FiguresSchema):
    organisation = fields.String()
    name = fields.String()
    role = shared_enum("OrganisationRole")
    share = DecimalString(2)


class ProjectFinanceSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    total = fields.Nested(FiguresSchema)
    by_year = fields.List(fields.Nested(YearFiguresSchema))
    by_donor = fields.List(fields.Nested(DonorFiguresSchema), metadata={
        "description": "Budget against actual per funder, attributed by evidence (the donor aggregate's rule)"})
    by_organisation = fields.List(fields.Nested(OrganisationFiguresSchema))
    note = fields.String()
