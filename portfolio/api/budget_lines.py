"""Budget lines of a project."""
from flask import url_for
from flask.views import MethodView

from portfolio.api import idempotency
from portfolio.api.base import ApiBlueprint
from portfolio.api.records import record_routes
from portfolio.auth import protect
from portfolio.schemas.budget_lines import BudgetLinePatchSchema, BudgetLineSchema, BudgetLineWriteSchema
from portfolio.services.records import LINES

blp = ApiBlueprint("budget_lines", __name__, url_prefix="/api/v1", description="Budget lines of a project")
protect(blp, {"GET": "read", "POST": "create", "PATCH": "edit", "DELETE": "delete"})
idempotency.enable(blp)

record_routes(blp, LINES, "budget-lines", "line_id", BudgetLineWriteSchema, BudgetLinePatchSchema, BudgetLineSchema,
              MethodView, url_for)
