"""The liveness and readiness probes' answer (api/health.py)."""
from marshmallow import Schema, fields


class HealthSchema(Schema):
    status = fields.String()
