"""/projects/{code}/finance: one project's budget against actual, by year and per participating organisation."""
from helpers import add_line, create_project

FINANCE = "/api/v1/projects/P-1/finance"


def transaction(client, reference, kind, day, amount):
    response = client.post("/api/v1/projects/P-1/transactions", json={
        "reference": reference, "type": kind, "date": day, "amount": amount, "currency": "USD"})
    assert response.status_code == 201, response.json


def test_a_project_without_records_has_every_measure_unknown(client):
    create_project(client, "P-1")
    view = client.get(FINANCE).json
    assert view["by_year"] == [] and view["by_organisation"] == []
    total = view["total"]
    assert total["project_count"] == 1
    assert all(total[f"{m}_usd"] is None and total[f"unknown_{m}_count"] == 1 for m in (
        "budget", "original_budget", "incoming_commitment", "incoming_funds", "outgoing_commitment", "disbursement",
        "expenditure"))
    assert (total["remaining_usd"], total["unknown_remaining_count"], total["spent_percent"]) == (None, 1, None)
    assert client.get("/api/v1/projects/NOPE/finance").status_code == 404


def test_finance_view_by_year_and_by_organisation(client):
    for code in ("DONOR-A", "DONOR-B"):
        assert client.post("/api/v1/organisations", json={"code": code, "name": code, "type": "10"}).status_code == 201
    create_project(client, "P-1", participating_organisations=[
        {"organisation": "DONOR-A", "role": "funding", "share": "70"},
        {"organisation": "DONOR-B", "role": "funding", "share": "30"},
        {"organisation": "IOM", "role": "implementing"}])
    add_line(client, "P-1", period_start="2003-01-01", period_end="2003-12-31", amount="1000.00")
    add_line(client, "P-1", period_start="2003-01-01", period_end="2003-12-31", amount="1200.00", type="revised")
    add_line(client, "P-1", period_start="2004-01-01", period_end="2004-12-31", amount="500.00", status="committed")
    transaction(client, "IC-1", "incoming-commitment", "2003-01-15", "1700.00")
    transaction(client, "IF-1", "incoming-funds", "2003-02-01", "1000.00")
    transaction(client, "OC-1", "outgoing-commitment", "2003-03-01", "900.00")
    transaction(client, "D-1", "disbursement", "2003-06-01", "400.00")
    transaction(client, "E-1", "expenditure", "2003-09-30", "333.33")
    transaction(client, "E-2", "expenditure", "2005-01-10", "100.00")  # a year without a budget line

    response = client.get(FINANCE)
    assert response.headers["ETag"] == client.get("/api/v1/projects/P-1").headers["ETag"]
    view = response.json
    total = view["total"]
    assert {k: total[k] for k in ("budget_usd", "original_budget_usd", "incoming_commitment_usd", "incoming_funds_usd",
                                  "outgoing_commitment_usd", "disbursement_usd", "expenditure_usd", "remaining_usd",
                                  "spent_percent")} == {
        "budget_usd": "1700.00", "original_budget_usd": "1500.00", "incoming_commitment_usd": "1700.00",
        "incoming_funds_usd": "1000.00", "outgoing_commitment_usd": "900.00", "disbursement_usd": "400.00",
        "expenditure_usd": "433.33", "remaining_usd": "1266.67", "spent_percent": "25.49"}
    assert [(y["year"], y["budget_usd"], y["original_budget_usd"], y["expenditure_usd"], y["remaining_usd"])
            for y in view["by_year"]] == [(2003, "1200.00", "1000.00", "333.33", "866.67"),
                                          (2004, "500.00", "500.00", "0.00", "500.00"),
                                          (2005, "0.00", "0.00", "100.00", "-100.00")]
    assert [(o["organisation"], o["role"], o["share"], o["budget_usd"], o["expenditure_usd"])
            for o in view["by_organisation"]] == [("DONOR-A", "funding", "70.00", "1190.00", "303.33"),
                                                  ("DONOR-B", "funding", "30.00", "510.00", "130.00"),
                                                  ("IOM", "implementing", "100.00", "1700.00", "433.33")]
    # the same rule as the aggregates: the donor rows of this project are its funders' rows
    donors = {r["key"]: r for r in client.get("/api/v1/aggregates/donor").json["rows"]}
    assert (donors["DONOR-A"]["expenditure_usd"], donors["DONOR-B"]["budget_usd"]) == ("303.33", "510.00")
    assert client.get(FINANCE, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
