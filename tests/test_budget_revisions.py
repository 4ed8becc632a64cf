"""Budget revisions (IATI BudgetType original / revised): the current budget, the rules on periods, and the
limit on a project's total."""
from helpers import add_line, create_project, etag, pointers

LINES = "/api/v1/projects/P-1/budget-lines"


def year(y: int, **overrides) -> dict:
    return {"period_start": f"{y}-01-01", "period_end": f"{y}-12-31", **overrides}


def budget(client) -> dict:
    return client.get("/api/v1/projects/P-1").json["budget"]


def test_a_projects_current_budget_counts_both_budget_statuses_against_the_limit(client):
    """One project's total of a measure is at most USD 10^13: the current budget is indicative plus committed
    lines (it was checked per status, so a project could reach USD 2 x 10^13)."""
    create_project(client, "P-1")
    for y in range(2000, 2010):
        add_line(client, **year(y), amount="1000000000000.00", status="indicative")
    assert budget(client)["total_usd"] == "10000000000000.00"  # the limit is inclusive
    response = client.post(LINES, json={**year(2010), "amount": "0.01", "currency": "USD", "status": "committed"})
    assert response.status_code == 422
    assert pointers(response) == {"/amount"}
    assert "at most USD 10,000,000,000,000" in response.json["errors"][0]["message"]
    assert budget(client)["total_usd"] == "10000000000000.00"
