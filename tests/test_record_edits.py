"""Editing a budget line or a transaction: the ETag a write returns is the one a GET gives, a change that
changes nothing writes nothing, and an edit re-prices a record only when what priced it changed."""
from helpers import create_project, etag, line_body, load_rates

TRANSACTIONS = "/api/v1/projects/P-1/transactions"
LINES = "/api/v1/projects/P-1/budget-lines"


def history_length(client) -> int:
    return len(client.get("/api/v1/projects/P-1/history?page_size=200").json)


def test_the_etag_a_write_returns_is_the_one_a_get_gives_and_it_edits(client):
    """Amounts sent without their places ("100", a 4-place rate) were kept as sent in the state the ETag
    and the history were built from, where a GET builds them from the stored, placed values: the ETag of
    the 201 answered 412 and history showed a usd_amount change 100.00 -> 100.000 no one made."""
    create_project(client, "P-1")
    for path, body in ((TRANSACTIONS, {"reference": "T-1", "type": "expenditure", "date": "2003-03-31",
                                       "amount": "100", "currency": "USD"}),
                       (TRANSACTIONS, {"reference": "T-2", "type": "expenditure", "date": "2003-03-31",
                                       "amount": "10", "currency": "EUR", "fx_rate": "1.2417"}),
                       (LINES, line_body(amount="250")),
                       (LINES, line_body(amount="7.5", currency="EUR", fx_rate="1.2417", period_start="2004-01-01",
                                        period_end="2004-12-31"))):
        created = client.post(path, json=body)
        assert created.status_code == 201, created.json
        item = f"{path}/{created.json['id']}"
        assert created.headers["ETag"] == etag(client, item), body
        before = history_length(client)
        edited = client.patch(item, json={"amount": body["amount"]}, headers={"If-Match": created.headers["ETag"]})
        assert edited.status_code == 200, edited.json
        assert edited.headers["ETag"] == created.headers["ETag"]  # the same amount: nothing changed
        assert history_length(client) == before
        described = client.patch(item, json={"status": "committed"} if path == LINES else {"description": "x"},
                                 headers={"If-Match": edited.headers["ETag"]})
        assert described.status_code == 200, described.json
        assert described.headers["ETag"] == etag(client, item)
        again = client.patch(item, json={"amount": body["amount"]}, headers={"If-Match": described.headers["ETag"]})
        assert again.status_code == 200, again.json
        events = client.get("/api/v1/projects/P-1/history?page_size=200").json
        assert all("usd_amount" not in str(e.get("changes", "")) for e in events[:1]), events[:1]


def test_an_edit_that_does_not_touch_the_pricing_keeps_the_rate(client, runner, tmp_path):
    """A description edit re-priced a transaction from a rate loaded since: its USD value, the budget and
    every aggregate moved although no one changed the amount, currency or date."""
    create_project(client, "P-1")
    load_rates(runner, tmp_path, "EUR,2004-02-02,1.2652,test\n")
    created = client.post(TRANSACTIONS, json={"reference": "T-1", "type": "disbursement", "date": "2004-02-16",
                                              "amount": "100000.00", "currency": "EUR"})
    assert created.status_code == 201, created.json
    assert (created.json["fx_rate"], created.json["usd_amount"]) == ("1.2652000000", "126520.00")
    line = client.post(LINES, json=line_body(period_start="2004-02-16", period_end="2004-12-31",
                                             amount="1000.00", currency="EUR"))
    assert line.status_code == 201, line.json
    load_rates(runner, tmp_path, "EUR,2004-02-02,1.2652,test\nEUR,2004-02-10,1.3000,test\n")
    summary = client.get("/api/v1/aggregates/region").json["total"]
    for path, record, change in ((TRANSACTIONS, created, {"description": "typo fixed"}),
                                 (LINES, line, {"status": "committed"})):
        item = f"{path}/{record.json['id']}"
        edited = client.patch(item, json=change, headers={"If-Match": etag(client, item)})
        assert edited.status_code == 200, edited.json
        assert (edited.json["fx_rate"], edited.json["fx_rate_id"], edited.json["usd_amount"]) == (
            record.json["fx_rate"], record.json["fx_rate_id"], record.json["usd_amount"])
    total = client.get("/api/v1/aggregates/region").json["total"]
    assert {k: v for k, v in total.items() if "status" not in k and "committed" not in k and "planned" not in k} \
        == {k: v for k, v in summary.items() if "status" not in k and "committed" not in k and "planned" not in k}
    # what priced it changing does re-price it: the rate in force on the new date
    item = f"{TRANSACTIONS}/{created.json['id']}"
    moved = client.patch(item, json={"date": "2004-02-20"}, headers={"If-Match": etag(client, item)})
    assert (moved.json["fx_rate"], moved.json["usd_amount"]) == ("1.3000000000", "130000.00")


def test_a_change_to_a_missing_resource_is_404_before_if_match_is_asked_for(client):
    """Existence is checked first: without If-Match, a budget line, transaction, project or organisation that does
    not exist is 404 (the same answer as its GET, naming the path's identifier), never 428."""
    create_project(client, "P-1")
    for path in (f"{LINES}/999", f"{TRANSACTIONS}/999", "/api/v1/projects/NOPE/transactions/1",
                 "/api/v1/projects/NOPE/budget-lines/1", "/api/v1/projects/NOPE", "/api/v1/organisations/NOPE"):
        expected = client.get(path)
        assert expected.status_code == 404, path
        body = {"name": "x"} if "organisations" in path else {"title": "x"} if path.count("/") == 4 else {
            "amount": "1.00"}
        for method, kwargs in (("delete", {}), ("patch", {"json": body})):
            response = client.open(path, method=method.upper(), **kwargs)
            assert response.status_code == 404, (method, path, response.json)
            assert response.content_type == "application/problem+json"
            assert response.json["detail"] == expected.json["detail"], (method, path)
            assert ("999" if "999" in path else "NOPE") in response.json["detail"]
    # An existing one still needs If-Match.
    line = client.post(LINES, json=line_body()).json
    assert client.delete(f"{LINES}/{line['id']}").status_code == 428
    assert client.patch(f"{LINES}/{line['id']}", json={"amount": "2.00"}).status_code == 428
    assert client.delete("/api/v1/projects/P-1").status_code == 428
