"""The rollup cells as GROUP BY statements over the stored figures (see models/rollup.py for what a cell
is): `rebuild` fills the tables from scratch and `differences` compares them with a fresh computation.
Writes move the cells by the change in their projects' contributions, computed from the states they hold
(statistics/contributions.py), in their own transaction; the property tests compare the two.
"""
import functools

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    true,
    type_coerce,
    union,
    union_all,
)

from portfolio import dialect
from portfolio.extensions import db
from portfolio.figure_columns import AMOUNT_COLUMNS, COUNT_COLUMNS, EVIDENCE_ROLE, unknown_flags
from portfolio.models import (
    ORGANISATION_ROLES,
    Project,
    ProjectActivityType,
    ProjectCountry,
    ProjectCountryFigure,
    ProjectCrossFigure,
    ProjectFigure,
    ProjectOrganisation,
    ProjectOrganisationFigure,
    ProjectPriority,
    ProjectPriorityFigure,
    ProjectRcp,
    RcpMember,
    RollupActivityType,
    RollupCountry,
    RollupCountryFunder,
    RollupOrganisation,
    RollupPriority,
    RollupPriorityCountry,
    RollupPriorityFunder,
    RollupProject,
    RollupRcp,
)
from portfolio.models.rollup import KIND_ALL, KIND_GAP, KIND_RUN, KIND_YEAR

COUNTS = COUNT_COLUMNS
KEYS = ("filter_priority_id", "region_id", "status", "synthetic", "kind", "lo", "hi")
PROJECTS, FIGURES = Project.__table__, ProjectFigure.__table__
PRIORITY_LINKS, PRIORITY_FIGURES = ProjectPriority.__table__, ProjectPriorityFigure.__table__
ORGANISATION_LINKS, ORGANISATION_FIGURES = ProjectOrganisation.__table__, ProjectOrganisationFigure.__table__
CUBE_FIGURES = ProjectCrossFigure.__table__
COUNTRY_LINKS, COUNTRY_FIGURES = ProjectCountry.__table__, ProjectCountryFigure.__table__
ACTIVITY_TYPE_LINKS = ProjectActivityType.__table__
STATED_RCPS, RCP_MEMBERS = ProjectRcp.__table__, RcpMember.__table__


def _projects():
    """Each project with its keys and its three unknown flags."""
    return select(PROJECTS.c.id, PROJECTS.c.region_id, PROJECTS.c.status, PROJECTS.c.synthetic,
                  *(flag.label(name) for name, flag in unknown_flags(PROJECTS.c).items())).subquery("p")


def _filter_priorities():
    """(project, 0) for every project and (project, P) for each priority P it serves."""
    return union_all(
        select(PROJECTS.c.id.label("project_id"), literal(0).label("fp")),
        select(PRIORITY_LINKS.c.project_id, PRIORITY_LINKS.c.priority_id),
    ).subquery("fp")


def _amounts(source):
    return [source.c[name] for name in AMOUNT_COLUMNS]


def _priority_members():
    """(project, priority) for each priority a project serves, (project, 0) for a project serving none."""
    none = ~exists().where(PRIORITY_LINKS.c.project_id == PROJECTS.c.id)
    return union_all(
        select(PRIORITY_LINKS.c.project_id, PRIORITY_LINKS.c.priority_id),
        select(PROJECTS.c.id, literal(0)).where(none),
    )


def _link_members(links, column: str, none):
    """(project, value) for each value of a link a project has, (project, `none`) for a project with none."""
    nothing = ~exists().where(links.c.project_id == PROJECTS.c.id)
    return union_all(
        select(links.c.project_id, links.c[column]),
        select(PROJECTS.c.id, literal(none).label(column)).where(nothing),
    )


def _rcp_members():
    """(project, rcp_link, rcp) for each RCP a project is linked to in each way of reading its links (filters.py
    rcp_links: stated, derived from its countries' memberships, any), (project, way, 0) where it has none."""
    stated = select(STATED_RCPS.c.project_id, STATED_RCPS.c.rcp_id)
    membership = and_(RCP_MEMBERS.c.country_code == COUNTRY_LINKS.c.country_code, RCP_MEMBERS.c.role == "member")
    derived = select(COUNTRY_LINKS.c.project_id, RCP_MEMBERS.c.rcp_id).join(RCP_MEMBERS, membership)
    # "No link" is asked of the base tables, each project by its key: asked of the links' subquery (a UNION for
    # "any"), SQLite computed that subquery again for every project, quadratic in the projects.
    no_stated = ~exists().where(STATED_RCPS.c.project_id == PROJECTS.c.id)
    no_derived = ~exists(select(COUNTRY_LINKS.c.project_id).join(RCP_MEMBERS, membership).where(
        COUNTRY_LINKS.c.project_id == PROJECTS.c.id))
    parts = []
    for link, links, none in (("stated", stated, no_stated), ("derived", derived, no_derived),
                              ("any", union(stated, derived), and_(no_stated, no_derived))):
        found = links.subquery(f"{link}_links")
        parts.append(select(found.c.project_id, literal(link).label("rcp_link"), found.c.rcp_id).distinct())
        parts.append(select(PROJECTS.c.id, literal(link), literal(0)).where(none))
    return union_all(*parts)


def _organisation_members(roles):
    """(project, role, organisation) for the organisations a project counts for in each role: its participants
    and, in the funding role, every funder money is attributed to (0 among them: no funder stated); (project,
    role, 0) where it has neither. The same members as figures.derive's."""
    none = ~exists().where(
        ORGANISATION_LINKS.c.project_id == PROJECTS.c.id, ORGANISATION_LINKS.c.role == roles.c.role
    ) & ~exists().where(ORGANISATION_FIGURES.c.project_id == PROJECTS.c.id, ORGANISATION_FIGURES.c.role == roles.c.role)
    return union(
        select(
            ORGANISATION_LINKS.c.project_id, ORGANISATION_LINKS.c.role, ORGANISATION_LINKS.c.organisation_id
        ).join(roles, roles.c.role == ORGANISATION_LINKS.c.role),
        select(
            ORGANISATION_FIGURES.c.project_id, ORGANISATION_FIGURES.c.role, ORGANISATION_FIGURES.c.organisation_id
        ).join(roles, roles.c.role == ORGANISATION_FIGURES.c.role),
        select(PROJECTS.c.id, roles.c.role, literal(0)).select_from(PROJECTS).join(roles, true()).where(none),
    )


def _roles(only=None):
    return union_all(
        *(select(literal(role).label("role")) for role in ORGANISATION_ROLES if only is None or role == only)
    ).subquery("r")


def _whole_money(members, group):
    """Each project's money by year under every group it is a member of: an overlap dimension, where a project
    counts in full in each of its groups (and the groups' sum is not the portfolio's)."""
    return (
        select(*(members.c[g] for g in group), *FIGURES.c)
        .join(members, members.c.project_id == FIGURES.c.project_id)
        .subquery("y")
    )


# The cube's pairs (models/figures.py ProjectCrossFigure): each table's two splits, as (group column, members).
CUBE_PAIRS = {
    RollupPriorityFunder: ("priority", "funder"),
    RollupPriorityCountry: ("priority", "country"),
    RollupCountryFunder: ("country", "funder"),
}


def _cube_members(split: str):
    """(project, key) for a split of the cube, its "none" key included: the project's priorities, its countries,
    or the funders money is attributed to (figures.derive's members of the funding role)."""
    if split == "priority":
        return _priority_members().subquery("m_priority"), "priority_id"
    if split == "country":
        return _link_members(COUNTRY_LINKS, "country_code", "").subquery("m_country"), "country_code"
    return _organisation_members(_roles(EVIDENCE_ROLE)).subquery("m_funder"), "organisation_id"


def _cube_pair(splits):
    """Members: each project in every pair of its values of the two splits; money: the cube summed over the
    third split, by year."""
    (first, one), (second, other) = (_cube_members(split) for split in splits)
    members = (
        select(first.c.project_id, first.c[one], second.c[other])
        .join(second, second.c.project_id == first.c.project_id)
        .subquery("m")
    )
    kept = [CUBE_FIGURES.c.project_id, CUBE_FIGURES.c[one], CUBE_FIGURES.c[other], CUBE_FIGURES.c.year]
    yearly = (
        select(*kept, *(func.sum(CUBE_FIGURES.c[a]).label(a) for a in AMOUNT_COLUMNS))
        .group_by(*kept)
        .subquery("y")
    )
    return members, yearly, [one, other]


def _groups(table):
    """(members, yearly, group columns): which groups each project is in, and its money by group and year."""
    if table is RollupProject:
        return (
            select(PROJECTS.c.id.label("project_id")).subquery("m"),
            select(FIGURES).subquery("y"),
            [],
        )
    if table is RollupPriority:  # the priority figures hold every cent, under 0 for a project serving none
        return (
            _priority_members().subquery("m"),
            select(PRIORITY_FIGURES).subquery("y"),
            ["priority_id"],
        )
    if table is RollupCountry:  # the country figures hold every cent, under "" for a project in none
        return (
            _link_members(COUNTRY_LINKS, "country_code", "").subquery("m"),
            select(COUNTRY_FIGURES).subquery("y"),
            ["country_code"],
        )
    if table is RollupActivityType:  # an overlap dimension: each type (0: none) carries the project's whole money
        members = _link_members(ACTIVITY_TYPE_LINKS, "activity_type_id", 0).subquery("m")
        return members, _whole_money(members, ["activity_type_id"]), ["activity_type_id"]
    if table is RollupRcp:  # the same, once per way of reading the links
        members = _rcp_members().subquery("m")
        return members, _whole_money(members, ["rcp_link", "rcp_id"]), ["rcp_link", "rcp_id"]
    if table in CUBE_PAIRS:
        return _cube_pair(CUBE_PAIRS[table])
    roles = _roles()
    members = _organisation_members(roles).subquery("m")
    # Money of a role nobody takes part in is the project's whole money under 0. (The funding role has
    # figure rows for every cent, so a project with money always has funding rows.)
    none = ~exists().where(
        ORGANISATION_LINKS.c.project_id == PROJECTS.c.id, ORGANISATION_LINKS.c.role == roles.c.role
    ) & ~exists().where(ORGANISATION_FIGURES.c.project_id == PROJECTS.c.id, ORGANISATION_FIGURES.c.role == roles.c.role)
    yearly = union_all(
        select(
            ORGANISATION_FIGURES.c.project_id,
            ORGANISATION_FIGURES.c.role,
            ORGANISATION_FIGURES.c.organisation_id,
            ORGANISATION_FIGURES.c.year,
            *_amounts(ORGANISATION_FIGURES),
        ),
        select(FIGURES.c.project_id, roles.c.role, literal(0), FIGURES.c.year, *_amounts(FIGURES))
        .select_from(FIGURES)
        .join(PROJECTS, PROJECTS.c.id == FIGURES.c.project_id)
        .join(roles, true())
        .where(none),
    ).subquery("y")
    return members, yearly, ["role", "organisation_id"]


def _runs():
    """Each run of consecutive years in which a project has money: (project_id, lo, hi)."""
    island = (
        FIGURES.c.year - func.row_number().over(partition_by=FIGURES.c.project_id, order_by=FIGURES.c.year)
    ).label("island")
    years = select(FIGURES.c.project_id, FIGURES.c.year, island).subquery("years")
    return (
        select(years.c.project_id, func.min(years.c.year).label("lo"), func.max(years.c.year).label("hi"))
        .group_by(years.c.project_id, years.c.island)
        .subquery("runs")
    )


def _gaps(runs):
    previous = func.lag(runs.c.hi).over(partition_by=runs.c.project_id, order_by=runs.c.lo).label("previous")
    ordered = select(runs.c.project_id, runs.c.lo, previous).subquery("ordered")
    return (
        select(ordered.c.project_id, ordered.c.previous.label("lo"), ordered.c.lo.label("hi"))
        .where(ordered.c.previous.is_not(None))
        .subquery("gaps")
    )


def _cents(column):
    return type_coerce(func.coalesce(func.sum(column), 0), BigInteger)


@functools.cache
def contributions(table):
    """SELECT of every cell the projects contribute to `table`, in the column order of `columns(table)`. Built once
    per process: building it took 45 ms of the 70 ms a `differences()` took on a small database."""
    p, fp = _projects(), _filter_priorities()
    members, yearly, group = _groups(table)
    keys = [fp.c.fp, p.c.region_id, p.c.status, p.c.synthetic]
    flags = [p.c[name] for name in COUNTS[1:]]

    def cell(source, project_id, group_of, kind, lo, hi, amounts, weight=1):
        counts = [func.count() * weight, *(func.sum(f) * weight for f in flags)]
        statement = (
            select(
                *keys,
                *group_of,
                literal(kind, Integer),
                lo,
                hi,
                *counts,
                *(_cents(a) if a is not None else literal(0, BigInteger) for a in amounts),
            )
            .select_from(source)
            .join(p, p.c.id == project_id)
            .join(fp, fp.c.project_id == project_id)
        )
        return statement.group_by(*keys, *group_of, *([lo, hi] if kind != KIND_ALL else []))

    totals = (
        select(
            yearly.c.project_id,
            *(yearly.c[g] for g in group),
            *(func.sum(yearly.c[a]).label(a) for a in AMOUNT_COLUMNS),
        )
        .group_by(yearly.c.project_id, *(yearly.c[g] for g in group))
        .subquery("t")
    )
    on = and_(totals.c.project_id == members.c.project_id, *(totals.c[g] == members.c[g] for g in group))
    everyone = cell(
        members.outerjoin(totals, on),
        members.c.project_id,
        [members.c[g] for g in group],
        KIND_ALL,
        literal(0, Integer),
        literal(0, Integer),
        [totals.c[a] for a in AMOUNT_COLUMNS],
    )
    by_year = cell(
        yearly,
        yearly.c.project_id,
        [yearly.c[g] for g in group],
        KIND_YEAR,
        yearly.c.year,
        yearly.c.year,
        [yearly.c[a] for a in AMOUNT_COLUMNS],
    )
    runs = _runs()
    gaps = _gaps(runs)
    parts = [everyone, by_year]
    for source, kind, weight in ((runs, KIND_RUN, 1), (gaps, KIND_GAP, -1)):
        joined = source.join(members, members.c.project_id == source.c.project_id)
        parts.append(
            cell(
                joined,
                source.c.project_id,
                [members.c[g] for g in group],
                kind,
                source.c.lo,
                source.c.hi,
                [None] * len(AMOUNT_COLUMNS),
                weight,
            )
        )
    return union_all(*parts)


def columns(table) -> list[str]:
    return [*KEYS[:4], *GROUPS[table], *KEYS[4:], *COUNTS, *AMOUNT_COLUMNS]


# Each rollup table's group columns, between the filter keys and the kind.
GROUPS = {
    RollupProject: [],
    RollupPriority: ["priority_id"],
    RollupOrganisation: ["role", "organisation_id"],
    RollupPriorityFunder: ["priority_id", "organisation_id"],
    RollupCountry: ["country_code"],
    RollupActivityType: ["activity_type_id"],
    RollupRcp: ["rcp_link", "rcp_id"],
    RollupPriorityCountry: ["priority_id", "country_code"],
    RollupCountryFunder: ["country_code", "organisation_id"],
}
TABLES = tuple(GROUPS)


def rebuild(tables=TABLES) -> None:
    """Recompute the rollups (every one by default) from the stored figures (after raw loads, or a
    migration)."""
    dialect.for_whole_table_statements()
    for table in tables:
        db.session.execute(delete(table))
        db.session.execute(insert(table.__table__).from_select(columns(table), contributions(table)))


def differences() -> list[tuple]:
    """Cells where the stored rollups differ from a fresh computation (always empty, or a bug)."""
    out = []
    dialect.for_whole_table_statements()
    for table in TABLES:
        names = columns(table)
        key_count = len(names) - len(COUNTS) - len(AMOUNT_COLUMNS)

        def cells(rows, key_count=key_count):
            found = {}
            for row in rows:
                values = tuple(int(v) for v in row[key_count:])
                if any(values):
                    key = tuple(row[:key_count])
                    found[key] = tuple(a + b for a, b in zip(found.get(key, (0,) * len(values)), values))
            return {k: v for k, v in found.items() if any(v)}

        stored = cells(db.session.execute(select(*(table.__table__.c[n] for n in names))))
        fresh = cells(db.session.execute(contributions(table)))
        for key in set(stored) | set(fresh):
            if stored.get(key) != fresh.get(key):
                out.append((table.__tablename__, key, stored.get(key), fresh.get(key)))
    return out
