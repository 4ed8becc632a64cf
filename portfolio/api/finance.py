"""A project's budget against actual."""
from flask.views import MethodView
from marshmallow import Schema, fields

from portfolio import etags
from portfolio.api.base import ApiBlueprint
from portfolio.auth import protect
from portfolio.schemas.aggregates import FiguresSchema
from portfolio.schemas.fields import DecimalString, shared_enum
from portfolio.services import finance, projects

blp = ApiBlueprint("finance", __name__, url_prefix="/api/v1", description="Budget against actual, per project")
protect(blp, {"GET": "read"})


class YearFiguresSchema(FiguresSchema):
    year = fields.Integer()


class OrganisationFiguresSchema(FiguresSchema):
    organisation = fields.String()
    name = fields.String()
    role = shared_enum("OrganisationRole")
    share = DecimalString(2)


class ProjectFinanceSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    total = fields.Nested(FiguresSchema)
    by_year = fields.List(fields.Nested(YearFiguresSchema))
    by_organisation = fields.List(fields.Nested(OrganisationFiguresSchema))
    note = fields.String()


@blp.route("/projects/<project_code:code>/finance")
class ProjectFinance(MethodView):
    @blp.doc(operationId="getProjectFinance")
    @blp.etag
    @blp.response(200, ProjectFinanceSchema)
    def get(self, code):
        """Budget (current and original) against commitments, funds received, disbursements and spending, by
        year and per participating organisation, with what remains."""
        project = projects.get(code)
        blp.set_etag(etags.data(code, project.row["version"]))
        return finance.view(project)
