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


def test_organisation_role_and_donor_filters_select_projects_everywhere(client, partners):
    assert codes(client.get("/api/v1/projects?organisation=DONOR-A")) == ["P-1", "P-2"]
    assert codes(client.get("/api/v1/projects?organisation=DONOR-A&organisation_role=funding")) == ["P-1"]
    assert codes(client.get("/api/v1/projects?organisation=DONOR-A&organisation_role=implementing")) == ["P-2"]
    assert codes(client.get("/api/v1/projects?organisation=IOM&organisation_role=funding")) == []
    assert codes(client.get("/api/v1/projects?donor=DONOR-A")) == ["P-1"]
    assert codes(client.get("/api/v1/projects?donor=DONOR-B")) == ["P-1", "P-2"]
    both = client.get("/api/v1/projects?donor=DONOR-A&organisation=IOM")
    assert both.status_code == 422 and "/donor" in pointers(both)

    # aggregates: the filtered projects' whole figures
    total = client.get("/api/v1/aggregates/region?donor=DONOR-A").json["total"]
    assert (total["project_count"], total["budget_usd"]) == (1, "120.00")
    total = client.get("/api/v1/aggregates/status?organisation=DONOR-A").json["total"]
    assert (total["project_count"], total["budget_usd"]) == (2, "130.00")
    assert client.get("/api/v1/portfolio/summary?donor=DONOR-B").json["itemized"]["budget_usd"] == "130.00"

    # exports
    lines = list(csv.DictReader(io.StringIO(client.get("/api/v1/exports/budget-lines?donor=DONOR-A")
                                            .get_data(as_text=True))))
    assert {line["project_code"] for line in lines} == {"P-1"}
    lines = client.get("/api/v1/exports/budget-lines?organisation=DONOR-A&organisation_role=implementing")
    assert {r["project_code"] for r in csv.DictReader(io.StringIO(lines.get_data(as_text=True)))} == {"P-2"}


def test_donor_and_organisation_dimensions_attribute_money_by_role_and_share(client, partners):
    donors = client.get("/api/v1/aggregates/donor").json
    assert donors["organisation_role"] == "funding"
    assert [(r["key"], r["project_count"], r["budget_usd"]) for r in donors["rows"]] == [
        ("DONOR-A", 1, "90.00"), ("DONOR-B", 2, "40.00"), (None, 1, "1.00")]
    assert donors["total"]["budget_usd"] == "131.00"
    organisation = client.get("/api/v1/aggregates/organisation").json["rows"]  # the same, labelled for any role
    assert [{**r, "label": None} for r in organisation] == [{**r, "label": None} for r in donors["rows"]]
    assert (donors["rows"][-1]["label"], organisation[-1]["label"]) == ("(no funder stated)", "(none in this role)")
    # the donor dimension is the funding role: another role is refused, not silently ignored
    assert client.get("/api/v1/aggregates/donor?organisation_role=implementing").status_code == 422
    # organisation_role both filters `organisation` and names the rows' role: implementers of what DONOR-A implements
    filtered = client.get("/api/v1/aggregates/organisation?organisation=DONOR-A&organisation_role=implementing").json
    assert [(r["key"], r["budget_usd"]) for r in filtered["rows"]] == [("DONOR-A", "10.00")]
    assert client.get("/api/v1/aggregates/donor?organisation=DONOR-A&organisation_role=implementing"
                      ).status_code == 422  # so the funders of what DONOR-A implements cannot be asked for


def test_budget_status_counts_only_lines_of_that_status(client, partners):
    for status, expected in (("committed", ("101.00", "101.00")), ("indicative", ("30.00", "30.00"))):
        for dimension in ("region", "year", "priority", "donor", "country"):
            total = client.get(f"/api/v1/aggregates/{dimension}?budget_status={status}").json["total"]
            assert (total["budget_usd"], total["original_budget_usd"]) == expected, (dimension, status)
    years = client.get("/api/v1/aggregates/year?budget_status=indicative").json["rows"]
    assert [(r["key"], r["budget_usd"]) for r in years] == [(2003, "10.00"), (2004, "20.00")]
    assert client.get("/api/v1/aggregates/region?budget_status=approved").status_code == 422


def test_rcp_link_chooses_stated_or_derived_links(client, partners):
    # P-1 states the Puebla Process; its country (Albania) makes it a derived member of MARRI
    assert codes(client.get("/api/v1/projects?rcp=puebla-process&rcp_link=stated")) == ["P-1"]
    assert codes(client.get("/api/v1/projects?rcp=puebla-process&rcp_link=derived")) == []
    assert codes(client.get("/api/v1/projects?rcp=marri&rcp_link=derived")) == ["P-1"]
    assert codes(client.get("/api/v1/projects?rcp=marri&rcp_link=stated")) == []
    assert codes(client.get("/api/v1/projects?rcp=marri")) == ["P-1"]
    total = client.get("/api/v1/aggregates/region?rcp=puebla-process&rcp_link=stated").json["total"]
    assert (total["project_count"], total["budget_usd"]) == (1, "120.00")
    derived = {r["key"]: r["budget_usd"] for r in client.get("/api/v1/aggregates/rcp?rcp_link=derived").json["rows"]}
    assert derived["marri"] == "120.00" and derived["puebla-process"] == "0.00"
    assert client.get("/api/v1/aggregates/rcp?rcp_link=elsewhere").status_code == 422


def test_a_year_range_selects_the_money_of_those_years_on_aggregates_and_whole_records_on_exports(client):
    """docs/api-rules.md said aggregates, like exports, take "the budget lines whose period starts in those
    years": a line of July 2004 to June 2005 counts 181/365 of itself in 2005 (figures.md), and the export
    lists it under 2004 only. The rule is written as it is; this pins both halves."""
    create_project(client, "YR-1")
    add_line(client, "YR-1", period_start="2004-07-01", period_end="2005-06-30", amount="73000.00")
    total = client.get("/api/v1/aggregates/region?year_from=2005&year_to=2005").json["total"]
    assert (total["budget_usd"], total["project_count"]) == ("36200.00", 1)
    exported = client.get("/api/v1/exports/budget-lines?year_from=2005&year_to=2005").get_data(as_text=True)
    assert len(exported.splitlines()) == 1  # the header: the line starts in 2004
    exported = client.get("/api/v1/exports/budget-lines?year_from=2004&year_to=2004").get_data(as_text=True)
    assert len(exported.splitlines()) == 2


def test_budget_known_selects_itemized_or_unknown_budgets_everywhere(client, partners):
    """A finance officer's "which projects have no budget yet": the list, the aggregates and the exports take
    budget_known, true and false reuse one statement shape with their own values, and the two halves add up."""
    create_project(client, "P-4")  # no budget line: its budget is unknown
    assert codes(client.get("/api/v1/projects?budget_known=true")) == ["P-1", "P-2", "P-3"]
    assert codes(client.get("/api/v1/projects?budget_known=false")) == ["P-4"]
    assert codes(client.get("/api/v1/projects?budget_known=true")) == ["P-1", "P-2", "P-3"]  # after false: not cached
    known = client.get("/api/v1/aggregates/region?budget_known=true").json["total"]
    unknown = client.get("/api/v1/aggregates/region?budget_known=false").json["total"]
    whole = client.get("/api/v1/aggregates/region").json["total"]
    assert (known["unknown_budget_count"], unknown["unknown_budget_count"]) == (0, 1)
    assert known["budget_usd"] == whole["budget_usd"] == "131.00" and unknown["budget_usd"] is None
    assert known["project_count"] + unknown["project_count"] == whole["project_count"] == 4
    exported = client.get("/api/v1/projects/bulk/export.csv?budget_known=false")
    assert exported.status_code == 200 and [r["code"] for r in csv.DictReader(io.StringIO(exported.text))] == ["P-4"]
    refused = client.get("/api/v1/projects?budget_known=perhaps")
    assert refused.status_code == 422 and pointers(refused) == {"/budget_known"}
