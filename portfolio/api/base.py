"""flask-smorest wiring: problem+json errors, and pagination that also sends Link headers."""
from urllib.parse import urlencode

from flask import g, request
import marshmallow as ma
from flask_smorest import Api, Blueprint
from flask_smorest import pagination as _pagination
from flask_smorest.utils import prepare_response
from werkzeug.routing import BaseConverter
import http

from portfolio.errors import PROBLEM_JSON, http_exception_to_problem
from portfolio.schemas.problem import ProblemSchema


MAX_PAGE = 10_000_000  # page x page_size stays far inside a 64-bit OFFSET
_schema_factory = _pagination._pagination_parameters_schema_factory


def _bounded_pagination_schema(default_page, default_page_size, max_page_size):
    """flask-smorest's pagination parameters, with an upper bound on `page` (an unbounded page made
    the OFFSET overflow: a 500 found by Schemathesis)."""

    class BoundedPaginationParametersSchema(_schema_factory(default_page, default_page_size, max_page_size)):
        page = ma.fields.Integer(load_default=default_page, validate=ma.validate.Range(min=1, max=MAX_PAGE))

    return BoundedPaginationParametersSchema


_pagination._pagination_parameters_schema_factory = _bounded_pagination_schema


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return http_exception_to_problem(error)

    def _register_responses(self):
        # As the library does it, but documenting the media type the errors really have.
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def _page_url(page: int, page_size: int, cursor: str | None = None) -> str:
    args = request.args.to_dict(flat=False)
    if cursor is None:
        args["page"] = [str(page)]
    else:
        args.pop("page", None)
        args["cursor"] = [cursor]
    args["page_size"] = [str(page_size)]
    return request.base_url + "?" + urlencode(args, doseq=True)


class ProjectCodeConverter(BaseConverter):
    """A project code in a URL. "bulk" is reserved, so /projects/bulk is never read as a project."""

    regex = r"(?!bulk(?:/|$))[A-Za-z0-9][A-Za-z0-9._-]{0,63}"


class ApiBlueprint(Blueprint):
    """Blueprint whose paginated responses carry X-Total-Count and RFC 8288 Link headers too."""

    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 25, "max_page_size": 200}

    def _set_pagination_metadata(self, page_params, result, headers):
        cursors = g.pop("cursor_links", None)
        if cursors is not None:
            # Keyset pages have no page numbers: only cursor links and the total.
            headers = headers or {}
            headers["Link"] = ", ".join(f'<{_page_url(0, page_params.page_size, c)}>; rel="{rel}"'
                                        for rel, c in cursors.items())
            headers["X-Total-Count"] = str(page_params.item_count)
            return result, headers
        result, headers = super()._set_pagination_metadata(page_params, result, headers)
        total = page_params.item_count
        size = page_params.page_size
        last = max(1, (total - 1) // size + 1) if total else 1
        links = [f'<{_page_url(1, size)}>; rel="first"', f'<{_page_url(last, size)}>; rel="last"']
        if page_params.page > 1:
            links.append(f'<{_page_url(min(page_params.page - 1, last), size)}>; rel="prev"')
        if page_params.page < last:
            links.append(f'<{_page_url(page_params.page + 1, size)}>; rel="next"')
        headers["Link"] = ", ".join(links)
        headers["X-Total-Count"] = str(total)
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        # The headers are text: X-Pagination carries JSON, so it is documented as a string.
        resp_doc.setdefault("headers", {}).update({
            "X-Pagination": {"description": "Pagination metadata as JSON (offset pages; absent with cursor=)",
                             "schema": {"type": "string"}},
            "X-Total-Count": {"description": "Items matching the filters", "schema": {"type": "integer"}},
            "Link": {"description": "RFC 8288 links: first, last, prev, next", "schema": {"type": "string"}},
        })
