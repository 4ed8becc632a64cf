"""flask-smorest wiring: problem+json errors, pagination that also sends Link headers, bounded path
parameters, If-Match asked for once the resource is found. The two pagination methods overridden here are the
library's documented extension points ("Override this to set pagination data another way"); the pinned version
range in pyproject.toml and tests/test_contract.py guard them (and tests/test_record_edits.py the If-Match
order)."""
import http
from urllib.parse import urlencode

from flask import g, request
from flask_smorest import Api, Blueprint
from flask_smorest.exceptions import PreconditionRequired
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.routing import BaseConverter, IntegerConverter

from portfolio.api.contract import problem_response
from portfolio.api.problems import PROBLEM_JSON, http_exception_to_problem
from portfolio.models.base import MAX_ID
from portfolio.schemas.problem import ProblemSchema

MAX_PAGE = 10_000_000  # page x page_size stays far inside a 64-bit OFFSET


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return http_exception_to_problem(error)

    def _register_responses(self):
        # As the library does it, but documenting the media type the errors really have, what each status
        # means here and the headers that come with it (api/contract.py).
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response = problem_response(status)
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            else:
                response["headers"] = {"X-Request-ID": "X_REQUEST_ID"}
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error (500: unexpected, logged with the request id)",
                    "schema": self.ERROR_SCHEMA, "headers": {"X-Request-ID": "X_REQUEST_ID"}}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def page_url(page: int, page_size: int, cursor: str | None = None) -> str:
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


class IdConverter(IntegerConverter):
    """A row id: larger numbers than the columns hold are simply not found (404), never a database error."""

    def __init__(self, map, **kwargs):
        super().__init__(map, min=1, max=MAX_ID, **kwargs)


class BodyOnceParser(FlaskParser):
    """webargs reading the JSON body the request checks already parsed (api/request_checks.py json_body):
    a 10 MB body is parsed once, not three times; and each arguments schema built once, not per request
    (webargs instantiates a schema class for every call, deep-copying its fields: a tenth of a rollup-served
    aggregate's time in-process). Loading keeps no state in the schema, so one instance serves every thread."""

    _schemas: dict = {}

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req):
        from portfolio.api.request_checks import json_body

        return json_body() if is_json_request(req) else super()._raw_load_json(req)


class ApiBlueprint(Blueprint):
    """Blueprint whose paginated responses carry X-Total-Count and RFC 8288 Link headers too."""

    ARGUMENTS_PARSER = BodyOnceParser()

    def _check_precondition(self):
        """flask-smorest asks for If-Match (428) before the view runs, so a change to something that does not
        exist was answered 428 instead of 404. The view finds the resource first (404 naming it), then
        check_etag below asks for If-Match (428) and compares it (412)."""

    def check_etag(self, etag_data, etag_schema=None):
        if request.method in self.METHODS_NEEDING_CHECK_ETAG and not request.if_match:
            raise PreconditionRequired
        return super().check_etag(etag_data, etag_schema)

    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 25, "max_page_size": 200}

    def _set_pagination_metadata(self, page_params, result, headers):
        headers = headers or {}
        cursors = g.pop("cursor_links", None)
        if page_params.item_count is not None and page_params.item_count >= 0:
            headers["X-Total-Count"] = str(page_params.item_count)
        if cursors is not None:
            # Keyset pages have no page numbers: only cursor links (and the total when asked for).
            headers["Link"] = ", ".join(f'<{page_url(0, page_params.page_size, c)}>; rel="{rel}"'
                                        for rel, c in cursors.items())
            return result, headers
        result, headers = super()._set_pagination_metadata(page_params, result, headers)
        total, size = page_params.item_count, page_params.page_size
        last = max(1, (total - 1) // size + 1) if total else 1
        links = [f'<{page_url(1, size)}>; rel="first"', f'<{page_url(last, size)}>; rel="last"']
        if page_params.page > 1:
            links.append(f'<{page_url(min(page_params.page - 1, last), size)}>; rel="prev"')
        if page_params.page < last:
            links.append(f'<{page_url(page_params.page + 1, size)}>; rel="next"')
        headers["Link"] = ", ".join(links)
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        # The headers are text: X-Pagination carries JSON, so it is documented as a string.
        resp_doc.setdefault("headers", {}).update({
            "X-Pagination": {"description": "Pagination metadata as JSON (offset pages; absent with cursor=)",
                             "schema": {"type": "string"}},
            "X-Total-Count": {"description": "Items matching the filters", "schema": {"type": "integer"}},
            "Link": {"description": "RFC 8288 links: first, last, prev, next", "schema": {"type": "string"}},
        })
