"""The baselines' SQL, written by hand as a finance analyst would, for both engines.

facts(): the GROUP BY over the base tables themselves (what the rollups replace): budget lines and
transactions joined to projects, the current budget from the current lines, the original budget from the
original lines, the five transaction types, weighted by priority or organisation share where the
dimension needs it. Rows only (the API also answers a total: the baseline does less work than the API).

figures(): the same GROUP BY over the stored per-project figures (project_figures,
project_priority_figures, project_country_figures, project_organisation_figures) with the same answer as
the API: every group's project count and four unknown counts, the nine stored amounts, the "none" row
of a linked dimension, and the total, in one statement.
"""
from urllib.parse import parse_qsl

TX_TYPES = ("incoming-commitment", "incoming-funds", "outgoing-commitment", "disbursement", "expenditure")
TX_COLUMNS = tuple(t.replace("-", "_") for t in TX_TYPES)


def parse(query: str) -> dict:
    return dict(parse_qsl(query, keep_blank_values=True))


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def year_of(engine: str, column: str) -> str:
    if engine == "postgresql":
        return f"CAST(extract(year from {column}) AS integer)"
    return f"CAST(strftime('%Y', {column}) AS integer)"


def project_where(engine: str, f: dict, years: str) -> list[str]:
    """WHERE clauses over `projects p` for the API's filters (years="money": having money in the range)."""
    where = []
    if "region" in f:
        where.append(f"p.region_id = (SELECT id FROM regions WHERE code = {_lit(f['region'])})")
    if "priority" in f:
        where.append("EXISTS (SELECT 1 FROM project_priorities x WHERE x.project_id = p.id AND x.priority_id = "
                     f"(SELECT id FROM priorities WHERE code = {_lit(f['priority'])}))")
    if "status" in f:
        where.append(f"p.status = {_lit(f['status'])}")
    if "synthetic" in f:
        truth = f["synthetic"] == "true"
        where.append("p.synthetic = " + (("true" if truth else "false") if engine == "postgresql" else
                                         ("1" if truth else "0")))
    if "country" in f:
        where.append(f"EXISTS (SELECT 1 FROM project_countries x WHERE x.project_id = p.id AND x.country_code = "
                     f"{_lit(f['country'])})")
    if "rcp" in f:
        rcp = f"(SELECT id FROM rcps WHERE code = {_lit(f['rcp'])})"
        where.append(f"(EXISTS (SELECT 1 FROM project_rcps x WHERE x.project_id = p.id AND x.rcp_id = {rcp}) OR "
                     "EXISTS (SELECT 1 FROM project_countries x JOIN rcp_members m ON m.country_code = x.country_code "
                     f"AND m.role = 'member' WHERE x.project_id = p.id AND m.rcp_id = {rcp}))")
    if "activity_type" in f:
        where.append("EXISTS (SELECT 1 FROM project_activity_types x WHERE x.project_id = p.id AND "
                     f"x.activity_type_id = (SELECT id FROM activity_types WHERE code = {_lit(f['activity_type'])}))")
    if "organisation" in f or "donor" in f:
        role = "funding" if "donor" in f else f.get("organisation_role")
        code = f.get("donor") or f["organisation"]
        where.append("EXISTS (SELECT 1 FROM project_organisations x WHERE x.project_id = p.id AND "
                     f"x.organisation_id = (SELECT id FROM organisations WHERE code = {_lit(code)})"
                     + (f" AND x.role = {_lit(role)}" if role else "") + ")")
    if "q" in f:
        words = f["q"].lower().split()
        if engine == "postgresql":
            where.append("to_tsvector('simple', p.search_text) @@ to_tsquery('simple', "
                         f"{_lit(' & '.join(words))})")
        else:
            match = " AND ".join(f'"{w}"' for w in words)
            where.append(f"p.id IN (SELECT rowid FROM projects_fts WHERE projects_fts MATCH {_lit(match)})")
    if years == "money" and ("year_from" in f or "year_to" in f):
        where.append(f"EXISTS (SELECT 1 FROM project_figures y WHERE y.project_id = p.id AND "
                     f"{year_range('y.year', f)})")
    return where or ["1=1"]


def year_range(column: str, f: dict) -> str:
    clauses = []
    if "year_from" in f:
        clauses.append(f"{column} >= {int(f['year_from'])}")
    if "year_to" in f:
        clauses.append(f"{column} <= {int(f['year_to'])}")
    return " AND ".join(clauses) or "1=1"


def _statuses(f: dict) -> tuple[str, ...]:
    return (f["budget_status"],) if "budget_status" in f else ("indicative", "committed")


def role_of(dimension: str, f: dict) -> str:
    return "funding" if dimension == "donor" else f.get("organisation_role") or "funding"


# ---------------------------------------------------------------------------------------------------------
# facts: the raw GROUP BY over budget lines and transactions


def _money_cte(engine: str, f: dict) -> str:
    status = "" if "budget_status" not in f else f" AND bl.status = {_lit(f['budget_status'])}"
    current = "bl.current" if engine == "postgresql" else "bl.current = 1"
    zeros_tx = ", ".join(f"0 AS {c}" for c in TX_COLUMNS)
    tx = ", ".join(f"CASE WHEN t.type = '{t}' THEN t.usd_amount ELSE 0 END AS {c}"
                   for t, c in zip(TX_TYPES, TX_COLUMNS))
    return (f"money AS (SELECT bl.project_id, {year_of(engine, 'bl.period_start')} AS year, "
            f"CASE WHEN {current}{status} THEN bl.usd_amount ELSE 0 END AS current_budget, "
            f"CASE WHEN bl.type = 'original'{status} THEN bl.usd_amount ELSE 0 END AS original_budget, {zeros_tx} "
            f"FROM budget_lines bl UNION ALL SELECT t.project_id, {year_of(engine, 't.date')}, 0, 0, {tx} "
            "FROM transactions t)")


MONEY = ("current_budget", "original_budget", *TX_COLUMNS)


def facts(engine: str, dimension: str, query: str) -> str:
    f = parse(query)
    ranged = "year_from" in f or "year_to" in f
    where = project_where(engine, f, years="none")
    weight, joins = "", ""
    if dimension in ("priority", "region-priority"):
        joins = " JOIN project_priorities pp ON pp.project_id = p.id"
        weight = " * pp.share / 10000.0"
    elif dimension in ("organisation", "donor"):
        joins = f" JOIN project_organisations po ON po.project_id = p.id AND po.role = {_lit(role_of(dimension, f))}"
        weight = " * po.share / 10000.0"
    keys = {"region": ["p.region_id"], "status": ["p.status"], "priority": ["pp.priority_id"],
            "region-priority": ["p.region_id", "pp.priority_id"], "organisation": ["po.organisation_id"],
            "donor": ["po.organisation_id"], "year": ["m.year"]}[dimension]
    inner = ranged or dimension == "year"
    on = "m.project_id = p.id" + (f" AND {year_range('m.year', f)}" if ranged else "")
    sums = ", ".join(f"sum(m.{c}{weight})" for c in MONEY)
    return (f"WITH {_money_cte(engine, f)} SELECT {', '.join(keys)}, count(DISTINCT p.id), {sums} "
            f"FROM projects p{joins} {'JOIN' if inner else 'LEFT JOIN'} money m ON {on} "
            f"WHERE {' AND '.join(where)} GROUP BY {', '.join(keys)}")


# ---------------------------------------------------------------------------------------------------------
# figures: the same GROUP BY over the stored per-project figures


def _amounts(alias: str, f: dict) -> list[str]:
    statuses = _statuses(f)
    current = " + ".join(f"{alias}.current_{s}" for s in statuses)
    original = " + ".join(f"{alias}.original_{s}" for s in statuses)
    return [f"sum({current})", f"sum({original})", *(f"sum({alias}.{c})" for c in TX_COLUMNS)]


COUNTS = ("sum(s.n)", "sum(s.ub)", "sum(s.uo)", "sum(s.ua)", "sum(s.ur)")
ZERO_COUNTS = ["0"] * 5
ZERO_AMOUNTS = ["0"] * 7


def _part(tag: int, keys: list[str], counts: list[str], amounts: list[str], source: str, where: str = "",
          group: bool = True) -> str:
    padded = [f"CAST({k} AS TEXT)" for k in keys] + ["NULL"] * (2 - len(keys))
    sql = f"SELECT {tag}, {', '.join(padded)}, {', '.join(counts)}, {', '.join(amounts)} FROM {source}"
    if where:
        sql += f" WHERE {where}"
    if keys and group:
        sql += f" GROUP BY {', '.join(keys)}"
    return sql


def figures(engine: str, dimension: str, query: str) -> str:
    f = parse(query)
    years = year_range("f.year", f)
    flags = ("1 AS n, CASE WHEN p.budget_usd IS NULL THEN 1 ELSE 0 END AS ub, "
             "CASE WHEN p.original_budget_usd IS NULL THEN 1 ELSE 0 END AS uo, "
             "CASE WHEN p.actuals_known THEN 0 ELSE 1 END AS ua, "
             "CASE WHEN p.budget_usd IS NOT NULL AND p.actuals_known THEN 0 ELSE 1 END AS ur")
    scope = (f"s AS (SELECT p.id, p.region_id, p.status, {flags} FROM projects p "
             f"WHERE {' AND '.join(project_where(engine, f, years='money'))})")
    counts, amounts = list(COUNTS), _amounts("f", f)
    parts = []

    def linked(links: str, key: str, figures_table: str | None, link_where: str = "", fig_where: str = ""):
        """Counts by link rows; money from the link's own figures (or the whole project's through the link);
        the "none" row (projects without a link)."""
        lw = f" AND {link_where}" if link_where else ""
        parts.append(_part(1, [f"l.{key}"], counts, ZERO_AMOUNTS, f"{links} l JOIN s ON s.id = l.project_id",
                           link_where))
        if figures_table:
            fw = f" AND {fig_where}" if fig_where else ""
            parts.append(_part(1, [f"f.{key}"], ZERO_COUNTS, amounts,
                               f"{figures_table} f JOIN s ON s.id = f.project_id", years + fw))
        else:
            parts.append(_part(1, [f"l.{key}"], ZERO_COUNTS, amounts,
                               f"project_figures f JOIN {links} l ON l.project_id = f.project_id "
                               "JOIN s ON s.id = f.project_id", years + lw))
        none = f"NOT EXISTS (SELECT 1 FROM {links} l WHERE l.project_id = s.id{lw})"
        parts.append(_part(2, [], counts, ZERO_AMOUNTS, "s", none))
        parts.append(_part(2, [], ZERO_COUNTS, amounts, "project_figures f JOIN s ON s.id = f.project_id",
                           f"{years} AND {none}"))

    if dimension in ("region", "status"):
        key = "region_id" if dimension == "region" else "status"
        parts.append(_part(1, [f"s.{key}"], counts, ZERO_AMOUNTS, "s"))
        parts.append(_part(1, [f"s.{key}"], ZERO_COUNTS, amounts, "project_figures f JOIN s ON s.id = f.project_id",
                           years))
    elif dimension == "year":
        parts.append(_part(1, ["f.year"], counts, amounts, "project_figures f JOIN s ON s.id = f.project_id", years))
    elif dimension == "priority":
        linked("project_priorities", "priority_id", "project_priority_figures")
    elif dimension == "country":
        linked("project_countries", "country_code", "project_country_figures")
    elif dimension in ("organisation", "donor"):
        role = _lit(role_of(dimension, f))
        linked("project_organisations", "organisation_id", "project_organisation_figures", f"l.role = {role}",
               f"f.role = {role}")
    elif dimension == "activity-type":
        linked("project_activity_types", "activity_type_id", None)
    elif dimension == "rcp":
        links = ("(SELECT project_id, rcp_id FROM project_rcps UNION SELECT c.project_id, m.rcp_id FROM "
                 "project_countries c JOIN rcp_members m ON m.country_code = c.country_code AND m.role = 'member')")
        linked(links, "rcp_id", None)
    elif dimension == "region-priority":
        parts.append(_part(3, ["s.region_id", "l.priority_id"], counts, ZERO_AMOUNTS,
                           "project_priorities l JOIN s ON s.id = l.project_id"))
        parts.append(_part(3, ["s.region_id", "f.priority_id"], ZERO_COUNTS, amounts,
                           "project_priority_figures f JOIN s ON s.id = f.project_id", years))
        parts.append(_part(1, ["s.region_id"], counts, ZERO_AMOUNTS, "s"))
        parts.append(_part(1, ["s.region_id"], ZERO_COUNTS, amounts,
                           "project_figures f JOIN s ON s.id = f.project_id", years))
        parts.append(_part(4, ["l.priority_id"], counts, ZERO_AMOUNTS,
                           "project_priorities l JOIN s ON s.id = l.project_id"))
        parts.append(_part(4, ["f.priority_id"], ZERO_COUNTS, amounts,
                           "project_priority_figures f JOIN s ON s.id = f.project_id", years))
    else:
        raise ValueError(dimension)
    parts.append(_part(0, [], counts, ZERO_AMOUNTS, "s"))
    parts.append(_part(0, [], ZERO_COUNTS, amounts, "project_figures f JOIN s ON s.id = f.project_id", years))
    return f"WITH {scope} " + " UNION ALL ".join(parts)


# The old throughput comparison's query (bench/README.md before #17): projects grouped by region.
OLD_BY_REGION = ("SELECT p.region_id, count(*), count(CASE WHEN p.budget_usd IS NULL THEN 1 END), sum(p.budget_usd) "
                 "FROM projects p GROUP BY p.region_id")
