"""Two readers of the same figures: GROUP BY over the base tables (any filter), or over the rollups (the
filters and dimensions they are keyed by). Both return `Part`s whose rows are a group key and the
values in VALUE_COLUMNS order; `plan` makes every part of an answer one statement, `run` runs it."""
from typing import NamedTuple

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union,
    union_all,
)

from portfolio.extensions import db
from portfolio.figure_columns import AMOUNT_COLUMNS, COUNT_COLUMNS, EVIDENCE_ROLE, NO_FUNDER, unknown_flags
from portfolio.filters import FILTERS, filter_params, project_filters, year_range
from portfolio.models import (
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
    RollupOrganisation,
    RollupPriority,
    RollupProject,
    RollupRcp,
)
from portfolio.models.rollup import KIND_ALL, KIND_GAP, KIND_RUN, KIND_YEAR
from portfolio.statistics.dimensions import CUBE_SPLITS, ROLLUP_FILTERS, Dimension, role_of, split_of
from portfolio.statistics.measures import add
from portfolio.statistics.rollups import CUBE_PAIRS
from portfolio.vocabulary import current


class Part(NamedTuple):
    """One grouped SELECT: its first `keys` columns are the group key, then the values. `slots`: the key
    columns of the answer's statement they go in (by default the first ones), so that a part keyed by a
    crossed answer's columns alone (say, priority ids) does not share a column with one keyed by its rows
    (country codes): the branches of a UNION must agree on each column's type."""

    statement: Select | None
    keys: int
    slots: tuple = ()
    # A part answered from another's rows, not by SQL: `of` is that part's statement, `keep` the positions of its
    # keys this part keeps; its rows are that part's rows summed over the keys it drops (readers.BaseReader._summed).
    of: Select | None = None
    keep: tuple = ()

    def placed(self, slots) -> "Part":
        return self._replace(slots=tuple(slots))


class Plan(NamedTuple):
    """Every part of an answer as one statement (UNION ALL, each row tagged with its part), so a shared filter
    (the `matching` CTE) is evaluated once; its values are bound parameters, so a plan is built once per
    shape of question (statistics/aggregates.py caches them) and run with each question's values."""

    statement: object
    parts: list  # [(name, keys)]
    width: int
    derived: list  # [(part, the part it is summed from, the keys it keeps)], in order


def _slots(part: Part) -> tuple:
    return part.slots or tuple(range(part.keys))


def plan(parts: list[tuple[str, Part]]) -> Plan:
    width = max((max(_slots(part)) + 1 for _, part in parts if part.keys), default=0)
    members, derived = [], []
    for tag, (_, part) in enumerate(parts):
        if part.of is not None:
            source = next((i for i, (_, other) in enumerate(parts) if other.statement is part.of), None)
            if source is None:  # a reader's parts are planned together, from one reader (BaseReader._summed)
                raise ValueError(f"part {tag} is summed from a part that is not in this plan")
            derived.append((tag, source, part.keep))
            continue
        columns = list(part.statement.subquery().c)
        keys: list = [null()] * width
        for slot, column in zip(_slots(part), columns[:part.keys]):
            keys[slot] = column
        members.append(select(literal_column(str(tag)).label("part"),
                              *(key.label(f"key{i}") for i, key in enumerate(keys)), *columns[part.keys:]))
    statement = members[0] if len(members) == 1 else union_all(*members)
    return Plan(statement, [(name, _slots(part)) for name, part in parts], width, derived)


def run(plan_: Plan, params: dict) -> dict:
    """{name: {key: values}}; parts sharing a name are added up; a part with one key gives {key: values}, with
    several {(key, ...): values}, without keys {(): values}."""
    rows: list[dict] = [{} for _ in plan_.parts]
    width = plan_.width
    for row in db.session.execute(plan_.statement, params):
        part = rows[row[0]]
        key = tuple(row[1 + s] for s in plan_.parts[row[0]][1])
        part[key] = add(part.get(key), tuple(int(v or 0) for v in row[1 + width:]))
    for tag, source, keep in plan_.derived:
        part = rows[tag]
        for key, values in rows[source].items():
            kept = tuple(key[i] for i in keep)
            part[kept] = add(part.get(kept), values)
    found: dict = {name: {} for name, _ in plan_.parts}
    for (name, slots), part in zip(plan_.parts, rows):
        into = found[name]
        for key, values in part.items():
            key = key[0] if len(slots) == 1 else key
            into[key] = add(into.get(key), values)
    return found


def _zeros(names):
    return [literal(0).label(n) for n in names]


def _sums(source, names):
    return [func.coalesce(func.sum(source.c[n]), 0).label(n) for n in names]


FIGURES, PRIORITY_FIGURES, COUNTRY_FIGURES = (
    ProjectFigure.__table__,
    ProjectPriorityFigure.__table__,
    ProjectCountryFigure.__table__,
)
ORGANISATION_FIGURES, CUBE_FIGURES = ProjectOrganisationFigure.__table__, ProjectCrossFigure.__table__
ORGANISATION_LINKS, PROJECTS = ProjectOrganisation.__table__, Project.__table__
SPLIT_TABLES = {
    frozenset(): FIGURES,
    frozenset({"priority"}): PRIORITY_FIGURES,
    frozenset({"country"}): COUNTRY_FIGURES,
}


def _with_none(links, key: str, none, within=None):
    """(project_id, key) of a link table, and (project, `none`) for each project without a link; only of the
    projects `within` (the matching CTE) when given."""
    projects = PROJECTS if within is None else within
    return union_all(
        _within(select(links.c.project_id, links.c[key].label("key")), links.c.project_id, within),
        select(projects.c.id, literal(none).label("key")).where(~exists().where(links.c.project_id == projects.c.id)),
    )


def _within(statement, project_id, within):
    return statement if within is None else statement.where(project_id.in_(select(within.c.id)))


def _funders(organisation=None, within=None):
    """(project_id, key) of the organisations a project counts for in the funding role: its participants and
    every funder money is attributed to (services/figures.py derive's members); only of the projects `within`
    (the matching CTE) when given."""
    participants = select(ORGANISATION_LINKS.c.project_id, ORGANISATION_LINKS.c.organisation_id.label("key")).where(
        ORGANISATION_LINKS.c.role == EVIDENCE_ROLE
    )
    attributed = select(ORGANISATION_FIGURES.c.project_id, ORGANISATION_FIGURES.c.organisation_id).where(
        ORGANISATION_FIGURES.c.role == EVIDENCE_ROLE
    )
    participants = _within(participants, ORGANISATION_LINKS.c.project_id, within)
    attributed = _within(attributed, ORGANISATION_FIGURES.c.project_id, within)
    if organisation is not None:
        return union(
            participants.where(ORGANISATION_LINKS.c.organisation_id == organisation),
            attributed.where(ORGANISATION_FIGURES.c.organisation_id == organisation),
        )
    projects = PROJECTS if within is None else within
    nobody = select(projects.c.id, literal(NO_FUNDER)).where(
        ~exists().where(ORGANISATION_LINKS.c.project_id == projects.c.id, ORGANISATION_LINKS.c.role == EVIDENCE_ROLE),
        ~exists().where(
            ORGANISATION_FIGURES.c.project_id == projects.c.id, ORGANISATION_FIGURES.c.role == EVIDENCE_ROLE
        ),
    )
    return union(participants, attributed, nobody)


class BaseReader:
    """GROUP BY over the base tables, for any filter. The filter (which may be a text search over every project)
    is one CTE that every part of an answer reads, materialized on PostgreSQL when there are several parts.

    Counts come from the matching projects joined to each dimension's members (a year's, from the projects
    with figures in that year); money from the one figures table that holds every split the question names
    (the priority, country, organisation figures, or the priority x country x funder cube for two of them or
    a `funder`), joined to the matching projects."""

    def __init__(self, args: dict):
        self.args = args
        flags = {"project_count": literal(1), **unknown_flags(Project)}
        matching = select(Project.id, Project.region_id, Project.status, *(v.label(k) for k, v in flags.items())).where(
            *project_filters(args, years="money")
        )
        # Materialized on PostgreSQL: the filter is computed once for every part that reads it.
        postgresql = db.session.get_bind().dialect.name == "postgresql"
        self.s = matching.cte("matching").prefix_with("MATERIALIZED") if postgresql else matching.cte("matching")
        # A dimension's members (its links, the "none" row, a project's funders) and a year's projects only of the
        # matching projects, on PostgreSQL, when a filter picks out a few (a country, a word, an organisation, one RCP
        # or activity type: no rollup key): it joined every project's (1.1 million organisation figures deduplicated
        # on disk for the donors of 36,000 projects; 900,000 project-years for the 2,227 projects in one country).
        # Not for a slice the rollup keys cut (a region, a year range...), which holds most projects: there the
        # planner probed the figures once per matching project (activity-type/donor?year_from=: 3.3 -> 5.5 s).
        # SQLite keeps its plans (see s_each).
        narrow = any(args.get(f.name) is not None for f in FILTERS if f.rollup in (None, "overlap"))  # filter_shape
        self.within = self.s if postgresql and narrow else None
        # SQLite joins the per-year projects (a DISTINCT subquery, materialized) to a materialized `matching` by
        # scanning one for each row of the other, without an index: minutes at 100,000 projects for a year x funder
        # count (25 minutes and more unfiltered), where the filter inlined into that one part reads `projects` by
        # its key (6 s). Every other part reads the materialized filter, faster there (bench/README.md).
        self.s_each = self.s if postgresql else matching.cte("matching_each").prefix_with("NOT MATERIALIZED")
        self.funder = bindparam("f_funder", type_=Integer) if args.get("funder") else None
        self._read: list[tuple[str, tuple, frozenset, Part]] = []  # (what, dims, splits, part) of each part read

    def params(self) -> dict:
        params = filter_params(self.args)
        if self.args.get("funder"):
            params["f_funder"] = current().organisations[self.args["funder"]].id
        return params

    def _splits(self, dims) -> frozenset:
        splits = {split_of(d, self.args) for d in dims if d.kind == "split"}
        return frozenset(splits | ({EVIDENCE_ROLE} if self.funder is not None else set()))

    def _source(self, splits: frozenset):
        """The figures holding every split asked for: (a FROM with project_id, year, the split keys and the
        amounts, its WHERE clauses)."""

        def funder(table) -> list:
            return [] if self.funder is None else [table.c.organisation_id == self.funder]

        if splits in SPLIT_TABLES:
            return SPLIT_TABLES[splits], []
        if len(splits) == 1:
            (role,) = splits
            if role == EVIDENCE_ROLE:
                return ORGANISATION_FIGURES, [
                    ORGANISATION_FIGURES.c.role == EVIDENCE_ROLE,
                    *funder(ORGANISATION_FIGURES),
                ]
            # A role nobody in the project takes part in: its whole money under 0.
            nobody = ~exists().where(
                ORGANISATION_LINKS.c.project_id == FIGURES.c.project_id, ORGANISATION_LINKS.c.role == role
            )
            return union_all(
                select(
                    ORGANISATION_FIGURES.c.project_id,
                    ORGANISATION_FIGURES.c.year,
                    ORGANISATION_FIGURES.c.organisation_id,
                    *_amounts(ORGANISATION_FIGURES),
                ).where(ORGANISATION_FIGURES.c.role == role),
                select(
                    FIGURES.c.project_id,
                    FIGURES.c.year,
                    literal(NO_FUNDER).label("organisation_id"),
                    *_amounts(FIGURES),
                ).where(nobody),
            ).subquery("role_figures"), []
        if splits <= CUBE_SPLITS:
            return CUBE_FIGURES, funder(CUBE_FIGURES)
        raise ValueError(f"no figures cross {sorted(splits)}")  # refused before (aggregates.check_crossing)

    def _members(self, dimension: Dimension):
        """(project_id, key): the values of a dimension each project counts for, "none" included."""
        key = dimension.key
        if key == "priority":
            return _with_none(ProjectPriority.__table__, "priority_id", 0, self.within).subquery("m_priority")
        if key == "country":
            return _with_none(ProjectCountry.__table__, "country_code", "", self.within).subquery("m_country")
        if key == "activity-type":
            return _with_none(ProjectActivityType.__table__, "activity_type_id", 0, self.within).subquery("m_activity")
        if key == "rcp":
            link = self.args.get("rcp_link") or "any"
            stated = select(ProjectRcp.project_id, ProjectRcp.rcp_id)
            derived = select(ProjectCountry.project_id, RcpMember.rcp_id).join(
                RcpMember, and_(RcpMember.country_code == ProjectCountry.country_code, RcpMember.role == "member")
            )
            links = {"stated": stated, "derived": derived.distinct(), "any": union(stated, derived)}[link]
            return _with_none(links.subquery("links"), "rcp_id", 0, self.within).subquery("m_rcp")
        role = role_of(dimension, self.args)
        if role == EVIDENCE_ROLE:  # with a funder, only its own row: the money is its own
            return _funders(self.funder, self.within).subquery("m_funders")
        links = (
            select(ORGANISATION_LINKS.c.project_id, ORGANISATION_LINKS.c.organisation_id)
            .where(ORGANISATION_LINKS.c.role == role)
            .subquery("links")
        )
        return _with_none(links, "organisation_id", NO_FUNDER, self.within).subquery("m_role")

    def _funded(self) -> list:
        """The projects the `funder` counts for."""
        if self.funder is None:
            return []
        return [self.s.c.id.in_(select(_funders(self.funder).subquery("f").c.project_id))]

    def _summed(self, what: str, dims, read) -> Part:
        """A margin or total summed from a finer part's rows where that is the same sum: the same figures (the
        same splits) grouped by fewer keys, each of which has one value per row summed: a project's region or
        status for counts (a project counts once in the margin as in the one cell of its region); for money also
        a figure's year. Exact, and without reading the figures again: at 100,000 projects each read of the
        priority figures is some two million rows, and each of a dimension's members (the "none" row) every
        project."""
        splits = self._splits(dims)
        summable = ("project", "year") if what == "money" else ("project",)
        for kind, finer, finer_splits, part in self._read:
            dropped = [d for d in finer if d not in dims]
            if kind == what and finer_splits == splits and all(d in finer for d in dims) and all(
                    d.kind in summable for d in dropped):
                return Part(None, len(dims), of=part.statement, keep=tuple(finer.index(d) for d in dims))
        part = read(dims)
        self._read.append((what, dims, splits, part))
        return part

    def _counts(self, dims) -> Part:
        year = any(d.kind == "year" for d in dims)
        s = self.s_each if year else self.s
        keys, source, where = [], s, []
        if year:  # the projects with figures in each year (and split value): the rows the money part sums
            figures, clauses = self._source(self._splits(dims))
            split_keys = [figures.c[d.column] for d in dims if d.kind == "split"]
            held = (
                _within(select(figures.c.project_id, figures.c.year, *split_keys), figures.c.project_id, self.within)
                .where(*clauses, *year_range(figures.c.year, self.args))
                .distinct()
                .subquery("held")
            )
            source = held.join(s, s.c.id == held.c.project_id)
        else:
            where = self._funded()
        for d in dims:
            if d.kind == "project":
                keys.append(s.c[d.column])
            elif year and d.kind in ("year", "split"):
                keys.append(held.c[d.column])
            else:
                members = self._members(d)
                source = source.join(members, members.c.project_id == s.c.id)
                keys.append(members.c.key)
        statement = select(*keys, *_sums(s, COUNT_COLUMNS), *_zeros(AMOUNT_COLUMNS)).select_from(source).where(*where)
        return Part(statement.group_by(*keys) if keys else statement, len(keys))

    def _money(self, dims) -> Part:
        s = self.s
        figures, clauses = self._source(self._splits(dims))
        source = figures.join(s, s.c.id == figures.c.project_id)
        keys = []
        for d in dims:
            if d.kind == "project":
                keys.append(s.c[d.column])
            elif d.kind in ("year", "split"):
                keys.append(figures.c[d.column])
            else:
                members = self._members(d)
                source = source.join(members, members.c.project_id == figures.c.project_id)
                keys.append(members.c.key)
        statement = (
            select(*keys, *_zeros(COUNT_COLUMNS), *_sums(figures, AMOUNT_COLUMNS))
            .select_from(source)
            .where(*clauses, *year_range(figures.c.year, self.args))
        )
        return Part(statement.group_by(*keys) if keys else statement, len(keys))

    def parts(self, name: str, dims: tuple) -> list[tuple[str, Part]]:
        return [(name, self._summed("counts", dims, self._counts)), (name, self._summed("money", dims, self._money))]


def _amounts(source):
    return [source.c[name] for name in AMOUNT_COLUMNS]


# The statement's constants written into its text, not bound: a rollup answer's statement had 112 parameters,
# all zeros and cell kinds, whose binding was 7% of the answer's time in-process.
def _constant(number: int):
    return literal_column(str(int(number)), Integer)


ZERO = _constant(0)
# Each overlap dimension's cells, and the filter on one of its values (filters.py, rollup="overlap") that reads them.
OVERLAP_TABLES = {"activity-type": RollupActivityType, "rcp": RollupRcp}
OVERLAP_FILTERS = {key.replace("-", "_"): table for key, table in OVERLAP_TABLES.items()}
# The cube's pairs of splits (statistics/rollups.py CUBE_PAIRS; "funder": the funding role) and their tables.
CUBE_PAIR_TABLES = {
    frozenset(EVIDENCE_ROLE if split == "funder" else split for split in splits): table
    for table, splits in CUBE_PAIRS.items()
}


class RollupReader:
    """The same answers from the rollup cells (see models/rollup.py)."""

    def __init__(self, args: dict):
        self.args = args
        self.low = args.get("year_from")
        self.high = args.get("year_to")

    def params(self) -> dict:
        vocab, args = current(), self.args
        params = {
            "r_priority": vocab.priorities[args["priority"]].id if args.get("priority") else 0,
            "r_low": self.low or 0,
            "r_high": self.high or 9999,
        }
        if args.get("region"):
            params["r_region"] = vocab.regions[args["region"]].id
        if args.get("funder"):
            params["r_funder"] = vocab.organisations[args["funder"]].id
        for f in FILTERS:
            if f.rollup == "overlap" and args.get(f.name):
                params[f"r_{f.name}"] = getattr(vocab, f.vocabulary)[args[f.name]].id
        for name in ("status", "synthetic"):
            if args.get(name) is not None:
                params[f"r_{name}"] = args[name]
        return params

    @staticmethod
    def table(args: dict, dims: tuple):
        """The rollup table that holds these dimensions under these filters, and its role; None if none does."""
        if any(d.rollup_column is None for d in dims):
            return None
        # The splits the question names (a `funder` names the funding role).
        splits = {split_of(d, args) for d in dims if d.kind == "split"}
        splits |= {EVIDENCE_ROLE} if args.get("funder") else set()
        # An overlap dimension, or a filter on one of its values (that value's cells), carries whole projects:
        # crossed only with region, status or year, and one of them only (a project of one RCP also counts under
        # its other RCPs, so an RCP filter cannot read the RCP dimension's cells).
        overlaps = [OVERLAP_TABLES[d.key] for d in dims if d.kind == "overlap"]
        overlaps += [table for name, table in OVERLAP_FILTERS.items() if args.get(name)]
        if overlaps:
            return (overlaps[0], None) if len(overlaps) == 1 and not splits else None
        if len(splits) == 2:  # a pair of the cube's splits
            table = CUBE_PAIR_TABLES.get(frozenset(splits))
            return (table, EVIDENCE_ROLE if EVIDENCE_ROLE in splits else None) if table else None
        if len(splits) > 2:
            return None
        if not splits:
            return RollupProject, None
        (split,) = splits
        single = {"priority": (RollupPriority, None), "country": (RollupCountry, None)}
        return single.get(split, (RollupOrganisation, split))

    @classmethod
    def serves(cls, args: dict, dims: tuple) -> bool:
        organisations = any(d.is_organisation for d in dims)
        allowed = (
            ROLLUP_FILTERS
            | ({"organisation_role"} if organisations else set())
            | ({"rcp_link"} if args.get("rcp") or any(d.key == "rcp" for d in dims) else set())
        )
        needed = [dims, *((d,) for d in dims), ()]
        return all(name in allowed for name, value in args.items() if value is not None) and all(
            cls.table(args, question) is not None for question in needed
        )

    def _where(self, table, role) -> list:
        args = self.args
        clauses = [table.filter_priority_id == bindparam("r_priority", type_=Integer)]
        if args.get("region"):
            clauses.append(table.region_id == bindparam("r_region", type_=Integer))
        if args.get("status"):
            clauses.append(table.status == bindparam("r_status", type_=String))
        if args.get("synthetic") is not None:
            clauses.append(table.synthetic == bindparam("r_synthetic", type_=Boolean))
        if table is RollupOrganisation:
            clauses.append(table.role == role)
        if table is RollupRcp:  # a plan is built per rcp_link (aggregates.compute's key): a constant of it
            clauses.append(table.rcp_link == literal(args.get("rcp_link") or "any", String))
        for name in OVERLAP_FILTERS:
            if args.get(name):
                clauses.append(getattr(table, f"{name}_id") == bindparam(f"r_{name}", type_=Integer))
        if args.get("funder"):
            clauses.append(table.organisation_id == bindparam("r_funder", type_=Integer))
        return clauses

    def _conditions(self, table, by_year: bool):
        if by_year:
            money = and_(table.kind == _constant(KIND_YEAR), *self._range(table.lo))
            return money, money
        if self.low is None and self.high is None:
            everyone = table.kind == _constant(KIND_ALL)
            return everyone, everyone
        low, high = bindparam("r_low", type_=Integer), bindparam("r_high", type_=Integer)
        counts = or_(
            and_(table.kind == _constant(KIND_RUN), table.lo <= high, table.hi >= low),
            and_(table.kind == _constant(KIND_GAP), table.lo >= low, table.hi <= high),
        )
        return counts, and_(table.kind == _constant(KIND_YEAR), table.lo.between(low, high))

    def _range(self, column) -> list:
        return (
            [column.between(bindparam("r_low", type_=Integer), bindparam("r_high", type_=Integer))]
            if (self.low or self.high)
            else []
        )

    def parts(self, name: str, dims: tuple) -> list[tuple[str, Part]]:
        table, role = self.table(self.args, dims)
        keys = [getattr(table, d.rollup_column) for d in dims]
        counts, money = self._conditions(table, any(d.kind == "year" for d in dims))
        if counts is money:  # one set of cells holds both (no year range, or by year): summed as they are
            values = [func.coalesce(func.sum(getattr(table, n)), ZERO) for n in (*COUNT_COLUMNS, *AMOUNT_COLUMNS)]
        else:  # a year range: the counts from the runs and gaps, the money from the years
            values = [
                func.coalesce(func.sum(case((counts, getattr(table, n)), else_=ZERO)), ZERO) for n in COUNT_COLUMNS
            ] + [func.coalesce(func.sum(case((money, getattr(table, n)), else_=ZERO)), ZERO) for n in AMOUNT_COLUMNS]
        statement = select(*keys, *values).where(*self._where(table, role), or_(counts, money))
        if not keys:
            return [(name, Part(statement, 0))]
        # Cells whose projects all moved away stay behind with zero counts: an empty group is not a row.
        return [(name, Part(statement.group_by(*keys).having(values[0] > 0), len(keys)))]


def reader(args: dict, dims: tuple = (), use_rollups: bool = True):
    """The rollups when they can answer; else the base tables (their filter one CTE that every part reads)."""
    if use_rollups and RollupReader.serves(args, dims):
        return RollupReader(args)
    return BaseReader(args)
