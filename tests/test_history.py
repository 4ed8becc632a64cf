"""Every change to a project or a budget line leaves an audit event."""
from helpers import add_line, create_project, etag


def history(client, code="P-1"):
    response = client.get(f"/api/v1/projects/{code}/history")
    assert response.status_code == 200
    return response.json


def test_history_records_create_update_and_delete_newest_first(client):
    create_project(client)
    client.patch("/api/v1/projects/P-1", json={"title": "Renamed"},
                 headers={"If-Match": etag(client, "/api/v1/projects/P-1")})
    line = add_line(client)
    path = f"/api/v1/projects/P-1/budget-lines/{line['id']}"
    client.patch(path, json={"amount": "2.00"}, headers={"If-Match": etag(client, path)})
    client.delete(path, headers={"If-Match": etag(client, path)})
    client.delete("/api/v1/projects/P-1", headers={"If-Match": etag(client, "/api/v1/projects/P-1")})

    events = history(client)
    assert [(e["action"], e["entity"]) for e in events] == [
        ("delete", "project"), ("delete", "budget_line"), ("update", "budget_line"), ("create", "budget_line"),
        ("update", "project"), ("create", "project")]
    rename = events[4]
    assert rename["changed"] == ["title"]
    assert (rename["before"]["title"], rename["after"]["title"]) == ("Project P-1", "Renamed")
    assert events[2]["before"]["amount"] == "1000.00" and events[2]["after"]["amount"] == "2.00"
    assert events[0]["after"] is None and events[0]["before"]["code"] == "P-1"
    assert all(e["actor"] == "test-admin" and e["at"].endswith("+00:00") for e in events)


def test_history_failed_change_records_nothing(client):
    create_project(client)
    client.patch("/api/v1/projects/P-1", json={"title": "x"}, headers={"If-Match": '"stale"'})
    client.patch("/api/v1/projects/P-1", json={"region": "mars"},
                 headers={"If-Match": etag(client, "/api/v1/projects/P-1")})
    assert [e["action"] for e in history(client)] == ["create"]


def test_history_of_unknown_project_is_404(client):
    assert client.get("/api/v1/projects/NOPE/history").status_code == 404
