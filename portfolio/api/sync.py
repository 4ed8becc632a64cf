"""Incremental sync: with `updated_since` on the project list, a script mirrors the portfolio."""
from flask.views import MethodView

from portfolio.api.auth import protect
from portfolio.api.base import ApiBlueprint
from portfolio.schemas.bulk import DeletedProjectSchema, DeletedQuerySchema
from portfolio.services.history import deleted_projects

blp = ApiBlueprint("sync", __name__, url_prefix="/api/v1", description="Incremental sync for integration scripts")
protect(blp, {"GET": "read"})


@blp.route("/sync/deleted-projects")
class DeletedProjects(MethodView):
    @blp.doc(operationId="listDeletedProjects")
    @blp.arguments(DeletedQuerySchema, location="query")
    @blp.response(200, DeletedProjectSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Codes of projects deleted at or after `since`, oldest first."""
        items, total = deleted_projects(args["since"], pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return items
