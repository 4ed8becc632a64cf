"""The filter set of the project list; every aggregate and export accepts the same filters."""
from marshmallow import ValidationError, fields, validates_schema

from portfolio.filters import NEEDS
from portfolio.schemas.fields import BoundedDateTime, Text, VocabularyCode, bounded_int, enum, shared_enum
from portfolio.schemas.reference import QuerySchema

YEAR_HELP = ("On aggregates and exports, a year range selects money: the budget lines whose period starts in "
             "those years and the transactions dated in them, and the projects that have such money. On the "
             "project list it selects projects active in those years by their start and end dates (projects "
             "without dates are left out).")


class ProjectFilterSchema(QuerySchema):
    # Parameters that only mean something with another are refused alone, never ignored; an aggregate takes
    # some alone where its dimension gives them a meaning (AggregateFilterSchema, aggregates.check_parameters).
    NEEDS = NEEDS
    ALONE = ()

    region = VocabularyCode("regions", metadata={"description": "Region code (/api/v1/regions)"})
    priority = VocabularyCode("priorities", metadata={"description": "Projects serving this priority"})
    country = VocabularyCode("countries", upper=True, metadata={"description": "Projects in this country"})
    rcp = VocabularyCode("rcps", metadata={"description": "Projects linked to this RCP, by `rcp_link`"})
    rcp_link = shared_enum("RcpLink", metadata={
        "description": "Which links `rcp` (and the rcp aggregate) match: stated (in the sources or by a user), "
                       "derived (a project country is a member of the RCP) or any (default)"})
    activity_type = VocabularyCode("activity_types")
    organisation = VocabularyCode("organisations", metadata={
        "description": "Projects in which this organisation takes part (in `organisation_role` if given); their "
                       "figures are whole-project figures"})
    organisation_role = shared_enum("OrganisationRole", metadata={
        "description": "IATI OrganisationRole, with `organisation`; on /aggregates/organisation the role whose "
                       "organisations make the rows (default funding)"})
    donor = VocabularyCode("organisations", metadata={
        "description": "Projects this organisation funds (`organisation=X&organisation_role=funding`): a project "
                       "filter, so co-funded projects come with every donor's money. For this donor's money only, "
                       "use `funder` (aggregates)"})
    status = shared_enum("ProjectStatus")
    post_emergency = fields.Boolean()
    synthetic = fields.Boolean()
    budget_known = fields.Boolean(metadata={
        "description": "Projects whose current budget is itemized (true) or unknown (false): the declared "
                       "baseline's projects without budget lines are unknown, never 0"})
    year_from = bounded_int(1900, 2199, metadata={"description": YEAR_HELP})
    year_to = bounded_int(1900, 2199, metadata={"description": "Last year of the range (see year_from)"})
    q = Text(max_length=200, min_length=1, metadata={
        "description": "Words to find in the code, title, acronym or description: every word must occur, in any "
                       "order, whole (end a word with * for a prefix), case and accents ignored"})
    updated_since = BoundedDateTime(metadata={
        "description": "Only projects created or changed at or after this time (ISO 8601; UTC if no offset). "
                       "Changes to budget lines and transactions count. With /sync/deleted-projects, lets a "
                       "script mirror the portfolio incrementally."})

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **kwargs):
        errors = {}
        if data.get("year_from") and data.get("year_to") and data["year_to"] < data["year_from"]:
            errors["year_to"] = ["year_to must not be before year_from."]
        if "donor" in data and ("organisation" in data or "organisation_role" in data):
            errors["donor"] = ["Give either donor, or organisation with organisation_role, not both."]
        for name, (needed, message) in self.NEEDS.items():
            if name in data and needed not in data and name not in self.ALONE and name not in errors:
                errors[name] = [message]
        if errors:
            raise ValidationError(errors)


class BudgetFilterSchema(ProjectFilterSchema):
    """The filters of an answer made of budget lines (aggregates, the summary, the budget-line export): only
    there does a budget status select something, so only there is it a parameter (elsewhere it is refused)."""

    budget_status = shared_enum("BudgetStatus", metadata={
        "description": "Count only budget lines of this IATI BudgetStatus (indicative or committed)"})


# The money filter: one declaration, taken by every aggregate and by the portfolio summary (marshmallow copies a
# declared field into each schema instance, as the shared BASIS of schemas/aggregates.py).
FUNDER = VocabularyCode("organisations", metadata={
    "description": "A money filter: only the money attributed to this organisation as funder (budgets of the "
                   "lines it is the donor of, incoming money it provided, spending in proportion to its current "
                   "budget; see `basis`), in the projects it counts for. The rows then add up to its row in "
                   "/aggregates/donor. (`donor` instead selects the projects it funds, with all their money.)"})


class SummaryFilterSchema(BudgetFilterSchema):
    """The filters of the portfolio summary: the project filters, budget_status and the money filter `funder`."""

    funder = FUNDER


class AggregateFilterSchema(BudgetFilterSchema):
    """The filters of an aggregate: rcp_link and organisation_role alone are checked against the dimension
    (the rcp and organisation aggregates take them alone; statistics/aggregates.check_parameters)."""

    ALONE = ("rcp_link", "organisation_role")

    funder = FUNDER


SORT_KEYS = ("title", "code", "start_date", "budget", "updated_at")


class ProjectQuerySchema(ProjectFilterSchema):
    sort = enum(SORT_KEYS + tuple(f"-{k}" for k in SORT_KEYS), metadata={
        "description": "Sort key, '-' prefix for descending; ties by id. Default: by relevance with `q`, else "
                       "by code"})
    cursor = Text(max_length=500, min_length=1, metadata={
        "description": "Keyset pagination: 'first', 'last', or a cursor from a Link header. Every page costs the "
                       "same however deep; `page` is then not allowed. Needs a sort other than relevance."})

    @validates_schema(skip_on_field_errors=False)
    def _cursor(self, data, **kwargs):
        if data.get("cursor") and data.get("q") and not data.get("sort"):
            raise ValidationError({"cursor": ["Keyset pages need an explicit sort (relevance has none)."]})
