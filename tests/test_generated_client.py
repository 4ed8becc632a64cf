"""End to end through the Python client generated from the OpenAPI document (.ci/client generates it with
openapi-python-client, installs it and runs this module; it is skipped when the client is not installed),
against the real server (gunicorn, as tests/live.py starts it): what an integration script does.

Covered: create a project with an Idempotency-Key and retry it (the answer is replayed, nothing is created
twice), a conditional edit with If-Match and a 412 on a stale ETag, a budget line and a transaction, bulk
JSON, CSV and multipart uploads with a bad row (the problem details read through the client) and without,
aggregates as JSON, CSV bytes and XLSX bytes (opened with openpyxl), an export, problems for 401, 404 and 406.
Vocabularies are passed as plain strings ("pipeline").
"""
import csv
import datetime
import io
import os
import uuid

import pytest
from live import LiveServer

try:
    import tcm_portfolio_client  # noqa: F401
except ImportError:
    if os.environ.get("TCM_CLIENT_REQUIRED"):
        raise
    pytest.skip("the generated client is not installed (.ci/client generates and installs it, then runs this)",
                allow_module_level=True)

from openpyxl import load_workbook
from tcm_portfolio_client import AuthenticatedClient, Client
from tcm_portfolio_client.api.aggregates import get_aggregate, get_aggregate_csv, get_aggregate_xlsx
from tcm_portfolio_client.api.budget_lines import create_budget_line, list_budget_lines
from tcm_portfolio_client.api.bulk import bulk_upsert_projects
from tcm_portfolio_client.api.exports import export_budget_lines
from tcm_portfolio_client.api.projects import create_project, delete_project, get_project, list_projects, update_project
from tcm_portfolio_client.api.transactions import create_transaction
from tcm_portfolio_client.api.transactions_bulk import bulk_upsert_transactions
from tcm_portfolio_client.models import (
    Aggregate,
    BudgetLine,
    BudgetLineWrite,
    BulkProjectRow,
    BulkProjectsRequest,
    BulkResult,
    BulkTransactionResult,
    BulkUpsertProjectsFilesBody,
    PriorityShareIn,
    Problem,
    Project,
    ProjectCreate,
    ProjectPatch,
    TransactionWrite,
)
from tcm_portfolio_client.types import File

pytestmark = pytest.mark.system  # the generated client against live gunicorn

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def server(app):
    live = LiveServer(app.config["SQLALCHEMY_DATABASE_URI"])
    yield live
    live.stop()


@pytest.fixture
def api(app, server):
    """A client with a token, as docs/integrators.md, "The first idempotent POST", gets one."""
    from portfolio.auth import issue_token
    from portfolio.extensions import db

    with app.app_context():
        token = issue_token(f"client-e2e-{uuid.uuid4().hex[:6]}", "admin", actor="tests")[1]
        db.session.remove()
    with AuthenticatedClient(base_url=f"http://127.0.0.1:{server.port}", token=token,
                             raise_on_unexpected_status=True) as client:
        yield client


def _problem(response, status: int) -> Problem:
    assert response.status_code == status, response.content
    assert response.headers["content-type"] == "application/problem+json"
    assert isinstance(response.parsed, Problem) and response.parsed.status == status
    return response.parsed


def test_create_edit_and_retry_through_the_generated_client(api):
    body = ProjectCreate(code="E2E-1", title="Border management training", region="europe", countries=["AL"],
                         priorities=[PriorityShareIn(code="cooperation", share="60"),
                                     PriorityShareIn(code="harmonization", share="40")],
                         status="pipeline", start_date=datetime.date(2004, 3, 1))
    key = f"e2e-{uuid.uuid4()}"
    first = create_project.sync_detailed(client=api, body=body, idempotency_key=key)
    assert first.status_code == 201, first.content
    created = first.parsed
    assert isinstance(created, Project) and created.code == "E2E-1" and created.status == "pipeline"
    assert first.headers["location"].endswith("/api/v1/projects/E2E-1") and first.headers["x-request-id"]
    assert "idempotent-replayed" not in first.headers

    # A retry after a timeout: the same key and body get the first answer again, and nothing is created twice.
    retry = create_project.sync_detailed(client=api, body=body, idempotency_key=key)
    assert retry.status_code == 201 and retry.headers["idempotent-replayed"] == "true"
    assert retry.content == first.content and retry.headers["etag"] == first.headers["etag"]
    listed = list_projects.sync_detailed(client=api, q="border")
    assert listed.headers["x-total-count"] == "1" and [p.code for p in listed.parsed] == ["E2E-1"]

    # Without the key a second create is a conflict, readable as a problem.
    assert "already exists" in _problem(create_project.sync_detailed(client=api, body=body), 409).detail

    # A conditional edit: the ETag read is the one to send; an old one is refused with 412.
    read = get_project.sync_detailed("E2E-1", client=api)
    etag = read.headers["etag"]
    edited = update_project.sync_detailed("E2E-1", client=api, body=ProjectPatch(status="implementation"),
                                          if_match=etag)
    assert edited.status_code == 200 and edited.parsed.status == "implementation"
    assert edited.parsed.version == created.version + 1 and edited.headers["etag"] != etag
    stale = update_project.sync_detailed("E2E-1", client=api, body=ProjectPatch(title="Lost update"), if_match=etag)
    assert "If-Match" in _problem(stale, 412).detail
    assert get_project.sync("E2E-1", client=api).title == "Border management training"
    invalid = update_project.sync_detailed("E2E-1", client=api, body=ProjectPatch(end_date=datetime.date(2000, 1, 1)),
                                           if_match=edited.headers["etag"])
    assert [e.pointer for e in _problem(invalid, 422).errors] == ["/end_date"]

    # Money records: decimal strings in and out.
    line = create_budget_line.sync_detailed("E2E-1", client=api, idempotency_key=f"line-{key}", body=BudgetLineWrite(
        period_start=datetime.date(2004, 1, 1), period_end=datetime.date(2004, 12, 31), amount="250000.00",
        currency="EUR", fx_rate="1.2417", fx_value_date=datetime.date(2004, 1, 2), status="committed"))
    assert line.status_code == 201, line.content
    assert isinstance(line.parsed, BudgetLine) and line.parsed.usd_amount == "310425.00"
    assert line.parsed.status == "committed" and line.parsed.type_ == "original"
    assert [bl.amount for bl in list_budget_lines.sync("E2E-1", client=api)] == ["250000.00"]
    spent = create_transaction.sync_detailed("E2E-1", client=api, body=TransactionWrite(
        reference="EXP-1", type_="expenditure", date=datetime.date(2004, 6, 30), amount="1000", currency="JPY",
        fx_rate="0.0091"))
    assert spent.status_code == 201 and spent.parsed.amount == "1000" and spent.parsed.usd_amount == "9.10"

    # Deleting needs the current ETag too.
    current = get_project.sync_detailed("E2E-1", client=api).headers["etag"]
    assert delete_project.sync_detailed("E2E-1", client=api, if_match=current).status_code == 204
    _problem(get_project.sync_detailed("E2E-1", client=api), 404)


def test_bulk_uploads_json_csv_and_multipart_with_their_problems(api):
    good = BulkProjectRow(code="BULK-1", title="One", region="europe", priorities=[PriorityShareIn(code="cooperation")])
    bad = BulkProjectRow(code="BULK-2", title="Two", region="atlantis",
                         priorities=[PriorityShareIn(code="cooperation", share="150")])
    refused = bulk_upsert_projects.sync_detailed(client=api, body=BulkProjectsRequest(items=[good, bad]),
                                                 idempotency_key=f"bulk-{uuid.uuid4()}")
    problem = _problem(refused, 422)
    assert {e.pointer for e in problem.errors} == {"/items/1/region", "/items/1/priorities/0/share"}
    assert list_projects.sync_detailed(client=api).headers["x-total-count"] == "0"  # all or nothing

    csv_text = ("code,title,region,countries,priorities,status\n"
                "CSV-1,Border training,europe,AL;MK,irregular-migration:70;harmonization:30,pipeline\n"
                "CSV-2,Diaspora study,africa-middle-east,TN,regular-migration:101,pipeline\n")
    refused = bulk_upsert_projects.sync_detailed(client=api, body=File(payload=io.BytesIO(csv_text.encode()),
                                                                        mime_type="text/csv"))
    [error] = _problem(refused, 422).errors
    assert (error.pointer, error.location, error.row, error.column) == ("/items/1/priorities/0/share", "csv", 3,
                                                                        "priorities")

    fixed = csv_text.replace("regular-migration:101", "regular-migration")
    key = f"csv-{uuid.uuid4()}"
    done = bulk_upsert_projects.sync_detailed(client=api, body=File(payload=io.BytesIO(fixed.encode())),
                                              mode="upsert", idempotency_key=key)
    assert done.status_code == 200, done.content
    assert isinstance(done.parsed, BulkResult) and (done.parsed.created, done.parsed.updated) == (2, 0)
    assert [(item.code, item.action) for item in done.parsed.items] == [("CSV-1", "created"), ("CSV-2", "created")]
    again = bulk_upsert_projects.sync_detailed(client=api, body=File(payload=io.BytesIO(fixed.encode())),
                                               mode="upsert", idempotency_key=key)
    assert again.headers["idempotent-replayed"] == "true" and again.parsed.created == 2

    # An upsert row carries only what it changes: the status of CSV-1, nothing else (no defaults sent).
    status_only = bulk_upsert_projects.sync_detailed(client=api, mode="upsert", body=BulkProjectsRequest(
        items=[BulkProjectRow(code="CSV-1", status="implementation")]))
    assert status_only.status_code == 200 and status_only.parsed.updated == 1, status_only.content
    after = get_project.sync("CSV-1", client=api)
    assert (after.status, after.title, [c.code for c in after.countries]) == ("implementation", "Border training",
                                                                             ["AL", "MK"])

    upload = BulkUpsertProjectsFilesBody(file=File(payload=io.BytesIO(
        b"code,title,region,priorities\nFORM-1,Form upload,americas,cooperation\n"), file_name="projects.csv",
        mime_type="text/csv"))
    form = bulk_upsert_projects.sync_detailed(client=api, body=upload)
    assert form.status_code == 200 and form.parsed.created == 1, form.content

    # A workbook goes as the form's `file` (the client's raw file body is a CSV): the same rows as a sheet.
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["code", "title", "region", "priorities"])
    sheet.append(["FORM-2", "Workbook upload", "americas", "cooperation"])
    workbook = io.BytesIO()
    book.save(workbook)
    upload = BulkUpsertProjectsFilesBody(file=File(payload=io.BytesIO(workbook.getvalue()), file_name="projects.xlsx",
        mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    form = bulk_upsert_projects.sync_detailed(client=api, body=upload)
    assert form.status_code == 200 and form.parsed.created == 1, form.content
    assert get_project.sync("FORM-2", client=api).title == "Workbook upload"

    transactions = ("project,reference,type,date,amount,currency\n"
                    "CSV-1,EXP-1,expenditure,2004-03-31,12500.00,USD\n"
                    "CSV-2,EXP-2,expenditure,2004-13-01,5.00,USD\n")
    refused = bulk_upsert_transactions.sync_detailed(client=api, body=File(payload=io.BytesIO(transactions.encode())))
    [error] = _problem(refused, 422).errors
    assert (error.pointer, error.row, error.column) == ("/items/1/date", 3, "date")
    loaded = bulk_upsert_transactions.sync_detailed(client=api, body=File(payload=io.BytesIO(
        transactions.replace("2004-13-01", "2004-12-01").encode())))
    assert isinstance(loaded.parsed, BulkTransactionResult) and loaded.parsed.created == 2, loaded.content


def test_aggregates_as_json_csv_bytes_and_xlsx_bytes(api):
    for code, region, amount in (("AGG-1", "europe", "100.00"), ("AGG-2", "americas", "50.25")):
        assert create_project.sync_detailed(client=api, body=ProjectCreate(
            code=code, title=code, region=region, priorities=[PriorityShareIn(code="cooperation")])).status_code == 201
        assert create_budget_line.sync_detailed(code, client=api, body=BudgetLineWrite(
            period_start=datetime.date(2004, 1, 1), period_end=datetime.date(2004, 12, 31), amount=amount,
            currency="USD")).status_code == 201

    result = get_aggregate.sync("region", client=api, status="pipeline")
    assert isinstance(result, Aggregate) and result.dimension == "region" and result.additive is True
    assert result.total.budget_usd == "150.25"
    rows = {row.key: row.budget_usd for row in result.rows}
    assert rows["europe"] == "100.00" and rows["americas"] == "50.25"

    as_csv = get_aggregate_csv.sync_detailed("region", client=api)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"].startswith("attachment; filename=")
    payload = as_csv.parsed.payload.read()
    assert isinstance(payload, bytes)
    table = list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))
    assert any("100.00" in row for row in table) and any("150.25" in row for row in table)

    as_xlsx = get_aggregate_xlsx.sync_detailed("region-priority", client=api)
    assert as_xlsx.status_code == 200 and as_xlsx.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(as_xlsx.parsed.payload.read())).active
    cells = {cell.value for row in sheet.iter_rows() for cell in row}
    assert {"Europe", "Americas"} & {str(c) for c in cells}
    assert any(str(c) in ("150.25", "150.250") or c == 150.25 for c in cells)

    export = export_budget_lines.sync_detailed(client=api, region="europe")
    lines = list(csv.DictReader(io.StringIO(export.parsed.payload.read().decode("utf-8-sig"))))
    assert [(line["project_code"], line["usd_amount"]) for line in lines] == [("AGG-1", "100.00")]

    # Errors are problems here too: an Accept the operation cannot answer, and no token.
    refused = api.get_httpx_client().get("/api/v1/aggregates/region", headers={"Accept": "application/pdf"})
    assert refused.status_code == 406 and refused.headers["content-type"] == "application/problem+json"
    with Client(base_url=str(api.get_httpx_client().base_url)) as anonymous:
        _problem(get_aggregate.sync_detailed("region", client=anonymous), 401)
