"""POST /api/v1/projects: what is accepted, and the exact field named when it is not."""
import pytest
from helpers import create_project, pointers, project_body


def test_project_create_returns_201_with_everything_embedded(client):
    response = client.post("/api/v1/projects", json=project_body(
        "P-1", countries=["al", "BA"], rcps=["marri"], priorities=[
            {"code": "cooperation", "share": "60"}, {"code": "harmonization", "share": "40"}]))
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/api/v1/projects/P-1")
    assert response.headers["ETag"]
    project = response.json
    assert project["region"] == {"code": "europe", "name": "Europe"}
    assert [c["code"] for c in project["countries"]] == ["AL", "BA"]
    assert [(p["code"], p["share"]) for p in project["priorities"]] == [("cooperation", "60.00"),
                                                                        ("harmonization", "40.00")]
    assert project["budget"] == {"known": False, "total_usd": None, "original_usd": None, "line_count": 0}
    assert project["synthetic"] is False and project["source"] == "api"


def test_project_create_without_shares_splits_equally_remainder_to_first(client):
    project = create_project(client, priorities=[{"code": "harmonization"}, {"code": "cooperation"},
                                                 {"code": "migrants-rights"}])
    assert [(p["code"], p["share"]) for p in project["priorities"]] == [
        ("cooperation", "33.34"), ("migrants-rights", "33.33"), ("harmonization", "33.33")]


def test_project_create_lists_stated_and_derived_rcps(client):
    project = create_project(client, countries=["AL"], rcps=["marri"])
    assert {(r["code"], r["link"]) for r in project["rcps"]} == {("marri", "stated"), ("budapest-process", "derived")}
    derived = [r for r in project["rcps"] if r["link"] == "derived"]
    assert derived[0]["via_countries"] == ["AL"]


@pytest.mark.parametrize("field, value, pointer", [
    ("region", "antarctica", "/region"),
    ("countries", ["AL", "ZZ"], "/countries/1"),
    ("priorities", [{"code": "cooperation"}, {"code": "world-peace"}], "/priorities/1/code"),
    ("activity_types", ["juggling"], "/activity_types/0"),
    ("rcps", ["no-such-rcp"], "/rcps/0"),
])
def test_project_create_unknown_code_is_422_naming_the_field(client, field, value, pointer):
    response = client.post("/api/v1/projects", json=project_body(**{field: value}))
    assert response.status_code == 422
    assert pointers(response) == {pointer}


def test_project_create_end_before_start_is_422(client):
    response = client.post("/api/v1/projects", json=project_body(start_date="2004-01-01", end_date="2003-12-31"))
    assert response.status_code == 422
    assert pointers(response) == {"/end_date"}


def test_project_create_shares_not_summing_to_100_is_422(client):
    response = client.post("/api/v1/projects", json=project_body(priorities=[
        {"code": "cooperation", "share": "60"}, {"code": "harmonization", "share": "30"}]))
    assert response.status_code == 422
    assert pointers(response) == {"/priorities"}
    assert "sum to 90" in response.json["errors"][0]["message"]


def test_project_create_some_shares_missing_is_422_on_that_share(client):
    response = client.post("/api/v1/projects", json=project_body(priorities=[
        {"code": "cooperation", "share": "100"}, {"code": "harmonization"}]))
    assert response.status_code == 422
    assert pointers(response) == {"/priorities/1/share"}


@pytest.mark.parametrize("share", ["0", "-5", "100.001", "abc", True])
def test_project_create_bad_share_is_422(client, share):
    response = client.post("/api/v1/projects", json=project_body(priorities=[{"code": "cooperation", "share": share}]))
    assert response.status_code == 422
    assert pointers(response) == {"/priorities/0/share"}


def test_project_create_unknown_field_is_422(client):
    response = client.post("/api/v1/projects", json=project_body(budget="1000000"))
    assert response.status_code == 422
    assert pointers(response) == {"/budget"}


def test_project_create_cannot_claim_synthetic(client):
    response = client.post("/api/v1/projects", json=project_body(synthetic=True))
    assert response.status_code == 422
    assert pointers(response) == {"/synthetic"}


def test_project_create_missing_required_fields_are_each_named(client):
    response = client.post("/api/v1/projects", json={"code": "P-1"})
    assert response.status_code == 422
    assert pointers(response) == {"/title", "/region", "/priorities"}


@pytest.mark.parametrize("title", [" ", "   ", "\t\n", "\u00a0\u3000"])
def test_project_create_a_title_of_only_spaces_is_422_and_nothing_is_written(client, title):
    response = client.post("/api/v1/projects", json=project_body(title=title))
    assert response.status_code == 422
    assert pointers(response) == {"/title"}
    assert "blank" in response.json["errors"][0]["message"]
    assert client.get("/api/v1/projects/P-1").status_code == 404
    # Spaces around words are the person's own: kept as sent.
    assert create_project(client, title="  Border management  ")["title"] == "  Border management  "


def test_a_blank_title_is_refused_by_patch_put_and_bulk_too(client):
    from helpers import etag

    create_project(client)
    if_match = {"If-Match": etag(client, "/api/v1/projects/P-1")}
    patched = client.patch("/api/v1/projects/P-1", json={"title": "  "}, headers=if_match)
    assert patched.status_code == 422 and pointers(patched) == {"/title"}
    body = {k: v for k, v in project_body(title=" ").items() if k != "code"}
    put = client.put("/api/v1/projects/P-1", json=body, headers={"If-Match": etag(client, "/api/v1/projects/P-1")})
    assert put.status_code == 422 and pointers(put) == {"/title"}
    bulk = client.post("/api/v1/projects/bulk", json={"items": [project_body(code="P-2"),
                                                              project_body(code="P-3", title=" ")]})
    assert bulk.status_code == 422
    assert pointers(bulk) == {"/items/1/title"}
    assert client.get("/api/v1/projects/P-2").status_code == 404  # all or nothing
    assert client.get("/api/v1/projects/P-1").json["title"] == "Project P-1"


def test_project_create_duplicate_list_entries_are_422(client):
    response = client.post("/api/v1/projects", json=project_body(countries=["AL", "al"]))
    assert response.status_code == 422
    assert pointers(response) == {"/countries/1"}


def test_project_create_bad_status_and_code_are_422(client):
    response = client.post("/api/v1/projects", json=project_body(code="has space", status="ongoing"))
    assert response.status_code == 422
    assert pointers(response) == {"/code", "/status"}


def test_project_create_duplicate_code_is_409(client):
    create_project(client, "P-1")
    response = client.post("/api/v1/projects", json=project_body("P-1"))
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert pointers(response) == {"/code"}


def test_project_create_malformed_json_is_400_problem(client):
    response = client.post("/api/v1/projects", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"


def test_project_create_nothing_written_on_failure(client):
    client.post("/api/v1/projects", json=project_body(countries=["ZZ"]))
    assert client.get("/api/v1/projects").headers["X-Total-Count"] == "0"
    assert client.get("/api/v1/projects/P-1").status_code == 404
