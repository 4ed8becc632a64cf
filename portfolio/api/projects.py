"""Projects: list with filters, create, read, update with If-Match, delete."""
from flask import g, url_for
from flask.views import MethodView

from portfolio import etags
from portfolio.api import conflicts, idempotency
from portfolio.api.auth import current_actor, protect
from portfolio.api.base import ApiBlueprint
from portfolio.schemas.filters import ProjectQuerySchema
from portfolio.schemas.projects import ProjectCreateSchema, ProjectPatchSchema, ProjectSchema, ProjectWriteSchema
from portfolio.services import projects, queries
from portfolio.services import state as states
from portfolio.services.project_view import present
from portfolio.statistics.aggregates import project_count
from portfolio.vocabulary import current

blp = ApiBlueprint("projects", __name__, url_prefix="/api/v1", description="TCM projects")
protect(blp, {"GET": "read", "POST": "create", "PATCH": "edit", "PUT": "edit", "DELETE": "delete"})
idempotency.enable(blp)


def shown(ids: list[int]) -> list[dict]:
    found = states.load(ids=ids)
    vocab = current()
    return [present(found[i], vocab) for i in ids if i in found]


@blp.route("/projects")
class Projects(MethodView):
    @blp.doc(operationId="listProjects")
    @blp.arguments(ProjectQuerySchema, location="query")
    @blp.response(200, ProjectSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List projects: filters, word search `q`, sorting, pagination (X-Total-Count and Link headers).

        Pages by offset (`page`) or, for deep pages at constant cost, by keyset (`cursor=first`, then the
        cursors in the Link header). Without `sort`, results of `q` come by relevance."""
        if args.get("cursor"):
            ids, g.cursor_links = queries.keyset_ids(args, args["cursor"], pagination_parameters.page_size)
        else:
            ids = queries.page_ids(args, pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = project_count(args)
        return shown(ids)

    @blp.doc(operationId="createProject")
    @blp.etag
    @blp.arguments(ProjectCreateSchema)
    @blp.response(201, ProjectSchema)
    @blp.alt_response(409, description="A project with this code already exists")
    def post(self, data):
        """Create a project. Omitted priority shares are split equally."""
        with conflicts.project_codes({data["code"]: "/code"}):
            project = projects.create(data, current_actor())
        blp.set_etag(etags.data(project.code, project.row["version"]))
        return present(project, current()), {"Location": url_for("projects.ProjectDetail", code=project.code)}


@blp.route("/projects/<project_code:code>")
class ProjectDetail(MethodView):
    @blp.doc(operationId="getProject")
    @blp.etag
    @blp.response(200, ProjectSchema)
    def get(self, code):
        """One project with everything embedded, and its ETag."""
        project = projects.get(code)
        blp.set_etag(etags.data(code, project.row["version"]))
        return present(project, current())

    @blp.doc(operationId="updateProject")
    @blp.etag
    @blp.arguments(ProjectPatchSchema)
    @blp.response(200, ProjectSchema)
    def patch(self, data, code):
        """Change some fields. Requires If-Match with the current ETag (428 without, 412 if stale). A change
        that changes nothing keeps the version and ETag and writes no history."""
        return self._change(code, data, replace=False)

    @blp.doc(operationId="replaceProject")
    @blp.etag
    @blp.arguments(ProjectWriteSchema)
    @blp.response(200, ProjectSchema)
    def put(self, data, code):
        """Replace all writable fields. Requires If-Match with the current ETag."""
        return self._change(code, data, replace=True)

    @staticmethod
    def _change(code, data, replace):
        before = projects.get(code, lock=True)
        blp.check_etag(etags.data(code, before.row["version"]))
        after, _ = projects.update(before, data, current_actor(), replace=replace)
        blp.set_etag(etags.data(code, after.row["version"]))
        return present(after, current())

    @blp.doc(operationId="deleteProject")
    @blp.etag
    @blp.response(204)
    def delete(self, code):
        """Delete a project with its budget lines and transactions. Requires If-Match with the current ETag."""
        before = projects.get(code, lock=True)
        blp.check_etag(etags.data(code, before.row["version"]))
        projects.delete(before, current_actor())
