"""The shared filter set over projects: the list, every aggregate and every export select projects by the
same filters, one registry (FILTERS) from which their SQL, their bound parameters and the rollup keys
follow. Filter values arrive validated: every code exists (the schemas refuse unknown codes). Below both
services/ and statistics/, which read through it."""
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from sqlalchemy import Boolean, Date, Integer, String, and_, bindparam, exists, func, literal, or_, select

from portfolio import dialect
from portfolio.extensions import db
from portfolio.models import (
    Project,
    ProjectActivityType,
    ProjectCountry,
    ProjectFigure,
    ProjectOrganisation,
    ProjectPriority,
    ProjectRcp,
    RcpMember,
)
from portfolio.vocabulary import current

# Parameters that only mean something with another (the parameter: the one it needs, and why): refused alone,
# never ignored, by the list's schema and, where no dimension gives them a meaning, by the aggregates.
NEEDS = {"rcp_link": ("rcp", "rcp_link says which links `rcp` matches; give rcp too."),
         "organisation_role": ("organisation", "organisation_role says in which role `organisation` takes part; "
                                               "give organisation too.")}


def rcp_links(rcp_id, link: str = "any", project_id=Project.id):
    """Projects linked to the RCP: stated (project_rcps), derived (a project country is a member), or any."""
    stated = exists().where(ProjectRcp.project_id == project_id, ProjectRcp.rcp_id == rcp_id)
    derived = exists().where(ProjectCountry.project_id == project_id, RcpMember.country_code ==
                             ProjectCountry.country_code, RcpMember.rcp_id == rcp_id, RcpMember.role == "member")
    return {"stated": stated, "derived": derived, "any": or_(stated, derived)}[link]


def _param(name: str, type_=Integer):
    return bindparam(f"f_{name}", type_=type_)


def filter_shape(args: dict, years: str = "dates") -> tuple:
    """What decides the filter's SQL (not the values): statements built for one shape are reused."""
    given = tuple(sorted(k for k in FILTER_NAMES if args.get(k) is not None))
    words = bool(dialect.search_words(args["q"])) if args.get("q") else None
    return given, args.get("rcp_link") or "any", args.get("organisation_role"), years, words


def filter_params(args: dict) -> dict:
    """The values of the filter's bound parameters: f_<name>, a code as its id in its vocabulary."""
    vocab = current()
    params: dict = {}
    for f in FILTERS:
        value = args.get(f.name)
        if f.vocabulary:
            if value:
                params[f"f_{f.param or f.name}"] = getattr(vocab, f.vocabulary)[value].id
        elif f.name == "q":
            if value:
                params.update(dialect.search_params(value))
        elif value is not None:
            params[f"f_{f.name}"] = value
    if args.get("year_from"):
        params["f_from_date"] = date(args["year_from"], 1, 1)
    if args.get("year_to"):
        params["f_to_date"] = date(args["year_to"], 12, 31)
    return params


def _exists(link, column, name: str, type_=Integer):
    return exists().where(link.project_id == Project.id, column == _param(name, type_))


def _organisations(role=None):
    # IN (not a correlated EXISTS): the link's key is (project, role, organisation), so without a role
    # SQLite probed the organisation's index once per project and read all its links each time
    # (minutes at 100,000 projects); the set of its projects is read once on both engines.
    return Project.id.in_(select(ProjectOrganisation.project_id).where(
        ProjectOrganisation.organisation_id == _param("organisation"),
        *([ProjectOrganisation.role == role] if role is not None else [])))


def _money_in_range(args: dict):
    return exists().where(ProjectFigure.project_id == Project.id, *year_range(ProjectFigure.year, args))


def _year_from(args: dict, years: str) -> list:
    if years == "dates":
        return [and_(Project.start_date.is_not(None),
                     or_(Project.end_date.is_(None), Project.end_date >= _param("from_date", Date)))]
    return [_money_in_range(args)] if years == "money" else []


def _year_to(args: dict, years: str) -> list:
    if years == "dates":
        return [and_(Project.start_date.is_not(None), Project.start_date <= _param("to_date", Date))]
    # One EXISTS for the range, written by year_from when both are given.
    return [_money_in_range(args)] if years == "money" and not args.get("year_from") else []


class Filter(NamedTuple):
    """One filter of the project list, every aggregate and every export: a query parameter of the same name
    (schemas/filters.py ProjectFilterSchema; tests/test_filters.py checks they agree).

    where: its WHERE clauses over `projects` when it is given (args, years mode), or None for a filter that
    only qualifies another (organisation_role). vocabulary: a code bound as its id in that vocabulary
    (vocabulary.py), as f_<param> (default f_<name>). flag: a boolean, given when not None (others when not
    empty). rollup: "cell" for a key of every rollup cell (models/rollup.py; with only such filters the
    list's count reads the rollups), "years" for the cells' year range (aggregates only: the list's year
    range selects by dates, which the cells do not hold), "overlap" for an overlap dimension's value, which
    selects that dimension's cells of one value (aggregates by region, status or year only)."""

    name: str
    where: Callable[[dict, str], list] | None
    vocabulary: str | None = None
    param: str | None = None
    flag: bool = False
    rollup: str | None = None


FILTERS = (
    Filter("region", lambda args, years: [Project.region_id == _param("region")], "regions", rollup="cell"),
    Filter("priority", lambda args, years: [_exists(ProjectPriority, ProjectPriority.priority_id, "priority")],
           "priorities", rollup="cell"),
    Filter("country", lambda args, years: [_exists(ProjectCountry, ProjectCountry.country_code, "country", String)]),
    Filter("rcp", lambda args, years: [rcp_links(_param("rcp"), args.get("rcp_link") or "any")], "rcps",
           rollup="overlap"),
    Filter("activity_type", lambda args, years: [
        _exists(ProjectActivityType, ProjectActivityType.activity_type_id, "activity_type")], "activity_types",
        rollup="overlap"),
    Filter("organisation", lambda args, years: [_organisations(
        _param("organisation_role", String) if args.get("organisation_role") else None)], "organisations"),
    Filter("donor", lambda args, years: [_organisations(literal("funding"))], "organisations", param="organisation"),
    Filter("organisation_role", None),
    Filter("status", lambda args, years: [Project.status == _param("status", String)], rollup="cell"),
    Filter("post_emergency", lambda args, years: [Project.post_emergency == _param("post_emergency", Boolean)],
           flag=True),
    Filter("synthetic", lambda args, years: [Project.synthetic == _param("synthetic", Boolean)], flag=True,
           rollup="cell"),
    # Bound, not written into the SQL: statements are reused for every value of a filter (filter_shape).
    Filter("budget_known", lambda args, years: [
        Project.budget_usd.is_not(None) == _param("budget_known", Boolean)], flag=True),
    Filter("year_from", _year_from, rollup="years"),
    Filter("year_to", _year_to, rollup="years"),
    Filter("q", lambda args, years: [dialect.search_filter(args["q"])]),
    Filter("updated_since", lambda args, years: [
        Project.updated_at >= bindparam("f_updated_since", type_=Project.updated_at.type)]),
)
FILTER_NAMES = tuple(f.name for f in FILTERS)
ROLLUP_CELL_FILTERS = frozenset(f.name for f in FILTERS if f.rollup == "cell")


def project_filters(args: dict, *, years: str = "dates") -> list:
    """WHERE clauses over `projects`, their values as bound parameters (filter_params). `years`: "dates"
    (the list: active in the range by start and end dates), "money" (aggregates: having money in the
    range), or "none" (the caller applies it)."""
    clauses = []
    for f in FILTERS:
        value = args.get(f.name)
        if f.where is not None and (value is not None if f.flag else value):
            clauses += f.where(args, years)
    return clauses


def year_range(column, args: dict) -> list:
    clauses = []
    if args.get("year_from"):
        clauses.append(column >= _param("year_from"))
    if args.get("year_to"):
        clauses.append(column <= _param("year_to"))
    return clauses


def count(args: dict) -> int:
    return db.session.scalar(select(func.count(Project.id)).where(*project_filters(args)), filter_params(args))
