"""Import from a spreadsheet (issue 23): the bulk imports of projects, budget lines and transactions take
XLSX (first sheet, the CSV's columns), all or nothing, every error at its row and column (name and letter);
the exports in the imports' own layout open back in the importer unchanged (export -> import -> export gives
the same content, and the import writes nothing); hostile workbooks are refused with problem+json."""
import io
import zipfile
from datetime import date

import pytest
from helpers import load_rates
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portfolio.extensions import db
from portfolio.models import AuditEvent, BudgetLine, Project, Transaction
from portfolio.schemas import bulk as bulk_schemas
from portfolio.services import bulk_exports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROJECT_HEADER = ["code", "title", "region", "countries", "priorities", "activity_types", "status", "start_date",
                  "participating_organisations", "description"]


def workbook(rows) -> bytes:
    """A workbook as a person types it: text starting with "=" is text (typed with a leading apostrophe)."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cells(data: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def post_xlsx(client, path, data):
    return client.post(path, data=data, content_type=XLSX)


def counts(in_app):
    return in_app(lambda: tuple(db.session.scalar(select(func.count()).select_from(m))
                                for m in (Project, BudgetLine, Transaction, AuditEvent)))


PROJECTS = [PROJECT_HEADER,
            ["XL-1", "Border management", "europe", "AL;MK", "irregular-migration:70;harmonization:30", "training-hrd",
             "pipeline", date(2004, 3, 1), "EC:funding;IOM:implementing", "=not a formula"],
            ["XL-2", "Labour migration", "asia-oceania", "LK", "regular-migration", None, "implementation",
             date(2004, 5, 1), None, None],
            ["XL-3", "Diaspora study", "africa-middle-east", "TN", "regular-migration:60;cooperation:40", None,
             "pipeline", None, "IOM:implementing", "'quoted"]]


def test_export_columns_are_the_import_layouts():
    assert bulk_exports.COLUMNS["projects"] == tuple(c for c in bulk_schemas.PROJECT_CSV.columns
                                                     if c not in ("if_match", "clear"))
    assert bulk_exports.COLUMNS["budget-lines"] == tuple(c for c in bulk_schemas.BUDGET_LINE_CSV.columns
                                                         if c != "clear")
    assert bulk_exports.COLUMNS["transactions"] == tuple(c for c in bulk_schemas.TRANSACTION_CSV.columns
                                                         if c != "clear")


def test_a_workbook_with_one_bad_cell_is_refused_whole_then_fixed_imports_and_round_trips(client, in_app):
    rows = [list(row) for row in PROJECTS]
    rows[2][4] = "regular-migration:90;cooperation:5"  # shares summing to 95, in row 3, column E
    before = counts(in_app)
    refused = post_xlsx(client, "/api/v1/projects/bulk?mode=upsert", workbook(rows))
    assert refused.status_code == 422, refused.json
    assert refused.content_type == "application/problem+json"
    located = [e for e in refused.json["errors"] if e.get("row") == 3]
    assert located and all(e["location"] == "xlsx" and e["column"] == "priorities" and e["column_letter"] == "E"
                           for e in located), refused.json["errors"]
    assert {e.get("row") for e in refused.json["errors"]} == {3}
    assert counts(in_app) == before  # nothing written, not even the two good rows

    rows[2][4] = "regular-migration"
    created = post_xlsx(client, "/api/v1/projects/bulk?mode=upsert", workbook(rows))
    assert created.status_code == 200, created.json
    assert created.json["created"] == 3
    project = client.get("/api/v1/projects/XL-1").json
    assert project["description"] == "=not a formula" and project["start_date"] == "2004-03-01"

    first = client.get("/api/v1/projects/bulk/export.xlsx")
    assert first.status_code == 200 and first.content_type == XLSX
    assert first.headers["Content-Disposition"].startswith("attachment; filename=")
    exported = cells(first.data)
    assert exported[0] == list(bulk_exports.COLUMNS["projects"])
    assert [row[0] for row in exported[1:]] == ["XL-1", "XL-2", "XL-3"]
    after_import = counts(in_app)
    again = post_xlsx(client, "/api/v1/projects/bulk?mode=upsert", first.data)
    assert again.status_code == 200, again.json
    assert (again.json["created"], again.json["updated"], again.json["unchanged"]) == (0, 0, 3)
    assert counts(in_app) == after_import  # no history written: nothing changed
    assert cells(client.get("/api/v1/projects/bulk/export.xlsx").data) == exported

    csv_first = client.get("/api/v1/projects/bulk/export.csv")
    assert csv_first.status_code == 200
    assert b"'=not a formula" in csv_first.data and b",'quoted" in csv_first.data
    csv_again = client.post("/api/v1/projects/bulk?mode=upsert", data=csv_first.data, content_type="text/csv")
    assert csv_again.status_code == 200 and csv_again.json["unchanged"] == 3, csv_again.json
    assert client.get("/api/v1/projects/bulk/export.csv").data == csv_first.data
    assert counts(in_app) == after_import


@pytest.fixture
def priced(client, runner, tmp_path):
    """Two projects, EUR rates in the table, and lines and transactions priced by the table and by a stated
    rate, an original line revised, and a description that looks like a formula."""
    load_rates(runner, tmp_path, "EUR,2004-01-01,1.2597,test\nEUR,2004-02-02,1.2652,test\n")
    answer = client.post("/api/v1/projects/bulk", json={"items": [
        {"code": "RT-1", "title": "One", "region": "europe", "priorities": [{"code": "cooperation"}]},
        {"code": "RT-2", "title": "Two", "region": "americas", "priorities": [{"code": "cooperation"}]}]})
    assert answer.status_code == 200, answer.json


LINE_HEADER = ["project", "period_start", "period_end", "amount", "currency", "fx_rate", "donor", "type", "status"]
TRANSACTION_HEADER = ["project", "reference", "type", "date", "amount", "currency", "fx_rate", "provider",
                      "description"]


def test_budget_lines_from_a_workbook_all_or_nothing_then_round_trip(client, in_app, priced):
    rows = [LINE_HEADER,
            ["RT-1", date(2004, 1, 1), date(2004, 12, 31), 250000, "USD", None, "EC", "original", "committed"],
            ["RT-1", date(2004, 1, 1), date(2004, 12, 31), 230000.5, "USD", None, "EC", "revised", "committed"],
            ["RT-2", date(2004, 2, 15), date(2005, 2, 14), "100000.00", "EUR", None, None, "original", "indicative"],
            ["RT-2", date(2005, 3, 1), date(2005, 12, 31), 5000, "EUR", 1.2155, None, "original", "indicative"],
            ["RT-2", date(2006, 1, 1), date(2005, 12, 31), 5000, "USD", None, None, "original", "indicative"]]
    before = counts(in_app)
    refused = post_xlsx(client, "/api/v1/budget-lines/bulk", workbook(rows))
    assert refused.status_code == 422, refused.json
    assert {(e["row"], e["column"], e["column_letter"]) for e in refused.json["errors"]} == {(6, "period_end", "C")}
    assert counts(in_app) == before
    rows[5][2] = date(2006, 12, 31)  # fixed: the period ends after it starts
    created = post_xlsx(client, "/api/v1/budget-lines/bulk", workbook(rows))
    assert created.status_code == 200, created.json
    assert created.json["created"] == 5
    lines = client.get("/api/v1/projects/RT-2/budget-lines").json
    assert {(line["amount"], line["fx_rate"], line["fx_rate_id"] is None) for line in lines} >= {
        ("100000.00", "1.2652000000", False), ("5000.00", "1.2155000000", True)}
    assert client.get("/api/v1/projects/RT-1").json["budget"]["total_usd"] == "230000.50"

    for extension, read in (("xlsx", cells), ("csv", bytes)):
        first = client.get(f"/api/v1/budget-lines/bulk/export.{extension}")
        assert first.status_code == 200
        stored = counts(in_app)
        content_type = XLSX if extension == "xlsx" else "text/csv"
        again = client.post("/api/v1/budget-lines/bulk", data=first.data, content_type=content_type)
        assert again.status_code == 200, again.json
        assert (again.json["created"], again.json["updated"], again.json["unchanged"]) == (0, 0, 5)
        assert counts(in_app) == stored
        assert read(client.get(f"/api/v1/budget-lines/bulk/export.{extension}").data) == read(first.data)
    exported = cells(client.get("/api/v1/budget-lines/bulk/export.xlsx").data)
    assert exported[0] == list(bulk_exports.COLUMNS["budget-lines"])
    table_priced = next(row for row in exported[1:] if row[4] == 100000)
    assert table_priced[6] is None and table_priced[7] is not None  # no fx_rate: the table row stays its source


def test_transactions_from_a_workbook_all_or_nothing_then_round_trip(client, in_app, priced):
    rows = [TRANSACTION_HEADER,
            ["RT-1", "IF-1", "incoming-funds", date(2004, 2, 16), "100000.00", "EUR", None, "EC", None],
            ["RT-1", "EXP-1", "expenditure", date(2004, 11, 30), 35250.55, "USD", None, "IOM", "=HYPERLINK(x)"],
            ["RT-2", "DISB-1", "disbursement", date(2004, 6, 30), 40000, "EUR", 1.2155, "IOM", "-5 pct"],
            ["RT-2", "DISB-2", "disbursement", date(2004, 6, 30), 12.345, "USD", None, "IOM", None]]
    refused = post_xlsx(client, "/api/v1/transactions/bulk", workbook(rows))
    assert refused.status_code == 422
    assert {(e["row"], e["column"], e["column_letter"]) for e in refused.json["errors"]} == {(5, "amount", "E")}
    rows[4][4] = 12.34
    assert post_xlsx(client, "/api/v1/transactions/bulk", workbook(rows)).json["created"] == 4
    for extension, read in (("xlsx", cells), ("csv", bytes)):
        first = client.get(f"/api/v1/transactions/bulk/export.{extension}")
        stored = counts(in_app)
        content_type = XLSX if extension == "xlsx" else "text/csv"
        again = client.post("/api/v1/transactions/bulk", data=first.data, content_type=content_type)
        assert again.status_code == 200 and again.json["unchanged"] == 4, again.json
        assert counts(in_app) == stored
        assert read(client.get(f"/api/v1/transactions/bulk/export.{extension}").data) == read(first.data)
    described = {t["reference"]: t["description"] for t in client.get("/api/v1/projects/RT-1/transactions").json}
    assert described["EXP-1"] == "=HYPERLINK(x)"


def test_exports_follow_the_filters(client, priced):
    only = cells(client.get("/api/v1/projects/bulk/export.xlsx?region=americas").data)
    assert [row[0] for row in only[1:]] == ["RT-2"]
    assert client.get("/api/v1/projects/bulk/export.csv?region=mars").status_code == 422
    assert client.get("/api/v1/projects/bulk/export.csv?format=xlsx").status_code == 422


def test_a_workbook_uploaded_as_a_form_file_is_read_as_a_workbook(client):
    data = workbook([PROJECT_HEADER[:5], ["XL-9", "Form upload", "europe", "AL", "cooperation"]])
    answer = client.post("/api/v1/projects/bulk", data={"file": (io.BytesIO(data), "projects.xlsx")},
                         content_type="multipart/form-data")
    assert answer.status_code == 200 and answer.json["created"] == 1, answer.json


# Hostile workbooks.

def test_formulas_are_refused_with_their_cell(client, in_app):
    book = Workbook()
    sheet = book.active
    sheet.append(PROJECT_HEADER[:5])
    sheet.append(["XL-F", "Formula", "europe", "AL", "cooperation"])
    sheet["B2"] = "=CONCAT(\"a\",\"b\")"
    out = io.BytesIO()
    book.save(out)
    answer = post_xlsx(client, "/api/v1/projects/bulk", out.getvalue())
    assert answer.status_code == 422
    error = answer.json["errors"][0]
    assert (error["row"], error["column"], error["column_letter"]) == (2, "title", "B")
    assert "formula" in error["message"]
    assert counts(in_app)[0] == 0


def test_every_formula_is_named_by_its_item_pointer_row_and_column_like_other_cell_errors(client, in_app):
    """A formula's error had the pointer `/` (the whole body), and only the first was reported: each names its
    cell as every other cell error does (/items/<index>/<column>, row, column, letter)."""
    book = Workbook()
    sheet = book.active
    sheet.append(PROJECT_HEADER[:5])
    sheet.append(["XL-F", "Formula", "europe", "AL", "cooperation"])
    sheet.append([])  # a blank row is skipped: the next row is item 1, sheet row 4
    sheet.append(["XL-G", "Two", "europe", "AL", "cooperation"])
    sheet["B2"] = "=CONCAT(\"a\",\"b\")"
    sheet["D4"] = "=A1"
    out = io.BytesIO()
    book.save(out)
    answer = post_xlsx(client, "/api/v1/projects/bulk", out.getvalue())
    assert answer.status_code == 422, answer.json
    found = [(e["pointer"], e["location"], e["row"], e["column"], e["column_letter"]) for e in answer.json["errors"]]
    assert found == [("/items/0/title", "xlsx", 2, "title", "B"), ("/items/1/countries", "xlsx", 4, "countries", "D")]
    assert all("formula" in e["message"] for e in answer.json["errors"])
    assert counts(in_app)[0] == 0


def test_a_number_a_double_cannot_hold_exactly_is_refused(client):
    data = workbook([TRANSACTION_HEADER[:6], ["P", "R", "expenditure", date(2004, 1, 1), 1234567890123.4567, "USD"]])
    answer = post_xlsx(client, "/api/v1/transactions/bulk", data)
    assert answer.status_code == 422 and answer.json["errors"][0]["column_letter"] == "E"
    assert answer.json["errors"][0]["pointer"] == "/items/0/amount"


def test_not_a_workbook_is_a_problem_not_a_500(client):
    for data in (b"not a zip at all", b"PK\x03\x04broken", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512):
        answer = post_xlsx(client, "/api/v1/projects/bulk", data)
        assert answer.status_code == 422 and answer.content_type == "application/problem+json", data[:8]
    empty_zip = io.BytesIO()
    with zipfile.ZipFile(empty_zip, "w"):
        pass
    answer = post_xlsx(client, "/api/v1/projects/bulk", empty_zip.getvalue())
    assert answer.status_code == 422


def test_a_zip_bomb_is_refused_before_it_is_inflated(client):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 1024 * 1024))
    assert len(bomb.getvalue()) < 200 * 1024
    answer = post_xlsx(client, "/api/v1/projects/bulk", bomb.getvalue())
    assert answer.status_code == 413 and answer.content_type == "application/problem+json"
    assert "inflates" in answer.json["detail"]


def test_a_sheet_with_too_many_rows_is_refused_whole(client, in_app):
    rows = [PROJECT_HEADER[:5]] + [[f"MANY-{i}", "x", "europe", "AL", "cooperation"] for i in range(10_001)]
    answer = post_xlsx(client, "/api/v1/projects/bulk", workbook(rows))
    assert answer.status_code == 422 and "rows" in answer.json["detail"]
    assert counts(in_app)[0] == 0


def test_xml_entity_expansion_is_refused(client):
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML  # openpyxl parses with defusedxml
    data = workbook([PROJECT_HEADER[:5], ["XL-E", "x", "europe", "AL", "cooperation"]])
    source = zipfile.ZipFile(io.BytesIO(data))
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
              '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><worksheet xmlns="http://schemas.openxmlformats.org/'
              'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c>'
              '</row></sheetData></worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = laughs.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item.filename, body)
    answer = post_xlsx(client, "/api/v1/projects/bulk", out.getvalue())
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"


def test_budget_line_rows_are_refused_in_words_that_name_what_exists(client):
    """A row whose line_id names no line was loaded as a new line and answered "Missing data" for
    period_start, period_end and currency; two new rows that overlap named each other by ids allocated for
    the refused request ("overlaps original line 482"), lines that never exist."""
    from helpers import create_project

    create_project(client, "BL-WORDS")
    csv_body = "project,line_id,amount\nBL-WORDS,999999,10.00\nNO-SUCH,5,10.00\n"
    answer = client.post("/api/v1/budget-lines/bulk", data=csv_body, content_type="text/csv")
    assert answer.status_code == 422
    assert [(e["pointer"], e["message"]) for e in answer.json["errors"]] == [
        ("/items/0/line_id", "Project 'BL-WORDS' has no budget line 999999 (leave line_id empty to add a line)."),
        ("/items/1/project", "No project with code 'NO-SUCH'.")]
    csv_body = ("project,period_start,period_end,amount,currency\nBL-WORDS,2009-01-01,2009-12-31,10.00,USD\n"
                "BL-WORDS,2009-06-01,2009-12-31,10.00,USD\n")
    answer = client.post("/api/v1/budget-lines/bulk", data=csv_body, content_type="text/csv")
    assert answer.status_code == 422
    assert [(e["pointer"], e["row"]) for e in answer.json["errors"]] == [("/items/0/period_start", 2),
                                                                          ("/items/1/period_start", 3)]
    messages = [e["message"] for e in answer.json["errors"]]
    assert "overlaps original line of item 1 without a donor" in messages[0], messages
    assert "overlaps original line of item 0 without a donor" in messages[1], messages
    assert client.get("/api/v1/projects/BL-WORDS/budget-lines").json == []
