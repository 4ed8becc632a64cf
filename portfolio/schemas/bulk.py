from marshmallow import Schema, fields, validate

from portfolio.schemas.projects import ProjectCreateSchema
from portfolio.schemas.reference import QuerySchema


class BulkQuerySchema(QuerySchema):
    mode = fields.String(load_default="create", validate=validate.OneOf(("create", "upsert")),
                         metadata={"description": "create: every code must be new; upsert: update by code"})


class BulkRequestSchema(Schema):
    items = fields.List(fields.Nested(ProjectCreateSchema), required=True,
                        metadata={"description": "Up to 5,000 projects"})


class BulkItemResultSchema(Schema):
    index = fields.Integer()
    code = fields.String()
    action = fields.String(metadata={"description": "created or updated"})


class BulkResultSchema(Schema):
    mode = fields.String()
    created = fields.Integer()
    updated = fields.Integer()
    items = fields.List(fields.Nested(BulkItemResultSchema))


class DeletedQuerySchema(QuerySchema):
    since = fields.AwareDateTime(required=True, default_timezone=None,
                                 metadata={"description": "ISO 8601 with offset; deletions at or after it"})


class DeletedProjectSchema(Schema):
    code = fields.String()
    deleted_at = fields.AwareDateTime()
    actor = fields.String()
