"""One record per aggregate dimension. The route's list of dimensions, the OpenAPI enum, both readers and
the CSV/XLSX renderers read this registry; a new dimension is one entry here (and its rollup, if any)."""
from collections.abc import Callable
from dataclasses import dataclass

from portfolio.models import PROJECT_STATUSES, RollupOrganisation, RollupPriority, RollupProject
from portfolio.services.vocabulary import Vocabulary


@dataclass(frozen=True)
class Dimension:
    key: str  # the URL segment: /aggregates/<key>
    title: str
    membership: str  # how the base reader forms rows (readers.BaseReader)
    additive: bool  # every measure's rows sum to the total
    counts_additive: bool  # each project is counted in one row only
    rollup: type | None  # the rollup table that can answer it, if any
    rollup_group: tuple[str, ...]  # that table's columns making the rows
    note: str
    none_label: str | None = None  # the row of projects with no value in this dimension
    terms: Callable[[Vocabulary], list[tuple]] | None = None  # (stored key, code, label) in order; None: from data


def _terms(kind: str):
    return lambda vocab: [(t.id, t.code, t.name) for t in getattr(vocab, kind).values()]


ADDS_UP = "every measure's rows add up to the total to the cent"
OVERLAP = ("each row carries the whole figures of its projects, so rows overlap and do NOT add up to the total")

DIMENSIONS = {d.key: d for d in (
    Dimension("region", "Region", "region", True, True, RollupProject, ("region_id",),
              f"Each project has one region: {ADDS_UP}.", terms=_terms("regions")),
    Dimension("status", "Status", "status", True, True, RollupProject, ("status",),
              f"Each project has one status: {ADDS_UP}.",
              terms=lambda vocab: [(s, s, s) for s in PROJECT_STATUSES]),
    Dimension("priority", "Priority", "priority", True, False, RollupPriority, ("priority_id",),
              "Money is attributed by each project's priority shares, year by year, in cents by largest remainder: "
              f"{ADDS_UP}. A project serving several priorities is counted in each of them.",
              "(no priority)", _terms("priorities")),
    Dimension("country", "Country", "country", True, False, None, (),
              "Money is split equally across a project's countries, year by year, in cents by largest remainder: "
              f"{ADDS_UP}. A project in several countries is counted in each of them.", "(no country)"),
    Dimension("organisation", "Organisation", "organisation", True, False, RollupOrganisation, ("organisation_id",),
              "Money is attributed to the organisations taking part in the role `organisation_role` (default "
              "funding) by their shares, year by year, in cents by largest remainder: " + ADDS_UP + ".",
              "(none in this role)", _terms("organisations")),
    Dimension("donor", "Donor", "organisation", True, False, RollupOrganisation, ("organisation_id",),
              "The organisation dimension in the funding role: money is attributed to each project's funders by "
              f"their shares, in cents by largest remainder: {ADDS_UP}.", "(no funder stated)",
              _terms("organisations")),
    Dimension("year", "Year", "year", True, False, RollupProject, ("lo",),
              "Money by the year a budget period starts or a transaction is dated: " + ADDS_UP + ". A row counts "
              "the projects with money in that year; projects without any appear only in the total."),
    Dimension("activity-type", "Activity type", "activity_type", False, False, None, (),
              f"A project may have several activity types; {OVERLAP}.", "(no activity type)",
              _terms("activity_types")),
    Dimension("rcp", "RCP", "rcp", False, False, None, (),
              f"By RCP links (`rcp_link`: stated, derived or any, the default); {OVERLAP}.", "(no RCP link)",
              _terms("rcps")),
)}
CROSS_TAB = "region-priority"
ROLLUP_FILTERS = {"region", "priority", "status", "synthetic", "year_from", "year_to", "budget_status"}


def role_of(dimension: Dimension, args: dict) -> str:
    """The organisation role whose organisations make the rows of an organisation dimension."""
    return "funding" if dimension.key == "donor" else args.get("organisation_role") or "funding"
