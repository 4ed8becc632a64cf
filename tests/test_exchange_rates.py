"""Exchange rates: `flask rates load`, the rate in force on a value date, and its traceability (fx_rate_id)."""
from sqlalchemy import select

from helpers import create_project, etag
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
