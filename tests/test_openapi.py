"""The published OpenAPI document is valid and covers every route of the API."""
import re

from openapi_spec_validator import validate


def test_openapi_document_is_valid(client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)


def test_openapi_lists_every_api_route_with_schemas(app, client):
    spec = client.get("/api/v1/openapi.json").json
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item
                  if method in {"get", "post", "put", "patch", "delete"}}
    skip = {"/api/v1/openapi.json", "/api/v1/docs"}
    for rule in app.url_map.iter_rules():
        # The web app's pages and assets (portfolio/web) are not API routes.
        if (rule.endpoint in ("static", "docs_assets.swagger_asset") or rule.rule in skip
                or rule.endpoint.startswith("web.")):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^:<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, (path, method)
            operation = spec["paths"][path][method.lower()]
            success = [code for code in operation["responses"] if code.startswith("2")]
            assert success, (path, method)
            if method in ("POST", "PUT", "PATCH"):
                assert "requestBody" in operation, (path, method)


def test_openapi_errors_are_documented_as_problem_json(client):
    spec = client.get("/api/v1/openapi.json").json
    assert "application/problem+json" in spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]


def test_docs_page_and_its_assets_are_served_locally(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"/api/v1/docs/assets/swagger-ui-bundle.js" in page.data
    assert b"//cdn" not in page.data.lower() and b"unpkg" not in page.data.lower()
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/docs/assets/swagger-ui.css").status_code == 200


def test_cors_allows_configured_origin_and_exposes_etag_and_paging(client):
    response = client.get("/api/v1/regions", headers={"Origin": "http://localhost:3000"})
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "ETag" in exposed and "Link" in exposed and "X-Total-Count" in exposed
    other = client.get("/api/v1/regions", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
