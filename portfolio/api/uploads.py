"""Reading a bulk upload: a JSON body {"items": [...]}, a CSV body, or a multipart form with a CSV `file`."""
import json

from flask import request

from portfolio.api.problems import ProblemError
from portfolio.errors import Invalid, field_error
from portfolio.schemas import csv_input

CSV_TYPES = ("text/csv", "application/csv")
UPLOAD_TYPES = ("application/json", *CSV_TYPES, "multipart/form-data")


def request_body(json_schema, layout: csv_input.Layout, example: str) -> dict:
    """The OpenAPI requestBody of a bulk upload. The CSV is documented as bytes (`format: binary`): the file
    is sent as it is, and a generated client takes it as a file rather than a string it would re-encode."""
    csv = {"schema": {"type": "string", "format": "binary", "description": "A UTF-8 CSV file whose header row names "
                      "its columns, in any order, from: " + ", ".join(layout.columns) + "; the header must have "
                      + " and ".join(layout.required)},
           "example": example}
    return {"required": True, "content": {
        "application/json": {"schema": json_schema},
        "text/csv": csv,
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary", "description": "The CSV file"}}}}}}


def items(layout: csv_input.Layout) -> tuple[object, dict[int, int] | None]:
    """(items, {item index: CSV line}) — the line map is None for JSON."""
    mimetype = request.mimetype
    if mimetype in CSV_TYPES:
        return csv_input.parse(request.get_data(), layout)
    if mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Invalid([field_error("/file", "Upload the CSV as the form field `file`.", "files")])
        return csv_input.parse(upload.read(), layout)
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError as exc:
        raise ProblemError(400, "The body is not valid JSON.") from exc
    if not isinstance(body, dict) or set(body) != {"items"}:
        raise Invalid([field_error("/", "Expected {\"items\": [...]}.")], "The body must be an object with one "
                                                                         "field, `items`.")
    return body["items"], None


def located(error, lines: dict[int, int] | None):
    """The same error, its CSV rows and columns named when the items came from a file."""
    if lines is not None:
        error.errors = csv_input.locate(error.errors, lines)
    return error
