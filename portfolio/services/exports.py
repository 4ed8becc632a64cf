"""The same aggregate figures as CSV or XLSX. Amounts stay exact: CSV holds the decimal strings,
and the spreadsheet gets Decimal cells (written as their exact decimal text) formatted with 2 places."""
import csv
import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font

MONEY_FORMAT = "#,##0.00"
CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table(result: dict) -> tuple[list[str], list[list], list]:
    """Header, body rows and total row of an aggregate or cross-tab result, as typed cells."""
    if result["dimension"] == "region-priority":
        header = ["region", "label"] + [c["priority"] for c in result["columns"]] + [
            "project_count", "unknown_budget_count", "budget_usd"]
        body = [[r["region"], r["label"]] + [c["budget_usd"] for c in r["cells"]] + [
            r["project_count"], r["unknown_budget_count"], r["budget_usd"]] for r in result["rows"]]
        total = ["TOTAL", ""] + [c["budget_usd"] for c in result["columns"]] + [
            result["total"]["project_count"], result["total"]["unknown_budget_count"], result["total"]["budget_usd"]]
        return header, body, total
    header = ["key", "label", "project_count", "unknown_budget_count", "budget_usd", "share_percent"]
    body = [[r["key"], r["label"], r["project_count"], r["unknown_budget_count"], r["budget_usd"],
             r["share_percent"]] for r in result["rows"]]
    total = ["TOTAL", "additive" if result["additive"] else "rows overlap: not additive",
             result["total"]["project_count"], result["total"]["unknown_budget_count"],
             result["total"]["budget_usd"], None]
    return header, body, total


def _text(value) -> str:
    if value is None:
        return ""
    return format(value, "f") if hasattr(value, "as_tuple") else str(value)


def to_csv(result: dict) -> bytes:
    header, body, total = table(result)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in body + [total]:
        writer.writerow([_text(v) for v in row])
    return out.getvalue().encode("utf-8")


def to_xlsx(result: dict) -> bytes:
    header, body, total = table(result)
    book = Workbook()
    sheet = book.active
    sheet.title = result["dimension"][:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    money_columns = {i for i, name in enumerate(header)
                     if name in ("budget_usd", "share_percent") or (result["dimension"] == "region-priority"
                                                                   and 2 <= i < len(header) - 3)}
    for row in body + [total]:
        sheet.append(row)
        for index in money_columns:
            sheet.cell(row=sheet.max_row, column=index + 1).number_format = MONEY_FORMAT
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(dimension: str, extension: str) -> str:
    return f"tcm-portfolio-{dimension}-{date.today().isoformat()}.{extension}"
