"""Figures that add up in every cut (issue "Figures that add up in every cut"): budget lines by donor, money
by donor following the evidence, a funder's money alone, remaining that adds up, calendar years pro rata."""
from decimal import Decimal

import pytest
from helpers import add_line, create_project, pointers

DONORS = ("DONOR-A", "DONOR-B")


@pytest.fixture
def donors(client):
    for code in DONORS:
        assert client.post("/api/v1/organisations", json={"code": code, "name": code, "type": "10"}).status_code == 201


def _funding(*codes, shares=None):
    return [{"organisation": c, "role": "funding", **({"share": s} if shares else {})}
            for c, s in zip(codes, shares or [None] * len(codes))]


def transaction(client, code, reference, kind, date, amount, **extra):
    response = client.post(f"/api/v1/projects/{code}/transactions", json={
        "reference": reference, "type": kind, "date": date, "amount": amount, "currency": "USD", **extra})
    assert response.status_code == 201, response.json
    return response.json


def rows_of(client, path) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.json
    return {row["key"]: row for row in response.json["rows"]}


def test_two_donors_budget_lines_for_one_year_are_accepted_and_revised_donor_by_donor(client, donors):
    """Reproduction: a second original line for 2004 with another donor was refused ("Its period overlaps
    original line 2")."""
    create_project(client, "P", participating_organisations=_funding(*DONORS))
    year = {"period_start": "2004-01-01", "period_end": "2004-12-31"}
    add_line(client, "P", **year, amount="600.00", donor="DONOR-A")
    add_line(client, "P", **year, amount="400.00", donor="DONOR-B")
    add_line(client, "P", **year, amount="300.00")  # no donor: a group of its own
    # a revision of A's budget replaces A's line only
    add_line(client, "P", **year, amount="500.00", donor="DONOR-A", type="revised")
    project = client.get("/api/v1/projects/P").json
    assert (project["budget"]["total_usd"], project["budget"]["original_usd"]) == ("1200.00", "1300.00")
    lines = client.get("/api/v1/projects/P/budget-lines").json
    assert [(line["donor"], line["type"], line["current"]) for line in lines] == [
        ("DONOR-A", "original", False), ("DONOR-B", "original", True), (None, "original", True),
        ("DONOR-A", "revised", True)]
    # within one donor the rules stand: a second original of A for 2004 is refused, at its field
    refused = client.post("/api/v1/projects/P/budget-lines", json={**year, "amount": "1.00", "currency": "USD",
                                                                   "donor": "DONOR-A"})
    assert refused.status_code == 422 and pointers(refused) == {"/period_start"}
    # the donor-less line goes to the funding participants by their shares (equal here: 150 each)
    donor_rows = rows_of(client, "/api/v1/aggregates/donor")
    assert {k: r["budget_usd"] for k, r in donor_rows.items()} == {"DONOR-A": "650.00", "DONOR-B": "550.00"}
    assert {k: r["original_budget_usd"] for k, r in donor_rows.items()} == {"DONOR-A": "750.00",
                                                                            "DONOR-B": "550.00"}


def test_incoming_funds_are_credited_to_their_provider_only(client, donors):
    """Reproduction: with funders A and B and USD 100,000 of incoming funds provided by A, the donor
    aggregate credited 50,000 to each."""
    create_project(client, "P", participating_organisations=_funding(*DONORS))
    add_line(client, "P", period_start="2004-01-01", period_end="2004-12-31", amount="150000.00", donor="DONOR-A")
    add_line(client, "P", period_start="2004-01-01", period_end="2004-12-31", amount="50000.00", donor="DONOR-B")
    transaction(client, "P", "IF-1", "incoming-funds", "2004-03-01", "100000.00", provider="DONOR-A")
    transaction(client, "P", "EXP-1", "expenditure", "2004-06-30", "80000.00", provider="IOM")
    rows = rows_of(client, "/api/v1/aggregates/donor")
    assert {k: r["incoming_funds_usd"] for k, r in rows.items()} == {"DONOR-A": "100000.00", "DONOR-B": "0.00"}
    # budgets follow each line's donor; spending the donors' current budget of the year (3:1)
    assert {k: r["budget_usd"] for k, r in rows.items()} == {"DONOR-A": "150000.00", "DONOR-B": "50000.00"}
    assert {k: r["expenditure_usd"] for k, r in rows.items()} == {"DONOR-A": "60000.00", "DONOR-B": "20000.00"}
    finance = client.get("/api/v1/projects/P/finance").json
    assert [(d["organisation"], d["incoming_funds_usd"], d["remaining_usd"]) for d in finance["by_donor"]] == [
        ("DONOR-A", "100000.00", "90000.00"), ("DONOR-B", "0.00", "30000.00")]
    assert [(d["organisation"], d["budget_usd"]) for d in client.get("/api/v1/projects/P").json["donors"]] == [
        ("DONOR-A", "150000.00"), ("DONOR-B", "50000.00")]
    basis = client.get("/api/v1/aggregates/donor").json["basis"]
    assert "provider" in basis["incoming_funds"] and "in proportion" in basis["expenditure"]


@pytest.fixture
def cofunded(client, donors):
    """Two co-funded projects in two regions, one funded by A alone, and one without money."""
    create_project(client, "EU", region="europe", participating_organisations=_funding(*DONORS))
    create_project(client, "AM", region="americas", countries=["EC", "PE"],
                   participating_organisations=_funding(*DONORS, shares=["70", "30"]))
    create_project(client, "AF", region="africa-middle-east", participating_organisations=_funding("DONOR-A"))
    create_project(client, "NONE", region="asia-oceania")
    add_line(client, "EU", amount="1000.00", donor="DONOR-A")
    add_line(client, "EU", amount="333.33", donor="DONOR-B")
    add_line(client, "AM", amount="999.99")
    add_line(client, "AF", amount="10.01", donor="DONOR-A")
    transaction(client, "EU", "E-1", "expenditure", "2003-05-05", "100.01")
    transaction(client, "AM", "IF-1", "incoming-funds", "2003-02-02", "500.00", provider="DONOR-B")
    transaction(client, "AM", "E-1", "expenditure", "2003-05-05", "77.77")


def test_a_funders_money_by_region_is_one_request_and_sums_to_its_donor_row(client, cofunded):
    """Reproduction: ?donor=X answered the whole figures of X's projects (co-funded projects counted in full
    for every donor), and X's money by region needed one request per region."""
    donor_rows = rows_of(client, "/api/v1/aggregates/donor")
    for code in DONORS:
        by_region = client.get(f"/api/v1/aggregates/region?funder={code}").json
        assert by_region["filters"] == {"funder": code}
        for measure in ("budget_usd", "incoming_funds_usd", "expenditure_usd", "remaining_usd"):
            parts = [Decimal(r[measure]) for r in by_region["rows"] if r[measure] is not None]
            assert sum(parts) == Decimal(donor_rows[code][measure]) == Decimal(by_region["total"][measure]), (
                code, measure)
        # the crossed answer holds the same cells: donor x region
        crossed = client.get("/api/v1/aggregates/donor/region").json
        row = next(r for r in crossed["rows"] if r["key"] == code)
        assert [c["budget_usd"] for c in row["cells"]] == [r["budget_usd"] for r in by_region["rows"]]
    # `donor` still selects projects with all their money (said in the contract): EU's whole budget
    whole = client.get("/api/v1/aggregates/region?donor=DONOR-B").json["total"]
    assert whole["budget_usd"] == "2333.32"


def test_remaining_adds_up_over_rows_in_every_dimension(client, cofunded):
    """Reproduction: /aggregates/status rows' remaining summed to less than the total's, which treated unknown
    spending as 0.00 (AF has a budget and no transaction: its remaining is unknown, not its budget)."""
    for dimension in ("region", "status", "priority", "country", "donor", "year"):
        answer = client.get(f"/api/v1/aggregates/{dimension}").json
        rows = [Decimal(r["remaining_usd"]) for r in answer["rows"] if r["remaining_usd"] is not None]
        assert sum(rows) == Decimal(answer["total"]["remaining_usd"]), dimension
    total = client.get("/api/v1/aggregates/region").json["total"]
    # EU: 1333.33 - 100.01; AM: 999.99 - 77.77; AF (no transaction) and NONE (no budget) take no part
    assert (total["remaining_usd"], total["unknown_remaining_count"]) == ("2155.54", 2)
    assert total["spent_percent"] == "7.62"  # 177.78 / 2333.32
    assert rows_of(client, "/api/v1/aggregates/region")["africa-middle-east"]["remaining_usd"] is None


def test_a_july_to_june_budget_counts_in_both_its_years(client, donors):
    """Reproduction: a July-June budget counted wholly in its first year while spending counted by date, so a
    year's budget and spending described different months (236.78 % spent)."""
    create_project(client, "P", participating_organisations=_funding("DONOR-A"))
    add_line(client, "P", period_start="2004-07-01", period_end="2005-06-30", amount="365000.00", donor="DONOR-A")
    transaction(client, "P", "E-1", "expenditure", "2005-03-01", "150000.00")
    years = rows_of(client, "/api/v1/aggregates/year")
    # 184 days of 2004, 181 of 2005: 184,000.00 and 181,000.00
    assert (years[2004]["budget_usd"], years[2005]["budget_usd"]) == ("184000.00", "181000.00")
    assert (years[2005]["expenditure_usd"], years[2005]["spent_percent"]) == ("150000.00", "82.87")
    only_2005 = client.get("/api/v1/aggregates/donor?year_from=2005&year_to=2005").json["rows"][0]
    assert (only_2005["budget_usd"], only_2005["remaining_usd"]) == ("181000.00", "31000.00")


def test_crossed_aggregates_add_up_to_both_margins_and_equal_the_one_dimensional_answers(client, cofunded):
    for rows_d, columns_d in (("donor", "region"), ("priority", "donor"), ("country", "priority"),
                              ("donor", "country"), ("year", "donor"), ("activity-type", "donor"),
                              ("region", "priority"), ("status", "year")):
        crossed = client.get(f"/api/v1/aggregates/{rows_d}/{columns_d}")
        assert crossed.status_code == 200, crossed.json
        answer = crossed.json
        one_rows = rows_of(client, f"/api/v1/aggregates/{rows_d}")
        one_columns = rows_of(client, f"/api/v1/aggregates/{columns_d}")
        for row in answer["rows"]:
            margin = {k: v for k, v in row.items() if k not in ("cells", "label", "share_percent")}
            assert margin == {k: v for k, v in one_rows[row["key"]].items() if k in margin}, (rows_d, row["key"])
            if answer["rows_additive"]:
                for measure in ("budget_usd", "expenditure_usd", "incoming_funds_usd"):
                    cells = [Decimal(c[measure]) for c in row["cells"] if c[measure] is not None]
                    if row[measure] is not None:
                        assert sum(cells) == Decimal(row[measure]), (rows_d, columns_d, row["key"], measure)
        for index, column in enumerate(answer["columns"]):
            margin = {k: v for k, v in column.items() if k != "label"}
            assert margin == {k: v for k, v in one_columns[column["key"]].items() if k in margin}
            if answer["columns_additive"]:
                cells = [Decimal(r["cells"][index]["budget_usd"]) for r in answer["rows"]
                         if r["cells"][index]["budget_usd"] is not None]
                if column["budget_usd"] is not None:
                    assert sum(cells) == Decimal(column["budget_usd"]), (rows_d, columns_d, column["key"])


def test_crossings_the_figures_do_not_hold_are_refused_naming_why(client, cofunded):
    for path, pointer in (("/api/v1/aggregates/region/region", "/columns"),
                          ("/api/v1/aggregates/donor/organisation", "/columns"),
                          ("/api/v1/aggregates/organisation/priority?organisation_role=implementing", "/columns"),
                          ("/api/v1/aggregates/organisation?organisation_role=implementing&funder=DONOR-A",
                           "/funder")):
        response = client.get(path)
        assert response.status_code == 422, path
        assert pointers(response) == {pointer}, path
    assert client.get("/api/v1/aggregates/region?funder=NOPE").status_code == 422
    assert client.get("/api/v1/aggregates/organisation/region?organisation_role=implementing").status_code == 200


def test_the_portfolio_summary_takes_funder_as_the_aggregates_do(client, cofunded):
    """The summary lacked `funder`: a donor's dashboard could not show its itemized money against the baseline.
    With funder=X it itemizes X's attributed money in the projects X counts for, by region, and says so (basis)."""
    donor_rows = rows_of(client, "/api/v1/aggregates/donor")
    whole = client.get("/api/v1/portfolio/summary").json
    assert whole["filters"] == {} and "only" not in whole["basis"]["budget"]
    for code in DONORS:
        response = client.get(f"/api/v1/portfolio/summary?funder={code}")
        assert response.status_code == 200, response.json
        summary = response.json
        assert summary["filters"] == {"funder": code}
        assert f"only {code}'s money" in summary["basis"]["budget"]
        assert summary["itemized"]["budget_usd"] == donor_rows[code]["budget_usd"]
        assert summary["itemized"]["project_count"] == donor_rows[code]["project_count"]
        by_region = client.get(f"/api/v1/aggregates/region?funder={code}").json["rows"]
        assert [(r["region"], r["project_count"], r["budget_usd"]) for r in summary["by_region"]] == [
            (r["key"], r["project_count"], r["budget_usd"]) for r in by_region]
        baseline = Decimal(summary["baseline"]["budget_usd"])
        assert Decimal(summary["coverage"]["budget_percent"]) == (
            Decimal(donor_rows[code]["budget_usd"]) * 100 / baseline).quantize(Decimal("0.01"))
    refused = client.get("/api/v1/portfolio/summary?funder=NOPE")
    assert refused.status_code == 422 and pointers(refused) == {"/funder"}
