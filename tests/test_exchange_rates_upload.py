"""POST /api/v1/exchange-rates: administrators load a rates CSV through the API (the web app's rates page),
with the same rules as `flask rates load`."""
import io

from helpers import create_project

from portfolio.auth import issue_token

RATES = b"currency,date,usd_per_unit,source\nEUR,2004-01-01,1.2597,ECB (example)\nGBP,2004-01-01,1.7902,BoE (example)\n"


def _token(in_app, role):
    return in_app(lambda: issue_token(f"rates-{role}", role, actor="tests")[1])


def test_an_admin_loads_rates_as_csv_or_a_file_and_a_reload_changes_nothing(client):
    answer = client.post("/api/v1/exchange-rates", data=RATES, content_type="text/csv")
    assert answer.status_code == 200, answer.json
    assert answer.json == {"created": 2, "updated": 0, "unchanged": 0}
    listed = client.get("/api/v1/exchange-rates").json
    assert [(r["currency"], r["date"], r["usd_per_unit"]) for r in listed] == [
        ("EUR", "2004-01-01", "1.2597000000"), ("GBP", "2004-01-01", "1.7902000000")]
    again = client.post("/api/v1/exchange-rates", data={"file": (io.BytesIO(RATES), "rates.csv")},
                        content_type="multipart/form-data")
    assert again.status_code == 200 and again.json == {"created": 0, "updated": 0, "unchanged": 2}


def test_a_bad_line_refuses_the_whole_file_naming_its_line(client):
    bad = RATES + b"XXX,2004-02-01,1.0,nowhere\nEUR,2004-13-01,1.2,ECB\n"
    answer = client.post("/api/v1/exchange-rates", data=bad, content_type="text/csv")
    assert answer.status_code == 422
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert [e["row"] for e in answer.json["errors"]] == [4, 5]
    assert client.get("/api/v1/exchange-rates").json == []  # all or nothing


def test_a_rate_that_priced_an_amount_is_not_changed(client):
    assert client.post("/api/v1/exchange-rates", data=RATES, content_type="text/csv").status_code == 200
    create_project(client, "FX-1")
    line = client.post("/api/v1/projects/FX-1/budget-lines", json={
        "period_start": "2004-01-15", "period_end": "2004-12-31", "amount": "100.00", "currency": "EUR"})
    assert line.status_code == 201 and line.json["fx_rate"] == "1.2597000000"
    changed = RATES.replace(b"1.2597", b"1.3000")
    answer = client.post("/api/v1/exchange-rates", data=changed, content_type="text/csv")
    assert answer.status_code == 422 and "never changed" in answer.json["errors"][0]["message"]


def test_only_administrators_load_rates(anonymous, app, in_app):
    assert anonymous.post("/api/v1/exchange-rates", data=RATES, content_type="text/csv").status_code == 401
    for role in ("viewer", "editor", "finance", "integrator"):
        token = _token(in_app, role)
        answer = anonymous.post("/api/v1/exchange-rates", data=RATES, content_type="text/csv",
                                headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 403, role
    assert anonymous.get("/api/v1/exchange-rates").status_code in (200, 401)


def test_json_items_load_with_the_same_rules(client):
    items = [{"currency": "EUR", "date": "2004-01-01", "usd_per_unit": "1.2597", "source": "ECB (example)"},
             {"currency": "EUR", "date": "2004-01-01", "usd_per_unit": "1.2600", "source": "twice"}]
    answer = client.post("/api/v1/exchange-rates", json={"items": items})
    assert answer.status_code == 422
    assert answer.json["errors"] == [{"location": "json", "pointer": "/items/1/date",
                                      "message": "the EUR rate of 2004-01-01 is already on item 0"}]
    answer = client.post("/api/v1/exchange-rates", json={"items": items[:1]})
    assert answer.status_code == 200 and answer.json == {"created": 1, "updated": 0, "unchanged": 0}
    assert client.post("/api/v1/exchange-rates", json={}).status_code == 422


def test_each_error_names_the_field_of_its_row_and_the_grammar_is_the_apis(client):
    """An exponent, a sign, a basic-format date, a year-1 date or a non-string were taken as rates (or refused
    with Python's own words, "[<class 'decimal.ConversionSyntax'>]"), and errors named only the row."""
    good = {"currency": "EUR", "date": "2004-01-01", "usd_per_unit": "1.2597", "source": "ECB (example)"}
    bad = [({"usd_per_unit": "abc"}, "usd_per_unit"), ({"usd_per_unit": "1e2"}, "usd_per_unit"),
           ({"usd_per_unit": "-1.0"}, "usd_per_unit"), ({"usd_per_unit": 1.25}, "usd_per_unit"),
           ({"usd_per_unit": "100000.5"}, "usd_per_unit"), ({"date": "20040101"}, "date"),
           ({"date": "2004-02-30"}, "date"), ({"date": "0001-01-01"}, "date"),
           ({"date": "2004-01-01T00:00"}, "date"), ({"currency": "ZZZ"}, "currency"), ({"source": " "}, "source")]
    items = [{**good, "date": f"2004-{index + 1:02d}-01", **change} for index, (change, _) in enumerate(bad)]
    answer = client.post("/api/v1/exchange-rates", json={"items": items + [{**good, "rate": "1"}]})
    assert answer.status_code == 422, answer.json
    pointers = [e["pointer"] for e in answer.json["errors"]]
    assert pointers == [f"/items/{i}/{field}" for i, (_, field) in enumerate(bad)] + [f"/items/{len(bad)}/rate"]
    assert not any("class" in e["message"] for e in answer.json["errors"])
    assert client.get("/api/v1/exchange-rates").json == []

    csv_body = b"currency,date,usd_per_unit,source\nEUR,2004-01-01,1e2,x\nEUR,20040201,1.2,x\n"
    answer = client.post("/api/v1/exchange-rates", data=csv_body, content_type="text/csv")
    assert [(e["pointer"], e["row"], e["column"]) for e in answer.json["errors"]] == [
        ("/rows/0/usd_per_unit", 2, "usd_per_unit"), ("/rows/1/date", 3, "date")]


def test_a_rate_in_use_is_refused_at_its_row_in_json_as_in_csv(client):
    """The refusal said location "csv", pointer "/", for a JSON upload too."""
    assert client.post("/api/v1/exchange-rates", data=RATES, content_type="text/csv").status_code == 200
    create_project(client, "FX-2")
    assert client.post("/api/v1/projects/FX-2/budget-lines", json={
        "period_start": "2004-01-15", "period_end": "2004-12-31", "amount": "100.00",
        "currency": "GBP"}).status_code == 201
    items = [{"currency": "EUR", "date": "2004-01-01", "usd_per_unit": "1.2597", "source": "ECB (example)"},
             {"currency": "GBP", "date": "2004-01-01", "usd_per_unit": "1.8", "source": "BoE (example)"}]
    answer = client.post("/api/v1/exchange-rates", json={"items": items})
    assert answer.status_code == 422
    assert [(e["location"], e["pointer"]) for e in answer.json["errors"]] == [("json", "/items/1/usd_per_unit")]
    answer = client.post("/api/v1/exchange-rates", data=RATES.replace(b"1.7902", b"1.8"), content_type="text/csv")
    assert [(e["location"], e["pointer"], e["row"]) for e in answer.json["errors"]] == [
        ("csv", "/rows/1/usd_per_unit", 3)]


def test_every_bad_field_of_a_rate_row_is_reported_not_only_the_first(client):
    """A row with several bad fields reported only the first: the uploader fixed it, uploaded again and met the
    next. Every bad field of every row is named at once, as project rows do."""
    items = [{"currency": "ZZZ", "date": "20040101", "usd_per_unit": "1e2", "source": " "},
             {"currency": "EUR", "date": "2004-01-01", "usd_per_unit": 1.5, "source": "ECB", "rate": "1", "z": 2}]
    answer = client.post("/api/v1/exchange-rates", json={"items": items})
    assert answer.status_code == 422, answer.json
    assert [e["pointer"] for e in answer.json["errors"]] == [
        "/items/0/currency", "/items/0/date", "/items/0/source", "/items/0/usd_per_unit",
        "/items/1/rate", "/items/1/usd_per_unit", "/items/1/z"]
    csv_body = b"currency,date,usd_per_unit,source\nZZZ,2004-13-01,-1,\nEUR,2004-01-01,1.2,x\n"
    answer = client.post("/api/v1/exchange-rates", data=csv_body, content_type="text/csv")
    assert answer.status_code == 422, answer.json
    assert [(e["pointer"], e["row"], e["column"]) for e in answer.json["errors"]] == [
        ("/rows/0/currency", 2, "currency"), ("/rows/0/date", 2, "date"), ("/rows/0/source", 2, "source"),
        ("/rows/0/usd_per_unit", 2, "usd_per_unit")]
    assert client.get("/api/v1/exchange-rates").json == []


def test_the_json_body_publishes_that_it_holds_items_only(client):
    """The server refuses any field beside `items` (422); the document says so, as for the bulk uploads: Schemathesis
    sent {"items": [...], "x": ...} as a valid body and it was refused."""
    schema = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/exchange-rates"]["post"]["requestBody"][
        "content"]["application/json"]["schema"]
    assert schema["additionalProperties"] is False and schema["required"] == ["items"]
    item = {"currency": "EUR", "date": "2004-01-01", "usd_per_unit": "1.2597", "source": "ECB (example)"}
    answer = client.post("/api/v1/exchange-rates", json={"items": [item], "note": "extra"})
    assert answer.status_code == 422 and answer.json["errors"][0]["pointer"] == "/"
    assert client.post("/api/v1/exchange-rates", json={"items": [item]}).status_code == 200
