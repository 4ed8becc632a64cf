"""A project's budget against actual."""
from flask.views import MethodView

from portfolio import etags
from portfolio.api.auth import protect
from portfolio.api.base import ApiBlueprint
from portfolio.schemas.finance import ProjectFinanceSchema
from portfolio.services import finance, projects

blp = ApiBlueprint("finance", __name__, url_prefix="/api/v1", description="Budget against actual, per project")
protect(blp, {"GET": "read"})


@blp.route("/projects/<project_code:code>/finance")
class ProjectFinance(MethodView):
    @blp.doc(operationId="getProjectFinance")
    @blp.etag
    @blp.response(200, ProjectFinanceSchema)
    def get(self, code):
        """Budget (current and original) against commitments, funds received, disbursements and spending, by
        year, per donor and per participating organisation, with what remains."""
        project = projects.get(code)
        blp.set_etag(etags.data(code, project.row["version"]))
        return finance.view(project)
