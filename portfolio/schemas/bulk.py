"""Bulk uploads (projects, budget lines, transactions): the query, the body, the CSV layouts, and the loading of every
item with the schema that fits it (a new project needs every required field; a row updating an
existing one carries only what it changes)."""
from marshmallow import Schema, ValidationError, fields, validate

from portfolio.errors import field_error, flatten_messages
from portfolio.models.base import MAX_ID
from portfolio.models.project import CSV_FIELDS
from portfolio.schemas.budget_lines import BudgetLineWriteSchema
from portfolio.schemas.csv_input import Layout
from portfolio.schemas.fields import CODE_HELP, CODE_PATTERN, BoundedDateTime, BoundedList, Code, enum, shared_enum
from portfolio.schemas.projects import ProjectCreateSchema, optional
from portfolio.schemas.reference import QuerySchema
from portfolio.schemas.transactions import TransactionWriteSchema

MAX_ITEMS = 5000
IF_MATCH_HELP = ("The version you expect the project to have: its `version` number or its ETag. If the project "
                 "has another version (or does not exist) the row fails with a precondition error and nothing is "
                 "written.")


class IfMatchField(fields.Field):
    """A version number (or digits, from CSV) or an ETag string."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValidationError("A version number or an ETag.")
        # ASCII digits only: str.isdigit() is also true of "¹" and "٣", which int() refuses (a 500 Schemathesis found).
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
            value = int(value)
        if isinstance(value, int) and not 1 <= value < 2**31:
            raise ValidationError("A version number is between 1 and 2^31-1.")
        if isinstance(value, str) and not 1 <= len(value) <= 100:
            raise ValidationError("An ETag is 1-100 characters.")
        return value


class BulkProjectCreateSchema(ProjectCreateSchema):
    if_match = IfMatchField(metadata={"description": IF_MATCH_HELP, "oneOf": [{"type": "integer"},
                                                                              {"type": "string"}]})


BulkProjectUpdateSchema = optional(BulkProjectCreateSchema, "BulkProjectUpdateSchema")
BulkProjectUpdateSchema._declared_fields["code"].required = True


class BulkQuerySchema(QuerySchema):
    mode = enum(("create", "upsert"), load_default="create", metadata={
        "description": "create: every code must be new; upsert: create new codes, update existing ones with the "
                       "fields each row carries (absent fields and empty CSV cells keep their stored value)"})


# A row as published: only `code` is required and nothing has a default, because a row updating a project
# carries only what it changes (a generated client would otherwise send every default, and an upsert would
# reset those fields). A new project's row is loaded by BulkProjectCreateSchema all the same (title, region
# and priorities required, defaults applied).
BulkProjectRowSchema = type("BulkProjectRowSchema", (BulkProjectUpdateSchema,), {})


class BulkProjectsRequestSchema(Schema):
    items = BoundedList(fields.Nested(BulkProjectRowSchema), min_items=1, max_items=MAX_ITEMS, required=True, metadata={
        "description": f"Up to {MAX_ITEMS:,} projects. A new project needs title, region and priorities (and gets "
                       "the defaults of POST /projects); a row for an existing one (mode=upsert) changes only the "
                       "fields it carries"})


class BulkItemResultSchema(Schema):
    index = fields.Integer()
    code = fields.String()
    action = shared_enum("BulkAction")


class BulkResultSchema(Schema):
    mode = fields.String()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer(metadata={"description": "Rows equal to the stored project: nothing written"})
    items = fields.List(fields.Nested(BulkItemResultSchema))


class BulkTransactionItemSchema(TransactionWriteSchema):
    project = Code(CODE_PATTERN, CODE_HELP, required=True, metadata={"description": "The project's code",
                                                                     "x-vocabulary": "/api/v1/projects"})


BulkTransactionUpdateSchema = optional(BulkTransactionItemSchema, "BulkTransactionUpdateSchema")
for _name in ("project", "reference"):
    BulkTransactionUpdateSchema._declared_fields[_name].required = True


BulkTransactionRowSchema = type("BulkTransactionRowSchema", (BulkTransactionUpdateSchema,), {})  # as projects'


class BulkTransactionsRequestSchema(Schema):
    items = BoundedList(fields.Nested(BulkTransactionRowSchema), min_items=1, max_items=MAX_ITEMS, required=True,
                        metadata={
        "description": f"Up to {MAX_ITEMS:,} transactions. A new one (by project and reference) needs type, date, "
                       "amount and currency; a row for an existing one changes only the fields it carries"})


class BulkTransactionResultItemSchema(Schema):
    index = fields.Integer()
    project = fields.String()
    reference = fields.String()
    action = shared_enum("BulkAction")


class BulkTransactionResultSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    items = fields.List(fields.Nested(BulkTransactionResultItemSchema))


class BulkBudgetLineItemSchema(BudgetLineWriteSchema):
    project = Code(CODE_PATTERN, CODE_HELP, required=True, metadata={"description": "The project's code"})
    line_id = fields.Integer(strict=False, validate=validate.Range(1, MAX_ID), metadata={
        "description": "The budget line to update (its id, as the export writes it); absent: a new line"})


BulkBudgetLineUpdateSchema = optional(BulkBudgetLineItemSchema, "BulkBudgetLineUpdateSchema")
for _name in ("project", "line_id"):
    BulkBudgetLineUpdateSchema._declared_fields[_name].required = True


BulkBudgetLineRowSchema = type("BulkBudgetLineRowSchema", (BulkBudgetLineUpdateSchema,), {})


class BulkBudgetLinesRequestSchema(Schema):
    items = BoundedList(fields.Nested(BulkBudgetLineRowSchema), min_items=1, max_items=MAX_ITEMS, required=True,
                        metadata={"description": f"Up to {MAX_ITEMS:,} budget lines. A row without line_id is a new "
                                                 "line (period_start, period_end, amount and currency required); a "
                                                 "row with one changes that line of the project with the fields it "
                                                 "carries"})


class BulkBudgetLineResultItemSchema(Schema):
    index = fields.Integer()
    project = fields.String()
    line_id = fields.Integer()
    action = shared_enum("BulkAction")


class BulkBudgetLineResultSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    items = fields.List(fields.Nested(BulkBudgetLineResultItemSchema))


PROJECT_CSV = Layout(
    columns=(*(f.name for f in CSV_FIELDS), "if_match", "clear"),
    required=("code",), lists=tuple(f.name for f in CSV_FIELDS if f.kind == "links" and f.name != "priorities"),
    pairs={"priorities": ("code", "share")}, nullable=tuple(f.name for f in CSV_FIELDS if f.put is None))
TRANSACTION_CSV = Layout(
    columns=("project", "reference", "type", "date", "amount", "currency", "fx_rate", "fx_value_date", "provider",
             "receiver", "description", "clear"),
    required=("project", "reference"), nullable=("fx_rate", "fx_value_date", "provider", "receiver", "description"))
BUDGET_LINE_CSV = Layout(
    columns=("project", "line_id", "period_start", "period_end", "amount", "currency", "fx_rate", "fx_value_date",
             "donor", "type", "status", "clear"),
    required=("project",), nullable=("fx_rate", "fx_value_date", "donor"))


def csv_projects(items: list[dict]) -> list[dict]:
    """CSV cells are text: post_emergency true/false, participations as organisation:role[:share]."""
    for item in items:
        if isinstance(item.get("post_emergency"), str):
            value = item["post_emergency"].lower()
            item["post_emergency"] = {"true": True, "false": False}.get(value, value)
        if isinstance(item.get("participating_organisations"), list):
            entries = []
            for part in item["participating_organisations"]:
                organisation, _, rest = part.partition(":")
                role, _, share = rest.partition(":")
                entries.append({"organisation": organisation, "role": role, **({"share": share} if share else {})})
            item["participating_organisations"] = entries
    return items


def check_items(items) -> list[dict]:
    if not isinstance(items, list):
        return [field_error("/items", "Must be a list.")]
    if not items:
        return [field_error("/items", "Give at least one item.")]
    if len(items) > MAX_ITEMS:
        return [field_error("/items", f"At most {MAX_ITEMS:,} items; got {len(items):,}.")]
    return []


def load_items(items: list, is_update, create_schema: Schema, update_schema: Schema) -> tuple[list, list[dict]]:
    """Each item loaded by the schema that fits it; every error of every item, with its pointer."""
    loaded, errors = [], []
    for index, item in enumerate(items):
        schema = update_schema if isinstance(item, dict) and is_update(item) else create_schema
        try:
            loaded.append(schema.load(item))
        except ValidationError as exc:
            loaded.append(None)
            errors.extend(flatten_messages({"items": {index: exc.messages}}, "json"))
    return loaded, errors


class DeletedQuerySchema(QuerySchema):
    since = BoundedDateTime(required=True, metadata={"description": "ISO 8601 (UTC if no offset); deletions at or "
                                                                    "after it"})


class DeletedProjectSchema(Schema):
    code = fields.String()
    deleted_at = fields.AwareDateTime()
    actor = fields.String()


PROJECT_SCHEMAS = (BulkProjectCreateSchema(), BulkProjectUpdateSchema())
TRANSACTION_SCHEMAS = (BulkTransactionItemSchema(), BulkTransactionUpdateSchema())
BUDGET_LINE_SCHEMAS = (BulkBudgetLineItemSchema(), BulkBudgetLineUpdateSchema())
