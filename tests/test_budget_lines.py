"""Budget lines: exact amounts, USD conversion, validation, and the project's budget kept in step."""
import pytest
from helpers import add_line, create_project, etag, line_body, pointers


@pytest.fixture
def project(client):
    return create_project(client, "P-1", priorities=[{"code": "cooperation", "share": "50"},
                                                     {"code": "harmonization", "share": "50"}],
                          countries=["AL", "BA", "HR"])


def test_budget_line_usd_is_stored_as_given_and_project_budget_follows(client, project):
    line = add_line(client, amount="100.01")
    assert (line["amount"], line["usd_amount"], line["fx_rate"]) == ("100.01", "100.01", None)
    body = client.get("/api/v1/projects/P-1").json
    assert body["budget"] == {"known": True, "total_usd": "100.01", "original_usd": "100.01", "line_count": 1}
    assert [p["budget_usd"] for p in body["priorities"]] == ["50.01", "50.00"]
    assert [c["budget_usd"] for c in body["countries"]] == ["33.34", "33.34", "33.33"]


def test_budget_line_foreign_currency_converts_half_up_to_the_cent(client, project):
    line = add_line(client, amount="10.00", currency="eur", fx_rate="1.2345", fx_value_date="2003-01-02")
    assert (line["currency"], line["usd_amount"], line["fx_rate"]) == ("EUR", "12.35", "1.2345000000")


@pytest.mark.parametrize("override, pointer", [
    ({"amount": "-1.00"}, "/amount"),
    ({"amount": "1.005"}, "/amount"),
    ({"amount": 100.5}, "/amount"),
    ({"currency": "XYZ"}, "/currency"),
    ({"period_end": "2004-01-01"}, "/period_end"),
    ({"period_end": "2002-12-31"}, "/period_end"),
    ({"currency": "EUR"}, "/fx_rate"),
    ({"currency": "USD", "fx_rate": "1.1"}, "/fx_rate"),
    ({"status": "approved"}, "/status"),
    ({"colour": "red"}, "/colour"),
])
def test_budget_line_invalid_input_is_422_naming_the_field(client, project, override, pointer):
    response = client.post("/api/v1/projects/P-1/budget-lines", json=line_body(**override))
    assert response.status_code == 422
    assert pointer in pointers(response)
    assert client.get("/api/v1/projects/P-1").json["budget"]["line_count"] == 0


def test_budget_line_period_of_exactly_one_year_is_accepted(client, project):
    add_line(client, period_start="2002-07-01", period_end="2003-06-30")
    add_line(client, period_start="2004-02-29", period_end="2005-02-27")


def test_budget_line_on_unknown_project_is_404(client):
    response = client.post("/api/v1/projects/NOPE/budget-lines", json=line_body())
    assert response.status_code == 404


def test_budget_line_patch_requires_if_match_and_recomputes(client, project):
    line = add_line(client, amount="100.00")
    path = f"/api/v1/projects/P-1/budget-lines/{line['id']}"
    assert client.patch(path, json={"amount": "50.00"}).status_code == 428
    response = client.patch(path, json={"amount": "50.00"}, headers={"If-Match": etag(client, path)})
    assert response.status_code == 200
    assert response.json["usd_amount"] == "50.00"
    assert client.get("/api/v1/projects/P-1").json["budget"]["total_usd"] == "50.00"


def test_budget_line_patch_to_foreign_currency_without_rate_is_422(client, project):
    line = add_line(client)
    path = f"/api/v1/projects/P-1/budget-lines/{line['id']}"
    response = client.patch(path, json={"currency": "EUR"}, headers={"If-Match": etag(client, path)})
    assert response.status_code == 422
    assert "/fx_rate" in pointers(response)


def test_budget_line_delete_returns_budget_to_unknown(client, project):
    line = add_line(client)
    path = f"/api/v1/projects/P-1/budget-lines/{line['id']}"
    assert client.delete(path, headers={"If-Match": '"stale"'}).status_code == 412
    assert client.delete(path, headers={"If-Match": etag(client, path)}).status_code == 204
    body = client.get("/api/v1/projects/P-1").json
    assert body["budget"] == {"known": False, "total_usd": None, "original_usd": None, "line_count": 0}
    assert [p["budget_usd"] for p in body["priorities"]] == [None, None]


def test_budget_lines_list_is_ordered_by_period(client, project):
    add_line(client, period_start="2005-01-01", period_end="2005-12-31")
    add_line(client, period_start="2003-01-01", period_end="2003-12-31")
    lines = client.get("/api/v1/projects/P-1/budget-lines").json
    assert [line["period_start"] for line in lines] == ["2003-01-01", "2005-01-01"]


@pytest.mark.parametrize("amount, says", [
    ("-500", "without a sign"), ("1,000.50", "without thousands separators"),
    ("1e5", "without sign, exponent or spaces"), ("-1,000", "without sign, exponent or spaces")])
def test_an_amount_typed_with_a_usual_slip_is_told_what_it_is(client, amount, says):
    create_project(client)
    response = client.post("/api/v1/projects/P-1/budget-lines", json=line_body(amount=amount))
    assert response.status_code == 422 and pointers(response) == {"/amount"}
    (message,) = [e["message"] for e in response.json["errors"]]
    assert message.startswith("Must be a decimal string") and says in message, message
