"""A one-sheet XLSX workbook written as SpreadsheetML directly, row by row into the zip stream.

openpyxl built a Python object per cell and took about 1 s per 40,000 cells (write-only mode included): a
crossed aggregate of a grown portfolio, and a bulk export of a few thousand transactions on a loaded machine,
reached Schemathesis's 10 s timeout. This writes the same files about ten times faster, in memory bounded by
the compressed output; openpyxl still reads them in the tests and in the importers.

A cell is a value: `str` is always an inline string (never a formula; `Text(..., quote=True)` also shows and
edits it as text), `Number` a number written exactly as its decimal text with a number format, `date` a date
serial with the format `yyyy-mm-dd`, None an empty cell. Bold is per row (headers, totals).
"""
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
EPOCH = date(1899, 12, 30)  # serial 0 of the 1900 date system (its phantom 1900-02-29 lies before any date here)
MAX_ROWS = 1_048_576
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;", '"': "&quot;"})
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_STATIC = {
    "[Content_Types].xml": f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/></Types>',
    "_rels/.rels": f'{_XML}<Relationships xmlns="{_PACKAGE}"><Relationship Id="rId1" '
    f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/_rels/workbook.xml.rels": f'{_XML}<Relationships xmlns="{_PACKAGE}">'
    f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELS}/styles" Target="styles.xml"/></Relationships>',
}


@dataclass(frozen=True, slots=True)
class Number:
    """A number cell: `text` is its exact decimal text (what the reader parses), `format` how it is shown."""

    text: str
    format: str = "General"


@dataclass(frozen=True, slots=True)
class Text:
    """A text cell; `quote` marks it as text for editing too (Excel's quotePrefix: it looks like a formula)."""

    text: str
    quote: bool = False


def sheet_text(text: str) -> str:
    """Text a worksheet can hold: XML 1.0 cannot carry most control characters (U+FFFD stands in)."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)


def column_letter(index: int) -> str:
    """The letter of a 0-based column (A, ..., Z, AA, ...)."""
    name, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


class _Styles:
    """The cell formats used so far: (bold, number format, quote prefix) -> its index in cellXfs."""

    def __init__(self) -> None:
        self.index: dict[tuple[bool, str, bool], int] = {(False, "General", False): 0}
        self.formats: dict[str, int] = {"General": 0}

    def of(self, bold: bool, number_format: str = "General", quote: bool = False) -> int:
        key = (bold, number_format, quote)
        if key not in self.index:
            if number_format not in self.formats:
                self.formats[number_format] = 163 + len(self.formats)  # custom formats start at 164
            self.index[key] = len(self.index)
        return self.index[key]

    def _xf(self, bold: bool, number_format: str, quote: bool) -> str:
        flags = (' applyFont="1"' if bold else "") + (' applyNumberFormat="1"' if number_format != "General" else "")
        flags += ' quotePrefix="1"' if quote else ""
        number = self.formats[number_format]
        return f'<xf numFmtId="{number}" fontId="{int(bold)}" fillId="0" borderId="0" xfId="0"{flags}/>'

    def xml(self) -> str:
        custom = [(name, number) for name, number in self.formats.items() if number]
        formats = "".join(f'<numFmt numFmtId="{number}" formatCode="{name.translate(_ESCAPES)}"/>'
                          for name, number in custom)
        xfs = "".join(self._xf(*key) for key in self.index)
        return (f'{_XML}<styleSheet xmlns="{_MAIN}">'
                + (f'<numFmts count="{len(custom)}">{formats}</numFmts>' if custom else "")
                + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
                '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
                'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/>'
                '<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
                f'borderId="0"/></cellStyleXfs><cellXfs count="{len(self.index)}">{xfs}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


class Workbook:
    """One sheet, written as rows are added; `close()` gives the file's bytes."""

    def __init__(self, sheet_name: str, freeze_rows: int = 0) -> None:
        self.name = sheet_text(sheet_name)[:31]
        self.styles = _Styles()
        self.rows = 0
        self._out = io.BytesIO()
        self._zip = zipfile.ZipFile(self._out, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._sheet = io.TextIOWrapper(self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True),
                                       encoding="utf-8")
        view = ""
        if freeze_rows:
            first = f"A{freeze_rows + 1}"
            view = (f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{freeze_rows}" topLeftCell="{first}" '
                    f'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="{first}" '
                    f'sqref="{first}"/></sheetView></sheetViews>')
        self._sheet.write(f'{_XML}<worksheet xmlns="{_MAIN}">{view}<sheetData>')

    def append(self, values, bold: bool = False) -> None:
        self.rows += 1
        row, cells = self.rows, []
        for column, value in enumerate(values):
            where = f"{column_letter(column)}{row}"
            if value is None or value == "":
                if bold:  # an empty cell of a bold row keeps the row's style
                    cells.append(f'<c r="{where}" s="{self.styles.of(True)}"/>')
                continue
            if isinstance(value, Number):
                cells.append(f'<c r="{where}"{self._style(bold, value.format)}><v>{value.text}</v></c>')
            elif isinstance(value, datetime):  # naive or UTC: the serial's fraction is the time of day
                serial = (value.replace(tzinfo=None) - datetime(1899, 12, 30)).total_seconds() / 86400
                cells.append(f'<c r="{where}"{self._style(bold, DATETIME_FORMAT)}><v>{serial!r}</v></c>')
            elif isinstance(value, date):
                cells.append(f'<c r="{where}"{self._style(bold, DATE_FORMAT)}><v>{(value - EPOCH).days}</v></c>')
            elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                cells.append(f'<c r="{where}"{self._style(bold)}><v>{value}</v></c>')
            else:
                text, quote = (value.text, value.quote) if isinstance(value, Text) else (str(value), False)
                cells.append(f'<c r="{where}"{self._style(bold, quote=quote)} t="inlineStr"><is>'
                             f'<t xml:space="preserve">{sheet_text(text).translate(_ESCAPES)}</t></is></c>')
        self._sheet.write(f'<row r="{row}">{"".join(cells)}</row>')

    def _style(self, bold: bool, number_format: str = "General", quote: bool = False) -> str:
        index = self.styles.of(bold, number_format, quote)
        return f' s="{index}"' if index else ""

    def close(self) -> bytes:
        self._sheet.write("</sheetData></worksheet>")
        self._sheet.close()
        workbook = (f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>'
                    f'<sheet name="{self.name.translate(_ESCAPES)}" sheetId="1" r:id="rId1"/></sheets></workbook>')
        for path, text in {**_STATIC, "xl/workbook.xml": workbook, "xl/styles.xml": self.styles.xml()}.items():
            self._zip.writestr(path, text.encode("utf-8"))
        self._zip.close()
        return self._out.getvalue()
