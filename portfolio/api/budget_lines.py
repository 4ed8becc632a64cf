"""Budget lines of a project (their behaviour, shared with transactions, in api/records.py). A docstring's first
line is the operation's OpenAPI summary, so a long one stays one line."""
from flask.views import MethodView
from flask_smorest import Page

from portfolio.api import idempotency, records
from portfolio.api.auth import protect
from portfolio.api.base import ApiBlueprint
from portfolio.schemas.budget_lines import BudgetLinePatchSchema, BudgetLineSchema, BudgetLineWriteSchema
from portfolio.services.records import LINES

blp = ApiBlueprint("budget_lines", __name__, url_prefix="/api/v1", description="Budget lines of a project")
protect(blp, {"GET": "read", "POST": "create", "PATCH": "edit", "DELETE": "delete"})
idempotency.enable(blp)


@blp.route("/projects/<project_code:code>/budget-lines")
class BudgetLines(MethodView):
    @blp.doc(operationId="listBudgetLines")
    @blp.response(200, BudgetLineSchema(many=True))
    @blp.paginate(Page)
    def get(self, code):
        """The project's budget lines, in order, paginated."""
        return records.listed(LINES, code)

    @blp.doc(operationId="createBudgetLine")
    @blp.etag
    @blp.arguments(BudgetLineWriteSchema)
    @blp.response(201, BudgetLineSchema)
    def post(self, data, code):
        """Add a budget line. A non-USD amount takes the rate in force on its value date from /api/v1/exchange-rates unless fx_rate is given."""  # noqa: E501
        return records.create(blp, LINES, data, code, "budget_lines.BudgetLineDetail", "line_id")


@blp.route("/projects/<project_code:code>/budget-lines/<id:line_id>")
class BudgetLineDetail(MethodView):
    @blp.doc(operationId="getBudgetLine")
    @blp.etag
    @blp.response(200, BudgetLineSchema)
    def get(self, code, line_id):
        """One budget line, and its ETag."""
        return records.read(blp, LINES, code, line_id)

    @blp.doc(operationId="updateBudgetLine")
    @blp.etag
    @blp.arguments(BudgetLinePatchSchema)
    @blp.response(200, BudgetLineSchema)
    def patch(self, data, code, line_id):
        """Change a budget line. Requires If-Match with its current ETag; a change that changes nothing writes nothing."""  # noqa: E501
        return records.change(blp, LINES, data, code, line_id)

    @blp.doc(operationId="deleteBudgetLine")
    @blp.etag
    @blp.response(204)
    def delete(self, code, line_id):
        """Delete a budget line. Requires If-Match with its current ETag."""
        records.remove(blp, LINES, code, line_id)
