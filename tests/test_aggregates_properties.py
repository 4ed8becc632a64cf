"""Property: over many random portfolios, every additive rollup equals the portfolio total to the cent."""
from decimal import Decimal

from conftest import wipe
from helpers import example_count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.money import allocate

REGIONS = ["africa-middle-east", "asia-oceania", "americas", "europe"]
PRIORITIES = ["cooperation", "irregular-migration", "migrants-rights", "regular-migration", "harmonization"]
COUNTRIES = ["AL", "BA", "EC", "JM", "KH", "LK", "SN", "TN", "CSXX"]

money = st.decimals(min_value=0, max_value=10**11, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("10"), places=4)


@st.composite
def portfolios(draw):
    projects = []
    for index in range(draw(st.integers(min_value=1, max_value=6))):
        chosen = draw(st.lists(st.sampled_from(PRIORITIES), min_size=1, max_size=5, unique=True))
        if draw(st.booleans()):
            weights = draw(st.lists(st.integers(min_value=1, max_value=100), min_size=len(chosen),
                                    max_size=len(chosen)))
            priorities = [{"code": c, "share": str(Decimal(bp) / 100)} for c, bp in
                          zip(chosen, allocate(10000, weights))]
        else:
            priorities = [{"code": c} for c in chosen]
        lines = []
        for year in range(draw(st.integers(min_value=0, max_value=3))):
            line = {"period_start": f"{2000 + year}-01-01", "period_end": f"{2000 + year}-12-31",
                    "amount": str(draw(money)), "currency": "USD"}
            if draw(st.booleans()):
                line.update(currency="EUR", fx_rate=str(draw(rates)), fx_value_date=f"{2000 + year}-01-01")
            lines.append(line)
        projects.append({
            "body": {"code": f"H-{index}", "title": "Hypothesis", "region": draw(st.sampled_from(REGIONS)),
                     "countries": draw(st.lists(st.sampled_from(COUNTRIES), max_size=4, unique=True)),
                     "priorities": priorities, "status": draw(st.sampled_from(["pipeline", "closed"]))},
            "lines": lines})
    return projects


def budget_sum(rows) -> Decimal:
    return sum((Decimal(row["budget_usd"]) for row in rows if row["budget_usd"] is not None), Decimal("0.00"))


@settings(max_examples=example_count(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(portfolios())
def test_aggregates_every_additive_dimension_sums_to_the_total(app, client, portfolio):
    wipe(app)
    expected = Decimal("0.00")
    for project in portfolio:
        assert client.post("/api/v1/projects", json=project["body"]).status_code == 201
        for line in project["lines"]:
            response = client.post(f"/api/v1/projects/{project['body']['code']}/budget-lines", json=line)
            assert response.status_code == 201, response.json
            expected += Decimal(response.json["usd_amount"])

    total = None
    for dimension in ("region", "priority", "country", "year", "donor", "status"):
        result = client.get(f"/api/v1/aggregates/{dimension}").json
        assert result["additive"] is True
        known = [p for p in portfolio if p["lines"]]
        total = Decimal(result["total"]["budget_usd"] or "0")
        assert total == expected
        assert budget_sum(result["rows"]) == expected, dimension
        assert result["total"]["unknown_budget_count"] == len(portfolio) - len(known)
        if expected:
            assert sum(Decimal(r["share_percent"]) for r in result["rows"] if r["share_percent"]) == 100

    cross = client.get("/api/v1/aggregates/region-priority").json
    assert budget_sum(cross["rows"]) == budget_sum(cross["columns"]) == expected
    for row in cross["rows"]:
        assert budget_sum(row["cells"]) == Decimal(row["budget_usd"] or "0")
    for index, column in enumerate(cross["columns"]):
        assert budget_sum([row["cells"][index] for row in cross["rows"]]) == Decimal(column["budget_usd"] or "0")
