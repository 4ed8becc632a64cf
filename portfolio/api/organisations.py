"""The organisation register: funders, implementers and the other organisations projects name."""
from flask import url_for
from flask.views import MethodView
from sqlalchemy import select

from portfolio.api import idempotency
from portfolio.api.auth import current_actor, protect
from portfolio.api.base import ApiBlueprint
from portfolio.extensions import db
from portfolio.models import Organisation
from portfolio.schemas.history import AuditEventSchema
from portfolio.schemas.organisations import (
    OrganisationCreateSchema,
    OrganisationPatchSchema,
    OrganisationSchema,
)
from portfolio.services import organisations

blp = ApiBlueprint("organisations", __name__, url_prefix="/api/v1", description="The organisation register")
protect(blp, {"GET": "read", "POST": "edit", "PATCH": "edit", "DELETE": "delete"})
idempotency.enable(blp)


def _etag(organisation) -> dict:
    return {"organisation": organisation.code, "version": organisation.version}


@blp.route("/organisations")
class Organisations(MethodView):
    @blp.doc(operationId="listOrganisations")
    @blp.response(200, OrganisationSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Every organisation, by code."""
        rows = db.session.scalars(select(Organisation).order_by(Organisation.code)).all()
        pagination_parameters.item_count = len(rows)
        first = pagination_parameters.first_item
        return [organisations.present(o) for o in rows[first:first + pagination_parameters.page_size]]

    @blp.doc(operationId="createOrganisation")
    @blp.etag
    @blp.arguments(OrganisationCreateSchema)
    @blp.response(201, OrganisationSchema)
    @blp.alt_response(409, description="An organisation with this code or IATI identifier already exists")
    def post(self, data):
        """Register an organisation."""
        organisation = organisations.create(data, current_actor())
        blp.set_etag(_etag(organisation))
        return organisations.present(organisation), {
            "Location": url_for("organisations.OrganisationDetail", code=organisation.code)}


@blp.route("/organisations/<string(maxlength=20):code>")
class OrganisationDetail(MethodView):
    @blp.doc(operationId="getOrganisation")
    @blp.etag
    @blp.response(200, OrganisationSchema)
    def get(self, code):
        """One organisation, and its ETag."""
        organisation = organisations.get(code)
        blp.set_etag(_etag(organisation))
        return organisations.present(organisation)

    @blp.doc(operationId="updateOrganisation")
    @blp.etag
    @blp.arguments(OrganisationPatchSchema)
    @blp.response(200, OrganisationSchema)
    def patch(self, data, code):
        """Change an organisation (its code never changes). Requires If-Match with its current ETag."""
        organisation = organisations.get(code, lock=True)
        blp.check_etag(_etag(organisation))
        organisations.update(organisation, data, current_actor())
        blp.set_etag(_etag(organisation))
        return organisations.present(organisation)

    @blp.doc(operationId="deleteOrganisation")
    @blp.etag
    @blp.response(204)
    @blp.alt_response(409, description="Projects, budget lines or transactions still name it")
    def delete(self, code):
        """Delete an organisation no project, budget line or transaction names. Requires If-Match."""
        organisation = organisations.get(code, lock=True)
        blp.check_etag(_etag(organisation))
        organisations.delete(organisation, current_actor())


@blp.route("/organisations/<string(maxlength=20):code>/history")
class OrganisationHistory(MethodView):
    @blp.doc(operationId="listOrganisationHistory")
    @blp.response(200, AuditEventSchema(many=True))
    @blp.paginate()
    def get(self, code, pagination_parameters):
        """Every change to the organisation, newest first (kept after deletion)."""
        events, total = organisations.history(code, pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return events
