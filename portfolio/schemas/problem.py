from marshmallow import Schema, fields


class FieldErrorSchema(Schema):
    location = fields.String(metadata={"description": "json, query, csv or headers"})
    pointer = fields.String(metadata={"description": "JSON Pointer (RFC 6901) to the offending field, e.g. "
                                                     "/items/17/priorities/0/share"})
    message = fields.String()
    row = fields.Integer(metadata={"description": "CSV uploads: the line of the file (the header is line 1)"})
    column = fields.String(metadata={"description": "CSV uploads: the column"})


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema))
