"""Reading projects: the shared filter set (the list, every aggregate and every export), sorting and
pages. Filter values arrive validated: every code exists (the schemas refuse unknown codes)."""
from datetime import date

from sqlalchemy import Boolean, Date, Integer, String, and_, bindparam, exists, func, literal, or_, select
from sqlalchemy.sql.util import ClauseAdapter

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
from portfolio.services import keyset
from portfolio.services.vocabulary import current


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
    """The values of the filter's bound parameters."""
    vocab = current()
    params: dict = {}
    for name, kind in (("region", "regions"), ("priority", "priorities"), ("rcp", "rcps"),
                       ("activity_type", "activity_types")):
        if args.get(name):
            params[f"f_{name}"] = getattr(vocab, kind)[args[name]].id
    code = args.get("donor") or args.get("organisation")
    if code:
        params["f_organisation"] = vocab.organisations[code].id
    for name in ("country", "status", "updated_since", "post_emergency", "synthetic", "year_from", "year_to",
                 "organisation_role"):
        if args.get(name) is not None:
            params[f"f_{name}"] = args[name]
    if args.get("year_from"):
        params["f_from_date"] = date(args["year_from"], 1, 1)
    if args.get("year_to"):
        params["f_to_date"] = date(args["year_to"], 12, 31)
    if args.get("q"):
        params.update(dialect.search_params(args["q"]))
    return params


FILTER_NAMES = ("region", "priority", "country", "rcp", "activity_type", "organisation", "donor", "organisation_role",
                "status", "post_emergency", "synthetic", "year_from", "year_to", "q", "updated_since")


def project_filters(args: dict, *, years: str = "dates") -> list:
    """WHERE clauses over `projects`, their values as bound parameters (filter_params). `years`: "dates"
    (the list: active in the range by start and end dates), "money" (aggregates: having money in the
    range), or "none" (the caller applies it)."""
    clauses = []
    if args.get("region"):
        clauses.append(Project.region_id == _param("region"))
    if args.get("priority"):
        clauses.append(exists().where(ProjectPriority.project_id == Project.id,
                                      ProjectPriority.priority_id == _param("priority")))
    if args.get("country"):
        clauses.append(exists().where(ProjectCountry.project_id == Project.id,
                                      ProjectCountry.country_code == _param("country", String)))
    if args.get("rcp"):
        clauses.append(rcp_links(_param("rcp"), args.get("rcp_link") or "any"))
    if args.get("activity_type"):
        clauses.append(exists().where(ProjectActivityType.project_id == Project.id,
                                      ProjectActivityType.activity_type_id == _param("activity_type")))
    if args.get("donor") or args.get("organisation"):
        role = "funding" if args.get("donor") else args.get("organisation_role")
        # IN (not a correlated EXISTS): the link's key is (project, role, organisation), so without a role
        # SQLite probed the organisation's index once per project and read all its links each time
        # (minutes at 100,000 projects); the set of its projects is read once on both engines.
        clauses.append(Project.id.in_(select(ProjectOrganisation.project_id).where(
            ProjectOrganisation.organisation_id == _param("organisation"),
            *([ProjectOrganisation.role == (literal(role) if args.get("donor") else
                                            _param("organisation_role", String))] if role else []))))
    if args.get("status"):
        clauses.append(Project.status == _param("status", String))
    for flag in ("post_emergency", "synthetic"):
        if args.get(flag) is not None:
            clauses.append(getattr(Project, flag) == _param(flag, Boolean))
    if years == "dates":
        if args.get("year_from"):
            clauses.append(and_(Project.start_date.is_not(None),
                                or_(Project.end_date.is_(None), Project.end_date >= _param("from_date", Date))))
        if args.get("year_to"):
            clauses.append(and_(Project.start_date.is_not(None), Project.start_date <= _param("to_date", Date)))
    elif years == "money" and (args.get("year_from") or args.get("year_to")):
        clauses.append(exists().where(ProjectFigure.project_id == Project.id, *year_range(ProjectFigure.year, args)))
    if args.get("q"):
        clauses.append(dialect.search_filter(args["q"]))
    if args.get("updated_since"):
        clauses.append(Project.updated_at >= bindparam("f_updated_since", type_=Project.updated_at.type))
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


SORT_COLUMNS = [Project.__table__.c[name] for name in ("id", "title", "code", "start_date", "budget_usd",
                                                         "updated_at")]


def _sorted_source(args: dict):
    """What a sorted page reads: the projects table with the filters, and an adapter for the keyset's
    expressions (written over Project). With a word search, the matching projects come first, as a
    materialized CTE found through the search index, and only they are sorted: left to itself PostgreSQL
    walked the sort key's index and tested every project it passed (a keyset page of 1,000 matches:
    1.9 ms at 2,000 projects, 78 ms at 100,000; this way ~2 ms at both)."""
    if not args.get("q"):
        return Project.__table__, project_filters(args), (lambda clause: clause)
    matching = select(*SORT_COLUMNS).where(*project_filters(args)).cte("matching")
    if dialect.is_postgresql():
        matching = matching.prefix_with("MATERIALIZED")
    adapter = ClauseAdapter(matching)
    # An ORM attribute (keyset's Project.code) is not a clause until asked for one.
    return matching, [], lambda clause: adapter.traverse(getattr(clause, "__clause_element__", lambda: clause)())


def page_ids(args: dict, page: int, page_size: int) -> list[int]:
    """Ids of one page by offset, sorted by (key, id), unknown budgets and dates last; a word search without
    a sort by relevance (then by code)."""
    if args.get("q") and not args.get("sort"):
        found = dialect.search(args["q"])
        statement = (select(Project.id).where(*project_filters(args)).join(found, found.c.id == Project.id)
                     .order_by(found.c.relevance, Project.code, Project.id))
    else:
        source, clauses, adapt = _sorted_source(args)
        statement = (select(source.c.id).where(*clauses)
                     .order_by(*(adapt(o) for o in keyset.order(args.get("sort") or "code"))))
    return list(db.session.scalars(statement.offset((page - 1) * page_size).limit(page_size), filter_params(args)))


def keyset_ids(args: dict, cursor: str, page_size: int) -> tuple[list[int], dict]:
    """Ids of one page by cursor, and the cursors of the pages around it (first, last, prev, next)."""
    sort = args.get("sort") or "code"
    direction, value, project_id = keyset.decode(cursor, sort)
    backwards = direction in ("prev", "last")
    source, clauses, adapt = _sorted_source(args)
    statement = select(source.c.id, adapt(keyset.column(sort))).where(*clauses)
    if direction in ("next", "prev"):
        statement = statement.where(adapt(keyset.after(sort, value, project_id, backwards)))
    # One row more than the page tells whether there is a page beyond it.
    rows = list(db.session.execute(
        statement.order_by(*(adapt(o) for o in keyset.order(sort, reverse=backwards))).limit(page_size + 1),
        filter_params(args)))
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    links = {"first": "first", "last": "last"}
    if rows:
        if more if not backwards else direction == "prev":
            links["next"] = keyset.encode("next", sort, rows[-1][1], rows[-1][0])
        if more if backwards else direction == "next":
            links["prev"] = keyset.encode("prev", sort, rows[0][1], rows[0][0])
    return [row[0] for row in rows], links
