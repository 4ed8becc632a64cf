from marshmallow import Schema, fields


class FieldErrorSchema(Schema):
    location = fields.String(metadata={"description": "json, query, headers or files"})
    pointer = fields.String(metadata={"description": "JSON Pointer (RFC 6901) to the offending field"})
    message = fields.String()


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema))
