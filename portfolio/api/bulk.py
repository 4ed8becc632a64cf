"""Bulk create/upsert for integration scripts: JSON or CSV, all or nothing."""
import json

from flask import request
from flask.views import MethodView

from portfolio.api.base import ApiBlueprint
from portfolio.auth import current_actor, protect
from portfolio.errors import ProblemError
from portfolio.schemas.bulk import BulkQuerySchema, BulkRequestSchema, BulkResultSchema
from portfolio.services import bulk_csv
from portfolio.services.bulk_upsert import bulk_upsert
from portfolio.api import idempotency

blp = ApiBlueprint("bulk", __name__, url_prefix="/api/v1", description="Bulk create or upsert of projects")
protect(blp, {"POST": "bulk"})
idempotency.enable(blp)

CSV_TYPES = ("text/csv", "application/csv")


def _items():
    mimetype = request.mimetype
    if mimetype in CSV_TYPES:
        return bulk_csv.parse(request.get_data())
    if mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ProblemError(422, "Upload the CSV as the form field `file`.", type_="validation-error")
        return bulk_csv.parse(upload.read())
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError as exc:
        raise ProblemError(400, "The body is not valid JSON.") from exc
    if not isinstance(body, dict) or set(body) - {"items"}:
        raise ProblemError(422, "The body must be an object with one field, `items`.", type_="validation-error",
                           errors=[{"location": "json", "pointer": "/", "message": "Expected {\"items\": [...]}."}])
    return body.get("items")


@blp.route("/projects/bulk")
class Bulk(MethodView):
    @blp.arguments(BulkQuerySchema, location="query")
    @blp.response(200, BulkResultSchema)
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": BulkRequestSchema},
        "text/csv": {"schema": {"type": "string"}, "example": "code,title,region,countries,priorities\n"
                     "TCM-1,Border training,europe,AL;BA,cooperation:60;harmonization:40\n"},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}}}}})
    def post(self, args):
        """Create (mode=create) or create-or-update by code (mode=upsert) up to 5,000 projects in one
        transaction. If any row is invalid nothing is written, and every error names its row's JSON
        pointer, e.g. /items/17/priorities/0/share. CSV layout: see the README."""
        return bulk_upsert(_items(), args["mode"], current_actor())
