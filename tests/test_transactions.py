"""Transactions of a project: IATI types, pricing, CRUD with If-Match, history and the project's ETag."""
from helpers import add_line, create_project, etag, load_rates, pointers

TRANSACTIONS = "/api/v1/projects/P-1/transactions"


def add(client, **overrides) -> dict:
    body = {"reference": "T-1", "type": "expenditure", "date": "2003-03-31", "amount": "100.00", "currency": "USD",
            **overrides}
    response = client.post(TRANSACTIONS, json=body)
    assert response.status_code == 201, response.json
    return response.json


def test_changing_a_priced_amount_to_usd_drops_its_rate(client, runner, tmp_path):
    """The rate belonged to the old currency: a PATCH to USD need not clear fx_rate and fx_value_date itself
    (it was refused with "A USD amount has no exchange rate" on fields the caller never sent)."""
    create_project(client, "P-1")
    load_rates(runner, tmp_path, "EUR,2003-03-01,1.10,test\n")
    transaction = add(client, amount="10.00", currency="EUR")
    assert (transaction["fx_rate"], transaction["fx_rate_id"], transaction["usd_amount"]) == ("1.1000000000", 1,
                                                                                              "11.00")
    path = f"{TRANSACTIONS}/{transaction['id']}"
    response = client.patch(path, json={"currency": "USD", "amount": "12.00"}, headers={"If-Match": etag(client, path)})
    assert response.status_code == 200, response.json
    assert {k: response.json[k] for k in ("currency", "amount", "fx_rate", "fx_value_date", "fx_rate_id",
                                          "usd_amount")} == {
        "currency": "USD", "amount": "12.00", "fx_rate": None, "fx_value_date": None, "fx_rate_id": None,
        "usd_amount": "12.00"}

    line = add_line(client, "P-1", amount="10.00", currency="GBP", fx_rate="1.5", fx_value_date="2003-01-02")
    path = f"/api/v1/projects/P-1/budget-lines/{line['id']}"
    response = client.patch(path, json={"currency": "USD"}, headers={"If-Match": etag(client, path)})
    assert response.status_code == 200, response.json
    assert (response.json["fx_rate"], response.json["fx_value_date"], response.json["usd_amount"]) == (None, None,
                                                                                                       "10.00")
    # stating a rate with USD is still refused
    response = client.patch(path, json={"currency": "USD", "fx_rate": "1.1"}, headers={"If-Match": etag(client, path)})
    assert response.status_code == 422 and pointers(response) == {"/fx_rate"}


def test_transaction_types_are_the_five_iati_types_with_provider_and_receiver(client):
    create_project(client, "P-1", participating_organisations=[{"organisation": "IOM", "role": "implementing"}])
    for number, kind in enumerate(["incoming-commitment", "incoming-funds", "outgoing-commitment", "disbursement",
                                   "expenditure"]):
        made = add(client, reference=f"T-{number}", type=kind, amount=f"{number + 1}.00", provider="ILO",
                   receiver="IOM", description="From the ILO")
        assert (made["type"], made["provider"], made["receiver"], made["usd_amount"]) == (kind, "ILO", "IOM",
                                                                                          f"{number + 1}.00")
    response = client.post(TRANSACTIONS, json={"reference": "X", "type": "loan-repayment", "date": "2003-01-01",
                                               "amount": "1.00", "currency": "USD", "provider": "NOBODY"})
    assert response.status_code == 422 and pointers(response) == {"/type", "/provider"}
    actuals = client.get("/api/v1/projects/P-1").json["actuals"]
    assert actuals == {"known": True, "transaction_count": 5, "incoming_commitment_usd": "1.00",
                       "incoming_funds_usd": "2.00", "outgoing_commitment_usd": "3.00", "disbursement_usd": "4.00",
                       "expenditure_usd": "5.00"}


def test_a_reference_is_unique_within_its_project_only(client):
    create_project(client, "P-1")
    create_project(client, "P-2")
    add(client)
    duplicate = client.post(TRANSACTIONS, json={"reference": "T-1", "type": "disbursement", "date": "2003-01-01",
                                                "amount": "1.00", "currency": "USD"})
    assert duplicate.status_code == 422 and pointers(duplicate) == {"/reference"}
    assert client.post("/api/v1/projects/P-2/transactions", json={
        "reference": "T-1", "type": "disbursement", "date": "2003-01-01", "amount": "1.00", "currency": "USD"
    }).status_code == 201
    other = add(client, reference="T-2")
    path = f"{TRANSACTIONS}/{other['id']}"
    renamed = client.patch(path, json={"reference": "T-1"}, headers={"If-Match": etag(client, path)})
    assert renamed.status_code == 422 and pointers(renamed) == {"/reference"}


def test_transaction_crud_needs_if_match_and_every_change_is_in_history_and_the_project_etag(client):
    create_project(client, "P-1")
    project_etag = etag(client, "/api/v1/projects/P-1")
    created = client.post(TRANSACTIONS, json={"reference": "T-1", "type": "expenditure", "date": "2003-03-31",
                                              "amount": "100.00", "currency": "USD"})
    assert created.status_code == 201
    path = created.headers["Location"]
    assert path.endswith(f"/api/v1/projects/P-1/transactions/{created.json['id']}")
    assert created.headers["ETag"] == etag(client, path)
    after_create = etag(client, "/api/v1/projects/P-1")
    assert after_create != project_etag

    assert client.patch(path, json={"amount": "90.00"}).status_code == 428
    assert client.patch(path, json={"amount": "90.00"}, headers={"If-Match": '"stale"'}).status_code == 412
    changed = client.patch(path, json={"amount": "90.00"}, headers={"If-Match": etag(client, path)})
    assert changed.status_code == 200 and changed.json["usd_amount"] == "90.00"
    assert changed.headers["ETag"] == etag(client, path) != created.headers["ETag"]
    after_change = etag(client, "/api/v1/projects/P-1")
    assert after_change != after_create
    # a change that changes nothing writes nothing
    same = client.patch(path, json={"amount": "90.00"}, headers={"If-Match": etag(client, path)})
    assert same.status_code == 200 and etag(client, "/api/v1/projects/P-1") == after_change

    assert client.delete(path).status_code == 428
    assert client.delete(path, headers={"If-Match": '"stale"'}).status_code == 412
    assert client.delete(path, headers={"If-Match": etag(client, path)}).status_code == 204
    assert client.get(path).status_code == 404
    assert etag(client, "/api/v1/projects/P-1") != after_change
    assert client.get("/api/v1/projects/P-1").json["actuals"]["known"] is False

    events = [(e["entity"], e["action"], e["changed"]) for e in client.get("/api/v1/projects/P-1/history").json]
    filled = ["amount", "currency", "date", "id", "reference", "type", "usd_amount"]
    assert events[:3] == [("transaction", "delete", filled), ("transaction", "update", ["amount", "usd_amount"]),
                          ("transaction", "create", filled)]
    update = client.get("/api/v1/projects/P-1/history").json[1]
    assert (update["before"]["usd_amount"], update["after"]["usd_amount"], update["entity_id"]) == (
        "100.00", "90.00", str(created.json["id"]))


def test_transactions_are_listed_by_date_and_paginated(client):
    create_project(client, "P-1")
    for number, day in enumerate(["2004-01-01", "2003-01-01", "2003-06-01"]):
        add(client, reference=f"T-{number}", date=day)
    listed = client.get(f"{TRANSACTIONS}?page_size=2")
    assert [t["date"] for t in listed.json] == ["2003-01-01", "2003-06-01"]
    assert listed.headers["X-Total-Count"] == "3"
    assert client.get("/api/v1/projects/NOPE/transactions").status_code == 404


def test_deleting_a_project_deletes_its_transactions_and_their_money(client):
    create_project(client, "P-1")
    add(client, amount="5.00")
    assert client.get("/api/v1/aggregates/region").json["total"]["expenditure_usd"] == "5.00"
    assert client.delete("/api/v1/projects/P-1", headers={"If-Match": etag(client, "/api/v1/projects/P-1")}
                         ).status_code == 204
    total = client.get("/api/v1/aggregates/region").json["total"]
    assert (total["project_count"], total["expenditure_usd"]) == (0, "0.00")
    assert client.get("/api/v1/exports/transactions").get_data(as_text=True).count("\n") == 1
