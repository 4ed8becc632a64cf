"""#21.6: every array a request can carry has a published maxItems that the server enforces before it looks at
the items; a problem lists at most MAX_ERRORS errors with the total in `error_count`; a body far over the
limits is refused without validating its items (the time figures are in bench/validation.py, not here)."""
import json

import pytest
from helpers import pointers, project_body

from portfolio.errors import MAX_ERRORS


def _resolve(spec, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _arrays(spec, schema, where, seen):
    schema = _resolve(spec, schema)
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen.add(id(schema))
    if schema.get("type") == "array":
        yield where, schema
        yield from _arrays(spec, schema.get("items"), where + "[]", seen)
    for name, sub in schema.get("properties", {}).items():
        yield from _arrays(spec, sub, f"{where}.{name}", seen)
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            yield from _arrays(spec, sub, where, seen)


def test_every_array_a_request_carries_has_a_published_max_items(client):
    spec = client.get("/api/v1/openapi.json").json
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                for where, schema in _arrays(spec, content.get("schema"), f"{method.upper()} {path} {media}", set()):
                    found.append((where, schema.get("maxItems")))
    assert len(found) > 10
    assert [where for where, limit in found if not limit] == []
    assert ("POST /api/v1/projects application/json.countries", 300) in found
    assert ("POST /api/v1/projects/bulk application/json.items", 5000) in found


@pytest.mark.parametrize("field,limit", [("countries", 300), ("activity_types", 20), ("rcps", 50),
                                         ("participating_organisations", 100), ("priorities", 5)])
def test_a_list_over_its_limit_is_one_error_naming_it(client, field, limit):
    value = {"countries": "AL", "activity_types": "training-hrd", "rcps": "x", "priorities": {"code": "cooperation"},
             "participating_organisations": {"organisation": "IOM", "role": "funding"}}[field]
    response = client.post("/api/v1/projects", json=project_body("BIG", **{field: [value] * 50_000}))
    assert response.status_code == 422
    assert pointers(response) == {f"/{field}"}
    assert f"{limit:,}" in response.json["errors"][0]["message"]
    assert len(response.data) < 2000  # the 50,000-item list was answered by 4.9 MB of errors


def test_errors_are_capped_with_their_total_count(client):
    bad = [{"code": f"B-{i}", "title": "", "region": "mars", "priorities": [{"code": "nope"}]} for i in range(2000)]
    response = client.post("/api/v1/projects/bulk", json={"items": bad})
    assert response.status_code == 422
    assert response.json["error_count"] == 6000  # title, region and priority code, in each row
    assert len(response.json["errors"]) == MAX_ERRORS
    assert response.json["errors"][0]["pointer"].startswith("/items/0/")
    assert len(response.json["detail"]) < 500
    small = client.post("/api/v1/projects", json=project_body("S-1", region="mars"))
    assert small.json["error_count"] == 1 and len(small.json["errors"]) == 1


def test_the_cap_and_count_are_published(client):
    problem = client.get("/api/v1/openapi.json").json["components"]["schemas"]["Problem"]
    assert "error_count" in problem["properties"]
    assert problem["properties"]["errors"]["maxItems"] == MAX_ERRORS


def test_a_body_of_a_million_codes_is_refused_without_reading_them(client):
    body = json.dumps(project_body("HUGE", countries=["AL"] * 1_000_000)).encode()
    response = client.post("/api/v1/projects", data=body, content_type="application/json")
    assert response.status_code == 422
    assert pointers(response) == {"/countries"}
