"""Two readers of the same figures: GROUP BY over the base tables (any filter), or over the rollups (the
filters and dimensions they are keyed by). Both return `Part`s whose rows are a group key and the
values in VALUE_COLUMNS order; `fetch` runs every part of an answer in one statement."""
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
from portfolio.measures import AMOUNT_COLUMNS, COUNT_COLUMNS
from portfolio.models import (
    Project,
    ProjectActivityType,
    ProjectCountry,
    ProjectCountryFigure,
    ProjectFigure,
    ProjectOrganisation,
    ProjectOrganisationFigure,
    ProjectPriority,
    ProjectPriorityFigure,
    ProjectRcp,
    RcpMember,
    RollupPriority,
    RollupProject,
)
from portfolio.models.rollup import KIND_ALL, KIND_GAP, KIND_RUN, KIND_YEAR
from portfolio.services.queries import filter_params, project_filters, year_range
from portfolio.services.vocabulary import current
from portfolio.statistics.dimensions import ROLLUP_FILTERS, Dimension, role_of
from portfolio.statistics.measures import add


class Part(NamedTuple):
    """One grouped SELECT: its first `keys` columns are the group key, then the values."""

    statement: Select
    keys: int


class Plan(NamedTuple):
    """Every part of an answer as one statement (UNION ALL, each row tagged with its part), so a shared filter
    (the `matching` CTE) is evaluated once; its values are bound parameters, so a plan is built once per
    shape of question (statistics/aggregates.py caches them) and run with each question's values."""

    statement: object
    parts: list  # [(name, keys)]
    width: int


def plan(parts: list[tuple[str, Part]]) -> Plan:
    width = max(part.keys for _, part in parts)
    members = []
    for tag, (_, part) in enumerate(parts):
        columns = list(part.statement.subquery().c)
        keys = columns[:part.keys] + [null()] * (width - part.keys)
        members.append(select(literal_column(str(tag)).label("part"),
                              *(key.label(f"key{i}") for i, key in enumerate(keys)), *columns[part.keys:]))
    statement = members[0] if len(members) == 1 else union_all(*members)
    return Plan(statement, [(name, part.keys) for name, part in parts], width)


def run(plan_: Plan, params: dict) -> dict:
    """{name: {key: values}}; parts sharing a name are added up; a part without keys gives {(): values}."""
    found: dict = {name: {} for name, _ in plan_.parts}
    width = plan_.width
    for row in db.session.execute(plan_.statement, params):
        name, keys = plan_.parts[row[0]]
        key = row[1] if keys == 1 else tuple(row[1:1 + keys])
        found[name][key] = add(found[name].get(key), tuple(int(v or 0) for v in row[1 + width:]))
    return found


def _zeros(names):
    return [literal(0).label(n) for n in names]


def _sums(source, names):
    return [func.coalesce(func.sum(source.c[n]), 0).label(n) for n in names]


class BaseReader:
    """GROUP BY over the base tables, for any filter. When an answer has several parts the filter (which may
    be a text search over every project) is evaluated once, as a materialized CTE that every part reads."""

    def __init__(self, args: dict, shared: bool = True):
        self.args = args
        self.shared = shared
        flags = {"project_count": literal(1), "unknown_budget": case((Project.budget_usd.is_(None), 1), else_=0),
                 "unknown_original": case((Project.original_budget_usd.is_(None), 1), else_=0),
                 "unknown_actuals": case((Project.actuals_known, 0), else_=1),
                 "unknown_remaining": case((and_(Project.budget_usd.is_not(None), Project.actuals_known), 0),
                                           else_=1)}
        matching = select(Project.id, Project.region_id, Project.status, *(v.label(k) for k, v in flags.items())) \
            .where(*project_filters(args, years="money"))
        self.s = matching.cte("matching").prefix_with("MATERIALIZED") if shared and (
            db.session.get_bind().dialect.name == "postgresql") else matching.cte("matching")

    def _counts(self, key_columns, membership=None, on=None, where=()) -> Part:
        """Projects in scope per group: the membership rows (project_id, key) joined to the scope."""
        s = self.s
        source = s if membership is None else membership.join(s, s.c.id == on)
        statement = select(*key_columns, *_sums(s, COUNT_COLUMNS), *_zeros(AMOUNT_COLUMNS)).select_from(source)
        statement = statement.where(*where)
        return Part(statement.group_by(*key_columns) if key_columns else statement, len(key_columns))

    def _money(self, key_columns, figures, where=()) -> Part:
        """Money in scope per group: the figure rows (project_id, year, amounts) joined to the scope."""
        s = self.s
        statement = select(*key_columns, *_zeros(COUNT_COLUMNS), *_sums(figures, AMOUNT_COLUMNS)) \
            .select_from(figures.join(s, s.c.id == figures.c.project_id)) \
            .where(*year_range(figures.c.year, self.args), *where)
        return Part(statement.group_by(*key_columns) if key_columns else statement, len(key_columns))

    def totals(self) -> list[tuple[str, Part]]:
        return [("total", self._counts([])), ("total", self._money([], ProjectFigure.__table__))]

    def grouped(self, dimension: Dimension) -> list[tuple[str, Part]]:
        return getattr(self, "_" + dimension.membership)(dimension)

    def _region(self, dimension):
        return [("rows", self._counts([self.s.c.region_id])),
                ("rows", self._money([self.s.c.region_id], ProjectFigure.__table__))]

    def _status(self, dimension):
        return [("rows", self._counts([self.s.c.status])),
                ("rows", self._money([self.s.c.status], ProjectFigure.__table__))]

    def _year(self, dimension):
        pf, s = ProjectFigure.__table__, self.s
        statement = select(pf.c.year, *_sums(s, COUNT_COLUMNS), *_sums(pf, AMOUNT_COLUMNS)) \
            .select_from(pf.join(s, s.c.id == pf.c.project_id)).where(*year_range(pf.c.year, self.args))
        return [("rows", Part(statement.group_by(pf.c.year), 1))]

    def _linked(self, links, key, figures, money_of, *, where=()) -> list[tuple[str, Part]]:
        """Rows by a link table: its projects, their money (`money_of`: the link's own attributed figures,
        or the whole project's, joined through the link), and the projects without a link ("none")."""
        s, pf = self.s, ProjectFigure.__table__
        return [("rows", self._counts([links.c[key]], links, links.c.project_id, where)),
                ("rows", money_of),
                ("none", self._counts([], where=[~exists().where(links.c.project_id == s.c.id, *where)])),
                ("none", self._money([], pf, where=[~exists().where(links.c.project_id == pf.c.project_id,
                                                                    *where)]))]

    def _priority(self, dimension):
        pp, ppf = ProjectPriority.__table__, ProjectPriorityFigure.__table__
        return self._linked(pp, "priority_id", ppf, self._money([ppf.c.priority_id], ppf))

    def _country(self, dimension):
        pc, pcf = ProjectCountry.__table__, ProjectCountryFigure.__table__
        return self._linked(pc, "country_code", pcf, self._money([pcf.c.country_code], pcf))

    def _organisation(self, dimension):
        role = role_of(dimension, self.args)
        po, pof = ProjectOrganisation.__table__, ProjectOrganisationFigure.__table__
        money = self._money([pof.c.organisation_id], pof, where=[pof.c.role == role])
        return self._linked(po, "organisation_id", pof, money, where=[po.c.role == role])

    def _overlapping(self, links, key) -> list[tuple[str, Part]]:
        """Each link row carries its project's whole figures (rows overlap)."""
        pf, s = ProjectFigure.__table__, self.s
        money = select(links.c[key], *_zeros(COUNT_COLUMNS), *_sums(pf, AMOUNT_COLUMNS)) \
            .select_from(pf.join(links, links.c.project_id == pf.c.project_id).join(s, s.c.id == pf.c.project_id)) \
            .where(*year_range(pf.c.year, self.args))
        return self._linked(links, key, pf, Part(money.group_by(links.c[key]), 1))

    def _activity_type(self, dimension):
        return self._overlapping(ProjectActivityType.__table__, "activity_type_id")

    def _rcp(self, dimension):
        link = self.args.get("rcp_link") or "any"
        stated = select(ProjectRcp.project_id, ProjectRcp.rcp_id)
        derived = select(ProjectCountry.project_id, RcpMember.rcp_id).join(
            RcpMember, and_(RcpMember.country_code == ProjectCountry.country_code, RcpMember.role == "member"))
        links = {"stated": stated, "derived": derived.distinct(), "any": union(stated, derived)}[link]
        return self._overlapping(links.subquery("links"), "rcp_id")

    def cells(self) -> list[tuple[str, Part]]:
        """Region x priority: the priority attribution by region."""
        pp, ppf, s = ProjectPriority.__table__, ProjectPriorityFigure.__table__, self.s
        return [("cells", self._counts([s.c.region_id, pp.c.priority_id], pp, pp.c.project_id)),
                ("cells", self._money([s.c.region_id, ppf.c.priority_id], ppf))]


    def params(self) -> dict:
        return filter_params(self.args)


class RollupReader:
    """The same answers from the rollup cells (see models/rollup.py)."""

    def __init__(self, args: dict):
        self.args = args
        self.low = args.get("year_from")
        self.high = args.get("year_to")

    def params(self) -> dict:
        vocab, args = current(), self.args
        params = {"r_priority": vocab.priorities[args["priority"]].id if args.get("priority") else 0,
                  "r_low": self.low or 0, "r_high": self.high or 9999}
        if args.get("region"):
            params["r_region"] = vocab.regions[args["region"]].id
        for name in ("status", "synthetic"):
            if args.get(name) is not None:
                params[f"r_{name}"] = args[name]
        return params

    @staticmethod
    def serves(args: dict, dimension: Dimension | None) -> bool:
        by_organisation = dimension is not None and dimension.membership == "organisation"
        allowed = ROLLUP_FILTERS | ({"organisation_role"} if by_organisation else set())
        return (dimension is None or dimension.rollup is not None) and all(
            name in allowed for name, value in args.items() if value is not None)

    def _where(self, table) -> list:
        args = self.args
        clauses = [table.filter_priority_id == bindparam("r_priority", type_=Integer)]
        if args.get("region"):
            clauses.append(table.region_id == bindparam("r_region", type_=Integer))
        if args.get("status"):
            clauses.append(table.status == bindparam("r_status", type_=String))
        if args.get("synthetic") is not None:
            clauses.append(table.synthetic == bindparam("r_synthetic", type_=Boolean))
        return clauses

    def _conditions(self, table, by_year: bool):
        if by_year:
            money = and_(table.kind == KIND_YEAR, *self._range(table.lo))
            return money, money
        if self.low is None and self.high is None:
            everyone = table.kind == KIND_ALL
            return everyone, everyone
        low, high = bindparam("r_low", type_=Integer), bindparam("r_high", type_=Integer)
        counts = or_(and_(table.kind == KIND_RUN, table.lo <= high, table.hi >= low),
                     and_(table.kind == KIND_GAP, table.lo >= low, table.hi <= high))
        return counts, and_(table.kind == KIND_YEAR, table.lo.between(low, high))

    def _range(self, column) -> list:
        return [column.between(bindparam("r_low", type_=Integer), bindparam("r_high", type_=Integer))] if (
            self.low or self.high) else []

    def _part(self, table, keys, where=(), by_year=False) -> Part:
        counts, money = self._conditions(table, by_year)
        values = [func.coalesce(func.sum(case((counts, getattr(table, n)), else_=0)), 0) for n in COUNT_COLUMNS] + \
                 [func.coalesce(func.sum(case((money, getattr(table, n)), else_=0)), 0) for n in AMOUNT_COLUMNS]
        statement = select(*keys, *values).where(*self._where(table), *where, or_(counts, money))
        if not keys:
            return Part(statement, 0)
        # Cells whose projects all moved away stay behind with zero counts: an empty group is not a row.
        return Part(statement.group_by(*keys).having(values[0] > 0), len(keys))

    def totals(self) -> list[tuple[str, Part]]:
        return [("total", self._part(RollupProject, []))]

    def grouped(self, dimension: Dimension) -> list[tuple[str, Part]]:
        table = dimension.rollup
        keys = [getattr(table, c) for c in dimension.rollup_group]
        where = [table.role == role_of(dimension, self.args)] if dimension.membership == "organisation" else []
        return [("rows", self._part(table, keys, where, by_year=dimension.key == "year"))]

    def cells(self) -> list[tuple[str, Part]]:
        return [("cells", self._part(RollupPriority, [RollupPriority.region_id, RollupPriority.priority_id]))]


def reader(args: dict, dimension: Dimension | None = None, use_rollups: bool = True, parts: int = 2):
    """The rollups when they can answer; else the base tables (their filter shared by the parts when there
    are several; a single query is better left to the planner)."""
    if use_rollups and RollupReader.serves(args, dimension):
        return RollupReader(args)
    return BaseReader(args, shared=parts > 1)

