"""IATI 2.03 publishing: every document the system writes passes the IATI 2.03 XSD and every implemented rule
of the IATI Validator with 0 errors; a project that cannot be an activity is left out, with why; exporting,
importing into an empty database and exporting again gives the same document, every figure to the cent."""
from decimal import Decimal

from conftest import wipe
from helpers import create_project
from iati_support import add_every_kind, assert_valid, canonical, export, post_import
from lxml import etree
from sqlalchemy import text

from portfolio.extensions import db
from portfolio.services import demo


def activities(document: bytes) -> dict:
    root = etree.fromstring(document)
    return {a.findtext("iati-identifier"): a for a in root.findall("iati-activity")}


def figures(client) -> dict:
    """Every figure a round trip must keep: each project's totals, each line's and transaction's amounts."""
    projects = {}
    for page in range(1, 100):
        response = client.get(f"/api/v1/projects?page={page}&page_size=200&sort=code")
        for project in response.json:
            projects[project["code"]] = (project["budget"], project["actuals"],
                                         [(c["code"], c["budget_usd"]) for c in project["countries"]],
                                         [(p["code"], p["share"], p["budget_usd"]) for p in project["priorities"]],
                                         [(o["organisation"], o["role"], o["share"], o["budget_usd"])
                                          for o in project["participating_organisations"]])
        if len(response.json) < 200:
            break
    lines = client.get("/api/v1/exports/budget-lines").data.decode().splitlines()
    transactions = client.get("/api/v1/exports/transactions").data.decode().splitlines()
    # Without the row ids and the rate-table row ids (a new database numbers its rows itself).
    drop = {"line_id", "transaction_id", "fx_rate_id"}

    def rows(text):
        header = text[0].split(",")
        keep = [i for i, name in enumerate(header) if name not in drop]
        return sorted(tuple(row.split(",")[i] for i in keep) for row in text[1:])

    totals = client.get("/api/v1/aggregates/region").json["total"]
    return {"projects": projects, "lines": rows(lines), "transactions": rows(transactions), "total": totals}


def test_annex_projects_without_dates_are_left_out_with_why_and_become_activities_once_dated(client, annex):
    document = export(client)
    assert activities(document) == {}
    report = client.get("/api/v1/iati/report").json
    assert report["published"] == 0 and report["left_out_count"] == 15
    assert all(any(reason.startswith("no start date") for reason in item["reasons"]) for item in report["left_out"])
    # Dated (as a user would date them), the annex projects that can be activities are: valid, 0 errors.
    codes = [f"TCM-ANNEX-{n:02d}" for n in range(1, 16)]
    for code in codes:
        tag = client.get(f"/api/v1/projects/{code}").headers["ETag"]
        response = client.patch(f"/api/v1/projects/{code}", json={"start_date": "2003-07-01"},
                                headers={"If-Match": tag})
        assert response.status_code == 200, response.json
    document = export(client)
    report = client.get("/api/v1/iati/report").json
    left_out = {item["code"]: item["reasons"] for item in report["left_out"]}
    assert report["published"] == len(activities(document)) == 15 - len(left_out)
    assert report["published"] > 0
    for reasons in left_out.values():
        assert reasons and not any(r.startswith("no start date") for r in reasons)
    assert_valid(document, report["published"])
    # Nothing invented: no budget, no transaction, no DAC sector for the annex's unknown budgets.
    for activity in activities(document).values():
        assert activity.find("budget") is None and activity.find("transaction") is None
        assert activity.find("sector[@vocabulary='1']") is None


def test_a_project_with_every_kind_of_money_round_trips_through_an_empty_database(app, client, runner, tmp_path):
    add_every_kind(client, runner, tmp_path)
    first = export(client)
    assert_valid(first, 1)
    activity = activities(first)["XM-DAC-47066-EVERY-1"]
    assert activity.get("humanitarian") == "1"
    assert activity.find("sector[@vocabulary='1']").get("code") == "15190"
    assert activity.find("activity-scope").get("code") == "2"  # stated by the project, published as it is
    assert [(c.get("code"), c.get("percentage")) for c in activity.findall("recipient-country")] == [
        ("AL", "33.34"), ("MK", "33.33"), ("RS", "33.33")]
    # 2004: the original 250,000 and the revised (current) 230,000; IATI budgets carry no donor, the planned
    # disbursements do, one per line.
    budgets = [(b.get("type"), b.get("status"), b.find("period-start").get("iso-date"), b.findtext("value"))
               for b in activity.findall("budget")]
    assert ("1", "2", "2004-01-01", "250000.00") in budgets and ("2", "2", "2004-01-01", "230000.00") in budgets
    assert len(activity.findall("planned-disbursement")) == 5
    before = figures(client)
    wipe(app)  # an empty database: reference data only
    response = post_import(client, first)
    assert response.status_code == 200, response.json
    assert (response.json["created"], response.json["not_taken"]) == (1, [])
    assert set(response.json["organisations_created"]) == {"DONOR-A", "DONOR-B"}
    second = export(client)
    assert canonical(second) == canonical(first)
    assert figures(client) == before
    assert client.get("/api/v1/projects/EVERY-1").json["activity_scope"] == "2"


def test_a_synthetic_portfolio_exports_valid_and_round_trips(app, client, in_app):
    def build():
        demo.generate(40, seed=11, lines_per_project=3, transactions_per_project=6)
        db.session.commit()

    in_app(build)
    first = export(client)
    report = client.get("/api/v1/iati/report").json
    assert report["left_out_count"] == 0 and report["published"] == 40
    assert_valid(first, 40)
    assert all(a.get("{urn:tcm-portfolio:iati-extension:1}synthetic") == "true" for a in activities(first).values())
    before = figures(client)
    wipe(app)
    response = post_import(client, first)
    assert response.status_code == 200, response.json
    assert response.json["created"] == 40 and response.json["not_taken"] == []
    assert canonical(export(client)) == canonical(first)
    assert figures(client) == before
    # Synthetic stays flagged: projects and the organisations created from the file.
    assert client.get("/api/v1/projects?synthetic=false").headers["X-Total-Count"] == "0"
    donors = [o for o in client.get("/api/v1/organisations?page_size=200").json if o["code"].startswith("DEMO-")]
    assert donors and all(o["synthetic"] for o in donors)


def test_every_project_list_filter_applies_and_the_report_follows_the_same_filters(client):
    create_project(client, "EU-1", region="europe", start_date="2004-01-01", description="x",
                   participating_organisations=[{"organisation": "IOM", "role": "implementing"}])
    create_project(client, "AM-1", region="americas", countries=["MX"], start_date="2004-01-01", description="y",
                   participating_organisations=[{"organisation": "IOM", "role": "implementing"}])
    create_project(client, "EU-2", region="europe", description="no date",
                   participating_organisations=[{"organisation": "IOM", "role": "implementing"}])
    assert set(activities(export(client, "?region=europe"))) == {"XM-DAC-47066-EU-1"}
    assert set(activities(export(client, "?country=MX"))) == {"XM-DAC-47066-AM-1"}
    assert set(activities(export(client, "?q=x"))) == {"XM-DAC-47066-EU-1"}
    response = client.get("/api/v1/iati/activities.xml?region=europe")
    response.get_data()  # a streamed answer is read to its end (its request context stays open till then)
    response.close()
    assert response.headers["Link"] == '</api/v1/iati/report?region=europe>; rel="describedby"'
    report = client.get("/api/v1/iati/report?region=europe").json
    assert (report["published"], [i["code"] for i in report["left_out"]]) == (1, ["EU-2"])
    assert client.get("/api/v1/iati/activities.xml?region=mars").status_code == 422
    assert client.get("/api/v1/iati/activities.xml?sort=code").status_code == 422


def test_a_text_xml_cannot_carry_leaves_the_project_out_as_it_is(client, in_app):
    create_project(client, "C-1", title="Tabulated", start_date="2004-01-01", description="d",
                   participating_organisations=[{"organisation": "IOM", "role": "implementing"}])
    # Old data: a title stored before the text rule refused control characters at the door (a 422 now).
    assert client.patch("/api/v1/projects/C-1", json={"title": "Tab\vulated"}, headers={
        "If-Match": client.get("/api/v1/projects/C-1").headers["ETag"]}).status_code == 422
    in_app(lambda: (db.session.execute(text("UPDATE projects SET title = :t WHERE code = 'C-1'"),
                                       {"t": "Tab\vulated"}), db.session.commit()))
    create_project(client, "C-2", title="Fine\r\nlines", start_date="2004-01-01", description="e\u00e9\U0001F600",
                   participating_organisations=[{"organisation": "IOM", "role": "implementing"}])
    document = export(client)
    assert_valid(document, 1)
    assert activities(document)["XM-DAC-47066-C-2"].findtext("title/narrative") == "Fine\r\nlines"
    reasons = {i["code"]: i["reasons"] for i in client.get("/api/v1/iati/report").json["left_out"]}
    assert reasons == {"C-1": ["title holds U+000B, a character XML 1.0 cannot carry"]}


def test_a_future_transaction_or_a_missing_description_leaves_the_project_out_never_a_placeholder(client):
    create_project(client, "F-1", start_date="2004-01-01", description="d",
                   participating_organisations=[{"organisation": "IOM", "role": "implementing"}])
    response = client.post("/api/v1/projects/F-1/transactions", json={
        "reference": "LATER", "type": "expenditure", "date": "2190-01-01", "amount": "1.00", "currency": "USD"})
    assert response.status_code == 201
    create_project(client, "F-2", start_date="2004-01-01",
                   participating_organisations=[{"organisation": "IOM", "role": "implementing"}])
    document = export(client)
    assert activities(document) == {}
    reasons = {i["code"]: i["reasons"] for i in client.get("/api/v1/iati/report").json["left_out"]}
    assert any("in the future" in r for r in reasons["F-1"])
    assert any(r.startswith("no description") for r in reasons["F-2"])


def test_the_organisation_file_has_the_total_budget_by_year_without_synthetic_projects(client, runner, tmp_path,
                                                                                       in_app):
    add_every_kind(client, runner, tmp_path)
    in_app(lambda: (demo.generate(3, seed=5), db.session.commit()))
    response = client.get("/api/v1/iati/organisation.xml")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    assert_valid(response.data)
    root = etree.fromstring(response.data)
    budgets = {(b.find("period-start").get("iso-date")[:4], b.get("status")): Decimal(b.findtext("value"))
               for b in root.iter("total-budget")}
    # EVERY-1's current budget by calendar year (the synthetic projects are not IOM's budget): the JPY line of
    # July 2005 - June 2006 (USD 45,500.00) counts 184 of its 365 days in 2005, pro rata (docs/figures.md).
    assert budgets[("2004", "2")] == Decimal("230000.00")
    assert budgets[("2005", "1")] == Decimal("130000.00") + Decimal("22936.99")
    assert sum(budgets.values()) == Decimal(client.get("/api/v1/aggregates/region?synthetic=false").json["total"][
        "budget_usd"])

