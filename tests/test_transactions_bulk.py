"""Bulk import of transactions: JSON or CSV, upsert by (project, reference), all or nothing, every error with
its row pointer (CSV: its line and column), Idempotency-Key."""
import io

from helpers import create_project, etag

BULK = "/api/v1/transactions/bulk"
HEADER = "project,reference,type,date,amount,currency,fx_rate,fx_value_date,provider,receiver,description\n"


def item(project="P-1", reference="T-1", **overrides) -> dict:
    return {"project": project, "reference": reference, "type": "expenditure", "date": "2003-05-01",
            "amount": "10.00", "currency": "USD", **overrides}


def transactions(client, code="P-1") -> dict:
    return {t["reference"]: t for t in client.get(f"/api/v1/projects/{code}/transactions").json}


def test_bulk_is_all_or_nothing_and_names_every_bad_row(client):
    create_project(client, "P-1")
    rows = [item(), item("NOPE", "T-2"), item(reference="T-3", type="refund"), item(reference="T-1", amount="1.00"),
            item(reference="T-5", currency="EUR"), item(reference="T-6", amount="1000000000000.01")]
    response = client.post(BULK, json={"items": rows})
    assert response.status_code == 422
    assert [(e["pointer"], e["location"]) for e in response.json["errors"]] == [
        ("/items/1/project", "json"), ("/items/2/type", "json"), ("/items/3/reference", "json"),
        ("/items/4/fx_rate", "json"), ("/items/5/amount", "json")]
    assert response.json["detail"] == "5 row(s) are invalid; nothing was written."
    assert transactions(client) == {}
    for body in ({"items": []}, {"items": "x"}, {"rows": []}):
        assert client.post(BULK, json=body).status_code == 422


def test_bulk_csv_errors_carry_the_file_line_and_column(client):
    create_project(client, "P-1")
    text = HEADER + ("P-1,T-1,expenditure,2003-05-01,10.00,USD,,,,,\n"
                     "\n"  # a blank line is skipped, but counted in the file's lines
                     "P-1,T-2,expenditure,2003-13-01,10.00,USD,,,,,\n"
                     "P-1,T-3,expenditure,2003-05-01,10.00,EUR,,,,,No rate\n")
    response = client.post(BULK, data=text, content_type="text/csv")
    assert response.status_code == 422
    assert [(e["location"], e["pointer"], e["row"], e["column"]) for e in response.json["errors"]] == [
        ("csv", "/items/1/date", 4, "date"), ("csv", "/items/2/fx_rate", 5, "fx_rate")]
    assert transactions(client) == {}

    header = client.post(BULK, data="project,reference,colour\nP-1,T-1,red\n", content_type="text/csv")
    assert header.status_code == 422
    assert {(e["pointer"], e["row"], e["column"]) for e in header.json["errors"]} == {
        ("/columns/colour", 1, "colour")}

    fixed = text.replace("2003-13-01", "2003-12-01").replace("EUR,,,,,No rate", "EUR,1.25,,,,With a rate")
    response = client.post(BULK, data=fixed, content_type="text/csv")
    assert response.status_code == 200, response.json
    assert transactions(client)["T-3"]["usd_amount"] == "12.50"
    # as a multipart upload too, and a `clear` column empties a field on purpose
    upload = HEADER.strip() + ",clear\nP-1,T-3,,,,,,,,,,description\n"
    response = client.post(BULK, data={"file": (io.BytesIO(upload.encode()), "t.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.json
    assert response.json["updated"] == 1 and transactions(client)["T-3"]["description"] is None
