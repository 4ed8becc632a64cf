"""One record per aggregate dimension. The routes, the OpenAPI enums, both readers, the crossed answers and
the CSV/XLSX renderers read this registry; a new dimension is one entry here (and its rollup column, if any).

Four kinds of dimension, by how a project's money meets it:
- project: each project has one value (region, status): rows partition projects and money;
- year: money by calendar year; a year row counts the projects with money in it;
- split: a project's money is split among its values in cents (priority, country, organisation by role,
  donor), stored in the figure tables with a "none" key for a project that has no value;
- overlap: a project may have several values and each carries its whole figures (activity type, RCP).
"""
from collections.abc import Callable
from dataclasses import dataclass

from portfolio.figure_columns import EVIDENCE_ROLE, NO_FUNDER
from portfolio.filters import FILTERS
from portfolio.models import PROJECT_STATUSES
from portfolio.vocabulary import Vocabulary


@dataclass(frozen=True)
class Dimension:
    key: str  # the URL segment: /aggregates/<key>
    title: str
    kind: str  # project, year, split or overlap (module docstring)
    column: str  # project: the matching projects' column; year, split: the figures' key column; overlap: -
    additive: bool  # every measure's rows sum to the total
    counts_additive: bool  # each project is counted in one row only
    rollup_column: str | None  # the rollup tables' column of this dimension (None: answered from base tables)
    note: str
    none_label: str | None = None  # the row of projects with no value in this dimension
    none_key: object = None  # that row's stored key
    terms: Callable[[Vocabulary], list[tuple]] | None = None  # (stored key, code, label) in order; None: from data

    @property
    def is_organisation(self) -> bool:
        return self.column == "organisation_id"


def _terms(kind: str):
    return lambda vocab: [(t.id, t.code, t.name) for t in getattr(vocab, kind).values()]


ADDS_UP = "every measure's rows add up to the total to the cent"
OVERLAP = "each row carries the whole figures of its projects, so rows overlap and do NOT add up to the total"

DIMENSIONS = {d.key: d for d in (
    Dimension("region", "Region", "project", "region_id", True, True, "region_id",
              f"Each project has one region: {ADDS_UP}.", terms=_terms("regions")),
    Dimension("status", "Status", "project", "status", True, True, "status",
              f"Each project has one status: {ADDS_UP}.",
              terms=lambda vocab: [(s, s, s) for s in PROJECT_STATUSES]),
    Dimension("priority", "Priority", "split", "priority_id", True, False, "priority_id",
              "Money is attributed by each project's priority shares, year by year, in cents by largest remainder: "
              f"{ADDS_UP}. A project serving several priorities is counted in each of them.",
              "(no priority)", 0, _terms("priorities")),
    Dimension("country", "Country", "split", "country_code", True, False, "country_code",
              "Money is split equally across a project's countries, year by year, in cents by largest remainder: "
              f"{ADDS_UP}. A project in several countries is counted in each of them.", "(no country)", ""),
    Dimension("organisation", "Organisation", "split", "organisation_id", True, False, "organisation_id",
              "Money by the organisations taking part in the role `organisation_role` (default funding): the funding "
              "role by evidence (see basis), the other roles by the participants' shares, year by year, in cents by "
              f"largest remainder: {ADDS_UP}.", "(none in this role)", NO_FUNDER, _terms("organisations")),
    Dimension("donor", "Donor", "split", "organisation_id", True, False, "organisation_id",
              "The funding role, attributed by evidence (see basis): budgets to each line's donor, incoming money to "
              "its provider, spending in proportion to the donors' current budget of the year; in cents by largest "
              f"remainder: {ADDS_UP}. A project is counted under each of its funders.", "(no funder stated)",
              NO_FUNDER, _terms("organisations")),
    Dimension("year", "Year", "year", "year", True, False, "lo",
              "Money by calendar year (a budget period crossing a year end pro rata by days, a transaction in the "
              f"year of its date): {ADDS_UP}. A row counts the projects with money in that year; projects without "
              "any appear only in the total."),
    Dimension("activity-type", "Activity type", "overlap", "activity_type_id", False, False, "activity_type_id",
              f"A project may have several activity types; {OVERLAP}.", "(no activity type)", 0,
              _terms("activity_types")),
    Dimension("rcp", "RCP", "overlap", "rcp_id", False, False, "rcp_id",
              f"By RCP links (`rcp_link`: stated, derived or any, the default); {OVERLAP}.", "(no RCP link)", 0,
              _terms("rcps")),
)}
CROSS_TAB = "region-priority"  # the first crossed aggregate, kept under its own URL and shape
# What the rollup cells can answer: the filters they are keyed by (filters.py FILTERS), and the aggregates' own
# budget_status and funder.
ROLLUP_FILTERS = {f.name for f in FILTERS if f.rollup} | {"budget_status", "funder"}


def role_of(dimension: Dimension | None, args: dict) -> str | None:
    """The organisation role whose organisations make the rows of an organisation dimension."""
    if dimension is None or not dimension.is_organisation:
        return None
    return EVIDENCE_ROLE if dimension.key == "donor" else args.get("organisation_role") or EVIDENCE_ROLE


def split_of(dimension: Dimension, args: dict) -> str | None:
    """Which stored split a split dimension reads: priority, country, funding (by evidence), or a role."""
    if dimension.kind != "split":
        return None
    return role_of(dimension, args) if dimension.is_organisation else dimension.key


# The splits the priority x country x funder cube holds, so that any two of them cross to the cent.
CUBE_SPLITS = {"priority", "country", EVIDENCE_ROLE}
