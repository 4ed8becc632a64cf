"""The streamed exports give the same bytes on both engines (PostgreSQL writes them with COPY, SQLite with
csv.writer): exact decimals, organisations by code, formulas neutralised, filters and year ranges applied."""
import csv
import io
from decimal import Decimal

from helpers import add_line, create_project


def _setup(client):
    assert client.post("/api/v1/organisations", json={"code": "KW-FUND", "name": "=Fund", "type": "10"}
                       ).status_code == 201
    create_project(client, "X-1", participating_organisations=[{"organisation": "KW-FUND", "role": "funding"}])
    add_line(client, "X-1", amount="0.10", donor="KW-FUND")
    add_line(client, "X-1", period_start="2004-01-01", period_end="2004-12-31", amount="1000.125", currency="KWD",
             fx_rate="3.2512345678", fx_value_date="2004-01-02", status="committed")
    for reference, description in (("T-1", "=HYPERLINK(\"http://x\")"), ("T-2", None)):
        response = client.post("/api/v1/projects/X-1/transactions", json={
            "reference": reference, "type": "expenditure", "date": "2004-03-31", "amount": "12.50", "currency": "USD",
            "provider": "KW-FUND", "description": description})
        assert response.status_code == 201, response.json


def test_budget_line_export_exact_text(client):
    _setup(client)
    text = client.get("/api/v1/exports/budget-lines").get_data(as_text=True)
    assert text == (
        "project_code,line_id,period_start,period_end,amount,currency,fx_rate,fx_value_date,fx_rate_id,usd_amount,"
        "donor,type,status,current,synthetic\n"
        "X-1,1,2003-01-01,2003-12-31,0.10,USD,,,,0.10,KW-FUND,original,indicative,true,false\n"
        "X-1,2,2004-01-01,2004-12-31,1000.125,KWD,3.2512345678,2004-01-02,,3251.64,,original,committed,true,false\n")
    assert client.get("/api/v1/exports/budget-lines?year_from=2004").get_data(as_text=True).count("\n") == 2


def test_transaction_export_exact_text_with_formulas_neutralised(client):
    _setup(client)
    text = client.get("/api/v1/exports/transactions").get_data(as_text=True)
    assert text == (
        "project_code,transaction_id,reference,type,date,amount,currency,fx_rate,fx_value_date,fx_rate_id,"
        "usd_amount,provider,receiver,description,synthetic\n"
        "X-1,1,T-1,expenditure,2004-03-31,12.50,USD,,,,12.50,KW-FUND,,\"'=HYPERLINK(\"\"http://x\"\")\",false\n"
        "X-1,2,T-2,expenditure,2004-03-31,12.50,USD,,,,12.50,KW-FUND,,,false\n")
    assert client.get("/api/v1/exports/transactions?region=americas").get_data(as_text=True).count("\n") == 1


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


def test_transaction_export_streams_every_transaction_with_exact_amounts_and_the_filters(client):
    create_project(client, "P-1", participating_organisations=[{"organisation": "ILO", "role": "funding"}])
    create_project(client, "P-2", region="americas", countries=["EC"])
    posted = [("P-1", "T-1", "2003-03-31", "999999999999.99", "USD", None, "=SUM(A1:A9)"),
              ("P-1", "T-2", "2004-01-01", "1.234", "KWD", "3.3", None),
              ("P-2", "T-1", "2003-12-31", "1000", "JPY", "0.0085", "Ordinary")]
    for code, reference, day, amount, currency, rate, description in posted:
        body = {"reference": reference, "type": "expenditure", "date": day, "amount": amount, "currency": currency,
                "description": description, **({"fx_rate": rate} if rate else {})}
        assert client.post(f"/api/v1/projects/{code}/transactions", json=body).status_code == 201
    response = client.get("/api/v1/exports/transactions")
    response.get_data()  # read the stream to its end, so its context closes inside this test
    assert response.headers["Content-Disposition"].startswith('attachment; filename="tcm-portfolio-transactions-')
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    exported = rows(client, "/api/v1/exports/transactions")
    assert list(exported[0]) == ["project_code", "transaction_id", "reference", "type", "date", "amount", "currency",
                                 "fx_rate", "fx_value_date", "fx_rate_id", "usd_amount", "provider", "receiver",
                                 "description", "synthetic"]
    assert [(r["project_code"], r["reference"], r["amount"], r["fx_rate"], r["usd_amount"], r["description"])
            for r in exported] == [
        # #21.7: each amount in its currency's minor units, as JSON gives it (USD 2 places, KWD 3, JPY 0)
        ("P-1", "T-1", "999999999999.99", "", "999999999999.99", "'=SUM(A1:A9)"),
        ("P-1", "T-2", "1.234", "3.3000000000", "4.07", ""),
        ("P-2", "T-1", "1000", "0.0085000000", "8.50", "Ordinary")]
    total = client.get("/api/v1/aggregates/region").json["total"]["expenditure_usd"]
    assert sum(Decimal(r["usd_amount"]) for r in exported) == Decimal(total) == Decimal("1000000000012.56")
    # the filters: a year range selects transactions by date; project filters select their projects
    assert [r["reference"] for r in rows(client, "/api/v1/exports/transactions?year_from=2004")] == ["T-2"]
    assert [(r["project_code"], r["reference"]) for r in rows(client, "/api/v1/exports/transactions?year_to=2003")] == [
        ("P-1", "T-1"), ("P-2", "T-1")]
    assert {r["project_code"] for r in rows(client, "/api/v1/exports/transactions?region=americas")} == {"P-2"}
    assert {r["project_code"] for r in rows(client, "/api/v1/exports/transactions?donor=ILO")} == {"P-1"}
    assert rows(client, "/api/v1/exports/transactions?synthetic=true") == []
    assert client.get("/api/v1/exports/transactions?year_from=2005&year_to=2004").status_code == 422
