"""The closed vocabularies that appear in more than one place of the contract (a query filter, a request
body, a response), each published once as a named schema component (#/components/schemas/ProjectStatus)
and referenced wherever it is used, so a generated client has one type per vocabulary.

A field takes one with `shared_enum("ProjectStatus")` (schemas/fields.py); api/contract.py registers the
components. The values come from the models, the one place each list is defined."""
from portfolio.figure_columns import BUDGET_STATUSES, TRANSACTION_TYPES
from portfolio.models import (
    ACTIVITY_SCOPES,
    BUDGET_TYPES,
    DAC_SECTORS,
    ORGANISATION_ROLES,
    ORGANISATION_TYPES,
    PROJECT_STATUSES,
    ROLES,
)
from portfolio.statistics.dimensions import CROSS_TAB, DIMENSIONS

TRANSACTION_TYPE_HELP = ("IATI TransactionType: incoming-commitment (11), incoming-funds (1), outgoing-commitment (2), "
                         "disbursement (3), expenditure (4)")

SHARED_ENUMS: dict[str, tuple[tuple[str, ...], str]] = {
    "ProjectStatus": (tuple(PROJECT_STATUSES), "IATI ActivityStatus of a project"),
    "BudgetStatus": (tuple(BUDGET_STATUSES), "IATI BudgetStatus of a budget line"),
    "BudgetType": (tuple(BUDGET_TYPES), "IATI BudgetType: a revised line replaces the original line of the same "
                                        "period in every current-budget figure"),
    "TransactionType": (tuple(TRANSACTION_TYPES), TRANSACTION_TYPE_HELP),
    "OrganisationRole": (tuple(ORGANISATION_ROLES), "IATI OrganisationRole of an organisation in a project"),
    "OrganisationType": (tuple(ORGANISATION_TYPES), "IATI OrganisationType code: " + ", ".join(
        f"{code} {name}" for code, name in ORGANISATION_TYPES.items())),
    "DacSector": (tuple(DAC_SECTORS), "OECD DAC 5-digit purpose code the project states (IATI sector vocabulary "
                                      "1): " + ", ".join(f"{c} {n}" for c, n in DAC_SECTORS.items())),
    "ActivityScope": (tuple(ACTIVITY_SCOPES), "IATI ActivityScope: the geographical scope the project states: " +
                      ", ".join(f"{c} {n}" for c, n in ACTIVITY_SCOPES.items())),
    "BulkAction": (("created", "updated", "unchanged"), "What a bulk row did: unchanged rows wrote nothing"),
    "RcpLink": (("stated", "derived", "any"), "Which links to an RCP count: stated (in the sources or by a user), "
                                              "derived (a project country is a member of the RCP) or any"),
    "Dimension": (tuple(DIMENSIONS), "What the rows of an aggregate are"),
    "DimensionOrCrossTab": ((*DIMENSIONS, CROSS_TAB), "An aggregate's dimension, or the region-priority cross-tab"),
    "Role": (tuple(ROLES), "A token's or a person's role: viewer (read), editor (create, edit, delete), finance "
                           "(read, aggregates, exports), integrator (read, create, edit, bulk), admin (everything, "
                           "tokens and users included)"),
}


def named(values) -> str | None:
    """The component whose values these are (a path parameter's `any(...)`), if there is one."""
    return next((name for name, (known, _) in SHARED_ENUMS.items() if set(known) == set(values)), None)


def component(name: str) -> dict:
    values, description = SHARED_ENUMS[name]
    return {"type": "string", "enum": list(values), "description": description}
