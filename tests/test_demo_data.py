"""`flask demo-data`: synthetic organisations, projects, revisions and transactions in realistic proportions, every
one flagged synthetic."""
import csv
import io
from decimal import Decimal

import pytest


@pytest.fixture
def demo(runner, client):
    result = runner.invoke(args=["demo-data", "--projects", "120", "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "Created 120 synthetic projects" in result.output


def table(client, path):
    return list(csv.DictReader(io.StringIO(client.get(path).get_data(as_text=True))))


def test_demo_data_is_all_flagged_synthetic(client, demo, app):
    projects = client.get("/api/v1/projects?page_size=200").json
    assert len(projects) == 120
    assert all(p["synthetic"] and p["source"] == "demo-data" and p["code"].startswith("DEMO-") for p in projects)
    organisations = {o["code"]: o for o in client.get("/api/v1/organisations?page_size=200").json}
    demo_donors = [o for code, o in organisations.items() if code.startswith("DEMO-")]
    assert len(demo_donors) == 12 and all(o["synthetic"] and "(synthetic)" in o["name"] for o in demo_donors)
    assert not any(o["synthetic"] for code, o in organisations.items() if not code.startswith("DEMO-"))
    rates = client.get("/api/v1/exchange-rates?page_size=200").json
    assert rates and all(r["source"] == "synthetic demo rate (flask demo-data), not market data" for r in rates)
    summary = client.get("/api/v1/portfolio/summary").json["itemized"]
    assert summary["synthetic_count"] == summary["project_count"] == 120
    assert client.get("/api/v1/aggregates/region?synthetic=false").json["total"]["project_count"] == 0
    assert all(r["synthetic"] == "true" for r in table(client, "/api/v1/exports/transactions"))
    from portfolio.statistics import rollups

    with app.app_context():
        assert rollups.differences() == []


def test_demo_data_has_revisions_transactions_and_spending_in_realistic_proportions(client, demo):
    projects = client.get("/api/v1/projects?page_size=200").json
    assert all(p["budget"]["known"] for p in projects)
    lines = table(client, "/api/v1/exports/budget-lines")
    revised = [line for line in lines if line["type"] == "revised"]
    assert len(revised) >= 10
    originals = {(line["project_code"], line["period_start"], line["donor"]) for line in lines
                 if line["type"] == "original"}
    assert all((line["project_code"], line["period_start"], line["donor"]) in originals for line in revised)
    assert {line["status"] for line in lines} == {"indicative", "committed"}
    foreign = [line for line in lines if line["currency"] != "USD"]
    assert foreign and all(line["fx_rate_id"] for line in foreign)

    transactions = table(client, "/api/v1/exports/transactions")
    assert {t["type"] for t in transactions} == {"incoming-commitment", "incoming-funds", "outgoing-commitment",
                                                 "disbursement", "expenditure"}
    assert any(t["currency"] != "USD" and t["fx_rate_id"] for t in transactions)
    under_way = [p for p in projects if p["status"] in ("implementation", "finalisation", "closed", "suspended")]
    assert all(p["actuals"]["known"] for p in under_way)
    assert not any(p["actuals"]["known"] for p in projects if p["status"] == "pipeline")
    over = [p for p in under_way if Decimal(p["actuals"]["expenditure_usd"]) > Decimal(p["budget"]["total_usd"])]
    below = [p for p in under_way if Decimal(p["actuals"]["expenditure_usd"]) < Decimal(p["budget"]["total_usd"])]
    assert len(under_way) >= 60
    assert len(below) >= 0.75 * len(under_way)  # most projects have spent less than their budget
    assert 1 <= len(over) <= 0.25 * len(under_way)  # some more
    total = client.get("/api/v1/aggregates/region").json["total"]
    assert Decimal(total["expenditure_usd"]) < Decimal(total["budget_usd"])
    assert total["unknown_budget_count"] == 0


def test_demo_data_has_co_funded_projects_with_per_donor_lines_and_stated_providers(client, demo):
    lines = table(client, "/api/v1/exports/budget-lines")
    donors_by_period: dict = {}
    for line in lines:
        key = (line["project_code"], line["period_start"], line["type"])
        donors_by_period.setdefault(key, set()).add(line["donor"])
    co_funded = {code for (code, _, _), donors in donors_by_period.items() if len(donors) > 1}
    assert len(co_funded) >= 10
    incoming = [t for t in table(client, "/api/v1/exports/transactions") if t["type"].startswith("incoming")]
    assert incoming and all(t["provider"].startswith("DEMO-DONOR-") for t in incoming)
    # each co-funded project's donors carry their own figures, which add up to the project's
    for code in sorted(co_funded)[:5]:
        finance = client.get(f"/api/v1/projects/{code}/finance").json
        assert len(finance["by_donor"]) >= 2
        for measure in ("budget_usd", "incoming_funds_usd", "expenditure_usd"):
            if finance["total"][measure] is not None:
                assert sum(Decimal(d[measure]) for d in finance["by_donor"]) == Decimal(finance["total"][measure])


def test_demo_data_is_reproducible_with_a_seed(runner, client):
    assert runner.invoke(args=["demo-data", "--projects", "5", "--seed", "3"]).exit_code == 0
    first = [(p["code"], p["budget"]["total_usd"]) for p in client.get("/api/v1/projects").json]
    from conftest import wipe

    wipe(client.application)
    assert runner.invoke(args=["demo-data", "--projects", "5", "--seed", "3"]).exit_code == 0
    assert [(p["code"], p["budget"]["total_usd"]) for p in client.get("/api/v1/projects").json] == first
