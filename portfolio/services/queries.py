"""Reading projects: the shared filter set (the list, every aggregate and every export), sorting and
pages. Filter values arrive validated: every code exists (the schemas refuse unknown codes)."""
from datetime import date

from sqlalchemy import and_, exists, func, or_, select

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


def organisation_filter(args: dict):
    code = args.get("donor") or args.get("organisation")
    if not code:
        return None
    role = "funding" if args.get("donor") else args.get("organisation_role")
    clauses = [ProjectOrganisation.project_id == Project.id,
               ProjectOrganisation.organisation_id == current().organisations[code].id]
    if role:
        clauses.append(ProjectOrganisation.role == role)
    return exists().where(*clauses)


def project_filters(args: dict, *, years: str = "dates") -> list:
    """WHERE clauses over `projects`. `years`: "dates" (the list: active in the range by start and end
    dates) or "money" (aggregates: having money in the range), or "none" (the caller applies it)."""
    vocab = current()
    clauses = []
    if args.get("region"):
        clauses.append(Project.region_id == vocab.regions[args["region"]].id)
    if args.get("priority"):
        clauses.append(exists().where(ProjectPriority.project_id == Project.id,
                                      ProjectPriority.priority_id == vocab.priorities[args["priority"]].id))
    if args.get("country"):
        clauses.append(exists().where(ProjectCountry.project_id == Project.id,
                                      ProjectCountry.country_code == args["country"]))
    if args.get("rcp"):
        clauses.append(rcp_links(vocab.rcps[args["rcp"]].id, args.get("rcp_link") or "any"))
    if args.get("activity_type"):
        clauses.append(exists().where(ProjectActivityType.project_id == Project.id,
                                      ProjectActivityType.activity_type_id ==
                                      vocab.activity_types[args["activity_type"]].id))
    organisation = organisation_filter(args)
    if organisation is not None:
        clauses.append(organisation)
    if args.get("status"):
        clauses.append(Project.status == args["status"])
    for flag in ("post_emergency", "synthetic"):
        if args.get(flag) is not None:
            clauses.append(getattr(Project, flag).is_(args[flag]))
    if years == "dates":
        if args.get("year_from"):
            clauses.append(and_(Project.start_date.is_not(None),
                                or_(Project.end_date.is_(None), Project.end_date >= date(args["year_from"], 1, 1))))
        if args.get("year_to"):
            clauses.append(and_(Project.start_date.is_not(None), Project.start_date <= date(args["year_to"], 12, 31)))
    elif years == "money" and (args.get("year_from") or args.get("year_to")):
        clauses.append(exists().where(ProjectFigure.project_id == Project.id, *year_range(ProjectFigure.year, args)))
    if args.get("q"):
        found = dialect.search(args["q"])
        clauses.append(Project.id.in_(select(found.c.id)))
    if args.get("updated_since"):
        clauses.append(Project.updated_at >= args["updated_since"])
    return clauses


def year_range(column, args: dict) -> list:
    clauses = []
    if args.get("year_from"):
        clauses.append(column >= args["year_from"])
    if args.get("year_to"):
        clauses.append(column <= args["year_to"])
    return clauses


def _ordered(statement, args: dict, reverse: bool = False):
    """ORDER BY the requested sort, or by relevance to `q` when no sort is given (then by code)."""
    if args.get("sort") or not args.get("q"):
        return statement.order_by(*keyset.order(args.get("sort") or "code", reverse=reverse))
    found = dialect.search(args["q"])
    return statement.join(found, found.c.id == Project.id).order_by(found.c.relevance, Project.code, Project.id)


def count(args: dict) -> int:
    return db.session.scalar(select(func.count(Project.id)).where(*project_filters(args)))


def page_ids(args: dict, page: int, page_size: int) -> list[int]:
    """Ids of one page by offset, sorted by (key, id); unknown budgets and dates last."""
    statement = _ordered(select(Project.id).where(*project_filters(args)), args)
    return list(db.session.scalars(statement.offset((page - 1) * page_size).limit(page_size)))


def keyset_ids(args: dict, cursor: str, page_size: int) -> tuple[list[int], dict]:
    """Ids of one page by cursor, and the cursors of the pages around it (first, last, prev, next)."""
    sort = args.get("sort") or "code"
    direction, value, project_id = keyset.decode(cursor, sort)
    backwards = direction in ("prev", "last")
    statement = select(Project.id, keyset.column(sort)).where(*project_filters(args))
    if direction in ("next", "prev"):
        statement = statement.where(keyset.after(sort, value, project_id, backwards))
    # One row more than the page tells whether there is a page beyond it.
    rows = list(db.session.execute(statement.order_by(*keyset.order(sort, reverse=backwards)).limit(page_size + 1)))
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
