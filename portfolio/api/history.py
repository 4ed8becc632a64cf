"""Audit history of a project."""
from flask.views import MethodView

from portfolio.api.auth import protect
from portfolio.api.base import ApiBlueprint
from portfolio.schemas.history import AuditEventSchema
from portfolio.services.history import project_history

blp = ApiBlueprint("history", __name__, url_prefix="/api/v1", description="Who changed what, and when")
protect(blp, {"GET": "read"})


@blp.route("/projects/<project_code:code>/history")
class ProjectHistory(MethodView):
    @blp.doc(operationId="listProjectHistory")
    @blp.response(200, AuditEventSchema(many=True))
    @blp.paginate()
    def get(self, code, pagination_parameters):
        """Every change to the project, its budget lines and transactions, newest first (kept after deletion)."""
        events, total = project_history(code, pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return events
