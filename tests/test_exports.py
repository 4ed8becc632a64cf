"""The streamed exports of every budget line and every transaction, with the project filters."""
import csv
import io

from helpers import add_line, create_project


def rows(client, path: str) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200, response.json
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_budget_line_export_with_budget_status_has_only_lines_of_that_status(client):
    """The filter was accepted and ignored: every line was exported."""
    create_project(client, "P-1")
    add_line(client, "P-1", amount="1.00", status="committed")
    add_line(client, "P-1", amount="2.00", status="indicative", period_start="2004-01-01", period_end="2004-12-31")
    committed = rows(client, "/api/v1/exports/budget-lines?budget_status=committed")
    assert [(r["usd_amount"], r["status"]) for r in committed] == [("1.00", "committed")]
    total = client.get("/api/v1/aggregates/region?budget_status=committed").json["total"]["budget_usd"]
    assert total == "1.00"
    assert len(rows(client, "/api/v1/exports/budget-lines")) == 2
