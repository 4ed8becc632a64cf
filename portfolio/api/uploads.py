"""Reading a bulk upload: a JSON body {"items": [...]}, a CSV or XLSX body, or a multipart form with a CSV or
XLSX `file` (told apart by its first bytes: a workbook is a zip)."""

from flask import request

from portfolio.api.auth import current_actor
from portfolio.api.problems import ProblemError
from portfolio.api.request_checks import json_body, not_json_detail, require_utf8
from portfolio.errors import DomainError, Invalid, field_error
from portfolio.schemas import bulk as bulk_schemas
from portfolio.schemas import csv_input, xlsx_input
from portfolio.services import transaction_import

CSV_TYPES = ("text/csv", "application/csv")
XLSX_TYPE = xlsx_input.XLSX


def request_body(json_schema, layout: csv_input.Layout, example: str) -> dict:
    """The OpenAPI requestBody of a bulk upload. The CSV is documented as bytes (`format: binary`): the file
    is sent as it is, and a generated client takes it as a file rather than a string it would re-encode."""
    csv = {"schema": {"type": "string", "format": "binary", "description": "A UTF-8 CSV file whose header row names "
                      "its columns, in any order, from: " + ", ".join(layout.columns) + "; the header must have "
                      + " and ".join(layout.required)},
           "example": example}
    xlsx = {"schema": {"type": "string", "format": "binary", "description": "An XLSX workbook: its first sheet, "
                       "laid out as the CSV (a header row, then one row per item; a formula is refused, paste its "
                       "value). All or nothing; every error names its row and column (name and letter)."}}
    # XLSX before CSV: a generated client (openapi-python-client 0.29) sends every raw file body with the type listed
    # last, so its raw file is a CSV; it sends a workbook as the multipart `file`, told apart by its first bytes.
    return {"required": True, "content": {
        "application/json": {"schema": json_schema},
        XLSX_TYPE: xlsx,
        "text/csv": csv,
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary", "description": "The CSV or XLSX file"}}}}}}


def items(layout: csv_input.Layout) -> tuple[object, dict[int, int] | None]:
    """(items, {item index: CSV line}) — the line map is None for JSON."""
    mimetype = request.mimetype
    if mimetype in CSV_TYPES:
        return csv_input.parse(request.get_data(), layout)
    if mimetype == XLSX_TYPE:
        return _xlsx(request.get_data(), layout)
    if mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Invalid([field_error("/file", "Upload the CSV or XLSX file as the form field `file`.", "files")])
        data = upload.read()
        if data[:4] == b"PK\x03\x04":
            return _xlsx(data, layout)
        require_utf8(upload.mimetype_params, "The file", "/file", "files")  # as for a CSV body
        return csv_input.parse(data, layout)
    try:
        body = json_body() if request.get_data(cache=True) else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProblemError(400, not_json_detail(exc)) from exc
    if not isinstance(body, dict) or set(body) != {"items"}:
        raise Invalid([field_error("/", "Expected {\"items\": [...]}.")], "The body must be an object with one "
                                                                         "field, `items`.")
    return body["items"], None


def _xlsx(data: bytes, layout: csv_input.Layout):
    try:
        return xlsx_input.parse(data, layout)
    except xlsx_input.TooLarge as exc:
        raise ProblemError(413, str(exc), type_="payload-too-large") from exc


def located(error, lines: dict[int, int] | None):
    """The same error, its rows and columns named when the items came from a file."""
    if lines is not None:
        error.errors = csv_input.locate(error.errors, lines)
    return error


def import_records(layout: csv_input.Layout, schemas: tuple, importer) -> dict:
    """A bulk import of budget lines or transactions (`importer`: services/budget_line_import.py or
    transaction_import.py): the rows' shape, then their projects locked, each row loaded as a new record or a
    change, and the upsert; every row's errors located in the file."""
    raw, lines = items(layout)
    try:
        shape = bulk_schemas.check_items(raw)
        if shape:
            raise Invalid(shape)
        projects = transaction_import.lock_projects(raw)
        create, update = schemas
        loaded, errors = bulk_schemas.load_items(raw, importer.is_update(projects), create, update)
        return importer.upsert(loaded, errors, projects, current_actor())
    except DomainError as error:
        raise located(error, lines) from error
