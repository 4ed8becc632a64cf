"""CSV uploads turned into the same items as a JSON body, so validation and error pointers
(/items/<row index>/<field>) are the same for both; every CSV error also says "location": "csv" and
gives the file's line (`row`, the header being line 1) and the `column`.

Cells: empty means "not given" (an upsert leaves the stored value alone); lists are separated by ';'; the
spaces around a cell or a list entry are dropped, nothing else (a quoted "RB-NL\\n" is not the code RB-NL);
a `clear` column names the fields to empty on purpose (e.g. `acronym;countries`); a CSV cell starting with an
apostrophe before `=`, `+`, `-`, `@`, a tab, a carriage return or another apostrophe is read without that
apostrophe (the exports write formula-like text so: see escape()).

Spreadsheets (schemas/xlsx_input.py) give the same rows, so their items, pointers and errors are the same,
with "location": "xlsx" and each column's letter too.
"""
import csv
import io
from dataclasses import dataclass

from portfolio.errors import Invalid, field_error

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # as statistics/renderers.py (schemas may not import it)


@dataclass(frozen=True)
class Layout:
    columns: tuple[str, ...]
    required: tuple[str, ...]
    lists: tuple[str, ...] = ()
    pairs: dict | None = None  # column -> (first key, second key) of "a:b" entries, e.g. priorities code:share
    nullable: tuple[str, ...] = ()  # fields `clear` sets to null (lists are set to [])


def _bad_file(message: str, **extra) -> Invalid:
    return Invalid([field_error("/", message, "csv", **extra)], message)


def _split(cell: str) -> list[str]:
    return [part.strip(" ") for part in cell.split(";") if part.strip(" ")]


def parse(data: bytes, layout: Layout) -> tuple[list[dict], dict[int, int]]:
    """(items, {item index: file line}). Raises Invalid for a file that cannot be read at all."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _bad_file(f"The CSV is not UTF-8 (byte {exc.start}).") from exc
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _bad_file("The CSV contains a NUL character.", row=line)
    try:
        return _parse(text, layout)
    except csv.Error as exc:
        raise _bad_file(f"The CSV cannot be read: {exc}.") from exc


class Lines(dict):
    """{item index: the file's line (row)}, and how the file's cells are named in errors: `location` ("csv" or
    "xlsx") and, for a spreadsheet, each column's letter."""

    def __init__(self, location: str = "csv", letters: dict[str, str] | None = None):
        super().__init__()
        self.location, self.letters = location, letters or {}

    def where(self, column: str | None) -> dict:
        if column is None or column not in self.letters:
            return {}
        return {"column_letter": self.letters[column]}


def _parse(text: str, layout: Layout) -> tuple[list[dict], dict[int, int]]:
    reader = csv.reader(io.StringIO(text))

    def rows():
        for cells in reader:
            yield reader.line_num, cells
    return from_rows(rows(), layout, Lines("csv"))


def from_rows(rows, layout: Layout, lines: Lines, header_row: tuple[int, list[str]] | None = None
              ) -> tuple[list[dict], Lines]:
    """Items from (line, cells) rows, the first being the header; shared by CSV and XLSX."""
    location = lines.location
    first = header_row or next(rows, (1, []))
    header = [name.strip() for name in first[1]]
    errors = [field_error(f"/columns/{name}", "Unknown column.", location, row=1, column=name, **lines.where(name))
              for name in header if name not in layout.columns]
    errors += [field_error(f"/columns/{name}", "Required column is missing.", location, row=1, column=name)
               for name in layout.required if name not in header]
    errors += [field_error(f"/columns/{name}", "Column given more than once.", location, row=1, column=name)
               for name in sorted({n for n in header if header.count(n) > 1})]
    if errors:
        raise Invalid(errors, f"The {location.upper()} header does not match the documented layout.")
    items = []
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, as spreadsheets leave them
        if len(cells) > len(header):
            raise Invalid([field_error(f"/items/{len(items)}", "More cells than the header has columns.", location,
                                       row=line)], f"{location.upper()} line {line} has more cells than the "
                                                   "header.")
        lines[len(items)] = line
        items.append(_item(dict(zip(header, cells)), layout, unescape_cells=location == "csv"))
    return items, lines


def unescape(cell: str) -> str:
    """A CSV cell as the import-layout exports write it: text a spreadsheet would read as a formula carries a
    leading apostrophe (statistics/renderers.py), which is not part of the value."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in (*FORMULA_START, "'") else cell


def escape(text: str) -> str:
    """The inverse of unescape(): what an import-layout CSV export writes for a text value."""
    return "'" + text if text[:1] in FORMULA_START or (text[:1] == "'" and text[1:2] in (*FORMULA_START, "'")) \
        else text


def _item(row: dict, layout: Layout, unescape_cells: bool = True) -> dict:
    item: dict = {}
    for name, cell in row.items():
        cell = cell.strip(" ")  # the spaces spreadsheets pad cells with; a line break is part of the value
        if not cell or name == "clear":
            continue
        if unescape_cells:
            cell = unescape(cell)
        if name in layout.lists:
            item[name] = _split(cell)
        elif layout.pairs and name in layout.pairs:
            first, second = layout.pairs[name]
            item[name] = []
            for part in _split(cell):
                key, _, value = part.partition(":")
                key, value = key.strip(" "), value.strip(" ")
                item[name].append({first: key, **({second: value} if value else {})})
        else:
            item[name] = cell
    for name in _split(row.get("clear") or ""):
        item[name] = [] if name in layout.lists or (layout.pairs and name in layout.pairs) else None
    return item


def locate(errors: list[dict], lines: dict[int, int]) -> list[dict]:
    """Errors of items that came from a file: location csv (or xlsx), with the file line (row) and the column
    (its name, and in a spreadsheet its letter)."""
    location = getattr(lines, "location", "csv")
    out = []
    for error in errors:
        parts = error["pointer"].split("/")
        if len(parts) >= 3 and parts[1] == "items" and parts[2].isdigit() and int(parts[2]) in lines:
            column = parts[3] if len(parts) > 3 else None
            where = lines.where(column) if isinstance(lines, Lines) else {}
            error = {**error, "location": location, "row": lines[int(parts[2])],
                     **({"column": column} if column else {}), **where}
        out.append(error)
    return out
