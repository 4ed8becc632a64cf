"""Projects: list with filters, create, read, update with If-Match, delete."""
from flask import g, url_for
from flask.views import MethodView

from portfolio.api import idempotency
from portfolio.api.base import ApiBlueprint
from portfolio.auth import current_actor, protect
from portfolio.schemas.projects import (
    ProjectCreateSchema, ProjectPatchSchema, ProjectQuerySchema, ProjectSchema,
    ProjectWriteSchema,
)
from portfolio.services import project_queries, projects

blp = ApiBlueprint("projects", __name__, url_prefix="/api/v1", description="TCM projects")
protect(blp, {"GET": "read", "POST": "create", "PATCH": "edit", "PUT": "edit", "DELETE": "edit"})
idempotency.enable(blp)


def etag_data(project) -> dict:
    return {"code": project.code, "version": project.version}


def _out(project):
    return project_queries.decorate([project])[0]


@blp.route("/projects")
class Projects(MethodView):
    @blp.arguments(ProjectQuerySchema, location="query")
    @blp.response(200, ProjectSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List projects: filters, text search `q`, sorting, pagination (X-Total-Count and Link headers).

        Pages by offset (`page`) or, for deep pages at constant cost, by keyset (`cursor=first`, then the
        cursors in the Link header)."""
        if args.get("cursor"):
            items, total, cursors = project_queries.list_projects_keyset(args, args["cursor"],
                                                                         pagination_parameters.page_size)
            g.cursor_links = cursors
        else:
            items, total = project_queries.list_projects(args, pagination_parameters.page,
                                                         pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return items

    @blp.etag
    @blp.arguments(ProjectCreateSchema)
    @blp.response(201, ProjectSchema)
    @blp.alt_response(409, description="A project with this code already exists")
    def post(self, data):
        """Create a project. Omitted priority shares are split equally."""
        project = projects.create_project(data, current_actor())
        blp.set_etag(etag_data(project))
        return _out(project), {"Location": url_for("projects.ProjectDetail", code=project.code)}


@blp.route("/projects/<project_code:code>")
class ProjectDetail(MethodView):
    @blp.etag
    @blp.response(200, ProjectSchema)
    def get(self, code):
        """One project with everything embedded, and its ETag."""
        project = projects.get_project(code)
        blp.set_etag(etag_data(project))
        return _out(project)

    @blp.etag
    @blp.arguments(ProjectPatchSchema(partial=True))
    @blp.response(200, ProjectSchema)
    def patch(self, data, code):
        """Change some fields. Requires If-Match with the current ETag (428 without, 412 if stale)."""
        project = projects.get_project(code)
        blp.check_etag(etag_data(project))
        projects.update_project(project, data, current_actor())
        blp.set_etag(etag_data(project))
        return _out(project)

    @blp.etag
    @blp.arguments(ProjectWriteSchema)
    @blp.response(200, ProjectSchema)
    def put(self, data, code):
        """Replace all writable fields. Requires If-Match with the current ETag."""
        project = projects.get_project(code)
        blp.check_etag(etag_data(project))
        data = {"acronym": None, "description": None, "start_date": None, "end_date": None, **data}
        projects.update_project(project, data, current_actor())
        blp.set_etag(etag_data(project))
        return _out(project)

    @blp.etag
    @blp.response(204)
    def delete(self, code):
        """Delete a project and its budget lines. Requires If-Match with the current ETag."""
        project = projects.get_project(code)
        blp.check_etag(etag_data(project))
        projects.delete_project(project, current_actor())
