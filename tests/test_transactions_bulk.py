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


def test_bulk_json_creates_then_upserts_by_reference_and_unchanged_rows_write_nothing(client):
    create_project(client, "P-1")
    create_project(client, "P-2")
    rows = [item(), item(reference="T-2", type="incoming-funds", provider="ILO"), item("P-2", "T-1", amount="7.50")]
    response = client.post(BULK, json={"items": rows})
    assert response.status_code == 200, response.json
    assert response.json == {"created": 3, "updated": 0, "unchanged": 0, "items": [
        {"index": 0, "project": "P-1", "reference": "T-1", "action": "created"},
        {"index": 1, "project": "P-1", "reference": "T-2", "action": "created"},
        {"index": 2, "project": "P-2", "reference": "T-1", "action": "created"}]}
    p1, p2 = etag(client, "/api/v1/projects/P-1"), etag(client, "/api/v1/projects/P-2")
    history = len(client.get("/api/v1/projects/P-1/history").json)

    again = client.post(BULK, json={"items": rows})
    assert (again.json["created"], again.json["updated"], again.json["unchanged"]) == (0, 0, 3)
    assert etag(client, "/api/v1/projects/P-1") == p1
    assert len(client.get("/api/v1/projects/P-1/history").json) == history

    # an existing transaction's row carries only what changes
    changed = client.post(BULK, json={"items": [{"project": "P-1", "reference": "T-2", "amount": "12.00"},
                                                item("P-1", "T-3")]})
    assert [i["action"] for i in changed.json["items"]] == ["updated", "created"]
    assert transactions(client)["T-2"]["usd_amount"] == "12.00"
    assert transactions(client)["T-2"]["provider"] == "ILO"
    assert etag(client, "/api/v1/projects/P-1") != p1 and etag(client, "/api/v1/projects/P-2") == p2
    assert client.get("/api/v1/projects/P-1/history").json[0]["entity"] == "transaction"


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


def test_bulk_with_an_idempotency_key_replays_and_refuses_another_body(client):
    create_project(client, "P-1")
    headers = {"Idempotency-Key": "import-2003-05"}
    first = client.post(BULK, json={"items": [item()]}, headers=headers)
    second = client.post(BULK, json={"items": [item()]}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json == first.json and second.json["created"] == 1
    assert second.headers["Idempotent-Replayed"] == "true"
    other = client.post(BULK, json={"items": [item(amount="11.00")]}, headers=headers)
    assert other.status_code == 422 and other.json["type"] == "/problems/idempotency-key-reused"
    assert transactions(client)["T-1"]["usd_amount"] == "10.00"
    csv_first = client.post(BULK, data=HEADER + "P-1,T-9,expenditure,2003-05-01,1.00,USD,,,,,\n",
                            content_type="text/csv", headers={"Idempotency-Key": "csv-1"})
    csv_again = client.post(BULK, data=HEADER + "P-1,T-9,expenditure,2003-05-01,1.00,USD,,,,,\n",
                            content_type="text/csv", headers={"Idempotency-Key": "csv-1"})
    assert csv_first.json == csv_again.json and csv_again.headers["Idempotent-Replayed"] == "true"
