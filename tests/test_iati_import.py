"""IATI 2.03 import: all or nothing with every activity's errors located (XPath and identifier), idempotent, the
file's name in history, unknown codes refused, other publishers' files imported for what the model holds with
every other element reported, and hostile XML refused before it costs anything."""
import time

import pytest
from conftest import wipe
from helpers import create_project, data_events
from iati_support import add_every_kind, canonical, export, post_import
from sqlalchemy import func, select

from portfolio.extensions import db
from portfolio.models import AuditEvent, BudgetLine, Organisation, Project, Transaction


def count(in_app, model) -> int:
    return in_app(lambda: db.session.scalar(select(func.count()).select_from(model)))


def activity(identifier: str, body: str, **attributes) -> str:
    attrs = " ".join(f'{k.replace("_", "-")}="{v}"' for k, v in
                     {"last_updated_datetime": "2024-01-01T00:00:00Z", "default_currency": "USD", **attributes}.items())
    return f"""<iati-activity xml:lang="en" {attrs}>
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40"><narrative>International Organization for Migration</narrative>
  </reporting-org>
  {body}
</iati-activity>"""


def document(*activities: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n'
            + "\n".join(activities) + "\n</iati-activities>\n").encode()


OURS = "urn:tcm-portfolio:vocabulary:"


def simple(code: str, country: str = "AL", extra: str = "", planned: str = "") -> str:
    return activity(f"XM-DAC-47066-{code}", f"""
  <title><narrative>Project {code}</narrative></title>
  <description type="1"><narrative>About {code}</narrative></description>
  <participating-org ref="XM-DAC-47066" role="4" type="40"><narrative>IOM</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2004-01-01"/>
  <recipient-country code="{country}"/>
  <sector vocabulary="99" vocabulary-uri="{OURS}priorities" code="cooperation"><narrative>c</narrative></sector>
  <tag vocabulary="99" vocabulary-uri="{OURS}regions" code="europe"/>
  <budget type="1" status="1"><period-start iso-date="2004-01-01"/><period-end iso-date="2004-12-31"/>
    <value currency="USD" value-date="2004-01-01">1000.00</value></budget>
  {planned}
  <transaction ref="T-1"><transaction-type code="4"/><transaction-date iso-date="2004-02-01"/>
    <value currency="USD" value-date="2004-02-01">10.00</value></transaction>
  {extra}""")


def test_a_file_with_one_invalid_activity_is_refused_whole_with_its_pointer_and_nothing_is_written(client, in_app):
    file = document(simple("A-1"), simple("A-2", country="QQ"), simple("A-3"))
    response = post_import(client, file)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    errors = response.json["errors"]
    assert [(e["pointer"], e["identifier"]) for e in errors] == [
        ("/iati-activities/iati-activity[2]/recipient-country/@code", "XM-DAC-47066-A-2")]
    assert "nothing was written" in response.json["detail"]
    for model in (Project, BudgetLine, Transaction, data_events()):
        assert count(in_app, model) == 0
    organisations = count(in_app, Organisation)
    # Fixed, it imports whole.
    response = post_import(client, document(simple("A-1"), simple("A-2"), simple("A-3")))
    assert response.status_code == 200, response.json
    assert response.json["created"] == 3 and count(in_app, Organisation) == organisations


REGION_TAG = f'<tag vocabulary="99" vocabulary-uri="{OURS}regions" code="europe"/>'


@pytest.mark.parametrize("old, new, pointer", [
    ('<activity-status code="2"/>', '<activity-status code="9"/>',
     "/iati-activities/iati-activity[1]/activity-status/@code"),
    (REGION_TAG, REGION_TAG + f'<tag vocabulary="99" vocabulary-uri="{OURS}activity-types" code="nope"/>',
     "/iati-activities/iati-activity[1]/tag[2]/@code"),
    ('<recipient-country code="AL"/>', '<recipient-country code="ZZ"/>',
     "/iati-activities/iati-activity[1]/recipient-country/@code"),
    ('currency="USD" value-date="2004-02-01"', 'currency="ZZZ" value-date="2004-02-01"',
     "/iati-activities/iati-activity[1]/transaction/value/@currency"),
    ('<transaction-type code="4"/>', '<transaction-type code="99"/>',
     "/iati-activities/iati-activity[1]/transaction/transaction-type/@code"),
    ('<activity-date type="1" iso-date="2004-01-01"/>',
     '<activity-date type="1" iso-date="2004-01-01"/><activity-scope code="10"/>',
     "/iati-activities/iati-activity[1]/activity-scope/@code"),
])
def test_unknown_codes_are_refused_not_guessed(client, in_app, old, new, pointer):
    response = post_import(client, document(simple("U-1").replace(old, new)))
    assert response.status_code == 422, response.json
    assert pointer in {e["pointer"] for e in response.json["errors"]}
    assert count(in_app, Project) == 0


def test_a_schema_error_is_reported_with_the_activity_and_nothing_is_written(client, in_app):
    broken = simple("S-1").replace('<activity-status code="2"/>', "")  # activity-status is required
    response = post_import(client, document(simple("S-0"), broken))
    assert response.status_code == 422
    error = response.json["errors"][0]
    assert (error["pointer"], error["identifier"]) == ("/iati-activities/iati-activity[2]", "XM-DAC-47066-S-1")
    assert "0.3.1" in error["message"] and "activity-status" in error["message"]
    assert count(in_app, Project) == 0


def test_the_same_file_twice_changes_nothing_the_second_time_and_history_names_the_file(app, client, runner,
                                                                                         tmp_path, in_app):
    add_every_kind(client, runner, tmp_path)
    file = export(client)
    wipe(app)
    response = post_import(client, file, "?filename=portfolio-2004.xml", **{"Idempotency-Key": "iati-1"})
    assert response.status_code == 200 and response.json["created"] == 1
    events = count(in_app, AuditEvent)
    version = client.get("/api/v1/projects/EVERY-1").json["version"]
    replay = post_import(client, file, "?filename=portfolio-2004.xml", **{"Idempotency-Key": "iati-1"})
    assert replay.headers.get("Idempotent-Replayed") == "true"
    again = post_import(client, file, "?filename=portfolio-2004.xml")
    assert again.status_code == 200
    assert (again.json["created"], again.json["updated"], again.json["unchanged"]) == (0, 0, 1)
    assert count(in_app, AuditEvent) == events
    assert client.get("/api/v1/projects/EVERY-1").json["version"] == version
    history = client.get("/api/v1/projects/EVERY-1/history").json
    assert history and all("IATI import: portfolio-2004.xml" in event["actor"] for event in history)
    # The CLI the same way: the file's own name.
    path = tmp_path / "again.xml"
    path.write_bytes(file)
    result = runner.invoke(args=["iati", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 1 unchanged" in result.output
    assert canonical(export(client)) == canonical(file)


def test_its_own_export_imported_into_the_same_database_changes_nothing(client, runner, tmp_path, in_app):
    add_every_kind(client, runner, tmp_path)  # lines and transactions priced from the rates table among them
    events = count(in_app, AuditEvent)
    response = post_import(client, export(client))
    assert (response.json["updated"], response.json["unchanged"]) == (0, 1), response.json
    assert count(in_app, AuditEvent) == events


def test_an_upsert_changes_what_the_file_says_and_keeps_transactions_it_does_not_name(client, in_app):
    assert post_import(client, document(simple("X-1"))).status_code == 200
    response = client.post("/api/v1/projects/X-1/transactions", json={
        "reference": "LOCAL", "type": "expenditure", "date": "2004-03-01", "amount": "5.00", "currency": "USD"})
    assert response.status_code == 201
    changed = simple("X-1").replace("Project X-1", "Renamed").replace(">10.00<", ">12.00<")
    response = post_import(client, document(changed))
    assert response.json["updated"] == 1
    project = client.get("/api/v1/projects/X-1").json
    assert project["title"] == "Renamed" and project["actuals"]["expenditure_usd"] == "17.00"


IOM_STYLE = document(activity("XM-DAC-47066-PRJ-2019-0042", """
  <title><narrative>Strengthening border management in the Western Balkans</narrative>
    <narrative xml:lang="fr">Renforcement de la gestion des frontières</narrative></title>
  <description type="1"><narrative>Capacity building for border agencies.</narrative></description>
  <description type="2"><narrative>Objectives: safer borders.</narrative></description>
  <participating-org ref="XI-IATI-EC_NEAR" role="1" type="15"><narrative>European Commission NEAR</narrative>
  </participating-org>
  <participating-org ref="XM-DAC-47066" role="4" type="40"><narrative>IOM</narrative></participating-org>
  <participating-org role="4" type="10"><narrative>Ministry of Interior</narrative></participating-org>
  <other-identifier ref="PX.0042" type="A1"/>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2019-03-01"/>
  <activity-date type="2" iso-date="2019-04-15"/>
  <activity-date type="3" iso-date="2021-02-28"/>
  <contact-info type="1"><organisation><narrative>IOM Skopje</narrative></organisation>
    <email>iomskopje@iom.int</email></contact-info>
  <recipient-country code="MK" percentage="60"/>
  <recipient-country code="AL" percentage="40"/>
  <location ref="MK-SKP"><name><narrative>Skopje</narrative></name></location>
  <sector vocabulary="98" code="IBM" percentage="100"><narrative>Immigration and Border Management</narrative></sector>
  <sector vocabulary="99" code="TCM" percentage="100"><narrative>Technical Cooperation</narrative></sector>
  <sector vocabulary="1" code="15190" percentage="70"/>
  <sector vocabulary="1" code="15210" percentage="30"/>
  <policy-marker vocabulary="1" code="1" significance="1"/>
  <budget type="1" status="2"><period-start iso-date="2019-03-01"/><period-end iso-date="2020-02-29"/>
    <value currency="EUR" value-date="2019-03-01">400000.00</value></budget>
  <transaction><transaction-type code="1"/><transaction-date iso-date="2019-05-01"/>
    <value currency="USD" value-date="2019-05-01">200000.00</value>
    <provider-org ref="XI-IATI-EC_NEAR" type="15"><narrative>European Commission NEAR</narrative></provider-org>
    <aid-type code="C01"/></transaction>
  <transaction ref="PX.0042-EXP"><transaction-type code="4"/><transaction-date iso-date="2019-12-31"/>
    <value currency="USD" value-date="2019-12-31">150000.00</value></transaction>
  <transaction ref="PX.0042-INT"><transaction-type code="5"/><transaction-date iso-date="2019-12-31"/>
    <value currency="USD" value-date="2019-12-31">12.00</value></transaction>
  <related-activity ref="XM-DAC-47066-PRJ-2018-0001" type="1"/>"""))


def test_an_iom_style_file_imports_what_the_model_holds_and_reports_every_element_it_does_not(client, runner,
                                                                                              tmp_path):
    from helpers import load_rates

    load_rates(runner, tmp_path, "EUR,2019-03-01,1.1313,test rate\n")
    # A project needs an IOM region: the file states none, so the import is refused until one is given.
    response = post_import(client, IOM_STYLE)
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "/iati-activities/iati-activity[1]"
    assert "region" in response.json["errors"][0]["message"]
    response = post_import(client, IOM_STYLE, "?region=europe")
    assert response.status_code == 200, response.json
    assert response.json["created"] == 1
    not_taken = {item["pointer"]: item["reason"] for item in response.json["not_taken"]}
    base = "/iati-activities/iati-activity[1]"
    for pointer in ("/title/narrative[2]", "/description[2]", "/participating-org[3]", "/other-identifier",
                    "/activity-date[2]", "/contact-info", "/location", "/sector[1]", "/sector[2]", "/sector[3]",
                    "/sector[4]", "/policy-marker", "/related-activity", "/recipient-country",
                    "/transaction[1]/aid-type", "/transaction[3]", "/participating-org[1]"):
        assert base + pointer in not_taken, (pointer, sorted(not_taken))
    project = client.get("/api/v1/projects/PRJ-2019-0042").json
    # A TCM priority the file does not state stays unknown: no priority, no share, never a guess.
    assert project["priorities"] == [] and project["dac_sector"] is None
    assert [c["code"] for c in project["countries"]] == ["AL", "MK"]
    assert (project["start_date"], project["end_date"]) == ("2019-03-01", "2021-02-28")
    assert [o["organisation"] for o in project["participating_organisations"]] == ["IOM"]
    assert project["budget"]["total_usd"] == "452520.00"  # EUR 400,000 at the table's rate of the value date
    assert project["actuals"]["incoming_funds_usd"] == "200000.00"
    assert project["actuals"]["expenditure_usd"] == "150000.00"
    # Its money is in the priority aggregate's row of projects without a stated priority.
    rows = client.get("/api/v1/aggregates/priority").json["rows"]
    unknown = [row for row in rows if row["key"] is None]
    assert unknown and unknown[0]["budget_usd"] == "452520.00"
    # The transaction without a reference got a stable one: the same file again changes nothing.
    again = post_import(client, IOM_STYLE, "?region=europe")
    assert (again.json["unchanged"], again.json["updated"]) == (1, 0)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<iati-activities version="2.03"><iati-activity><iati-identifier>&lol9;</iati-identifier></iati-activity>
</iati-activities>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<iati-activities version="2.03"><iati-activity><iati-identifier>&xxe;</iati-identifier></iati-activity>
</iati-activities>"""


@pytest.mark.parametrize("hostile", [BOMB, EXTERNAL, b"not xml at all", b"<iati-activities version='2.03'>",
                                     b"<a>" * 300 + b"</a>" * 300, b'<?xml version="1.0"?><other/>',
                                     b'<?xml version="1.0" encoding="no-such"?><iati-activities version="2.03"/>',
                                     b"\xff\xfe<\x00a\x00", b'<iati-activities version="2.03"/>'])
def test_hostile_or_broken_xml_is_refused_at_once_with_a_problem(client, in_app, runner, tmp_path, hostile):
    started = time.monotonic()
    response = post_import(client, hostile)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert time.monotonic() - started < 5
    assert count(in_app, Project) == 0
    path = tmp_path / "hostile.xml"
    path.write_bytes(hostile)
    result = runner.invoke(args=["iati", "validate", str(path)])
    assert result.exit_code == 1 and any(f" {rule} " in result.output for rule in ("0.1.1", "0.2.1", "0.3.1"))


def test_two_donors_lines_of_one_period_round_trip_as_one_budget_and_two_planned_disbursements(app, client):
    create_project(client, "TWO-1", start_date="2004-01-01", description="Two donors",
                   participating_organisations=[{"organisation": "IOM", "role": "implementing"},
                                                {"organisation": "EC", "role": "funding"}])
    for donor, amount in (("EC", "100000.00"), ("IOM", "50000.00")):
        response = client.post("/api/v1/projects/TWO-1/budget-lines", json={
            "period_start": "2004-01-01", "period_end": "2004-12-31", "amount": amount, "currency": "USD",
            "donor": donor})
        assert response.status_code == 201, response.json
    first = export(client)
    assert b'<value currency="USD" value-date="2004-01-01">150000.00</value>' in first
    assert first.count(b"<planned-disbursement") == 2
    wipe(app)
    assert post_import(client, first).status_code == 200
    assert canonical(export(client)) == canonical(first)


def test_planned_disbursements_that_do_not_reconcile_give_way_to_the_budgets_saying_why(client):
    file = simple("R-1", planned="""
  <planned-disbursement type="1" xmlns:tcm="urn:tcm-portfolio:iati-extension:1" tcm:status="indicative">
    <period-start iso-date="2004-01-01"/><period-end iso-date="2004-12-31"/>
    <value currency="USD" value-date="2004-01-01">999.00</value>
    <provider-org ref="XM-DAC-47066" type="40"><narrative>IOM</narrative></provider-org>
  </planned-disbursement>""")
    response = post_import(client, document(file))
    assert response.status_code == 200, response.json
    reasons = [item["reason"] for item in response.json["not_taken"]]
    assert any("differ from the budgets" in r for r in reasons), reasons
    project = client.get("/api/v1/projects/R-1").json
    assert project["budget"]["total_usd"] == "1000.00"
    assert client.get("/api/v1/projects/R-1/budget-lines").json[0]["donor"] is None


def test_a_file_that_is_not_xml_names_its_line_as_the_published_field_error_does(app, client):
    """Schemathesis: b"\\x00" answered errors[0].line, which FieldError (additionalProperties: false) lacked."""
    import jsonschema

    spec = client.get("/api/v1/openapi.json").json
    schema = {**spec["components"]["schemas"]["FieldError"], "components": spec["components"]}
    for body in (b"\x00", b"<iati-activities version='2.03'>\n<iati-activity>\n</oops>"):
        response = post_import(client, body)
        assert response.status_code == 422, response.json
        for error in response.json["errors"]:
            jsonschema.validate(error, schema)
            assert isinstance(error.get("line", 1), int)
    assert post_import(client, b"<iati-activities version='2.03'>\n<iati-activity>\n</oops>").json["errors"][0][
        "line"] == 3
    broken = simple("S-1").replace('<activity-status code="2"/>', "")
    for error in post_import(client, document(broken)).json["errors"]:
        jsonschema.validate(error, schema)
