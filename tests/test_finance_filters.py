"""The finance filters everywhere: organisation, organisation_role, donor, budget_status, rcp_link."""
import csv
import io

import pytest

from helpers import add_line, create_project, pointers


@pytest.fixture
def partners(client):
    for code in ("DONOR-A", "DONOR-B"):
        assert client.post("/api/v1/organisations", json={"code": code, "name": code, "type": "10"}).status_code == 201
    create_project(client, "P-1", rcps=["puebla-process"], countries=["AL"], participating_organisations=[
        {"organisation": "DONOR-A", "role": "funding", "share": "75"},
        {"organisation": "DONOR-B", "role": "funding", "share": "25"},
        {"organisation": "IOM", "role": "implementing"}])
    create_project(client, "P-2", region="americas", countries=["EC"], participating_organisations=[
        {"organisation": "DONOR-B", "role": "funding"}, {"organisation": "DONOR-A", "role": "implementing"}])
    create_project(client, "P-3", countries=[])
    add_line(client, "P-1", amount="100.00", status="committed")
    add_line(client, "P-1", amount="20.00", status="indicative", period_start="2004-01-01", period_end="2004-12-31")
    add_line(client, "P-2", amount="10.00", status="indicative")
    add_line(client, "P-3", amount="1.00", status="committed")


def codes(response) -> list[str]:
    assert response.status_code == 200, response.json
    return sorted(p["code"] for p in response.json)


def test_parameters_that_need_another_are_refused_alone_but_an_aggregate_by_their_dimension_takes_them(
        client, partners):
    """rcp_link alone was refused even on /aggregates/rcp, whose rows it selects; organisation_role alone was
    silently ignored by the project list and the exports (every project was listed)."""
    stated = client.get("/api/v1/aggregates/rcp?rcp_link=stated")
    assert stated.status_code == 200, stated.json
    rows = {row["key"]: row for row in stated.json["rows"]}
    assert rows["puebla-process"]["budget_usd"] == "120.00" and rows[None]["project_count"] == 2
    assert client.get("/api/v1/aggregates/rcp.csv?rcp_link=stated").status_code == 200
    implementing = client.get("/api/v1/aggregates/organisation?organisation_role=implementing")
    assert implementing.status_code == 200
    assert {r["key"]: r["budget_usd"] for r in implementing.json["rows"]} == {"IOM": "120.00", "DONOR-A": "10.00",
                                                                             None: "1.00"}
    for path, name in (("/api/v1/projects?rcp_link=stated", "rcp_link"),
                       ("/api/v1/projects?organisation_role=funding", "organisation_role"),
                       ("/api/v1/exports/transactions?organisation_role=funding", "organisation_role"),
                       ("/api/v1/exports/budget-lines?rcp_link=derived", "rcp_link"),
                       ("/api/v1/portfolio/summary?organisation_role=funding", "organisation_role"),
                       ("/api/v1/aggregates/region?organisation_role=funding", "organisation_role"),
                       ("/api/v1/aggregates/region-priority?rcp_link=stated", "rcp_link"),
                       ("/api/v1/aggregates/year?rcp_link=stated", "rcp_link")):
        response = client.get(path)
        assert response.status_code == 422, path
        assert pointers(response) == {f"/{name}"}, path
