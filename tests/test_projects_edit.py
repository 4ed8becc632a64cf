"""Editing with If-Match: two editors can never silently overwrite each other."""
from helpers import create_project, etag, pointers


def test_project_patch_without_if_match_is_428(client):
    create_project(client)
    response = client.patch("/api/v1/projects/P-1", json={"title": "New"})
    assert response.status_code == 428
    assert response.content_type == "application/problem+json"
    assert client.get("/api/v1/projects/P-1").json["title"] == "Project P-1"


def test_project_patch_with_stale_etag_is_412_and_changes_nothing(client):
    create_project(client)
    first_read = etag(client, "/api/v1/projects/P-1")
    assert client.patch("/api/v1/projects/P-1", json={"title": "Editor A"},
                        headers={"If-Match": first_read}).status_code == 200
    response = client.patch("/api/v1/projects/P-1", json={"title": "Editor B"}, headers={"If-Match": first_read})
    assert response.status_code == 412
    assert client.get("/api/v1/projects/P-1").json["title"] == "Editor A"


def test_project_patch_with_current_etag_updates_and_bumps_version(client):
    created = create_project(client)
    response = client.patch("/api/v1/projects/P-1", json={"title": "New", "countries": ["BA"]},
                            headers={"If-Match": etag(client, "/api/v1/projects/P-1")})
    assert response.status_code == 200
    assert response.json["title"] == "New"
    assert [c["code"] for c in response.json["countries"]] == ["BA"]
    assert response.json["priorities"] == created["priorities"]  # untouched by a partial update
    assert response.json["version"] == created["version"] + 1
    assert response.headers["ETag"] == etag(client, "/api/v1/projects/P-1")


def test_project_patch_invalid_field_is_422_and_changes_nothing(client):
    create_project(client)
    response = client.patch("/api/v1/projects/P-1", json={"end_date": "2001-01-01", "start_date": "2002-01-01"},
                            headers={"If-Match": etag(client, "/api/v1/projects/P-1")})
    assert response.status_code == 422
    assert pointers(response) == {"/end_date"}


def test_project_patch_end_date_before_stored_start_is_422(client):
    create_project(client, start_date="2003-01-01")
    response = client.patch("/api/v1/projects/P-1", json={"end_date": "2002-01-01"},
                            headers={"If-Match": etag(client, "/api/v1/projects/P-1")})
    assert response.status_code == 422
    assert pointers(response) == {"/end_date"}


def test_project_patch_cannot_change_code(client):
    create_project(client)
    response = client.patch("/api/v1/projects/P-1", json={"code": "P-2"},
                            headers={"If-Match": etag(client, "/api/v1/projects/P-1")})
    assert response.status_code == 422
    assert pointers(response) == {"/code"}


def test_project_put_replaces_all_writable_fields(client):
    create_project(client, acronym="OLD", rcps=["marri"])
    response = client.put("/api/v1/projects/P-1", json={
        "title": "Replaced", "region": "americas", "countries": ["EC"], "priorities": [{"code": "regular-migration"}]},
        headers={"If-Match": etag(client, "/api/v1/projects/P-1")})
    assert response.status_code == 200
    body = response.json
    assert (body["title"], body["region"]["code"], body["acronym"]) == ("Replaced", "americas", None)
    assert [r["link"] for r in body["rcps"]] == ["derived"]  # the stated MARRI link is gone
    assert body["status"] == "pipeline"


def test_project_put_without_if_match_is_428(client):
    create_project(client)
    response = client.put("/api/v1/projects/P-1", json={"title": "x", "region": "europe",
                                                        "priorities": [{"code": "cooperation"}]})
    assert response.status_code == 428


def test_project_delete_requires_current_etag(client):
    create_project(client)
    assert client.delete("/api/v1/projects/P-1").status_code == 428
    assert client.delete("/api/v1/projects/P-1", headers={"If-Match": '"stale"'}).status_code == 412
    response = client.delete("/api/v1/projects/P-1", headers={"If-Match": etag(client, "/api/v1/projects/P-1")})
    assert response.status_code == 204
    assert client.get("/api/v1/projects/P-1").status_code == 404


def test_project_get_with_if_none_match_is_304(client):
    create_project(client)
    tag = etag(client, "/api/v1/projects/P-1")
    assert client.get("/api/v1/projects/P-1", headers={"If-None-Match": tag}).status_code == 304


def test_project_budget_change_changes_project_etag(client):
    create_project(client)
    before = etag(client, "/api/v1/projects/P-1")
    client.post("/api/v1/projects/P-1/budget-lines", json={"period_start": "2003-01-01", "period_end": "2003-12-31",
                                                           "amount": "5.00", "currency": "USD"})
    assert etag(client, "/api/v1/projects/P-1") != before
    assert client.patch("/api/v1/projects/P-1", json={"title": "x"}, headers={"If-Match": before}).status_code == 412


def test_project_after_commit_still_describes_our_own_write(app, client):
    """The response and ETag of a write must not re-read the row after commit: another writer may
    have committed a later version in between (seen once in the gunicorn concurrency test)."""
    from sqlalchemy import text

    from portfolio.extensions import db
    from portfolio.services import projects

    create_project(client)
    with app.app_context():
        project, changed = projects.update(projects.get("P-1", lock=True), {"title": "Ours"}, "test")
        db.session.commit()
        with db.engine.begin() as other_writer:
            other_writer.execute(text("UPDATE projects SET title = 'Theirs', version = version + 1 "
                                      "WHERE code = 'P-1'"))
        assert (project.row["title"], project.row["version"], changed) == ("Ours", 2, True)
        db.session.remove()
    assert client.get("/api/v1/projects/P-1").json["version"] == 3
