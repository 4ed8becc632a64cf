"""The parts of the OpenAPI document that no single view declares: what every operation can answer because
of the checks around it, and the headers those checks read and set. One apispec plugin (apispec's
documented extension point, given to flask-smorest as an extra plugin) completes each operation as
flask-smorest registers it, from the same facts the server acts on:

- api/auth.py protect's permissions: 401 and 503 (the token or session is looked up in the database), 403 when
  some role lacks the permission or on a write (a session's write without X-CSRF-Token, which every
  protected write documents); unprotected operations say `security: []` unless they declare their own;
- idempotency.enable: the Idempotency-Key parameter on the writes (POST, PATCH, PUT, DELETE) of the blueprints
  that honour it, Idempotent-Replayed on their answers,
  400 (malformed key), 409 (same key still running), 422 (same key, other request);
- api/request_checks.py: 414 everywhere, and under /api/ 422 (unknown query parameters), 406 (Accept),
  and with a body 400 (not JSON, nested too deep), 413, 415, 422;
- the rate limiter: 429 with Retry-After, except on the exempt blueprints;
- path parameters: 404; writes: 409 (a concurrent change caught at commit);
- every response carries X-Request-ID (api/../observability.py), a 201 carries Location, a file carries
  Content-Disposition; every 4xx/5xx is application/problem+json with the Problem schema.

It also publishes the shared vocabularies (schemas/enums.py) as named schemas, and makes every SharedEnum
field a reference to its component. tests/test_contract.py checks the result, operation by operation.
"""
import http
import re

from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin

from portfolio import auth
from portfolio.api import idempotency
from portfolio.api.auth import PROTECTED
from portfolio.api.problems import PROBLEM_JSON
from portfolio.schemas import enums
from portfolio.schemas.aggregates import FiguresSchema
from portfolio.schemas.fields import SharedEnum

# Schemas whose subclasses are published as allOf [the base's component, their own fields], so the base is one
# named schema reused everywhere (every row, cell and total of an aggregate has the Figures).
SHARED_BASES = (FiguresSchema,)
NOT_RATE_LIMITED: set[str] = set()  # blueprints exempt from the rate limits (api/__init__.py)
WRITES = ("post", "put", "patch", "delete")

HEADERS = {
    "X_REQUEST_ID": {"description": "The request's id, as written in the server's logs: the caller's own "
                                    "X-Request-ID when it is 1-128 of [A-Za-z0-9._-], else a new one",
                     "schema": {"type": "string"}},
    "LOCATION": {"description": "URL of the created resource", "schema": {"type": "string", "format": "uri-reference"}},
    "IDEMPOTENT_REPLAYED": {"description": "`true` when this is the stored answer to an earlier request with the same "
                                           "Idempotency-Key (nothing was done again)",
                            "schema": {"type": "string", "enum": ["true"]}},
    "RETRY_AFTER": {"description": "Seconds to wait before retrying", "schema": {"type": "integer", "minimum": 0}},
    "CONTENT_DISPOSITION": {"description": "attachment, with the file's name", "schema": {"type": "string"}},
    "WWW_AUTHENTICATE": {"description": "Bearer realm=\"tcm-portfolio\"", "schema": {"type": "string"}},
}
PARAMETERS = {
    "IDEMPOTENCY_KEY": {
        "in": "header", "name": idempotency.HEADER, "required": False,
        "description": "1-255 visible ASCII characters (inner spaces allowed) chosen by the client, e.g. a UUID. "
                       "A retry with the same key and the same request gets the first answer again (header "
                       "Idempotent-Replayed: true) instead of doing it twice; the same key with another request is "
                       "refused (422); while the first is still running, 409. On PATCH, PUT and DELETE the key is "
                       "looked at before If-Match: a retry of a change that succeeded gets its answer again, not 412 "
                       "(or 404 after a deletion); If-Match is not compared. Only final answers are kept: after 409, "
                       "412, 428, 429 or a 5xx the retry runs again. Keys belong to the token and are kept 24 hours.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": idempotency.KEY_PATTERN}},
    "X_CSRF_TOKEN": {
        "in": "header", "name": "X-CSRF-Token", "required": False,
        "description": "With a session cookie (a person signed in with POST /api/v1/session), every write must "
                       "send the csrf_token of that answer (or of GET /api/v1/session): without it the write is "
                       "refused 403. Not needed with a bearer token.",
        "schema": {"type": "string"}},
    "X_REQUEST_ID": {
        "in": "header", "name": "X-Request-ID", "required": False,
        "description": "Your id for this request, kept in the logs and returned when it is 1-128 of [A-Za-z0-9._-] "
                       "(otherwise the server picks one)",
        "schema": {"type": "string"}},
}
# Status -> (description, extra headers) of the problem responses (#/components/responses/<status name>).
PROBLEMS = {
    400: ("The request cannot be read: the body is not JSON, is nested too deep, or a header is malformed", ()),
    401: ("No valid bearer token or session: none was sent, or it is unknown, revoked or ended",
          ("WWW-Authenticate",)),
    403: ("The caller's role may not do this, or a write made with a session cookie lacks its X-CSRF-Token", ()),
    404: ("Not found", ()),
    406: ("The Accept header allows none of the media types this operation answers", ()),
    409: ("Conflict: the resource already exists, a change made at the same time won, or a request with the same "
          "Idempotency-Key is still running (retry shortly)", ()),
    412: ("If-Match does not match the current ETag: read again, re-apply the change, retry", ()),
    413: ("The body is larger than the server accepts (16 MiB)", ()),
    414: ("The URL is longer than 8 KiB", ()),
    415: ("The body's media type is not one this operation accepts, or it declares a charset other than UTF-8 "
          "(JSON and CSV are UTF-8)", ()),
    422: ("Invalid: every error is listed in `errors`, each with its JSON pointer", ()),
    428: ("This change must be conditional: send If-Match with the ETag you read", ()),
    429: ("Too many requests for this token: wait Retry-After seconds", ("Retry-After",)),
    503: ("The database is unavailable or busy, or the figures are being rebuilt: retry after Retry-After seconds",
          ("Retry-After",)),
}
HEADER_COMPONENT = {"WWW-Authenticate": "WWW_AUTHENTICATE", "Retry-After": "RETRY_AFTER"}


def status_name(status: int) -> str:
    """The component name flask-smorest gives each status's response (#/components/responses/NOT_FOUND)."""
    return http.HTTPStatus(status).name


def problem_response(status: int) -> dict:
    """A response component for an error status, as ProblemApi registers them."""
    description, headers = PROBLEMS.get(status, (http.HTTPStatus(status).phrase, ()))
    return {"description": description,
            "headers": {"X-Request-ID": "X_REQUEST_ID", **{name: HEADER_COMPONENT[name] for name in headers}}}


def enum_reference(converter, field, ret, **kwargs) -> dict:
    """apispec attribute function: a SharedEnum field is a reference to its component (with allOf when the
    field adds a description, a default or nullable, as apispec does for nested schemas in OpenAPI 3.0)."""
    if not isinstance(field, SharedEnum):
        return {}
    reference = {"$ref": f"#/components/schemas/{field.component}"}
    return {"allOf": [reference]} if ret else reference


def expected_statuses(method: str, path: str, operation: dict, *, permission: str | None, idempotent: bool,
                      rate_limited: bool, path_parameters: list[str]) -> set[int]:
    """Every error status the server can answer for this operation (besides what the view declares)."""
    statuses = {414}
    has_body = "requestBody" in operation
    if path.startswith("/api/"):
        statuses.add(422)  # unknown query parameters are refused
        produces = any(str(code).startswith("2") and isinstance(response, dict) and response.get("content")
                       for code, response in operation.get("responses", {}).items())
        if produces:
            statuses.add(406)
    if permission is not None:
        statuses |= {401, 503}
        if any(permission not in granted for granted in auth.PERMISSIONS.values()) or method in WRITES:
            statuses.add(403)  # a role without the permission; a session's write without its CSRF token
    if rate_limited:
        statuses.add(429)
    if path_parameters:
        statuses.add(404)
    if has_body:
        statuses |= {400, 413, 415, 422}
    if method in WRITES:
        statuses.add(409)
    if idempotent:
        statuses |= {400, 409, 422}
    return statuses


class ContractPlugin(BasePlugin):
    def init_spec(self, spec) -> None:
        super().init_spec(spec)
        self.spec = spec
        for name, header in HEADERS.items():
            spec.components.header(name, header)
        for name, parameter in PARAMETERS.items():
            spec.components.parameter(name, parameter["in"], {k: v for k, v in parameter.items() if k != "in"})
        for name in enums.SHARED_ENUMS:
            spec.components.schema(name, enums.component(name))
        # The MarshmallowPlugin, initialised before this one (flask-smorest puts extra plugins last).
        self.marshmallow = next(plugin for plugin in spec.plugins if isinstance(plugin, MarshmallowPlugin))
        self.marshmallow.converter.map_to_openapi_type(SharedEnum, None, None)  # the type is the component's
        self.marshmallow.converter.add_attribute_function(enum_reference)

    def schema_helper(self, name, definition, schema=None, **kwargs) -> dict | None:
        """A subclass of a shared base: its own fields beside a reference to the base (allOf). apispec calls this
        after the MarshmallowPlugin, with the definition it made, which is replaced here."""
        schema_class = schema if isinstance(schema, type) else type(schema)
        base = next((b for b in SHARED_BASES if schema is not None and issubclass(schema_class, b)), None)
        if base is None or "properties" not in definition:
            return None
        # Under allOf neither part may refuse the other's fields (OpenAPI 3.0 has no unevaluatedProperties).
        definition.pop("additionalProperties", None)
        if schema_class is base:
            return None
        inherited = set(base._declared_fields)
        properties, required = definition.pop("properties"), definition.pop("required", [])
        definition.pop("type", None)
        own = {"type": "object", "properties": {k: v for k, v in properties.items() if k not in inherited}}
        if [r for r in required if r not in inherited]:
            own["required"] = [r for r in required if r not in inherited]
        reference = self.marshmallow.converter.resolve_nested_schema(base)  # registered if not yet
        return {"allOf": [reference, own]}

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        rule = kwargs.get("rule")
        if rule is None or operations is None:
            return
        blueprint = rule.endpoint.rsplit(".", 1)[0]
        permissions = PROTECTED.get(blueprint, {})
        for method, operation in operations.items():
            self._complete(path, method, operation, rule, blueprint, permissions.get(method.upper()))

    def _complete(self, path, method, operation, rule, blueprint, permission) -> None:
        idempotent = method.upper() in idempotency.METHODS and blueprint in idempotency.ENABLED
        responses = operation.setdefault("responses", {})
        path_parameters = [name for name in rule.arguments if not _is_enum_path_parameter(rule, name)]
        parameters = operation.setdefault("parameters", [])
        if idempotent:
            parameters.append("IDEMPOTENCY_KEY")
        parameters.append("X_REQUEST_ID")
        if permission is None:
            operation.setdefault("security", [])
        if method in WRITES and (permission is not None or operation["security"]):
            parameters.append("X_CSRF_TOKEN")
        for code, response in responses.items():
            if not isinstance(response, dict) or "$ref" in response:
                continue
            status = int(code) if str(code).isdigit() else None
            headers = response.setdefault("headers", {})
            headers.setdefault("X-Request-ID", "X_REQUEST_ID")
            if status is not None and status >= 400:
                # Declared by the view with a description only (alt_response): the body is a problem all the same.
                response.setdefault("content", {PROBLEM_JSON: {"schema": "Problem"}})
                for name in PROBLEMS.get(status, ((), ()))[1]:
                    headers.setdefault(name, HEADER_COMPONENT[name])
                continue
            if status == 201:
                headers.setdefault("Location", "LOCATION")
            if status is not None and 200 <= status < 300:
                if idempotent:
                    headers.setdefault("Idempotent-Replayed", "IDEMPOTENT_REPLAYED")
                media = set(response.get("content", {}))
                if media and not media & {"application/json", "text/plain"}:
                    headers.setdefault("Content-Disposition", "CONTENT_DISPOSITION")
        for status in sorted(expected_statuses(method, path, operation, permission=permission, idempotent=idempotent,
                                               rate_limited=blueprint not in NOT_RATE_LIMITED,
                                               path_parameters=path_parameters)):
            if str(status) not in {str(code) for code in responses}:
                responses[status] = status_name(status)
        operation["responses"] = dict(sorted(responses.items(), key=lambda item: str(item[0])))


def _is_enum_path_parameter(rule, name: str) -> bool:
    """A path parameter matched against a fixed list (`any(...)`): a value outside it is another URL, and a
    value inside it always exists."""
    return re.search(r"<any\([^)]*\):" + re.escape(name) + ">", rule.rule) is not None


def any_converter_schema(converter) -> dict:
    """A path parameter's `any(...)`: a reference to the shared vocabulary with these values, else inline."""
    values = [re.sub(r"\\(.)", r"\1", value) for value in converter.regex[3:-1].split("|")]
    name = enums.named(values)
    return {"$ref": f"#/components/schemas/{name}"} if name else {"type": "string", "enum": values}


# OpenAPI links (3.0 §4.7.20): how a client, or Schemathesis's stateful phase, goes from what one answer names to
# the operations on it. A 201 leads to every operation under the created resource's URL whose path parameters it
# fills (its own identifier from the body, its parents' from the request's path), with its ETag as the If-Match
# of an update or a deletion of the resource itself; a read or an update of a versioned resource (one with an
# ETag) leads to the other operations on it, with the answer's ETag. The body field that identifies a resource,
# by path parameter:
IDENTIFIERS = {"code": "code", "line_id": "id", "transaction_id": "id", "username": "username", "name": "name"}
CONDITIONAL = ("patch", "put", "delete")


def _response(operation: dict, status: int) -> dict | None:
    found = operation.get("responses", {}).get(status, operation.get("responses", {}).get(str(status)))
    return found if isinstance(found, dict) and "$ref" not in found else None


def _takes_if_match(operation: dict) -> bool:
    return any((p == "IF_MATCH") or (isinstance(p, dict) and (p.get("$ref", "").endswith("/IF_MATCH")
                                                                or p.get("name") == "If-Match"))
               for p in operation.get("parameters", []))


def add_links(spec) -> None:
    """Complete the registered operations with their links (called once every blueprint is registered)."""
    paths = spec._paths  # apispec's registered paths, before to_dict() copies them
    operations = [(path, method, operation) for path, item in paths.items() for method, operation in item.items()
                  if method in ("get", *WRITES) and isinstance(operation, dict) and operation.get("operationId")]
    for path, method, operation in operations:
        if method == "post":
            status, source = 201, _response(operation, 201)
        elif re.search(r"\{\w+\}$", path) and method in ("get", "patch", "put"):
            status, source = 200, _response(operation, 200)
        else:
            continue
        if source is None:
            continue
        own = re.findall(r"\{(\w+)\}", path)
        etag = "ETag" in source.get("headers", {})
        if status == 200 and not etag:
            continue  # accounts and tokens: no version to carry, and nothing a 201 does not already lead to
        links = {}
        for target_path, target_method, target in operations:
            if status == 201:
                created = re.match(re.escape(path) + r"/\{(\w+)\}(/.*)?$", target_path)
                if created is None or created[1] not in IDENTIFIERS:
                    continue
                identifier = created[1]
                needed = set(re.findall(r"\{(\w+)\}", target_path))
                if not needed <= set(own) | {identifier}:
                    continue
                parameters = {f"path.{name}": f"$request.path.{name}" for name in own}
                parameters[f"path.{identifier}"] = f"$response.body#/{IDENTIFIERS[identifier]}"
                itself = created[2] is None
            else:
                if target_path != path or target_method == method:
                    continue
                parameters = {f"path.{name}": f"$request.path.{name}" for name in own}
                itself = True
            if itself and etag and target_method in CONDITIONAL and _takes_if_match(target):
                parameters["header.If-Match"] = "$response.header.ETag"
            links[target["operationId"]] = {"operationId": target["operationId"], "parameters": parameters}
        if links:
            source["links"] = dict(sorted(links.items()))
