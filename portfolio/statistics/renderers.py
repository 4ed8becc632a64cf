"""The same answers as CSV or XLSX, with the same figures as the JSON: one rule for every format.

- A null figure is an empty cell; money and percentages have two places ("26.40" in CSV, a number
  formatted #,##0.00 in XLSX, never text).
- Every text cell that a spreadsheet could read as a formula (starting with = + - @, a tab or a
  carriage return) is prefixed with an apostrophe (OWASP CSV injection guidance), and XLSX text cells
  are written as strings, never formulas.
- XLSX sheets say which filters the figures answer and when they were generated.
"""
import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

from portfolio.statistics.measures import FIGURES

MONEY_FORMAT = "#,##0.00"
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TWO = Decimal("0.01")
HEADER_ROW = 6  # rows 1-4: title, filters, generation time, note; row 5 blank


def neutralise(text: str) -> str:
    """A text cell as data, never as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _figures(source: dict) -> list:
    return [source.get(name) for name, _, _ in FIGURES]


def table(result: dict) -> tuple[list[str], list[list], list]:
    """Header, body rows and total row of an answer, as typed cells (str, int, Decimal or None)."""
    names = [name for name, _, _ in FIGURES]
    if result["dimension"] == "region-priority":
        header = ["region", "region_label", "priority", "priority_label", *names]
        labels = {c["priority"]: c["label"] for c in result["columns"]}
        body = [[r["region"], r["label"], c["priority"], labels[c["priority"]], *_figures(c)]
                for r in result["rows"] for c in r["cells"]]
        body += [[r["region"], r["label"], "", "(all priorities)", *_figures(r)] for r in result["rows"]]
        body += [["", "(all regions)", c["priority"], c["label"], *_figures(c)] for c in result["columns"]]
        total = ["TOTAL", "additive", "", "", *_figures(result["total"])]
        return header, body, total
    header = ["key", "label", *names, "share_percent"]
    body = [[r["key"], r["label"], *_figures(r), r["share_percent"]] for r in result["rows"]]
    total = ["TOTAL", "additive" if result["additive"] else "rows overlap: not additive",
             *_figures(result["total"]), None]
    return header, body, total


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.quantize(TWO), "f")
    return neutralise(str(value))


def to_csv(result: dict) -> bytes:
    header, body, total = table(result)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in body + [total]:
        writer.writerow([_text(v) for v in row])
    return out.getvalue().encode("utf-8")


def _put(sheet, row: int, values: list, bold: bool = False) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        if isinstance(value, Decimal):
            cell.value = value.quantize(TWO)
            cell.number_format = MONEY_FORMAT
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            cell.value = value
        elif value is not None:
            cell.value = neutralise(str(value))
            cell.data_type = TYPE_STRING  # text, even if it looks like a formula
        if bold:
            cell.font = Font(bold=True)


def to_xlsx(result: dict, title: str) -> bytes:
    header, body, total = table(result)
    book = Workbook()
    sheet = book.active
    sheet.title = result["dimension"][:31]
    filters = "; ".join(f"{k}={v}" for k, v in sorted(result.get("filters", {}).items())) or "none (whole portfolio)"
    _put(sheet, 1, [title], bold=True)
    _put(sheet, 2, ["Filters", filters])
    _put(sheet, 3, ["Generated", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")])
    _put(sheet, 4, ["Note", result.get("note", "")])
    _put(sheet, HEADER_ROW, header, bold=True)
    for offset, row in enumerate(body, start=1):
        _put(sheet, HEADER_ROW + offset, row)
    _put(sheet, HEADER_ROW + len(body) + 1, total, bold=True)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(name: str, extension: str) -> str:
    return f"tcm-portfolio-{name}-{date.today().isoformat()}.{extension}"
