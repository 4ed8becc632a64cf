"""The same answers as CSV or XLSX, with the same figures as the JSON: one rule for every format.

- A null figure is an empty cell; money and percentages have two places ("26.40" in CSV, a number
  formatted #,##0.00 in XLSX, never text).
- Every text cell that a spreadsheet could read as a formula is prefixed with an apostrophe (OWASP CSV
  injection guidance): one starting with = + - @ (or their full-width forms), also after leading white
  space (a spreadsheet skips it: "\n=1+1" is a formula), or with a tab, a carriage return or a line feed.
  XLSX text cells are written as strings, never formulas.
- A control character a worksheet cannot hold (old data, from before the text rule refused them) is written
  as U+FFFD in XLSX instead of failing the whole file; CSV carries it as it is.
- XLSX sheets say which filters the figures answer and when they were generated.
"""
import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

from portfolio import xlsx
from portfolio.statistics.measures import FIGURES

MONEY_FORMAT = "#,##0.00"
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A formula starts with one of these signs (full-width forms included: spreadsheets read them as the ASCII
# ones), after any white space; the same pattern is used by PostgreSQL's COPY in services/exports.py, so the
# two engines write the same file. FORMULA is a regular expression both Python and PostgreSQL read alike.
LEADING_SPACE = " \t\n\r\x0b\x0c\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
FORMULA = f"^([\t\n\r]|[{LEADING_SPACE}]*[-=+@\uff1d\uff0b\uff0d\uff20])"
_FORMULA = re.compile(FORMULA)
TWO = Decimal("0.01")
HEADER_ROW = 6  # rows 1-4: title, filters, generation time, note; row 5 blank


def neutralise(text: str) -> str:
    """A text cell as data, never as a formula."""
    return "'" + text if _FORMULA.match(text) else text



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
    if "rows_dimension" in result:  # two dimensions crossed: the cells, then each margin, then the total
        rows_d, columns_d = result["rows_dimension"], result["columns_dimension"]
        header = [rows_d, f"{rows_d}_label", columns_d, f"{columns_d}_label", *names]
        labels = [c["label"] for c in result["columns"]]
        body = [[r["key"], r["label"], c["key"], label, *_figures(c)]
                for r in result["rows"] for c, label in zip(r["cells"], labels)]
        body += [[r["key"], r["label"], "", f"(all {columns_d})", *_figures(r)] for r in result["rows"]]
        body += [["", f"(all {rows_d})", c["key"], c["label"], *_figures(c)] for c in result["columns"]]
        total = ["TOTAL", "", "", "", *_figures(result["total"])]
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


def _cells(values: list) -> list:
    """Money with two places shown #,##0.00; text neutralised (a string cell is never a formula anyway)."""
    return [xlsx.Number(format(v.quantize(TWO), "f"), MONEY_FORMAT) if isinstance(v, Decimal)
            else neutralise(v) if isinstance(v, str) else v for v in values]


def to_xlsx(result: dict, title: str) -> bytes:
    header, body, total = table(result)
    filters = "; ".join(f"{k}={v}" for k, v in sorted(result.get("filters", {}).items())) or "none (whole portfolio)"
    book = xlsx.Workbook(result["dimension"].replace("/", " by "), freeze_rows=HEADER_ROW)
    book.append([title], bold=True)
    book.append(_cells(["Filters", filters]))
    book.append(["Generated", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")])
    book.append(_cells(["Note", result.get("note", "")]))
    book.append([])
    book.append(header, bold=True)
    for row in body:
        book.append(_cells(row))
    book.append(_cells(total), bold=True)
    return book.close()


def filename(name: str, extension: str) -> str:
    return f"tcm-portfolio-{name.replace('/', '-by-')}-{date.today().isoformat()}.{extension}"
