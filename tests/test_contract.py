"""The OpenAPI document is a contract a generated client can live with, and it tells the truth:

- every operation has an operationId (named by the scheme list/get/create/update/replace/delete...), tags
  and a summary; every response has content or is 204/304; every 4xx/5xx answer is problem+json with the
  Problem schema;
- every operation is probed (no token, a viewer's token, an admin's with an empty body, an unknown query
  parameter, Accept: application/pdf, a URL too long, another media type, a body too large, a missing and
  a stale If-Match, a resource that does not exist): every status the server answers is documented for
  that operation, and the headers it reads and sets are in the document;
- shared vocabularies and the Figures schema are named components, amounts publish the pattern the server
  enforces, files are bytes;
- the library hooks this relies on are still there (api/base.py, api/contract.py, etags.py).
"""
import re
import uuid
from decimal import Decimal

import pytest
from helpers import add_line, create_project, example_count, project_body
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from portfolio import etags
from portfolio.auth import PERMISSIONS, issue_token
from portfolio.extensions import db
from portfolio.schemas.enums import SHARED_ENUMS
from portfolio.schemas.fields import DecimalString

PROBLEM = "application/problem+json"
METHODS = ("get", "put", "post", "patch", "delete")
VERBS = {"get": ("list", "get", "export"), "post": ("create", "bulkUpsert"), "patch": ("update",),
         "put": ("replace",), "delete": ("delete",)}
MONEY = re.compile(r"(_usd|^amount|^fx_rate|^share|_percent|^usd_per_unit)$")
# Sessions, tokens and accounts have no versions: no ETag, no If-Match (ending a session or revoking a token is
# the same whoever does it first, and an account's role or state is set, not merged).
UNVERSIONED = ("/api/v1/session", "/api/v1/tokens", "/api/v1/users")


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def documented(spec, operation) -> set[int]:
    return {int(code) for code in operation["responses"] if code.isdigit()}


def parameter_names(spec, operation, location) -> dict:
    params = (resolve(spec, p) for p in operation.get("parameters", []))
    return {p["name"]: p for p in params if p["in"] == location}


def test_every_operation_has_an_operation_id_tags_and_a_summary(spec):
    ids = []
    tags = {tag["name"] for tag in spec["tags"]}
    for method, path, operation in operations(spec):
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+", operation.get("operationId", "")), (method, path)
        assert operation["operationId"].startswith(VERBS[method]), (method, path, operation["operationId"])
        assert operation.get("tags") and set(operation["tags"]) <= tags, (method, path)
        assert operation.get("summary", "").strip(), (method, path)
        ids.append(operation["operationId"])
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_operation_ids_are_the_published_names(spec):
    by_route = {(method, path): operation["operationId"] for method, path, operation in operations(spec)}
    project, line, transaction = "/api/v1/projects/{code}", "/budget-lines", "/transactions"
    expected = {
        ("get", "/api/v1/projects"): "listProjects", ("post", "/api/v1/projects"): "createProject",
        ("get", project): "getProject", ("patch", project): "updateProject", ("put", project): "replaceProject",
        ("delete", project): "deleteProject",
        ("get", project + line): "listBudgetLines", ("post", project + line): "createBudgetLine",
        ("get", project + line + "/{line_id}"): "getBudgetLine",
        ("patch", project + line + "/{line_id}"): "updateBudgetLine",
        ("delete", project + line + "/{line_id}"): "deleteBudgetLine",
        ("get", project + transaction): "listTransactions", ("post", project + transaction): "createTransaction",
        ("patch", project + transaction + "/{transaction_id}"): "updateTransaction",
        ("get", "/api/v1/aggregates/{dimension}"): "getAggregate",
        ("get", "/api/v1/aggregates/{dimension}.csv"): "getAggregateCsv",
        ("get", "/api/v1/aggregates/{dimension}.xlsx"): "getAggregateXlsx",
        ("post", "/api/v1/projects/bulk"): "bulkUpsertProjects",
        ("post", "/api/v1/transactions/bulk"): "bulkUpsertTransactions",
    }
    assert {route: by_route.get(route) for route in expected} == expected


def test_every_response_has_content_or_is_empty(spec):
    for method, path, operation in operations(spec):
        for code, response in operation["responses"].items():
            response = resolve(spec, response)
            if code in ("204", "304"):
                assert not response.get("content"), (method, path, code)
            else:
                assert response.get("content"), (method, path, code)
                for media in response["content"].values():
                    assert media.get("schema"), (method, path, code)


def test_every_error_answer_is_problem_json(spec):
    for method, path, operation in operations(spec):
        for code, response in operation["responses"].items():
            if code == "default" or int(code) >= 400:
                content = resolve(spec, response)["content"]
                assert list(content) == [PROBLEM], (method, path, code)
                assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}, (method, path, code)


# Probing every operation.

@pytest.fixture
def world(app, client):
    """One of each resource, and tokens of a viewer and an admin."""
    create_project(client, "P-1")
    line = add_line(client, "P-1")
    transaction = client.post("/api/v1/projects/P-1/transactions", json={
        "reference": "T-1", "type": "expenditure", "date": "2003-05-01", "amount": "10.00", "currency": "USD"})
    assert transaction.status_code == 201, transaction.json
    assert client.post("/api/v1/organisations", json={"code": "ORG-T", "name": "Org", "type": "10"}).status_code == 201
    with app.app_context():
        viewer = issue_token(f"contract-viewer-{uuid.uuid4().hex[:6]}", "viewer", actor="tests")[1]
        issue_token("contract-spare", "viewer", actor="tests")  # revoked by the DELETE /tokens/{name} probes
        db.session.remove()
    assert client.post("/api/v1/users", json={"username": "contract-user", "role": "viewer",
                                              "password": "a long enough password"}).status_code == 201
    existing = {"code": "P-1", "line_id": line["id"], "transaction_id": transaction.json["id"], "dimension": "region",
                "name": "contract-spare", "username": "contract-user", "rows": "donor", "columns": "region"}
    return {"viewer": viewer, "admin": app.config["TEST_ADMIN_TOKEN"], "existing": existing,
            "missing": {"code": "NOPE-1", "line_id": 999999, "transaction_id": 999999, "dimension": "region",
                        "name": "nope", "username": "nope", "rows": "donor",
                        "columns": "region"}}


def concrete(path: str, values: dict) -> str:
    def value(match):
        name = match.group(1)
        if name == "code" and path.startswith("/api/v1/organisations"):
            return "ORG-T" if values["code"] == "P-1" else "NOPE"
        if name == "code" and path.startswith("/api/v1/rcps"):
            return "puebla-process" if values["code"] == "P-1" else "nope"
        return str(values[name])

    return re.sub(r"\{([^}]+)\}", value, path)


def probes(method: str, operation: dict, world: dict):
    """(what, token, URL suffix, headers, body) of each probe of an operation."""
    admin, body = world["admin"], b"{}" if "requestBody" in operation else None
    # The operation's own first media type (JSON for most; an XML upload for the IATI import).
    media = next(iter(operation["requestBody"]["content"]), None) if body is not None else None
    json_type = {"Content-Type": media} if body is not None else {}
    yield "no token", None, "", json_type, body
    yield "viewer", world["viewer"], "", json_type, body
    yield "empty body", admin, "", json_type, body
    yield "unknown query parameter (format=)", admin, "?format=pdf", json_type, body
    yield "Accept: application/pdf", admin, "", {**json_type, "Accept": "application/pdf"}, body
    yield "URL too long", admin, "?q=" + "x" * 9000, json_type, body
    if body is not None:
        yield "another media type", admin, "", {"Content-Type": "text/plain"}, b"x"
        yield "body too large", admin, "", json_type, b'{"items": "' + b"x" * 2048 + b'"}'
    if method in ("put", "patch", "delete"):
        yield "stale If-Match", admin, "", {**json_type, "If-Match": '"stale"'}, body


def test_every_status_the_server_answers_is_documented(app, spec, world):
    undocumented, answered = [], {}
    max_length = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024  # the "body too large" probe
    try:
        for method, path, operation in operations(spec):
            statuses = documented(spec, operation)
            for variant in ("existing", "missing"):
                url = concrete(path, world[variant])
                for what, token, suffix, headers, body in probes(method, operation, world):
                    client = app.test_client()
                    if token:
                        headers = {**headers, "Authorization": f"Bearer {token}"}
                    response = client.open(url + suffix, method=method.upper(), headers=headers, data=body)
                    response.get_data()  # a streamed file runs to its end
                    response.close()
                    answered.setdefault((method, path), set()).add(response.status_code)
                    assert response.status_code < 500, (method, url, what, response.json)
                    if response.status_code not in statuses:
                        undocumented.append(f"{method.upper()} {path} ({what}, {variant}): {response.status_code}")
                    assert response.headers.get("X-Request-ID"), (method, url, what)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = max_length
    assert not undocumented, "\n".join(undocumented)
    for method, path, operation in operations(spec):
        seen = answered[method, path]
        assert 414 in seen  # every operation, under /api/ or not
        if not path.startswith("/api/"):
            continue
        assert 422 in seen, (method, path)  # format= (any unknown query parameter) is refused, never ignored
        if operation.get("security") != []:
            assert 401 in seen, (method, path)
        if any(resolve(spec, r).get("content") for c, r in operation["responses"].items() if c.startswith("2")):
            assert 406 in seen, (method, path)  # Accept: application/pdf
        if "requestBody" in operation:
            assert {413, 415} <= seen, (method, path)


def test_statuses_documented_by_rule(spec):
    """What the probes cannot provoke in-process (rate limits, a database that goes away, concurrent
    writers), documented wherever it can happen."""
    for method, path, operation in operations(spec):
        statuses = documented(spec, operation)
        protected = operation.get("security") != []
        if protected:
            assert {401, 503} <= statuses, (method, path)
        if path.startswith("/api/"):
            assert 429 in statuses, (method, path)
        if method != "get":
            assert 409 in statuses, (method, path)
        if "requestBody" in operation or parameter_names(spec, operation, "query"):
            assert 422 in statuses, (method, path)
        if method in ("put", "patch", "delete") and not path.startswith(UNVERSIONED):
            assert {412, 428} <= statuses, (method, path)


def test_roles_that_lack_a_permission_are_documented_as_403(spec, app):
    from portfolio.api.auth import PROTECTED

    for method, path, operation in operations(spec):
        rule = next(r for r in app.url_map.iter_rules()
                    if re.sub(r"<(?:[^:<>]+:)?([^<>:]+)>", r"{\1}", r.rule) == path)
        permission = PROTECTED.get(rule.endpoint.rsplit(".", 1)[0], {}).get(method.upper())
        if permission and any(permission not in granted for granted in PERMISSIONS.values()):
            assert 403 in documented(spec, operation), (method, path)


def test_request_headers_the_server_reads_are_documented(app, spec, world):
    auth = {"Authorization": f"Bearer {world['admin']}"}
    for method, path, operation in operations(spec):
        headers = parameter_names(spec, operation, "header")
        assert "X-Request-ID" in headers, (method, path)
        url = concrete(path, world["existing"])
        if method == "post":
            # Idempotency-Key is documented exactly where the server honours it: a refused request is replayed.
            client, key = app.test_client(), {"Idempotency-Key": uuid.uuid4().hex, **auth}
            media = next(iter(operation["requestBody"]["content"]))
            first = client.post(url, data=b"{}", headers={**key, "Content-Type": media})
            second = client.post(url, data=b"{}", headers={**key, "Content-Type": media})
            assert first.status_code == 422, (path, first.json)
            replayed = second.headers.get("Idempotent-Replayed") == "true"
            assert replayed == ("Idempotency-Key" in headers), path
            if replayed:
                assert "Idempotent-Replayed" in resolve(spec, operation["responses"]["201" if "201" in operation[
                    "responses"] else "200"])["headers"]
        if method in ("put", "patch") and "{" in path and "requestBody" in operation:
            # The same on the conditional writes: a body refused after If-Match passed is replayed.
            client = app.test_client()
            tag = client.get(url, headers=auth).headers.get("ETag")
            key = {"Idempotency-Key": uuid.uuid4().hex, **auth, **({"If-Match": tag} if tag else {})}
            first = client.open(url, method=method.upper(), json={"no_such_field": 1}, headers=key)
            second = client.open(url, method=method.upper(), json={"no_such_field": 1}, headers=key)
            assert first.status_code == 422, (method, path, first.json)
            replayed = second.headers.get("Idempotent-Replayed") == "true"
            assert replayed == ("Idempotency-Key" in headers), (method, path)
            if replayed:
                assert "Idempotent-Replayed" in resolve(spec, operation["responses"]["200"])["headers"]
        if method in ("put", "patch", "delete") and "{" in path and not path.startswith(("/api/v1/rcps", *UNVERSIONED)):
            assert headers["If-Match"]["required"] is True, (method, path)
        if method == "get" and "If-None-Match" in headers:
            tag = app.test_client().get(url, headers=auth).headers["ETag"]
            response = app.test_client().get(url, headers={**auth, "If-None-Match": tag})
            assert response.status_code == 304 and 304 in documented(spec, operation), path


def test_response_headers_clients_need_are_documented_and_sent(app, spec, world):
    auth = {"Authorization": f"Bearer {world['admin']}"}
    for method, path, operation in operations(spec):
        for code, response in operation["responses"].items():
            assert "X-Request-ID" in resolve(spec, response).get("headers", {}), (method, path, code)
        success = {code: resolve(spec, r) for code, r in operation["responses"].items() if code.startswith("2")}
        if "201" in success:
            assert {"Location"} | (set() if path.startswith(UNVERSIONED) else {"ETag"}) <= set(
                success["201"]["headers"]), path
        if method == "get" and "page" in parameter_names(spec, operation, "query"):
            assert {"Link", "X-Total-Count", "X-Pagination"} <= set(success["200"]["headers"]), path
            required = "?since=2000-01-01T00:00:00Z" if path.endswith("/deleted-projects") else ""
            answer = app.test_client().get(concrete(path, world["existing"]) + required, headers=auth)
            assert answer.status_code == 200, (path, answer.json)
            assert {"Link", "X-Total-Count", "X-Pagination"} <= set(answer.headers.keys()), path
        files = [m for r in success.values() for m in r.get("content", {}) if m not in ("application/json",
                                                                                      "text/plain")]
        if files:
            assert "Content-Disposition" in success["200"]["headers"], path
            answer = app.test_client().get(concrete(path, world["existing"]), headers=auth)
            answer.get_data()
            answer.close()
            assert answer.headers["Content-Disposition"].startswith("attachment; filename="), path
    for status in ("TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE"):
        assert "Retry-After" in spec["components"]["responses"][status]["headers"]
    assert "WWW-Authenticate" in spec["components"]["responses"]["UNAUTHORIZED"]["headers"]
    created = app.test_client().post("/api/v1/projects", json={
        "code": "P-2", "title": "Two", "region": "europe", "priorities": [{"code": "cooperation"}]}, headers=auth)
    assert created.status_code == 201 and created.headers["Location"].endswith("/api/v1/projects/P-2")


def _walk(node, found, where=""):
    if isinstance(node, dict):
        found.append((where, node))
        for key, value in node.items():
            _walk(value, found, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _walk(value, found, f"{where}/{index}")
    return found


def test_shared_vocabularies_are_named_schemas_used_everywhere(spec):
    schemas = spec["components"]["schemas"]
    shared = {}
    for name, (values, _) in SHARED_ENUMS.items():
        assert schemas[name]["type"] == "string" and schemas[name]["enum"] == list(values)
        shared[frozenset(values)] = name
    for where, node in _walk(spec, []):
        if "enum" in node and node.get("type") == "string" and not re.fullmatch(r"/components/schemas/\w+", where):
            assert frozenset(node["enum"]) not in shared, f"{where} repeats {shared[frozenset(node['enum'])]}"
    status = {"$ref": "#/components/schemas/ProjectStatus"}
    for name in ("Project", "ProjectWrite", "ProjectPatch", "ProjectCreate", "BulkProjectRow"):
        assert status in (schemas[name]["properties"]["status"], *schemas[name]["properties"]["status"].get(
            "allOf", [])), name
    for path in ("/api/v1/projects", "/api/v1/aggregates/{dimension}", "/api/v1/exports/budget-lines"):
        assert parameter_names(spec, spec["paths"][path]["get"], "query")["status"]["schema"] == status, path


def test_figures_is_one_schema_reused(spec):
    schemas = spec["components"]["schemas"]
    figures = {"$ref": "#/components/schemas/Figures"}
    for name in ("AggregateRow", "CrossTabCell", "CrossTabRow", "CrossTabColumn", "YearFigures",
                 "OrganisationFigures"):
        assert schemas[name]["allOf"][0] == figures, name
        assert "budget_usd" not in schemas[name]["allOf"][1]["properties"], name
    for name in ("Aggregate", "CrossTab", "ProjectFinance"):
        assert schemas[name]["properties"]["total"] == figures, name


def test_every_amount_publishes_its_decimal_grammar(spec):
    checked = 0
    for where, node in _walk(spec["components"]["schemas"], []):
        for name, prop in (node.get("properties") or {}).items() if isinstance(node.get("properties"), dict) else ():
            if MONEY.search(name) or prop.get("format") == "decimal":
                assert prop.get("type") == "string" and prop.get("format") == "decimal", (where, name)
                assert prop.get("pattern") and isinstance(prop.get("x-decimal-places"), int), (where, name)
                re.compile(prop["pattern"])
                checked += 1
    assert checked > 40


def _decimal_fields():
    import importlib
    import pkgutil

    import portfolio.schemas

    for module in pkgutil.iter_modules(portfolio.schemas.__path__):
        importlib.import_module(f"portfolio.schemas.{module.name}")
    for module in ("finance", "reference"):  # schemas defined beside their views
        importlib.import_module(f"portfolio.api.{module}")

    found, classes = {}, [Schema]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        for name, field in cls._declared_fields.items():
            if isinstance(field, DecimalString):  # one of each grammar and range
                key = (field.pattern, field.low, field.low_exclusive, field.high, field.high_exclusive)
                found.setdefault(key, (f"{cls.__name__}.{name}", field))
    return sorted(found.values(), key=lambda item: item[0])


DECIMAL_FIELDS = _decimal_fields()


@pytest.mark.parametrize("name, field", DECIMAL_FIELDS, ids=[name for name, _ in DECIMAL_FIELDS])
@settings(max_examples=example_count(100), deadline=None)
@given(text=st.one_of(st.text(alphabet="0123456789.-+e _\n", max_size=24),
                      st.from_regex(r"\A[0-9]{1,22}(\.[0-9]{1,11})?\Z")))
def test_the_published_pattern_is_what_the_server_enforces(name, field, text):
    matches = re.fullmatch(field.metadata["pattern"].removeprefix("^").removesuffix("$"), text) is not None
    try:
        field.deserialize(text)
        grammar_ok = True
    except ValidationError as error:
        grammar_ok = not any(m.startswith(("Must be a decimal string", "Must be a decimal string of"))
                             for m in error.messages)
        if matches:  # the only other refusal is the range
            assert all(m.startswith("Must be ") and "decimal string" not in m for m in error.messages), error
    assert matches == grammar_ok, (name, text)


@pytest.mark.parametrize("name, field", DECIMAL_FIELDS, ids=[name for name, _ in DECIMAL_FIELDS])
def test_every_answer_matches_the_published_pattern_at_its_limits(name, field):
    largest_sum = Decimal(2**63 - 1) / 100  # a 64-bit count of cents
    values = [Decimal(0), Decimal("0.005"), Decimal("1250.5"), largest_sum]
    if "spent_percent" in name:
        values.append(largest_sum / Decimal("0.01") * 100)
    if "remaining" in name:
        values.append(-largest_sum)
    if field.digits < 17:  # inputs and shares: the largest value the field itself accepts
        values = [v for v in values if v < Decimal(10) ** field.digits]
    for value in values:
        assert re.fullmatch(field.pattern.removeprefix("^").removesuffix("$"), field._serialize(value, None, None)), (
            name, value)


def test_files_are_bytes(spec):
    for _, path, operation in operations(spec):
        bodies = operation.get("requestBody", {}).get("content", {})
        answers = [m for code, r in operation["responses"].items() if code.startswith("2")
                   for m in resolve(spec, r).get("content", {}).items()]
        for media, content in [*bodies.items(), *answers]:
            if media in ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                assert content["schema"] == {**content["schema"], "type": "string", "format": "binary"}, (path, media)
    assert {p for p in spec["paths"] if p.startswith("/api/v1/aggregates/{dimension}.")} == {
        "/api/v1/aggregates/{dimension}.csv", "/api/v1/aggregates/{dimension}.xlsx"}


def test_the_library_hooks_relied_on_are_still_there(spec, app, client):
    """api/base.py overrides flask-smorest's pagination hooks and Api._register_responses; api/contract.py
    relies on apispec's plugin interface and flask-smorest's extra_plugins. If a new version changes them,
    this fails (and the version range in pyproject.toml is the place to hold it)."""
    from flask_smorest import Api, Blueprint

    from portfolio.api.base import ApiBlueprint, ProblemApi

    for name in ("_set_pagination_metadata", "_document_pagination_metadata"):
        assert hasattr(Blueprint, name) and getattr(ApiBlueprint, name) is not getattr(Blueprint, name)
    assert hasattr(Api, "_register_responses") and ProblemApi._register_responses is not Api._register_responses
    assert spec["components"]["responses"]["UNAUTHORIZED"]["description"].startswith("No valid bearer token")
    assert "X-Total-Count" in spec["paths"]["/api/v1/projects"]["get"]["responses"]["200"]["headers"]
    assert "allOf" in spec["components"]["schemas"]["AggregateRow"]  # ContractPlugin.schema_helper ran
    assert spec["components"]["schemas"]["Project"]["properties"]["status"] == {
        "$ref": "#/components/schemas/ProjectStatus"}  # its attribute function ran
    # etags.py computes the tag as flask-smorest does: what a response carries is what a service compares.
    created = create_project(client, "TAG-1")
    assert client.get("/api/v1/projects/TAG-1").headers["ETag"] == etags.quoted("TAG-1", created["version"])


def test_an_unknown_accept_or_format_is_refused_not_ignored(client):
    create_project(client, "P-9")
    for url in ("/api/v1/projects", "/api/v1/projects/P-9", "/api/v1/aggregates/region",
                "/api/v1/aggregates/region.csv", "/api/v1/exports/budget-lines"):
        refused = client.get(url, headers={"Accept": "application/pdf"})
        assert refused.status_code == 406 and refused.content_type == PROBLEM, url
        assert client.get(url + "?format=csv").status_code == 422, url
    assert client.get("/api/v1/aggregates/region.csv",
                      headers={"Accept": "text/csv"}).content_type.startswith("text/csv")


def test_every_operation_that_takes_a_body_refuses_a_request_without_one(app, spec, world):
    """A missing body is a 422 naming the body (location body, pointer /), before anything else is done; webargs
    alone read it as {} and a PATCH without a body answered 200."""
    checked = 0
    for method, path, operation in operations(spec):
        if not operation.get("requestBody", {}).get("required"):
            continue
        url = concrete(path, world["existing"])
        for headers in ({}, {"Content-Type": next(iter(operation["requestBody"]["content"]))}):
            response = app.test_client().open(url, method=method.upper(), headers={
                **headers, "Authorization": f"Bearer {world['admin']}"})
            assert response.status_code == 422, (method, path, headers, response.json)
            assert [(e["location"], e["pointer"]) for e in response.json["errors"]] == [("body", "/")], (method, path)
        checked += 1
    assert checked >= 15


def test_every_key_an_error_producer_sets_is_published_in_field_error(spec):
    """FieldError has additionalProperties: false, so each keyword given to field_error (and to the upload
    helpers that pass theirs on) must be one of its properties (an IATI file's `line` was not)."""
    import ast
    import pathlib

    import portfolio

    published = set(spec["components"]["schemas"]["FieldError"]["properties"])
    used: dict[str, str] = {}
    for source in pathlib.Path(portfolio.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("field_error", "_bad_file"):
                for keyword in node.keywords:
                    if keyword.arg is not None:
                        used.setdefault(keyword.arg, str(source))
            if isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value in ("row", "line")
                                                  for k in node.keys):  # extras built as dicts
                used.update({k.value: str(source) for k in node.keys if isinstance(k, ast.Constant)})
    assert {"row", "column", "line", "identifier"} <= set(used)
    assert set(used) <= published, {k: v for k, v in used.items() if k not in published}


def test_links_lead_from_what_an_answer_names_to_the_operations_on_it(spec, client):
    """OpenAPI links (api/contract.py add_links): a 201 to the operations under the created resource, with its
    ETag as If-Match of the updates; every link names an existing operation and parameters it takes; and
    following one really works (create a project, then update it with the link's values)."""
    by_id = {operation["operationId"]: (method, path, operation) for method, path, operation in operations(spec)}
    count = 0
    for method, path, operation in operations(spec):
        for response in operation["responses"].values():
            for name, link in resolve(spec, response).get("links", {}).items():
                count += 1
                target_method, target_path, target = by_id[link["operationId"]]
                taken = {(p["in"], p["name"]) for p in (resolve(spec, q) for q in target.get("parameters", [])
                                                            + spec["paths"][target_path].get("parameters", []))}
                for parameter, expression in link["parameters"].items():
                    where, _, parameter_name = parameter.partition(".")
                    assert (where, parameter_name) in taken, (method, path, name, parameter)
                    if expression.startswith("$request.path."):
                        assert "{" + expression.rsplit(".", 1)[1] + "}" in path, (method, path, name)
    assert count >= 40
    created = spec["paths"]["/api/v1/projects"]["post"]["responses"]["201"]["links"]
    assert {"getProject", "updateProject", "replaceProject", "deleteProject", "createBudgetLine",
            "createTransaction"} <= set(created)
    assert created["updateProject"]["parameters"] == {"path.code": "$response.body#/code",
                                                      "header.If-Match": "$response.header.ETag"}
    answer = client.post("/api/v1/projects", json=project_body("LINK-1"))
    assert answer.status_code == 201, answer.json
    followed = client.patch(f"/api/v1/projects/{answer.json['code']}", json={"title": "Followed"},
                            headers={"If-Match": answer.headers["ETag"]})
    assert followed.status_code == 200, followed.json


@pytest.mark.parametrize("text, says", [("12.345", "at most 2 digits after the point"), ("12.3٣٣", "at most 15 digits"),
                                        ("-12.5", "without a sign"), ("1,250.00", "without thousands separators")])
def test_a_decimal_off_the_pattern_by_a_usual_slip_is_told_which(text, says):
    with pytest.raises(ValidationError) as refused:
        DecimalString(2).deserialize(text)
    (message,) = refused.value.messages
    assert message.startswith("Must be a decimal string") and says in message, message
