"""Budget revisions (IATI BudgetType original / revised): the current budget, the rules on periods, and the
limit on a project's total."""
from helpers import add_line, create_project, etag, pointers

LINES = "/api/v1/projects/P-1/budget-lines"


def year(y: int, **overrides) -> dict:
    return {"period_start": f"{y}-01-01", "period_end": f"{y}-12-31", **overrides}


def budget(client) -> dict:
    return client.get("/api/v1/projects/P-1").json["budget"]


def test_a_revised_line_replaces_the_original_of_its_period_and_the_original_stays_beside_it(client):
    create_project(client, "P-1")
    original_2003 = add_line(client, **year(2003), amount="100.00")
    original_2004 = add_line(client, **year(2004), amount="40.00")
    revised_2003 = add_line(client, **year(2003), amount="130.00", type="revised")
    standalone = add_line(client, **year(2005), amount="7.00", type="revised")  # no original: stands alone
    assert budget(client) == {"known": True, "total_usd": "177.00", "original_usd": "140.00", "line_count": 4}
    current = {line["id"]: line["current"] for line in client.get(LINES).json}
    assert current == {original_2003["id"]: False, revised_2003["id"]: True, standalone["id"]: True,
                       original_2004["id"]: True}
    region = client.get("/api/v1/aggregates/region").json["total"]
    assert (region["budget_usd"], region["original_budget_usd"]) == ("177.00", "140.00")
    years = {row["key"]: (row["budget_usd"], row["original_budget_usd"])
             for row in client.get("/api/v1/aggregates/year").json["rows"]}
    assert years == {2003: ("130.00", "100.00"), 2004: ("40.00", "40.00"), 2005: ("7.00", "0.00")}

    path = f"{LINES}/{revised_2003['id']}"
    assert client.delete(path, headers={"If-Match": etag(client, path)}).status_code == 204
    assert budget(client)["total_usd"] == "147.00"
    assert client.get(f"{LINES}/{original_2003['id']}").json["current"] is True


def test_only_revised_lines_give_a_known_budget_but_no_original(client):
    create_project(client, "P-1")
    add_line(client, **year(2003), amount="5.00", type="revised")
    assert budget(client) == {"known": True, "total_usd": "5.00", "original_usd": None, "line_count": 1}
    total = client.get("/api/v1/aggregates/status").json["total"]
    assert (total["budget_usd"], total["original_budget_usd"], total["unknown_original_budget_count"]) == (
        "5.00", None, 1)


def test_original_lines_may_not_overlap_nor_revised_ones_nor_a_revision_cover_part_of_an_original(client):
    create_project(client, "P-1")
    add_line(client, period_start="2003-01-01", period_end="2003-06-30", amount="1.00")
    add_line(client, period_start="2003-01-01", period_end="2003-06-30", amount="2.00", type="revised")
    refused = [
        {"period_start": "2003-06-30", "period_end": "2003-12-31"},  # original overlapping an original by one day
        {"period_start": "2003-03-01", "period_end": "2003-04-30", "type": "revised"},  # part of the original
        {"period_start": "2002-07-01", "period_end": "2003-01-01", "type": "revised"},  # overlaps both lines
    ]
    for body in refused:
        response = client.post(LINES, json={**body, "amount": "1.00", "currency": "USD"})
        assert response.status_code == 422, body
        assert pointers(response) == {"/period_start"}
    messages = [e["message"] for e in client.post(LINES, json={**refused[0], "amount": "1.00", "currency": "USD"})
                .json["errors"]]
    assert messages == ["Its period overlaps original line 1 without a donor, as this one (2003-01-01..2003-06-30).",
                        "A revised line replaces the original line of the same donor and period; line 2 "
                        "(2003-01-01..2003-06-30) overlaps it only in part."]
    # adjacent periods are fine, and so is a revised line standing alone
    add_line(client, period_start="2003-07-01", period_end="2003-12-31", amount="3.00")
    add_line(client, period_start="2004-01-01", period_end="2004-06-30", amount="4.00", type="revised")
    assert budget(client)["total_usd"] == "9.00"


def test_changing_a_line_is_checked_against_the_other_lines(client):
    create_project(client, "P-1")
    add_line(client, **year(2003), amount="1.00")
    second = add_line(client, **year(2004), amount="2.00")
    path = f"{LINES}/{second['id']}"
    response = client.patch(path, json={"period_start": "2003-06-01", "period_end": "2004-05-31"},
                            headers={"If-Match": etag(client, path)})
    assert response.status_code == 422 and pointers(response) == {"/period_start"}
    response = client.patch(path, json={"type": "revised", "period_start": "2003-01-01", "period_end": "2003-12-31"},
                            headers={"If-Match": etag(client, path)})
    assert response.status_code == 200, response.json
    assert budget(client) == {"known": True, "total_usd": "2.00", "original_usd": "1.00", "line_count": 2}


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
