"""IATI 2.03 publishing and import (api/iati.py): the report of what the activities file leaves out, the
import's query and its answer."""
from marshmallow import Schema, fields

from portfolio.schemas.fields import VocabularyCode
from portfolio.schemas.reference import QuerySchema


class LeftOutSchema(Schema):
    code = fields.String()
    reasons = fields.List(fields.String())


class ReportSchema(Schema):
    published = fields.Integer(metadata={"description": "Activities in the document"})
    left_out_count = fields.Integer()
    left_out = fields.List(fields.Nested(LeftOutSchema), metadata={
        "description": "Projects that cannot be a valid IATI activity, each with why (never a placeholder)"})


class ImportQuerySchema(QuerySchema):
    region = VocabularyCode("regions", metadata={
        "description": "The IOM region of the file's new projects whose activity states none (a project needs "
                       "one; it is never guessed from the countries)"})
    filename = fields.String(validate=lambda v: 1 <= len(v) <= 200, metadata={
        "description": "The file's name, recorded in history (default: the uploaded file's own name, or "
                       "'upload.xml')"})


class ImportItemSchema(Schema):
    index = fields.Integer()
    identifier = fields.String()
    code = fields.String()
    action = fields.String()


class NotTakenSchema(Schema):
    identifier = fields.String()
    pointer = fields.String(metadata={"description": "XPath of the element in the file"})
    reason = fields.String()


class ImportResultSchema(Schema):
    file = fields.String()
    activities = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer(metadata={"description": "Activities equal to the stored project: nothing written"})
    organisations_created = fields.List(fields.String())
    items = fields.List(fields.Nested(ImportItemSchema))
    not_taken = fields.List(fields.Nested(NotTakenSchema), metadata={
        "description": "Every element of the file the model does not hold, per activity"})
