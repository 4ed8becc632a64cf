"""Project input and output schemas. Input reports every error of a body at once: field errors, unknown
codes and cross-field rules together (schema validators run even when a field failed)."""
import copy
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, missing, validates_schema

from portfolio.models import ORGANISATION_ROLES
from portfolio.rules import date_order_errors
from portfolio.schemas.fields import (
    CODE_HELP,
    CODE_PATTERN,
    BoundedList,
    Code,
    DecimalString,
    Money,
    StrictBoolean,
    StrictDate,
    Text,
    VocabularyCode,
    shared_enum,
)

HUNDRED = Decimal(100)
MAX_COUNTRIES = 300


class StrictSchema(Schema):
    """Request bodies reject unknown fields, so a typo never passes silently."""

    class Meta:
        unknown = RAISE


def share_field(**kwargs) -> DecimalString:
    return DecimalString(2, digits=3, low=Decimal(0), low_exclusive=True, high=HUNDRED, load_default=None,
                         allow_none=True, **kwargs)


_SHARE = share_field()


class PriorityShareInSchema(StrictSchema):
    code = VocabularyCode("priorities", required=True, metadata={"example": "irregular-migration"})
    share = share_field(metadata={"description": "Percent of the project serving this priority, as a decimal "
                                                 "string; all shares or none (none: equal split, remainder to the "
                                                 "first in the order of §13)", "example": "50.00"})


class ParticipationInSchema(StrictSchema):
    organisation = VocabularyCode("organisations", required=True, metadata={
        "description": "Organisation code, see /api/v1/organisations", "example": "IOM"})
    role = shared_enum("OrganisationRole", required=True)
    share = share_field(metadata={"description": "Percent of the project's money attributed to this organisation "
                                                 "in this role; all shares of a role or none (equal split)"})


def _duplicates(values) -> list[int]:
    seen: set = set()
    out = []
    for index, value in enumerate(values):
        if value in seen:
            out.append(index)
        seen.add(value)
    return out


def _share_errors(entries: list[dict], label: str) -> dict | list | None:
    shares = [entry.get("share") for entry in entries]
    given = [s for s in shares if s is not None]
    if given and len(given) != len(shares):
        return {i: {"share": [f"Give a share for every {label}, or for none (equal split)."]}
                for i, s in enumerate(shares) if s is None}
    if given and sum(given) != HUNDRED:
        return [f"Shares must sum to 100; they sum to {sum(given)}."]
    return None


class ProjectWriteSchema(StrictSchema):
    """Fields a programme manager or a script may write. `code` only on create."""

    title = Text(max_length=300, min_length=1, blank=False, required=True)
    acronym = Text(max_length=40, allow_none=True)
    description = Text(max_length=20000, allow_none=True)
    region = VocabularyCode("regions", required=True, metadata={"description": "Region code, see /api/v1/regions"})
    # Limits (published as maxItems): above what the vocabularies hold (249 ISO countries, 8 activity types,
    # 18 RCP groups, 5 priorities), so they bound a hostile body and never a real project.
    countries = BoundedList(VocabularyCode("countries", upper=True), max_items=MAX_COUNTRIES, load_default=list,
                            metadata={"description": "ISO 3166 codes (CSXX for Serbia and Montenegro)"})
    priorities = BoundedList(fields.Nested(PriorityShareInSchema), min_items=1, max_items=5, required=True,
                             message="Give 1 to 5 priorities.")
    activity_types = BoundedList(VocabularyCode("activity_types"), max_items=20, load_default=list)
    rcps = BoundedList(VocabularyCode("rcps"), max_items=50, load_default=list,
                       metadata={"description": "Stated RCP links"})
    participating_organisations = BoundedList(fields.Nested(ParticipationInSchema), max_items=100, load_default=list,
                                              metadata={
        "description": "Organisations taking part, each in an IATI role, with its share of the project's money"})
    status = shared_enum("ProjectStatus", load_default="pipeline")
    start_date = StrictDate(allow_none=True)
    end_date = StrictDate(allow_none=True)
    post_emergency = StrictBoolean(load_default=False)
    dac_sector = shared_enum("DacSector", allow_none=True, load_default=None, metadata={
        "description": "The OECD DAC purpose code the project states, published in IATI as sector vocabulary 1; "
                       "null: none stated (none is published)"})
    activity_scope = shared_enum("ActivityScope", allow_none=True, load_default=None, metadata={
        "description": "The geographical scope the project states (IATI ActivityScope, published as "
                       "activity-scope); null: not stated (never guessed from its countries)"})

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check(self, data, original, **kwargs):
        errors: dict = {}
        start, end = data.get("start_date"), data.get("end_date")
        if date_order_errors(start, end):
            errors["end_date"] = date_order_errors(start, end)
        for name in ("countries", "activity_types", "rcps"):
            for index in _duplicates(data.get(name) or []):
                errors.setdefault(name, {})[index] = ["Listed twice."]
        priorities = data.get("priorities") or []
        for index in _duplicates([p.get("code") for p in priorities]):
            errors.setdefault("priorities", {})[index] = {"code": ["Listed twice."]}
        problem = None if _failed_shares(original, "priorities") else _share_errors(priorities, "priority")
        if problem:
            errors["priorities"] = problem if isinstance(problem, list) else {**errors.get("priorities", {}),
                                                                               **problem}
        participations = data.get("participating_organisations") or []
        for index in _duplicates([(p.get("organisation"), p.get("role")) for p in participations]):
            errors.setdefault("participating_organisations", {})[index] = {"organisation": [
                "Listed twice in the same role."]}
        for role in ORGANISATION_ROLES if not _failed_shares(original, "participating_organisations") else ():
            indexed = [(i, p) for i, p in enumerate(participations) if p.get("role") == role]
            problem = _share_errors([p for _, p in indexed], f"{role} organisation")
            if isinstance(problem, list):
                errors.setdefault("participating_organisations", {}).setdefault(indexed[0][0], {})["share"] = [
                    f"{role}: {problem[0]}"]
            elif problem:
                for position, message in problem.items():
                    errors.setdefault("participating_organisations", {}).setdefault(indexed[position][0], {}) \
                        .update(message)
        if errors:
            raise ValidationError(errors)


def _failed_shares(original, name: str) -> bool:
    """Whether a share was sent but did not load (its own error says why; the sum rules would only add noise)."""
    entries = original.get(name) if isinstance(original, dict) else None
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and entry.get("share") is not None:
            try:
                _SHARE.deserialize(entry["share"])
            except ValidationError:
                return True
    return False


class ProjectCreateSchema(ProjectWriteSchema):
    code = Code(CODE_PATTERN, CODE_HELP, required=True,
                metadata={"description": "Stable external code scripts refer to the project by"})


def optional(schema_class: type, name: str) -> type:
    """The same fields with nothing required and no defaults: a PATCH body, or a bulk upsert row for a
    project that exists. Nested schemas stay whole (a priority still needs its code)."""
    declared = {}
    for field_name, field in schema_class._declared_fields.items():
        field = copy.copy(field)
        field.required, field.load_default = False, missing
        declared[field_name] = field
    return type(name, (schema_class,), declared)


ProjectPatchSchema = optional(ProjectWriteSchema, "ProjectPatchSchema")


class NamedRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class ProjectPrioritySchema(NamedRefSchema):
    share = DecimalString(2)
    budget_usd = Money(allow_none=True, metadata={"description": "Current budget attributed by the share; null "
                                                                 "when the budget is unknown"})


class ProjectCountrySchema(NamedRefSchema):
    budget_usd = Money(allow_none=True)


class ParticipationSchema(Schema):
    organisation = fields.String()
    name = fields.String()
    role = shared_enum("OrganisationRole")
    share = DecimalString(2)
    budget_usd = Money(allow_none=True, metadata={"description": "Current budget attributed by the share"})
    source = fields.String(allow_none=True, metadata={"description": "For seeded participations: the citation"})
    judgement = fields.String(allow_none=True, metadata={"description": "What in it is a judgement, not a quote"})


class ProjectDonorSchema(Schema):
    organisation = fields.String(allow_none=True, metadata={
        "description": "The funder's code; null for the money no funder is stated for"})
    name = fields.String()
    budget_usd = Money(allow_none=True, metadata={"description": "Current budget lines of this donor"})
    original_budget_usd = Money(allow_none=True)
    incoming_funds_usd = Money(allow_none=True, metadata={"description": "Incoming funds it provided (or "
                                                                         "attributed to it, see /finance)"})
    expenditure_usd = Money(allow_none=True, metadata={
        "description": "Spending attributed in proportion to the donors' current budget of each year"})
    remaining_usd = Money(signed=True, allow_none=True)
    spent_percent = DecimalString(2, digits=21, allow_none=True)


class ProjectRcpSchema(Schema):
    code = fields.String()
    short_name = fields.String()
    link = fields.String(metadata={"description": "stated (in the sources or by a user) or derived (an RCP whose "
                                                  "members include one of the project's countries)"})
    via_countries = fields.List(fields.String(), metadata={"description": "For derived links: the countries"})


class BudgetSummarySchema(Schema):
    known = fields.Boolean()
    total_usd = Money(allow_none=True, metadata={"description": "Current budget; null when no budget line is known"})
    original_usd = Money(allow_none=True, metadata={"description": "Original budget; null without an original line"})
    line_count = fields.Integer()


class ActualsSummarySchema(Schema):
    known = fields.Boolean(metadata={"description": "False until the project records a transaction"})
    incoming_commitment_usd = Money(allow_none=True)
    incoming_funds_usd = Money(allow_none=True)
    outgoing_commitment_usd = Money(allow_none=True)
    disbursement_usd = Money(allow_none=True)
    expenditure_usd = Money(allow_none=True)
    transaction_count = fields.Integer()


class ProjectSchema(Schema):
    code = fields.String()
    title = fields.String()
    acronym = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    region = fields.Nested(NamedRefSchema)
    countries = fields.List(fields.Nested(ProjectCountrySchema))
    priorities = fields.List(fields.Nested(ProjectPrioritySchema))
    activity_types = fields.List(fields.Nested(NamedRefSchema))
    rcps = fields.List(fields.Nested(ProjectRcpSchema))
    participating_organisations = fields.List(fields.Nested(ParticipationSchema))
    donors = fields.List(fields.Nested(ProjectDonorSchema), metadata={
        "description": "Budget against actual per funder, by evidence (details: /projects/{code}/finance)"})
    status = shared_enum("ProjectStatus")
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    post_emergency = fields.Boolean()
    dac_sector = shared_enum("DacSector", allow_none=True)
    activity_scope = shared_enum("ActivityScope", allow_none=True)
    synthetic = fields.Boolean(metadata={"description": "true for generated demo data, never a real project"})
    source = fields.String(metadata={"description": "Where the project comes from: a citation of the source "
                                                    "documents, \"api\" or \"demo-data\""})
    judgement = fields.String(allow_none=True, metadata={
        "description": "For seeded projects: which values are a judgement rather than a quotation, and why"})
    judged_fields = fields.List(fields.String(), metadata={"description": "The fields `judgement` names"})
    budget = fields.Nested(BudgetSummarySchema)
    actuals = fields.Nested(ActualsSummarySchema)
    version = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
