"""CSV uploads turned into the same items as a JSON body, so validation and error pointers
(/items/<row index>/<field>) are the same for both; every CSV error also says "location": "csv" and
gives the file's line (`row`, the header being line 1) and the `column`.

Cells: empty means "not given" (an upsert leaves the stored value alone); lists are separated by ';'; the
spaces around a cell or a list entry are dropped, nothing else (a quoted "RB-NL\\n" is not the code RB-NL);
a `clear` column names the fields to empty on purpose (e.g. `acronym;countries`).
"""
import csv
import io
from dataclasses import dataclass

from portfolio.errors import Invalid, field_error


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


def _parse(text: str, layout: Layout) -> tuple[list[dict], dict[int, int]]:
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader, [])]
    errors = [field_error(f"/columns/{name}", "Unknown column.", "csv", row=1, column=name)
              for name in header if name not in layout.columns]
    errors += [field_error(f"/columns/{name}", "Required column is missing.", "csv", row=1, column=name)
               for name in layout.required if name not in header]
    errors += [field_error(f"/columns/{name}", "Column given more than once.", "csv", row=1, column=name)
               for name in sorted({n for n in header if header.count(n) > 1})]
    if errors:
        raise Invalid(errors, "The CSV header does not match the documented layout.")
    items, lines = [], {}
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, as spreadsheets leave them
        if len(cells) > len(header):
            raise Invalid([field_error(f"/items/{len(items)}", "More cells than the header has columns.", "csv",
                                       row=reader.line_num)], f"CSV line {reader.line_num} has more cells than the "
                                                              "header.")
        lines[len(items)] = reader.line_num
        items.append(_item(dict(zip(header, cells)), layout))
    return items, lines


def _item(row: dict, layout: Layout) -> dict:
    item: dict = {}
    for name, cell in row.items():
        cell = cell.strip(" ")  # the spaces spreadsheets pad cells with; a line break is part of the value
        if not cell or name == "clear":
            continue
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
    """Errors of items that came from a CSV: location csv, with the file line and the column."""
    out = []
    for error in errors:
        parts = error["pointer"].split("/")
        if len(parts) >= 3 and parts[1] == "items" and parts[2].isdigit() and int(parts[2]) in lines:
            error = {**error, "location": "csv", "row": lines[int(parts[2])],
                     **({"column": parts[3]} if len(parts) > 3 else {})}
        out.append(error)
    return out
