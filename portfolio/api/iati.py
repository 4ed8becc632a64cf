"""IATI 2.03: the portfolio published as an activities file (streamed) and an organisation file, the report of
what the activities file leaves out and why, and the import of an activities file."""
from urllib.parse import urlencode

from flask import Response, request, stream_with_context
from flask.views import MethodView

from portfolio.api import idempotency
from portfolio.api.auth import current_actor, protect
from portfolio.api.base import ApiBlueprint
from portfolio.errors import Invalid, field_error
from portfolio.iati import export, importer, organisation
from portfolio.schemas.filters import ProjectFilterSchema
from portfolio.schemas.iati import ImportQuerySchema, ImportResultSchema, ReportSchema
from portfolio.statistics import renderers

blp = ApiBlueprint("iati", __name__, url_prefix="/api/v1", description="IATI 2.03 publishing and import")
protect(blp, {"GET": "read", "POST": "bulk"})
idempotency.enable(blp)

XML = "application/xml"


def _xml(description: str) -> dict:
    return {"200": {"description": description, "content": {XML: {"schema": {"type": "string", "format": "binary"}}},
                    "headers": {"Link": {"description": 'rel="describedby": the report of the projects this document '
                                                        "leaves out, and why", "schema": {"type": "string"}}}}}


@blp.route("/iati/activities.xml")
class Activities(MethodView):
    @blp.doc(operationId="getIatiActivities", responses=_xml(
        "An IATI 2.03 iati-activities document of the filtered projects, streamed"))
    @blp.arguments(ProjectFilterSchema, location="query")
    def get(self, args):
        """The filtered projects (every project-list filter applies) as IATI 2.03 activities, streamed in constant
        memory. A project that cannot be a valid activity is left out and listed, with why, by /iati/report (the
        Link header points at it, with the same filters)."""
        query = urlencode(request.args)
        report = "/api/v1/iati/report" + (f"?{query}" if query else "")
        return Response(stream_with_context(export.stream(args)), content_type=f"{XML}; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{renderers.filename("iati-activities", "xml")}"',
            "Link": f'<{report}>; rel="describedby"'})


@blp.route("/iati/report")
class Report(MethodView):
    @blp.doc(operationId="getIatiReport")
    @blp.arguments(ProjectFilterSchema, location="query")
    @blp.response(200, ReportSchema)
    def get(self, args):
        """What /iati/activities.xml with the same filters publishes, and each project it leaves out with why."""
        return export.report(args)


@blp.route("/iati/organisation.xml")
class OrganisationFile(MethodView):
    @blp.doc(operationId="getIatiOrganisation", responses=_xml(
        "The reporting organisation's IATI 2.03 organisation file: its total budget by year"))
    def get(self):
        """The reporting organisation's total budget by calendar year (current budget of the non-synthetic
        projects, by IATI budget status), from the rollups."""
        name = renderers.filename("iati-organisation", "xml")
        return Response(organisation.document(), content_type=f"{XML}; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/iati/import")
class Import(MethodView):
    @blp.doc(operationId="bulkUpsertIatiActivities", requestBody={"required": True, "content": {
        XML: {"schema": {"type": "string", "format": "binary", "description": "An IATI 2.03 activities file"}},
        "text/xml": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary", "description": "The IATI 2.03 activities file"}}}}}})
    @blp.arguments(ImportQuerySchema, location="query")
    @blp.response(200, ImportResultSchema)
    def post(self, args):
        """Import an IATI 2.03 activities file: projects upserted by identifier, organisations by ref, budget lines
        and transactions by reference, through the project write path, all or nothing. Every error of every
        activity is reported at once, each with its XPath and the activity's identifier; every element the model
        does not hold is listed in `not_taken`. The same file twice changes nothing the second time."""
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("file")
            if upload is None:
                raise Invalid([field_error("/file", "Upload the file as the form field `file`.", "files")])
            source, name = upload.stream.read(), upload.filename or "upload.xml"
        else:
            source, name = request.get_data(), "upload.xml"
        if not source:
            raise Invalid([field_error("/", "The body is empty: send an IATI activities file.", "xml")])
        return importer.import_file(source, filename=args.get("filename") or name, actor=current_actor(),
                                    region=args.get("region"))
