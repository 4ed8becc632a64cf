"""Reading projects: the shared filter set (used by the list and by every aggregate), sorting,
and the embedded parts of a project (derived RCP links, budget summary)."""
from datetime import date

from sqlalchemy import and_, any_, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import selectinload

from portfolio.extensions import db
from portfolio.services import keyset
from portfolio.models import (
    ActivityType,
    BudgetLine,
    Priority,
    Project,
    ProjectActivityType,
    ProjectCountry,
    ProjectPriority,
    ProjectRcp,
    Rcp,
    RcpMember,
    Region,
)


def id_filter(column, ids):
    """`column IN ids`; on PostgreSQL one array parameter, so there is no limit on how many (and
    no statement with thousands of placeholders to parse)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(column.type)))
    return column.in_(list(ids))


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def project_filters(args: dict) -> list:
    """WHERE clauses over `projects` for the list filters; the same set applies to every aggregate."""
    clauses = []
    if args.get("region"):
        clauses.append(Project.region_id == select(Region.id).where(Region.code == args["region"]).scalar_subquery())
    if args.get("priority"):
        clauses.append(Project.priorities.any(ProjectPriority.priority_id == select(Priority.id).where(
            Priority.code == args["priority"]).scalar_subquery()))
    if args.get("country"):
        clauses.append(Project.countries.any(ProjectCountry.country_code == args["country"]))
    if args.get("rcp"):
        clauses.append(Project.rcps.any(ProjectRcp.rcp_id == select(Rcp.id).where(
            Rcp.code == args["rcp"]).scalar_subquery()))
    if args.get("activity_type"):
        clauses.append(Project.activity_types.any(ProjectActivityType.activity_type_id == select(
            ActivityType.id).where(ActivityType.code == args["activity_type"]).scalar_subquery()))
    if args.get("status"):
        clauses.append(Project.status == args["status"])
    for flag in ("post_emergency", "synthetic"):
        if args.get(flag) is not None:
            clauses.append(getattr(Project, flag).is_(args[flag]))
    if args.get("year_from"):
        clauses.append(and_(Project.start_date.is_not(None),
                            or_(Project.end_date.is_(None), Project.end_date >= date(args["year_from"], 1, 1))))
    if args.get("year_to"):
        clauses.append(and_(Project.start_date.is_not(None), Project.start_date <= date(args["year_to"], 12, 31)))
    if args.get("q"):
        pattern = _like_pattern(args["q"])
        clauses.append(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            Project.code, Project.title, Project.acronym, Project.description))))
    if args.get("updated_since"):
        clauses.append(Project.updated_at >= args["updated_since"])
    return clauses


def list_projects(args: dict, page: int, page_size: int) -> tuple[list[Project], int]:
    """One page by offset (page numbers). Sorted by (key, id); unknown budgets and dates last."""
    clauses = project_filters(args)
    total = db.session.scalar(select(func.count(Project.id)).where(*clauses))
    statement = (select(Project).where(*clauses).order_by(*keyset.order(args.get("sort", "code")))
                 .offset((page - 1) * page_size).limit(page_size).options(*eager_options()))
    projects = list(db.session.scalars(statement).unique())
    decorate(projects)
    return projects, total


def list_projects_keyset(args: dict, cursor: str, page_size: int) -> tuple[list[Project], int, dict]:
    """One page by cursor, and the cursors of the pages around it (first, last, prev, next)."""
    sort = args.get("sort", "code")
    clauses = project_filters(args)
    total = db.session.scalar(select(func.count(Project.id)).where(*clauses))
    direction, value, project_id = keyset.decode(cursor, sort)
    backwards = direction in ("prev", "last")
    statement = select(Project).where(*clauses)
    if direction in ("next", "prev"):
        statement = statement.where(keyset.after(sort, value, project_id, backwards))
    # One row more than the page tells whether there is a page beyond it.
    rows = list(db.session.scalars(statement.order_by(*keyset.order(sort, reverse=backwards))
                                   .limit(page_size + 1).options(*eager_options())).unique())
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    decorate(rows)
    key = sort.lstrip("-")
    links = {"first": "first", "last": "last"}
    if rows:
        has_next = more if not backwards else direction == "prev"
        has_prev = more if backwards else direction == "next"
        if has_next:
            links["next"] = keyset.encode("next", sort, _sort_value(rows[-1], key), rows[-1].id)
        if has_prev:
            links["prev"] = keyset.encode("prev", sort, _sort_value(rows[0], key), rows[0].id)
    return rows, total, links


def _sort_value(project: Project, key: str):
    return getattr(project, {"budget": "budget_usd"}.get(key, key))


def eager_options():
    return (selectinload(Project.priorities), selectinload(Project.countries),
            selectinload(Project.activity_types), selectinload(Project.rcps))


def decorate(projects: list[Project]) -> list[Project]:
    """Attach what the output schema embeds: RCP links (stated + derived) and the budget summary."""
    if not projects:
        return projects
    ids = [p.id for p in projects]
    line_counts = dict(db.session.execute(
        select(BudgetLine.project_id, func.count(BudgetLine.id)).where(BudgetLine.project_id.in_(ids))
        .group_by(BudgetLine.project_id)).all())
    country_codes = {pc.country_code for p in projects for pc in p.countries}
    rcps_by_country: dict[str, list[Rcp]] = {}
    if country_codes:
        rows = db.session.execute(
            select(RcpMember.country_code, Rcp).join(Rcp, Rcp.id == RcpMember.rcp_id)
            .where(RcpMember.country_code.in_(country_codes), RcpMember.role == "member")
            .order_by(Rcp.position)).all()
        for code, rcp in rows:
            rcps_by_country.setdefault(code, []).append(rcp)
    for project in projects:
        stated = sorted((link.rcp for link in project.rcps), key=lambda r: r.position)
        links = [{"code": r.code, "short_name": r.short_name, "link": "stated", "via_countries": []} for r in stated]
        stated_codes = {r.code for r in stated}
        derived: dict[str, dict] = {}
        for pc in sorted(project.countries, key=lambda pc: pc.country_code):
            for rcp in rcps_by_country.get(pc.country_code, []):
                if rcp.code in stated_codes:
                    continue
                entry = derived.setdefault(rcp.code, {"code": rcp.code, "short_name": rcp.short_name,
                                                      "link": "derived", "via_countries": [], "_pos": rcp.position})
                entry["via_countries"].append(pc.country_code)
        links.extend({k: v for k, v in d.items() if k != "_pos"}
                     for d in sorted(derived.values(), key=lambda d: d["_pos"]))
        project.rcp_links = links
        project.budget = {"known": project.budget_usd is not None, "total_usd": project.budget_usd,
                          "line_count": line_counts.get(project.id, 0)}
        project.priorities.sort(key=lambda pp: pp.priority.position)
        project.countries.sort(key=lambda pc: pc.country_code)
    return projects
