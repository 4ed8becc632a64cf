"""Helpers of the IATI tests: export, validate, compare canonically, a portfolio with every kind of money."""
from lxml import etree

from portfolio.iati.validation import validate

# When each system wrote the document or last changed the record: not part of what the document says.
WRITE_TIMES = ("generated-datetime", "last-updated-datetime")


def export(client, query: str = "") -> bytes:
    response = client.get("/api/v1/iati/activities.xml" + query)
    assert response.status_code == 200, response.data
    assert response.headers["Link"].startswith("</api/v1/iati/report")
    return response.data


def errors_of(document: bytes) -> list[str]:
    report = validate(document)
    return [f"{f.id} {f.xpath}: {f.message} {f.detail or ''}" for f in report.errors]


def assert_valid(document: bytes, activities: int | None = None) -> None:
    report = validate(document)
    assert [f.as_dict() for f in report.errors] == []
    if activities is not None:
        assert report.records == activities


def canonical(document: bytes) -> bytes:
    """C14N of the document without the two write times."""
    root = etree.fromstring(document, etree.XMLParser(remove_blank_text=True, resolve_entities=False))
    for element in root.iter():
        for name in WRITE_TIMES:
            element.attrib.pop(name, None)
    return etree.tostring(root, method="c14n")


def post_import(client, document: bytes, query: str = "", **headers):
    return client.post("/api/v1/iati/import" + query, data=document, content_type="application/xml",
                       headers=headers)


def add_every_kind(client, runner, tmp_path) -> None:
    """Projects with every kind of budget line and transaction the model holds: original and revised lines,
    indicative and committed, a revised line with no original, USD, a table rate and stated rates (EUR, JPY,
    KWD), a donor per line and none, the five transaction types with provider and receiver, post-emergency, a
    DAC sector, stated RCP links and two funders with shares."""
    from helpers import create_project, load_rates

    load_rates(runner, tmp_path, "EUR,2004-01-01,1.2597,test rate\nEUR,2004-02-02,1.2652,test rate\n")
    for code, name, type_, ref in (("DONOR-A", "Donor A", "10", "XI-TEST-A"), ("DONOR-B", "Donor B", "60", None)):
        body = {"code": code, "name": name, "type": type_, **({"iati_identifier": ref} if ref else {})}
        assert client.post("/api/v1/organisations", json=body).status_code == 201
    create_project(client, "EVERY-1", title="Border management & training <2004>", region="europe",
                   countries=["AL", "MK", "RS"], description="Every kind of money.",
                   priorities=[{"code": "irregular-migration", "share": "70"},
                               {"code": "harmonization", "share": "30"}],
                   activity_types=["training-hrd", "policy-frameworks"], rcps=["budapest-process"],
                   status="implementation", start_date="2004-01-01", end_date="2005-06-30", post_emergency=True,
                   dac_sector="15190", activity_scope="2",
                   participating_organisations=[{"organisation": "DONOR-A", "role": "funding", "share": "60"},
                                                {"organisation": "DONOR-B", "role": "funding", "share": "40"},
                                                {"organisation": "IOM", "role": "implementing"}])
    lines = [
        {"period_start": "2004-01-01", "period_end": "2004-12-31", "amount": "250000.00", "currency": "USD",
         "donor": "DONOR-A", "status": "committed"},
        {"period_start": "2004-01-01", "period_end": "2004-12-31", "amount": "230000.00", "currency": "USD",
         "donor": "DONOR-A", "type": "revised", "status": "committed"},
        {"period_start": "2005-01-01", "period_end": "2005-06-30", "amount": "100000.00", "currency": "EUR",
         "fx_rate": "1.3", "status": "indicative"},
        {"period_start": "2005-07-01", "period_end": "2006-06-30", "amount": "5000000", "currency": "JPY",
         "fx_rate": "0.0091", "donor": "DONOR-B", "type": "revised"},
        {"period_start": "2006-07-01", "period_end": "2006-12-31", "amount": "1000.125", "currency": "KWD",
         "fx_rate": "3.4", "fx_value_date": "2006-08-01"},
    ]
    for line in lines:
        response = client.post("/api/v1/projects/EVERY-1/budget-lines", json=line)
        assert response.status_code == 201, response.json
    transactions = [
        {"reference": "IC-1", "type": "incoming-commitment", "date": "2004-01-15", "amount": "230000.00",
         "currency": "USD", "provider": "DONOR-A", "receiver": "IOM"},
        {"reference": "IF-1", "type": "incoming-funds", "date": "2004-02-16", "amount": "100000.00",
         "currency": "EUR", "provider": "DONOR-A", "receiver": "IOM"},
        {"reference": "OC-1", "type": "outgoing-commitment", "date": "2004-03-01", "amount": "50000.00",
         "currency": "USD", "provider": "IOM", "receiver": "DONOR-B", "description": "=SUM(A1) commitment"},
        {"reference": "D-1", "type": "disbursement", "date": "2004-06-30", "amount": "40000.00", "currency": "EUR",
         "fx_rate": "1.2155", "provider": "IOM"},
        {"reference": "E-1", "type": "expenditure", "date": "2004-11-30", "amount": "35250.55", "currency": "USD"},
    ]
    for transaction in transactions:
        response = client.post("/api/v1/projects/EVERY-1/transactions", json=transaction)
        assert response.status_code == 201, response.json
