"""The organisation register: CRUD with If-Match and history, deletion refused while anything names it."""
import pytest
from helpers import add_line, create_project, etag, pointers

ORGS = "/api/v1/organisations"


def register(client, code="DONOR-A", **overrides) -> dict:
    response = client.post(ORGS, json={"code": code, "name": f"Donor {code}", "type": "10", **overrides})
    assert response.status_code == 201, response.json
    return response


def test_register_read_change_and_delete_with_if_match_and_history(client):
    created = register(client, iati_identifier="XM-EXAMPLE-1", country="al")
    assert created.headers["Location"].endswith("/api/v1/organisations/DONOR-A")
    body = created.json
    assert {k: body[k] for k in ("code", "name", "iati_identifier", "type", "type_name", "country", "source",
                                  "synthetic", "version")} == {
        "code": "DONOR-A", "name": "Donor DONOR-A", "iati_identifier": "XM-EXAMPLE-1", "type": "10",
        "type_name": "Government", "country": "AL", "source": "api", "synthetic": False, "version": 1}
    path = f"{ORGS}/DONOR-A"
    assert client.get(path).headers["ETag"] == created.headers["ETag"]

    assert client.patch(path, json={"name": "Renamed"}).status_code == 428
    assert client.patch(path, json={"name": "Renamed"}, headers={"If-Match": '"stale"'}).status_code == 412
    changed = client.patch(path, json={"name": "Renamed"}, headers={"If-Match": etag(client, path)})
    assert changed.status_code == 200 and (changed.json["name"], changed.json["version"]) == ("Renamed", 2)
    same = client.patch(path, json={"name": "Renamed"}, headers={"If-Match": etag(client, path)})
    assert same.json["version"] == 2  # nothing changed, nothing written
    assert client.patch(path, json={"code": "OTHER"}, headers={"If-Match": etag(client, path)}).status_code == 422

    assert client.delete(path).status_code == 428
    assert client.delete(path, headers={"If-Match": etag(client, path)}).status_code == 204
    assert client.get(path).status_code == 404
    history = client.get(f"{path}/history").json  # kept after deletion
    assert [(e["action"], e["changed"]) for e in history] == [
        ("delete", ["code", "country", "iati_identifier", "name", "source", "type"]), ("update", ["name"]),
        ("create", ["code", "country", "iati_identifier", "name", "source", "type"])]
    assert history[1]["before"]["name"] == "Donor DONOR-A" and history[1]["after"]["name"] == "Renamed"
    assert client.get(f"{ORGS}/NEVER/history").status_code == 404


def test_codes_and_iati_identifiers_are_unique(client):
    register(client, "DONOR-A", iati_identifier="XM-1")
    assert client.post(ORGS, json={"code": "DONOR-A", "name": "x", "type": "10"}).status_code == 409
    taken = client.post(ORGS, json={"code": "DONOR-B", "name": "x", "type": "10", "iati_identifier": "XM-1"})
    assert taken.status_code == 409 and pointers(taken) == {"/iati_identifier"}
    register(client, "DONOR-B")
    path = f"{ORGS}/DONOR-B"
    assert client.patch(path, json={"iati_identifier": "XM-1"}, headers={"If-Match": etag(client, path)}
                        ).status_code == 409
    bad = client.post(ORGS, json={"code": "lower", "name": "", "type": "99"})
    assert bad.status_code == 422 and pointers(bad) == {"/code", "/name", "/type"}
    listed = client.get(f"{ORGS}?page_size=200").json
    assert [o["code"] for o in listed] == sorted(o["code"] for o in listed)
    assert {"DONOR-A", "DONOR-B", "IOM"} <= {o["code"] for o in listed}


@pytest.mark.parametrize("use", ["participation", "donor", "provider", "receiver"])
def test_an_organisation_in_use_cannot_be_deleted(client, use):
    register(client, "DONOR-A")
    participations = [{"organisation": "DONOR-A", "role": "funding"}] if use == "participation" else []
    create_project(client, "P-1", participating_organisations=participations)
    if use == "donor":
        add_line(client, "P-1", donor="DONOR-A")
    elif use in ("provider", "receiver"):
        assert client.post("/api/v1/projects/P-1/transactions", json={
            "reference": "T-1", "type": "incoming-funds", "date": "2003-01-01", "amount": "1.00", "currency": "USD",
            use: "DONOR-A"}).status_code == 201
    path = f"{ORGS}/DONOR-A"
    refused = client.delete(path, headers={"If-Match": etag(client, path)})
    assert refused.status_code == 409 and refused.json["type"] == "/problems/in-use"
    assert client.get(path).status_code == 200
    assert client.delete("/api/v1/projects/P-1", headers={"If-Match": etag(client, "/api/v1/projects/P-1")}
                         ).status_code == 204
    assert client.delete(path, headers={"If-Match": etag(client, path)}).status_code == 204


def test_participations_name_registered_organisations_in_iati_roles_with_shares(client):
    register(client, "DONOR-A")
    register(client, "DONOR-B")
    bad = client.post("/api/v1/projects", json={"code": "P-1", "title": "x", "region": "europe",
                                                "priorities": [{"code": "cooperation"}],
                                                "participating_organisations": [
                                                    {"organisation": "NOBODY", "role": "implementing"},
                                                    {"organisation": "DONOR-A", "role": "sponsor"},
                                                    {"organisation": "DONOR-B", "role": "funding", "share": "60"},
                                                    {"organisation": "IOM", "role": "funding", "share": "30"}]})
    assert bad.status_code == 422
    assert pointers(bad) == {"/participating_organisations/0/organisation", "/participating_organisations/1/role",
                             "/participating_organisations/2/share"}
    project = create_project(client, "P-1", participating_organisations=[
        {"organisation": "DONOR-A", "role": "funding", "share": "66.67"},
        {"organisation": "DONOR-B", "role": "funding", "share": "33.33"},
        {"organisation": "IOM", "role": "implementing"}, {"organisation": "IOM", "role": "accountable"}])
    assert [(p["organisation"], p["role"], p["share"]) for p in project["participating_organisations"]] == [
        ("DONOR-A", "funding", "66.67"), ("DONOR-B", "funding", "33.33"), ("IOM", "accountable", "100.00"),
        ("IOM", "implementing", "100.00")]
    add_line(client, "P-1", amount="100.00")
    shown = client.get("/api/v1/projects/P-1").json["participating_organisations"]
    assert [p["budget_usd"] for p in shown] == ["66.67", "33.33", "100.00", "100.00"]


def test_an_organisation_name_of_only_spaces_is_422_naming_it(client):
    refused = client.post(ORGS, json={"code": "DONOR-S", "name": "   ", "type": "10"})
    assert refused.status_code == 422 and pointers(refused) == {"/name"}
    assert client.get(f"{ORGS}/DONOR-S").status_code == 404
