"""Aggregates on the seeded and demo portfolios, filters, non-additive dimensions, CSV and XLSX."""
import csv
import io
from decimal import Decimal

import pytest
from helpers import add_line, create_project
from openpyxl import load_workbook


def rows_by_key(result):
    return {row["key"]: row for row in result["rows"]}


def test_aggregate_region_seeded_counts_and_unknown_budgets(client, annex):
    result = client.get("/api/v1/aggregates/region").json
    rows = rows_by_key(result)
    assert {k: r["project_count"] for k, r in rows.items()} == {
        "africa-middle-east": 4, "asia-oceania": 3, "americas": 5, "europe": 3}
    assert all(r["budget_usd"] is None and r["unknown_budget_count"] == r["project_count"] for r in rows.values())
    total = result["total"]
    assert (total["project_count"], total["unknown_budget_count"], total["budget_usd"]) == (15, 15, None)
    assert total["expenditure_usd"] is None and total["unknown_expenditure_count"] == 15


def test_portfolio_summary_seeded_shows_15_of_126_itemized(client, annex):
    summary = client.get("/api/v1/portfolio/summary").json
    assert summary["baseline"]["project_count"] == 126
    assert summary["baseline"]["budget_usd"] == "67000000.00"
    # One rule for every figure: unknown budgets are null, never 0.00 (the coverage is the known share: 0.00 %).
    assert summary["itemized"] == {"project_count": 15, "known_budget_count": 0, "unknown_budget_count": 15,
                                   "synthetic_count": 0, "budget_usd": None}
    assert summary["coverage"] == {"projects_percent": "11.90", "budget_percent": "0.00"}
    assert [r["project_count"] for r in summary["by_region"]] == [4, 3, 5, 3]
    assert all(r["budget_usd"] is None for r in summary["by_region"])
    regions = {r["key"]: r["budget_usd"] for r in client.get("/api/v1/aggregates/region").json["rows"]}
    assert {r["region"]: r["budget_usd"] for r in summary["by_region"]} == regions


@pytest.fixture
def demo_portfolio(runner, annex):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output


def test_aggregates_after_demo_data_total_126_and_67_million_in_json_csv_xlsx(client, demo_portfolio):
    for dimension in ("region", "priority", "year", "country", "donor", "status", "region-priority"):
        path = f"/api/v1/aggregates/{dimension}"
        total = client.get(path).json["total"]
        assert (total["project_count"], total["budget_usd"]) == (126, "67000000.00")

        table = list(csv.reader(io.StringIO(client.get(path + ".csv").data.decode())))
        header, last = table[0], table[-1]
        assert last[0] == "TOTAL"
        assert last[header.index("project_count")] == "126"
        assert last[header.index("budget_usd")] == "67000000.00"

        response = client.get(path + ".xlsx")
        assert response.headers["Content-Disposition"].endswith('.xlsx"')
        sheet = load_workbook(io.BytesIO(response.data)).active
        cells = [[c.value for c in row] for row in sheet.iter_rows()][5:]  # rows 1-5: title, filters, time, note
        budget_col = cells[0].index("budget_usd")
        assert cells[-1][0] == "TOTAL" and cells[-1][cells[0].index("project_count")] == 126
        assert Decimal(str(cells[-1][budget_col])).quantize(Decimal("0.01")) == Decimal("67000000.00")
        assert sheet.cell(row=sheet.max_row, column=budget_col + 1).number_format == "#,##0.00"
        if dimension == "region-priority":
            continue
        # Every row, not only the total, carries the same figures as the JSON.
        json_rows = client.get(path).json["rows"]
        for json_row, csv_row in zip(json_rows, table[1:-1]):
            assert (json_row["budget_usd"] or "") == csv_row[header.index("budget_usd")]


def test_portfolio_summary_after_demo_data_reconciles_to_the_baseline(client, demo_portfolio):
    summary = client.get("/api/v1/portfolio/summary").json
    assert summary["itemized"]["project_count"] == 126
    assert summary["itemized"]["budget_usd"] == "67000000.00"
    assert summary["itemized"]["synthetic_count"] == 111
    assert summary["coverage"] == {"projects_percent": "100.00", "budget_percent": "100.00"}


def test_aggregates_apply_project_filters(client):
    create_project(client, "EU", region="europe", priorities=[{"code": "cooperation"}])
    create_project(client, "AM", region="americas", countries=["EC"], priorities=[{"code": "harmonization"}])
    add_line(client, "EU", amount="100.00")
    add_line(client, "AM", amount="50.00")
    result = client.get("/api/v1/aggregates/priority?region=americas").json
    assert result["total"]["budget_usd"] == "50.00"
    assert rows_by_key(result)["harmonization"]["budget_usd"] == "50.00"
    assert rows_by_key(result)["cooperation"]["budget_usd"] == "0.00"
    assert client.get("/api/v1/aggregates/region?q=AM").json["total"]["project_count"] == 1
    assert client.get("/api/v1/aggregates/year?country=EC").json["rows"][0]["key"] == 2003


def test_aggregate_priority_splits_by_share_to_the_cent(client):
    create_project(client, "P", priorities=[{"code": "cooperation"}, {"code": "harmonization"},
                                            {"code": "migrants-rights"}])
    add_line(client, "P", amount="100.00")
    rows = rows_by_key(client.get("/api/v1/aggregates/priority").json)
    assert [rows[k]["budget_usd"] for k in ("cooperation", "migrants-rights", "harmonization")] == [
        "33.34", "33.33", "33.33"]
    assert [rows[k]["share_percent"] for k in ("cooperation", "migrants-rights", "harmonization")] == [
        "33.34", "33.33", "33.33"]


def test_aggregate_year_splits_a_budget_period_over_its_calendar_years_by_days(client):
    create_project(client, "P")
    add_line(client, "P", period_start="2003-07-01", period_end="2004-06-30", amount="10.00")
    add_line(client, "P", period_start="2004-07-01", period_end="2005-06-30", amount="20.00")
    rows = client.get("/api/v1/aggregates/year").json["rows"]
    # 10.00 over 184 days of 2003 and 182 of 2004 (leap year): 5.027.. and 4.972.., the odd cent to the larger
    # remainder; 20.00 over 184 days of 2004 and 181 of 2005: 10.08 and 9.92.
    assert [(r["key"], r["budget_usd"]) for r in rows] == [(2003, "5.03"), (2004, "15.05"), (2005, "9.92")]


def test_aggregate_overlapping_dimensions_say_they_are_not_additive(client):
    create_project(client, "P", activity_types=["training-hrd", "policy-frameworks"], rcps=["marri",
                                                                                          "budapest-process"])
    add_line(client, "P", amount="10.00")
    for dimension in ("activity-type", "rcp"):
        result = client.get(f"/api/v1/aggregates/{dimension}").json
        assert result["additive"] is False
        assert sum(Decimal(r["budget_usd"]) for r in result["rows"] if r["budget_usd"]) == Decimal("20.00")
        assert result["total"]["budget_usd"] == "10.00"
    csv_text = client.get("/api/v1/aggregates/rcp.csv").data.decode()
    assert "not additive" in csv_text


def test_aggregate_country_keeps_projects_without_countries_in_a_row_of_their_own(client):
    create_project(client, "P", countries=[])
    add_line(client, "P", amount="7.00")
    rows = client.get("/api/v1/aggregates/country").json["rows"]
    assert [(r["key"], r["label"], r["project_count"], r["unknown_budget_count"], r["budget_usd"], r["share_percent"])
            for r in rows] == [(None, "(no country)", 1, 0, "7.00", "100.00")]


def test_aggregate_unknown_dimension_and_format_are_problems(client):
    assert client.get("/api/v1/aggregates/colour").status_code == 404
    response = client.get("/api/v1/aggregates/region?format=csv")  # files have their own URLs: refused, not ignored
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "/format"
    assert client.get("/api/v1/aggregates/region.pdf").status_code == 404
    assert client.get("/api/v1/aggregates/region", headers={"Accept": "application/pdf"}).status_code == 406


def test_an_unknown_dimension_or_file_type_is_a_404_naming_the_path_parameter(client):
    """A misspelt dimension (/aggregates/regions, /aggregates/funder) got Werkzeug's "check your spelling"
    404, naming neither the parameter at fault nor the dimensions there are."""
    cases = {"/api/v1/aggregates/regions": ["/dimension"], "/api/v1/aggregates/funder.csv": ["/dimension"],
             "/api/v1/aggregates/region.pdf": ["/dimension"], "/api/v1/aggregates/donor/regions.xlsx": ["/columns"],
             "/api/v1/aggregates/nope/region-priority": ["/rows", "/columns"]}
    for path, pointers in cases.items():
        answer = client.get(path)
        assert answer.status_code == 404 and answer.headers["Content-Type"] == "application/problem+json", path
        assert [(e["location"], e["pointer"]) for e in answer.json["errors"]] == [("path", p) for p in pointers]
        assert "/aggregates/{rows}/{columns}" in answer.json["detail"]
    assert "region, status, priority" in client.get("/api/v1/aggregates/regions").json["errors"][0]["message"]
    assert "'pdf'" in client.get("/api/v1/aggregates/region.pdf").json["errors"][0]["message"]
    assert "errors" not in client.get("/api/v1/aggregates/region/priority/year").json  # not an aggregate's shape
    assert client.get("/api/v1/aggregates/region/priority.csv").status_code == 200


def test_export_budget_lines_csv_has_every_line_with_exact_amounts(client):
    assert client.post("/api/v1/organisations", json={"code": "DONOR-C", "name": "Donor, with comma",
                                                      "type": "10"}).status_code == 201
    create_project(client, "E-1")
    add_line(client, "E-1", amount="0.10", donor="DONOR-C")
    add_line(client, "E-1", period_start="2004-01-01", period_end="2004-12-31", amount="1000.00", currency="EUR",
             fx_rate="1.2345678901", fx_value_date="2004-01-02")
    create_project(client, "E-2", region="americas", countries=["EC"])
    add_line(client, "E-2", amount="99999999999.99")
    response = client.get("/api/v1/exports/budget-lines")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="tcm-portfolio-budget-lines-')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["project_code"], r["amount"], r["usd_amount"], r["fx_rate"]) for r in rows] == [
        ("E-1", "0.10", "0.10", ""), ("E-1", "1000.00", "1234.57", "1.2345678901"),
        ("E-2", "99999999999.99", "99999999999.99", "")]
    assert rows[0]["donor"] == "DONOR-C"
    filtered = client.get("/api/v1/exports/budget-lines?region=americas").get_data(as_text=True)
    assert filtered.count("\n") == 2


def test_export_needs_finance_rights(app, client):
    assert app.test_client().get("/api/v1/exports/budget-lines").status_code == 401


@pytest.mark.parametrize("dimension", ["priority", "country", "rcp", "year", "donor", "activity-type"])
def test_filtered_aggregate_is_one_statement(app, client, demo_portfolio, dimension, monkeypatch):
    """Rows, the "none" row and the total come from one statement; the filter (here a word search) is one
    CTE that every part reads (materialized on PostgreSQL; on SQLite a year's count part reads it inlined)."""
    from sqlalchemy import event

    from portfolio import vocabulary
    from portfolio.extensions import db
    from portfolio.statistics import freshness
    from portfolio.statistics.aggregates import aggregate
    from portfolio.statistics.freshness import derived_state

    # The worker's caches (vocabulary, derived-data flag) must not expire between warming and counting.
    monkeypatch.setattr(vocabulary, "TTL", 3600)
    monkeypatch.setattr(freshness, "CACHE_SECONDS", 3600)
    args = {"q": "project", "country": "EC"}
    with app.app_context():
        expected = client.get(f"/api/v1/aggregates/{dimension}?q=project&country=EC").json
        vocabulary._cache.clear()  # loaded now, so its one-second TTL cannot run out during the call below
        vocabulary.current()
        derived_state()  # cached per worker, as the vocabulary is
        statements = []
        listener = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            result = aggregate(dimension, args)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
            db.session.remove()
    assert len(statements) == 1
    assert result["total"]["project_count"] == expected["total"]["project_count"] > 0


@pytest.mark.parametrize("args", [{"q": "project", "country": "EC"},
                                  {"q": "project", "funder": "DEMO-DONOR-01", "year_from": 2004, "year_to": 2006}])
@pytest.mark.parametrize("rows, columns", [("region", "year"), ("year", "status"), ("region", "priority"),
                                           ("activity-type", "region"), ("status", "donor")])
def test_base_margins_summed_from_the_cells_equal_the_margins_read_alone(app, demo_portfolio, rows, columns, args):
    """Read from the base tables (a word search: no rollup holds it), a crossed answer's margins and total are summed
    from its cells where a project or a figure has one value of the dropped dimension (region, status, year): each
    must equal the same margin read on its own (with a funder, a year's counts and the others' read differently)."""
    from portfolio.statistics import aggregates, readers

    with app.app_context():
        dims = (aggregates.DIMENSIONS[rows], aggregates.DIMENSIONS[columns])
        assert readers.reader(args, dims).__class__ is readers.BaseReader
        answer = aggregates.crossed(rows, columns, args)
        alone = [aggregates.aggregate(key, args) for key in (rows, columns)]
        total = aggregates.totals(args)
        source = readers.BaseReader(args)
        parts = source.parts("cells", dims) + source.parts("rows", dims[:1]) + source.parts("columns", dims[1:])
    assert answer["total"]["project_count"] > 0
    assert answer["total"] == total == alone[0]["total"] == alone[1]["total"]
    strip = lambda found: [{k: v for k, v in row.items() if k not in ("cells", "share_percent")}  # noqa: E731
                           for row in found]
    assert strip(answer["rows"]) == strip(alone[0]["rows"])
    assert strip(answer["columns"]) == strip(alone[1]["rows"])
    assert any(part.of is not None for _, part in parts), "no margin was summed from the cells"


def test_sqlite_counts_projects_per_year_and_funder_by_key_not_by_a_nested_scan(app, client, demo_portfolio):
    """At 100,000 projects `/aggregates/year/donor` read from the base tables took over 25 minutes on SQLite: it
    joined the projects with figures in each year (a DISTINCT subquery) to the materialized filter by scanning
    the one for each row of the other. The count part now reads `projects` by its key (6 s there). The plan of
    the statement the request runs says which."""
    from sqlalchemy import event

    from portfolio.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("a SQLite query plan (PostgreSQL hash-joins the two)")
    statements = []
    with app.app_context():
        def listener(conn, cursor, statement, parameters, *rest):
            statements.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            answer = client.get("/api/v1/aggregates/year/donor?country=EC")  # a country filter: the base tables
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert answer.status_code == 200, answer.json
        statement, parameters = next((s, p) for s, p in statements if "held" in s)
        plan = [row[3] for row in db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                            parameters)]
        db.session.remove()
    nested = [i for i, step in enumerate(plan[:-1]) if step.startswith("SCAN held") and
              plan[i + 1].startswith("SCAN matching")]
    assert nested == [], plan
    assert any(step.startswith("SEARCH projects USING INTEGER PRIMARY KEY") for step in plan), plan


def test_a_figures_row_dumps_as_marshmallows_own_path_dumps_it(app):
    """schemas/aggregates.py RowDumpSchema: the fast path gives marshmallow's answer, key for key and in the
    same order, for rows of every kind (known, unknown, negative remaining, missing keys, extra keys)."""
    from marshmallow import Schema, fields

    from portfolio.schemas.aggregates import AggregateRowSchema, FiguresSchema
    from portfolio.schemas.finance import DonorFiguresSchema
    from portfolio.statistics.measures import cell

    rows = [cell(None), cell((3, 1, 3, 0, 1) + (12345,) * 12, "committed"), cell((2, 0, 0, 0, 0) + (7,) * 12)]
    rows[2]["remaining_usd"] = Decimal("-5.50")
    partial = {k: v for k, v in rows[1].items() if k not in ("budget_usd", "spent_percent")}
    extra = {**rows[1], "key": "europe", "label": "Europe", "share_percent": Decimal("12.345"), "other": 1}
    with app.test_request_context():
        for schema in (FiguresSchema(), AggregateRowSchema(), DonorFiguresSchema()):
            for row in (*rows, partial, extra):
                fast = schema.dump(row)
                assert list(fast.items()) == list(Schema._serialize(schema, row).items())
            assert schema.dump(rows, many=True) == [Schema._serialize(schema, r) for r in rows]
        used = FiguresSchema()
        used.dump(rows[1])
        narrowed = fields.Nested(used, only=("project_count", "budget_usd")).schema  # a copy of the used instance
        assert list(narrowed.dump(rows[1])) == ["project_count", "budget_usd"]
        assert narrowed.dump(rows[1]) == Schema._serialize(narrowed, rows[1])
