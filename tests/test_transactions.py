"""Transactions of a project: IATI types, pricing, CRUD with If-Match, history and the project's ETag."""
from helpers import add_line, create_project, etag, pointers

TRANSACTIONS = "/api/v1/projects/P-1/transactions"


def load_rates(runner, tmp_path, text: str) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("currency,date,usd_per_unit,source\n" + text, encoding="utf-8")
    result = runner.invoke(args=["rates", "load", str(path)])
    assert result.exit_code == 0, result.output


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
