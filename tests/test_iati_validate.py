"""`flask iati validate`: the IATI 2.03 XSD and the IATI Validator's rules, each finding with the rule's
published ID, severity and XPath; and a hypothesis-generated portfolio whose export passes them all."""
from decimal import Decimal

from conftest import wipe
from helpers import create_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iati_support import assert_valid, canonical, export, post_import

from portfolio.iati.validation import validate

INVALID = b"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity last-updated-datetime="2999-01-01T00:00:00Z" default-currency="USD">
  <iati-identifier>GB-1-ABC</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40"><narrative>IOM</narrative></reporting-org>
  <title><narrative>Bad</narrative></title>
  <description><narrative>Bad in every way the rules check</narrative></description>
  <participating-org role="4"/>
  <activity-status code="2"/>
  <activity-date type="3" iso-date="2004-12-31"/>
  <recipient-country code="AL" percentage="60"/>
  <recipient-country code="MK" percentage="30"/>
  <sector vocabulary="99" code="x" percentage="100"/>
  <budget type="1" status="1"><period-start iso-date="2004-01-01"/><period-end iso-date="2005-06-30"/>
   <value currency="USD" value-date="2004-01-01">10</value></budget>
  <transaction><transaction-type code="4"/><transaction-date iso-date="2999-01-01"/>
   <value currency="USD" value-date="2999-01-01">5</value></transaction>
 </iati-activity>
</iati-activities>
"""


def test_one_invalid_file_gives_each_rule_its_id_severity_and_xpath(runner, tmp_path):
    report = validate(INVALID)
    found = {(f.id, f.severity, f.xpath) for f in report.findings}
    base = "/iati-activities/iati-activity[1]"
    assert {("1.1.21", "warning", base + "/iati-identifier"),
            ("4.1.1", "error", base),
            ("6.10.1", "error", base + "/participating-org"),
            ("6.11.1", "error", base),
            ("3.1.2", "error", base + "/recipient-country[1]/@percentage"),
            ("2.2.1", "error", base + "/sector"),
            ("102.1.1", "warning", base + "/sector"),
            ("7.5.3", "error", base + "/budget/period-end/@iso-date"),
            ("11.1.1", "error", base + "/@last-updated-datetime"),
            ("11.2.1", "error", base + "/transaction/transaction-date/@iso-date"),
            ("11.2.2", "error", base + "/transaction/value/@value-date")} <= found
    assert report.records == 1 and all(f.identifier == "GB-1-ABC" for f in report.findings)
    path = tmp_path / "invalid.xml"
    path.write_bytes(INVALID)
    result = runner.invoke(args=["iati", "validate", str(path)])
    assert result.exit_code == 1
    assert "error    7.5.3    GB-1-ABC /iati-activities/iati-activity[1]/budget/period-end/@iso-date" in result.output
    assert result.output.strip().endswith(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s).")


def test_schema_errors_are_0_3_1_and_identifiers_must_be_unique():
    broken = INVALID.replace(b'<activity-status code="2"/>', b"")
    twice = INVALID.replace(b"</iati-activities>", INVALID.split(b"<iati-activities version=\"2.03\">")[1])
    assert any(f.id == "0.3.1" and "activity-status" in f.detail for f in validate(broken).findings)
    assert ("1.1.2", "/iati-activities/iati-activity[2]/iati-identifier") in {
        (f.id, f.xpath) for f in validate(twice).findings}
    assert [f.id for f in validate(INVALID.replace(b'version="2.03"', b'version="1.05"', 1)).findings][0] == "0.6.1"


countries = st.lists(st.sampled_from(["AL", "MK", "RS", "TN", "SN", "MX", "LK", "JM"]), min_size=1, max_size=4,
                     unique=True)
money = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9999999.99"), places=2)
project = st.fixed_dictionaries({
    "countries": countries,
    "priorities": st.lists(st.sampled_from(["cooperation", "irregular-migration", "migrants-rights",
                                            "regular-migration", "harmonization"]), min_size=0, max_size=3,
                           unique=True),
    "dac": st.booleans(),
    "post_emergency": st.booleans(),
    "status": st.sampled_from(["pipeline", "implementation", "finalisation", "closed", "cancelled", "suspended"]),
    "years": st.lists(st.integers(2000, 2010), min_size=0, max_size=3, unique=True),
    "revise": st.booleans(),
    "amounts": st.lists(money, min_size=3, max_size=3),
    "transactions": st.lists(st.tuples(st.sampled_from(["incoming-commitment", "incoming-funds",
                                                        "outgoing-commitment", "disbursement", "expenditure"]),
                                       money, st.sampled_from(["USD", "EUR", "JPY"]), st.integers(0, 364)),
                             max_size=5),
})


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(portfolio=st.lists(project, min_size=1, max_size=4))
def test_a_generated_portfolio_exports_valid_and_round_trips(app, client, portfolio):
    from datetime import date, timedelta

    wipe(app)
    for index, spec in enumerate(portfolio):
        code = f"H-{index}"
        priorities = [{"code": p} for p in spec["priorities"]]
        create_project(client, code, countries=spec["countries"], priorities=priorities or [{"code": "cooperation"}],
                       status=spec["status"], post_emergency=spec["post_emergency"], start_date="2000-01-01",
                       dac_sector="15190" if spec["dac"] or not priorities else None, description=f"Generated {code}",
                       participating_organisations=[{"organisation": "IOM", "role": "implementing"},
                                                    {"organisation": "EC", "role": "funding"}])
        for year, amount in zip(spec["years"], spec["amounts"]):
            line = {"period_start": f"{year}-01-01", "period_end": f"{year}-12-31", "amount": str(amount),
                    "currency": "USD", "donor": "EC", "status": "committed"}
            assert client.post(f"/api/v1/projects/{code}/budget-lines", json=line).status_code == 201
            if spec["revise"]:
                revised = {**line, "type": "revised", "amount": str(amount / 2), "status": "indicative"}
                revised["amount"] = str(Decimal(revised["amount"]).quantize(Decimal("0.01")))
                assert client.post(f"/api/v1/projects/{code}/budget-lines", json=revised).status_code == 201
        for number, (kind, amount, currency, day) in enumerate(spec["transactions"]):
            when = date(2004, 1, 1) + timedelta(days=day)
            body = {"reference": f"T{number}", "type": kind, "date": when.isoformat(), "currency": currency,
                    "amount": str(amount.quantize(Decimal(1)) if currency == "JPY" else amount),
                    **({"fx_rate": "1.25" if currency == "EUR" else "0.0091"} if currency != "USD" else {}),
                    "provider": "EC" if kind.startswith("incoming") else "IOM"}
            response = client.post(f"/api/v1/projects/{code}/transactions", json=body)
            assert response.status_code == 201, response.json
    first = export(client)
    assert_valid(first, len(portfolio))
    wipe(app)
    response = post_import(client, first)
    assert response.status_code == 200, response.json
    assert canonical(export(client)) == canonical(first)
