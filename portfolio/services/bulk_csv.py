"""CSV layout of a bulk upload: one project per row, turned into the same items as the JSON body,
so validation and error pointers (/items/<row index>/<field>) are the same for both.

Columns (header row required, order free, unknown columns refused):
  code, title, region                          required
  acronym, description, status, start_date, end_date, post_emergency (true/false)
  countries       ISO codes separated by ';'                   e.g. AL;BA
  priorities      codes separated by ';', each optionally ':share' e.g. cooperation:60;harmonization:40
  activity_types  codes separated by ';'
  rcps            codes separated by ';'
Empty cells are left out (defaults apply). Row index 0 is the first row after the header.
"""
import csv
import io

from portfolio.errors import ProblemError, field_error

COLUMNS = ("code", "title", "region", "acronym", "description", "status", "start_date", "end_date",
           "post_emergency", "countries", "priorities", "activity_types", "rcps")
LISTS = ("countries", "activity_types", "rcps")
REQUIRED = ("code", "title", "region")


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _bad_file(message: str) -> ProblemError:
    return ProblemError(422, message, type_="validation-error", errors=[field_error("/", message, "csv")])


def parse(data: bytes) -> list[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _bad_file(f"The CSV is not UTF-8 (byte {exc.start}).") from exc
    try:
        return _parse(text)
    except csv.Error as exc:
        raise _bad_file(f"The CSV cannot be read: {exc}.") from exc


def _parse(text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in header]
    if unknown or missing:
        errors = [field_error(f"/columns/{name}", "Unknown column.", "csv") for name in unknown]
        errors += [field_error(f"/columns/{name}", "Required column is missing.", "csv") for name in missing]
        raise ProblemError(422, "The CSV header does not match the documented layout.", type_="validation-error",
                           errors=errors)
    items = []
    for row in reader:
        if None in row:
            raise ProblemError(422, f"CSV line {reader.line_num} has more cells than the header.",
                               type_="validation-error",
                               errors=[field_error(f"/items/{len(items)}", "Too many cells.", "csv")])
        item: dict = {}
        for name, cell in row.items():
            cell = (cell or "").strip()
            if name in LISTS:
                item[name] = _split(cell)
            elif name == "priorities":
                item[name] = []
                for part in _split(cell):
                    code, _, share = part.partition(":")
                    item[name].append({"code": code.strip(), **({"share": share.strip()} if share else {})})
            elif cell:
                item[name] = cell
        items.append(item)
    return items
