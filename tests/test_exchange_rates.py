"""Exchange rates: `flask rates load`, the rate in force on a value date, and its traceability (fx_rate_id)."""
from helpers import create_project, etag, pointers
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.models import ExchangeRate

HEADER = "currency,date,usd_per_unit,source\n"


def load(runner, tmp_path, text: str, name: str = "rates.csv"):
    path = tmp_path / name
    path.write_text(HEADER + text, encoding="utf-8")
    return runner.invoke(args=["rates", "load", str(path)])


def test_rates_load_creates_rates_with_their_time_on_every_engine(runner, tmp_path, client, app):
    result = load(runner, tmp_path, "EUR,2003-01-01,1.0485,ECB reference rate\ngbp,2003-01-01,1.6,BoE\n")
    assert result.exit_code == 0, result.output
    assert "Rates: 2 created, 0 updated, 0 unchanged." in result.output
    rates = client.get("/api/v1/exchange-rates").json
    assert [(r["currency"], r["date"], r["usd_per_unit"], r["source"]) for r in rates] == [
        ("EUR", "2003-01-01", "1.0485000000", "ECB reference rate"), ("GBP", "2003-01-01", "1.6000000000", "BoE")]
    with app.app_context():
        assert all(rate.created_at is not None for rate in db.session.scalars(select(ExchangeRate)))
        db.session.remove()
    again = load(runner, tmp_path, "EUR,2003-01-01,1.0485,ECB reference rate\n")
    assert "Rates: 0 created, 0 updated, 1 unchanged." in again.output


def test_rates_load_refuses_a_currency_and_date_given_twice_naming_the_line(runner, tmp_path, client):
    result = load(runner, tmp_path, "EUR,2003-01-01,1.10,a\nEUR,2003-01-02,1.11,a\neur,2003-01-01,1.12,b\n")
    assert result.exit_code == 1
    assert "line 4: the EUR rate of 2003-01-01 is already on line 2" in result.output
    assert "nothing was loaded" in result.output
    assert client.get("/api/v1/exchange-rates").json == []


def transaction(client, **overrides):
    body = {"reference": "T-1", "type": "disbursement", "date": "2003-02-01", "amount": "100.00", "currency": "EUR",
            **overrides}
    return client.post("/api/v1/projects/P-1/transactions", json=body)


def test_an_amount_without_rate_takes_the_latest_rate_of_at_most_31_days_and_names_its_row(runner, tmp_path,
                                                                                           client):
    create_project(client, "P-1")
    assert load(runner, tmp_path, "EUR,2003-01-01,1.10,a\nEUR,2003-01-15,1.20,b\nEUR,2003-03-01,9.99,later\n"
                                  "GBP,2003-01-31,1.60,c\n").exit_code == 0
    ids = {(r["currency"], r["date"]): r["id"] for r in client.get("/api/v1/exchange-rates").json}
    on_feb_1 = transaction(client, reference="T-1", date="2003-02-01").json
    assert (on_feb_1["fx_rate"], on_feb_1["fx_rate_id"], on_feb_1["fx_value_date"], on_feb_1["usd_amount"]) == (
        "1.2000000000", ids["EUR", "2003-01-15"], "2003-02-01", "120.00")
    # the value date, not the transaction date, chooses the rate
    early = transaction(client, reference="T-2", date="2003-02-01", fx_value_date="2003-01-10").json
    assert (early["fx_rate_id"], early["usd_amount"]) == (ids["EUR", "2003-01-01"], "110.00")
    # a budget line is priced on its period start
    line = client.post("/api/v1/projects/P-1/budget-lines", json={
        "period_start": "2003-01-31", "period_end": "2003-12-31", "amount": "10.00", "currency": "GBP"}).json
    assert (line["fx_rate_id"], line["fx_value_date"], line["usd_amount"]) == (ids["GBP", "2003-01-31"],
                                                                               "2003-01-31", "16.00")
    # 31 days old is in force (FX_MAX_AGE_DAYS), 32 days is not: a clear 422 on fx_rate
    assert transaction(client, reference="T-3", date="2003-02-15").json["fx_rate_id"] == ids["EUR", "2003-01-15"]
    refused = transaction(client, reference="T-4", date="2003-02-16")
    assert refused.status_code == 422 and pointers(refused) == {"/fx_rate"}
    assert refused.json["errors"][0]["message"] == (
        "No EUR rate in force on 2003-02-16 (none published in the 31 days before it): state fx_rate (the rate "
        "used), or ask an administrator to load the rate (Exchange rates, or POST /api/v1/exchange-rates).")
    assert transaction(client, reference="T-5", date="2002-12-31").status_code == 422  # before any rate
    assert [t["reference"] for t in client.get("/api/v1/projects/P-1/transactions").json] == ["T-1", "T-2", "T-3"]


def test_fx_max_age_days_is_configurable(runner, tmp_path, client, app, monkeypatch):
    create_project(client, "P-1")
    assert load(runner, tmp_path, "EUR,2003-01-01,1.10,a\n").exit_code == 0
    monkeypatch.setitem(app.config, "FX_MAX_AGE_DAYS", 7)
    assert transaction(client, reference="T-1", date="2003-01-08").status_code == 201
    assert transaction(client, reference="T-2", date="2003-01-09").status_code == 422


def test_a_stated_rate_is_kept_and_names_no_row(runner, tmp_path, client):
    create_project(client, "P-1")
    assert load(runner, tmp_path, "EUR,2003-01-01,1.10,a\n").exit_code == 0
    stated = transaction(client, reference="T-1", date="2003-01-20", fx_rate="1.2345").json
    assert (stated["fx_rate"], stated["fx_rate_id"], stated["fx_value_date"], stated["usd_amount"]) == (
        "1.2345000000", None, "2003-01-20", "123.45")
    # a stated rate needs no table rate at all
    assert transaction(client, reference="T-2", date="1990-01-01", fx_rate="2", fx_value_date="1989-12-29"
                       ).json["fx_value_date"] == "1989-12-29"
    path = f"/api/v1/projects/P-1/transactions/{stated['id']}"
    changed = client.patch(path, json={"amount": "200.00", "date": "2003-01-25"},
                           headers={"If-Match": etag(client, path)})
    assert (changed.json["fx_rate"], changed.json["fx_rate_id"], changed.json["usd_amount"]) == (
        "1.2345000000", None, "246.90")
    # dropping the stated rate (fx_rate: null) takes the table's
    table = client.patch(path, json={"fx_rate": None}, headers={"If-Match": etag(client, path)}).json
    assert (table["fx_rate"], table["fx_rate_id"], table["usd_amount"]) == ("1.1000000000", 1, "220.00")


def test_a_rate_that_priced_an_amount_is_never_changed_by_a_load(runner, tmp_path, client, app):
    create_project(client, "P-1")
    assert load(runner, tmp_path, "EUR,2003-01-01,1.10,a\nEUR,2003-02-01,1.20,a\n").exit_code == 0
    assert transaction(client, date="2003-01-10").status_code == 201
    refused = load(runner, tmp_path, "EUR,2003-01-01,1.15,corrected\nEUR,2003-02-01,1.25,corrected\n")
    assert refused.exit_code == 1
    assert "The EUR rate of 2003-01-01 already priced amounts; a rate in use is never changed" in refused.output
    assert [r["usd_per_unit"] for r in client.get("/api/v1/exchange-rates").json] == ["1.1000000000", "1.2000000000"]
    # a rate no amount used may be corrected, and the same file again changes nothing
    assert "0 created, 1 updated, 1 unchanged" in load(runner, tmp_path, "EUR,2003-01-01,1.10,a\n"
                                                                         "EUR,2003-02-01,1.25,corrected\n").output
    assert client.get("/api/v1/projects/P-1/transactions").json[0]["usd_amount"] == "110.00"
    assert client.get("/api/v1/exports/transactions").get_data(as_text=True).splitlines()[1].split(",")[9] == "1"


def test_rates_load_reports_every_bad_row_and_loads_nothing(runner, tmp_path, client):
    result = load(runner, tmp_path, "EUR,2003-01-01,1.10,ok\nUSD,2003-01-01,1,usd\nXYZ,2003-01-01,1,x\n"
                                    "EUR,2003-13-01,1.1,bad date\nEUR,2003-01-02,0,zero\nEUR,2003-01-03,1.1,\n")
    assert result.exit_code == 1
    for line in (3, 4, 5, 6, 7):
        assert f"line {line}:" in result.output
    assert client.get("/api/v1/exchange-rates").json == []
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("currency,day,usd_per_unit,source\n")
    assert runner.invoke(args=["rates", "load", str(bad_header)]).exit_code == 1
