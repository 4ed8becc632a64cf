from marshmallow import Schema, fields


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String()
    action = fields.String(metadata={
        "description": "create, update or delete; for a token also revoke, for a user account also disable, "
                       "enable and set-password"})
    entity = fields.String(metadata={
        "description": "project, budget_line, transaction, organisation, user (an account) or token"})
    entity_id = fields.String()
    changed = fields.List(fields.String(), metadata={"description": "Top-level fields that changed"})
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
