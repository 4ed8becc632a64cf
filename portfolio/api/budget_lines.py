"""Budget lines of a project."""
from flask import url_for
from flask.views import MethodView

from portfolio.api import idempotency
from portfolio.api.base import ApiBlueprint
from portfolio.auth import current_actor, protect
from portfolio.schemas.budget_lines import BudgetLinePatchSchema, BudgetLineSchema, BudgetLineWriteSchema
from portfolio.services import budget_lines, projects
from portfolio.services.audit import snapshot_line

blp = ApiBlueprint("budget_lines", __name__, url_prefix="/api/v1", description="Budget lines of a project")
protect(blp, {"GET": "read", "POST": "create", "PATCH": "edit", "DELETE": "edit"})
idempotency.enable(blp)


@blp.route("/projects/<project_code:code>/budget-lines")
class BudgetLines(MethodView):
    @blp.response(200, BudgetLineSchema(many=True))
    @blp.paginate()
    def get(self, code, pagination_parameters):
        """The project's budget lines, by period."""
        lines = projects.get_project(code).budget_lines
        pagination_parameters.item_count = len(lines)
        return lines[pagination_parameters.first_item:pagination_parameters.last_item + 1]

    @blp.etag
    @blp.arguments(BudgetLineWriteSchema)
    @blp.response(201, BudgetLineSchema)
    def post(self, data, code):
        """Add a budget line; a non-USD line needs fx_rate and fx_value_date."""
        project = projects.get_project(code)
        line = budget_lines.create_line(project, data, current_actor())
        blp.set_etag(snapshot_line(line))
        return line, {"Location": url_for("budget_lines.BudgetLineDetail", code=code, line_id=line.id)}


@blp.route("/projects/<project_code:code>/budget-lines/<int:line_id>")
class BudgetLineDetail(MethodView):
    @blp.etag
    @blp.response(200, BudgetLineSchema)
    def get(self, code, line_id):
        """One budget line, and its ETag."""
        line = budget_lines.get_line(projects.get_project(code), line_id)
        blp.set_etag(snapshot_line(line))
        return line

    @blp.etag
    @blp.arguments(BudgetLinePatchSchema(partial=True))
    @blp.response(200, BudgetLineSchema)
    def patch(self, data, code, line_id):
        """Change a budget line. Requires If-Match with the line's current ETag."""
        project = projects.get_project(code)
        line = budget_lines.get_line(project, line_id)
        blp.check_etag(snapshot_line(line))
        budget_lines.update_line(project, line, data, current_actor())
        blp.set_etag(snapshot_line(line))
        return line

    @blp.etag
    @blp.response(204)
    def delete(self, code, line_id):
        """Delete a budget line. Requires If-Match with the line's current ETag."""
        project = projects.get_project(code)
        line = budget_lines.get_line(project, line_id)
        blp.check_etag(snapshot_line(line))
        budget_lines.delete_line(project, line, current_actor())
