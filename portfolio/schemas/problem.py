from marshmallow import Schema, fields, validate

from portfolio.errors import MAX_ERRORS


class FieldErrorSchema(Schema):
    location = fields.String(metadata={"description": "json, query, csv, xlsx, xml, files, header or body (a "
                                                      "required body is missing)"})
    pointer = fields.String(metadata={"description": "JSON Pointer (RFC 6901) to the offending field, e.g. "
                                                     "/items/17/priorities/0/share"})
    message = fields.String()
    row = fields.Integer(metadata={"description": "CSV and XLSX uploads: the line or sheet row (the header is 1)"})
    column = fields.String(metadata={"description": "CSV and XLSX uploads: the column's name"})
    column_letter = fields.String(metadata={"description": "XLSX uploads: the column's letter in the sheet (A, B, "
                                                           "..., AA)"})
    line = fields.Integer(metadata={"description": "XML uploads: the file's line where reading stopped (a file that "
                                                   "is not well-formed XML)"})
    identifier = fields.String(metadata={"description": "IATI imports: the iati-identifier of the activity in error"})


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema), validate=validate.Length(max=MAX_ERRORS), metadata={
        "description": f"Each invalid field, in document order: the first {MAX_ERRORS:,} (error_count says how many "
                       "there are)"})
    error_count = fields.Integer(metadata={"description": "How many errors there are, with `errors` (which lists at "
                                                          f"most {MAX_ERRORS:,})"})
