"""XLSX uploads: the first sheet of a workbook read as the CSV's rows (openpyxl, read-only), so items,
pointers and errors are those of a CSV, with "location": "xlsx" and each column's letter.

Cells: text as it is; whole numbers as digits; other numbers as the shortest decimal that is the cell's
double (what was typed, up to 15 significant digits; more cannot be read exactly from a spreadsheet number
and is refused: type it as text); dates as YYYY-MM-DD; TRUE/FALSE as true/false. A formula is refused
(paste its value): its cached result may be missing or stale. Every such cell is reported, each with its item's
pointer (/items/<index>/<column>), row, column and letter, as the rows' other cell errors are.

A workbook is a zip of XML: before openpyxl opens it, the zip's members are counted and their declared
sizes added up (zipfile reads no more than a member declares), so a zip bomb is refused without being
inflated; openpyxl parses the XML with defusedxml (entity expansion refused); at most MAX_ROWS rows are
read, and the sheet's declared dimension is ignored.
"""
import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

from portfolio.errors import Invalid, field_error
from portfolio.schemas.csv_input import Layout, Lines, from_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UNCOMPRESSED = 64 * 1024 * 1024  # bytes of XML, all members together
MAX_MEMBERS = 1000
MAX_ROWS = 10_001  # the header and 5,000 items leave room for blank rows; more is refused, not cut


class TooLarge(Exception):
    """The workbook would inflate beyond what the server reads (api/uploads.py answers 413)."""


def _bad_file(message: str, **extra) -> Invalid:
    return Invalid([field_error("/", message, "xlsx", **extra)], message)


def letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(65 + remainder) + name
    return name


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _bad_file("The file is not an XLSX workbook (not a zip; an .xls or encrypted workbook is not "
                        "read: save it as .xlsx).") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise TooLarge(f"The workbook has {len(members):,} parts; at most {MAX_MEMBERS:,} are read.")
        total = sum(member.file_size for member in members)
        if total > MAX_UNCOMPRESSED:
            raise TooLarge(f"The workbook inflates to {total:,} bytes; at most {MAX_UNCOMPRESSED:,} are read "
                           "(save only the sheet to import, or split it).")


class _Unreadable(Exception):
    """A cell whose value is not read (a formula, a number a double cannot hold exactly): its message."""


def _text(value, column: str, row: int, col: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        number = Decimal(repr(value))
        if len(number.as_tuple().digits) > 15:
            raise _Unreadable("A number of more than 15 significant digits cannot be read exactly from a "
                              "spreadsheet number: enter it as text.")
        return format(number, "f")
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}" if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    return str(value)


def _cell_error(row: int, col: int, column: str | None, message: str) -> Invalid:
    extra = {"row": row, "column_letter": letter(col)}
    if column:
        extra["column"] = column
    return _bad_file(f"Cell {letter(col)}{row}: {message}", **extra)


def parse(data: bytes, layout: Layout) -> tuple[list[dict], Lines]:
    """(items, {item index: sheet row}) from the workbook's first sheet. Raises Invalid for a workbook that
    cannot be read, TooLarge for one that would inflate beyond the limits."""
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl's errors are of many kinds (KeyError, ValueError, XML errors...)
        raise _bad_file("The workbook cannot be read (it is damaged, or not an XLSX workbook).") from exc
    try:
        if not workbook.worksheets:
            raise _bad_file("The workbook has no sheet.")
        sheet = workbook.worksheets[0]
        return _rows(sheet, layout)
    except (Invalid, TooLarge):
        raise
    except Exception as exc:
        raise _bad_file("The workbook's first sheet cannot be read (it is damaged).") from exc
    finally:
        workbook.close()


def _rows(sheet, layout: Layout) -> tuple[list[dict], Lines]:
    # The sheet's declared dimension is not trusted (openpyxl would pad every row to it): rows are as long as
    # the cells they hold, which the inflated size bounds.
    sheet.reset_dimensions()
    rows = sheet.iter_rows()
    header_cells = next(rows, ())
    header: list[str] = []
    for col, cell in enumerate(header_cells):
        if getattr(cell, "data_type", None) == "f":
            raise _cell_error(1, col, None, "A formula is not read; the header holds column names.")
        try:
            header.append(_text(cell.value, "", 1, col).strip())
        except _Unreadable as exc:
            raise _cell_error(1, col, None, str(exc)) from exc
    while header and not header[-1]:
        header.pop()
    lines = Lines("xlsx", {name: letter(i) for i, name in enumerate(header) if name})
    unreadable: list[tuple[int, int, str | None, str]] = []  # (sheet row, column index, column name, message)

    def cells():
        count = 1
        for cells_of_row in rows:
            count += 1
            if count > MAX_ROWS:
                raise Invalid([field_error("/items", f"The sheet has more than {MAX_ROWS - 1:,} rows after the "
                                                     "header; nothing was read.", "xlsx")],
                              f"The sheet has more than {MAX_ROWS - 1:,} rows after the header.")
            row_number = getattr(cells_of_row[0], "row", None) if cells_of_row else None
            row_number = row_number or count
            values = []
            for col, cell in enumerate(cells_of_row):
                name = header[col] if col < len(header) else None
                try:
                    if getattr(cell, "data_type", None) == "f":
                        raise _Unreadable("A formula is not imported: paste its value instead (Paste Special > "
                                          "Values).")
                    values.append(_text(cell.value, name, row_number, col))
                except _Unreadable as exc:
                    # Every such cell is reported, each where it is, as the rows' other cell errors are.
                    unreadable.append((row_number, col, name, str(exc)))
                    values.append("?")  # not blank: the row keeps its item index
            while values and not values[-1].strip():
                values.pop()
            yield row_number, values
    items, lines = from_rows(cells(), layout, lines, header_row=(1, header))
    if unreadable:
        raise _cells_invalid(unreadable, lines)
    return items, lines


def _cells_invalid(unreadable: list[tuple[int, int, str | None, str]], lines: Lines) -> Invalid:
    """The unreadable cells' errors, located as every cell error is: /items/<index>/<column>, the sheet's row,
    the column's name and letter."""
    index_of_row = {row: index for index, row in lines.items()}
    errors = []
    for row, col, name, message in unreadable:
        index = index_of_row.get(row)
        pointer = "/" if index is None else f"/items/{index}/{name}" if name else f"/items/{index}"
        errors.append(field_error(pointer, f"Cell {letter(col)}{row}: {message}", "xlsx", row=row,
                                  column_letter=letter(col), **({"column": name} if name else {})))
    return Invalid(errors, f"{len(errors)} cell(s) of the sheet cannot be read: " + ", ".join(
        f"{letter(col)}{row}" for row, col, _, _ in unreadable[:10]) + (", ..." if len(unreadable) > 10 else ""))
