"""Formula injection (#13, OWASP CSV injection): every CSV and XLSX the API produces carries text as text.

Organisations named with formula payloads fund projects and budget lines, and transactions carry them in
their descriptions (codes and references cannot: their grammar starts with a letter or digit, which is
checked too). Then no CSV cell of any aggregate, the cross-tab or either export starts with = + - @, a tab
or a carriage return unless the whole cell is a plain number (remaining_usd can be "-50.00"), and no XLSX
cell is a formula: text is a string, money is a number formatted #,##0.00.
"""
import csv
import io
import re

import pytest
from helpers import add_line, create_project
from openpyxl import load_workbook

from portfolio.statistics.dimensions import CROSS_TAB, DIMENSIONS
from portfolio.statistics.renderers import HEADER_ROW, MONEY_FORMAT

PAYLOADS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://example.invalid/x","click")', "@SUM(1)", "+1+1", "-1+1",
            "\t=1+1", "\r=1+1", "=1+1\n=2+2",
            # #21.7: a spreadsheet skips leading white space (a line feed included) before it reads a formula, and
            # reads the full-width signs as the ASCII ones
            "\n=1+1", " =1+1", " \t@SUM(1)", "\u3000-1+1", "\uff1d1+1", "\uff0bA1"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
DIMENSION_PATHS = [*DIMENSIONS, CROSS_TAB]


@pytest.fixture
def poisoned(client, stored_state):
    def build():
        for index, payload in enumerate(PAYLOADS):
            response = client.post("/api/v1/organisations", json={
                "code": f"EVIL-{index}", "name": payload, "type": "10"})
            assert response.status_code == 201, response.json
        for index, payload in enumerate(PAYLOADS):
            code = f"INJ-{index}"
            create_project(client, code, title=payload, description=payload, acronym=payload[:40],
                           participating_organisations=[{"organisation": f"EVIL-{index}", "role": "funding"}])
            add_line(client, code, amount="100.00", donor=f"EVIL-{index}")
            response = client.post(f"/api/v1/projects/{code}/transactions", json={
                "reference": f"T-{index}", "type": "expenditure", "date": "2003-05-01", "amount": "150.00",
                "currency": "USD", "description": payload, "provider": f"EVIL-{index}",
                "receiver": f"EVIL-{(index + 1) % len(PAYLOADS)}"})
            assert response.status_code == 201, response.json

    stored_state("formula-payloads", build)


def _csv_cells(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def _unsafe(cell: str) -> bool:
    return (cell.startswith(FORMULA_START) or cell.lstrip().startswith(FORMULA_START)) and not NUMBER.fullmatch(cell)


@pytest.mark.parametrize("path", [f"/api/v1/aggregates/{d}.csv" for d in DIMENSION_PATHS] + [
    "/api/v1/exports/budget-lines", "/api/v1/exports/transactions"])
def test_no_csv_cell_starts_like_a_formula(client, poisoned, path):
    rows = _csv_cells(client.get(path))
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if _unsafe(cell)] == []
    if "exports/transactions" in path or path.endswith(("/donor.csv", "/organisation.csv")):
        # The payloads are there, as text: the test read what it meant to read.
        assert {"'" + p for p in PAYLOADS} <= set(cells), cells
    if path.endswith(("/region.csv", f"/{CROSS_TAB}.csv")):
        assert "-50.00" in cells or f"-{50 * len(PAYLOADS)}.00" in cells, "a negative remaining amount stays a number"


@pytest.mark.parametrize("dimension", DIMENSION_PATHS)
def test_no_xlsx_cell_is_a_formula_and_money_is_a_number(client, poisoned, dimension):
    response = client.get(f"/api/v1/aggregates/{dimension}.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    book = load_workbook(io.BytesIO(response.data))
    texts, money = [], 0
    for sheet in book.worksheets:
        header = [cell.value for cell in sheet[HEADER_ROW]]
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not _unsafe(cell.value), (cell.coordinate, cell.value)
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
            for name, cell in zip(header, row):
                if isinstance(name, str) and name.endswith(("_usd", "_percent")) and cell.value is not None:
                    assert isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool), \
                        (cell.coordinate, name, cell.value)
                    assert cell.number_format == MONEY_FORMAT, (cell.coordinate, cell.number_format)
                    money += 1
    assert money > 0, "the sheet has money cells, and they are numbers"
    if dimension in ("donor", "organisation"):  # XML reads a carriage return back as a line feed
        assert {("'" + p).replace("\r", "\n") for p in PAYLOADS} <= {t.replace("\r", "\n") for t in texts}, texts


def test_codes_and_references_cannot_carry_a_formula(client):
    create_project(client, "SAFE")
    for body in ({"code": "=1+1", "title": "t", "region": "europe", "priorities": [{"code": "cooperation"}]},
                 {"code": "-1+1", "title": "t", "region": "europe", "priorities": [{"code": "cooperation"}]}):
        assert client.post("/api/v1/projects", json=body).status_code == 422
    assert client.post("/api/v1/organisations", json={"code": "@SUM", "name": "n", "type": "10"}).status_code == 422
    response = client.post("/api/v1/projects/SAFE/transactions", json={
        "reference": "+1+1", "type": "expenditure", "date": "2003-01-01", "amount": "1.00", "currency": "USD"})
    assert response.status_code == 422


def test_old_text_with_control_characters_is_exported_safely(app, client, in_app):
    """#21.3: text stored before control characters were refused (here written straight into the tables) must
    not make an export fail for everyone: openpyxl refuses them in a worksheet (IllegalCharacterError, a 500 to
    every caller of /aggregates/organisation.xlsx and donor.xlsx). Those a worksheet cannot hold are written as
    U+FFFD in XLSX (U+0085 it can); CSV, which can carry them all, keeps them."""
    from sqlalchemy import text

    from portfolio.extensions import db

    client.post("/api/v1/organisations", json={"code": "CTRL", "name": "placeholder", "type": "10"})
    create_project(client, "OLD-1", participating_organisations=[{"organisation": "CTRL", "role": "funding"}])
    add_line(client, "OLD-1", amount="100.00", donor="CTRL")
    assert client.post("/api/v1/projects/OLD-1/transactions", json={
        "reference": "T-1", "type": "expenditure", "date": "2003-05-01", "amount": "1.00", "currency": "USD",
        "description": "placeholder"}).status_code == 201

    def poison():
        db.session.execute(text("UPDATE organisations SET name = :n WHERE code = 'CTRL'"), {"n": "Ctrl\x01Org\x85"})
        db.session.execute(text("UPDATE transactions SET description = :d"), {"d": "\x07=1+1"})
        db.session.commit()
    in_app(poison)
    from portfolio import vocabulary

    vocabulary._cache.clear()
    for dimension in ("organisation", "donor"):
        response = client.get(f"/api/v1/aggregates/{dimension}.xlsx")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        texts = {cell.value for sheet in load_workbook(io.BytesIO(response.data)).worksheets
                 for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
        assert "Ctrl\ufffdOrg\x85" in texts, texts
        cells = [c for row in _csv_cells(client.get(f"/api/v1/aggregates/{dimension}.csv")) for c in row]
        assert "Ctrl\x01Org\x85" in cells
    cells = [c for row in _csv_cells(client.get("/api/v1/exports/transactions")) for c in row]
    assert "\x07=1+1" in cells  # a control character is not white space: the cell cannot start a formula
