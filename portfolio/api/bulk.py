"""Bulk create/upsert of projects for integration scripts: JSON or CSV, all or nothing."""
from flask.views import MethodView

from portfolio.api import conflicts, idempotency, uploads
from portfolio.api.auth import current_actor, protect, require
from portfolio.api.base import ApiBlueprint
from portfolio.errors import DomainError, Invalid
from portfolio.schemas import bulk as bulk_schemas
from portfolio.services import bulk

blp = ApiBlueprint("bulk", __name__, url_prefix="/api/v1", description="Bulk create or upsert of projects")
protect(blp, {"POST": "bulk"})
idempotency.enable(blp)


@blp.route("/projects/bulk")
class Bulk(MethodView):
    @blp.doc(operationId="bulkUpsertProjects")
    @blp.arguments(bulk_schemas.BulkQuerySchema, location="query")
    @blp.response(200, bulk_schemas.BulkResultSchema)
    @blp.alt_response(412, description="A row's if_match names another version; nothing was written")
    @blp.doc(requestBody=uploads.request_body(
        bulk_schemas.BulkProjectsRequestSchema, bulk_schemas.PROJECT_CSV,
        "code,title,region,countries,priorities\nTCM-1,Border training,europe,AL;BA,cooperation:60;harmonization:40\n"))
    def post(self, args):
        """Create (mode=create) or create-or-update by code (mode=upsert) up to 5,000 projects in one
        transaction. An upsert row changes only the fields it carries (absent fields and empty CSV cells
        keep their stored value; clear a field with null, [] or the CSV column `clear`); a row may carry
        `if_match`. If any row is invalid nothing is written, and every error names its row
        (/items/17/priorities/0/share; for CSV also the file's line and the column). Rows equal to the
        stored project are reported "unchanged" and write nothing. Updating needs the `edit` right."""
        raw, lines = uploads.items(bulk_schemas.PROJECT_CSV)
        try:
            shape = bulk_schemas.check_items(raw)
            if shape:
                raise Invalid(shape)
            if lines is not None:
                raw = bulk_schemas.csv_projects(raw)
            existing = bulk.lock_existing(bulk.codes_of(raw))
            if args["mode"] == "upsert" and existing:
                require("edit")
            create, update = bulk_schemas.PROJECT_SCHEMAS
            updating = args["mode"] == "upsert"
            loaded, errors = bulk_schemas.load_items(  # a code that is not a string: the schema says why
                raw, lambda item: updating and isinstance(item.get("code"), str) and item["code"] in existing,
                create, update)
            codes = {item["code"]: f"/items/{index}/code" for index, item in reversed(list(enumerate(loaded)))
                     if item is not None}
            with conflicts.project_codes(codes):
                return bulk.upsert(loaded, errors, existing, args["mode"], current_actor())
        except DomainError as error:  # every row's errors, located in the file when it was a CSV
            raise uploads.located(error, lines) from error
