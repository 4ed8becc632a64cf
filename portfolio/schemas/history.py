from marshmallow import Schema, fields


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String()
    action = fields.String(metadata={"description": "create, update or delete"})
    entity = fields.String(metadata={"description": "project, budget_line, transaction or organisation"})
    entity_id = fields.String()
    changed = fields.List(fields.String(), metadata={"description": "Top-level fields that changed"})
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
