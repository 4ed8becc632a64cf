"""What a project's budget lines and transactions add up to: its totals, which lines are current, and its
money by calendar year attributed to its priorities, countries and organisations, exact to the cent.

Rules (docs: "How the figures are made"; each answer's `basis` repeats the ones it uses):
- Current budget: for each donor and period, the revised line where there is one, else the original line.
  Lines of different donors may share a period; a line without a donor is a donor group of its own.
- Years are calendar years. A budget line whose period crosses a year end counts in each year in
  proportion to its days in it; a transaction counts in the year of its date.
- Funders (the funding role) by evidence: a budget line to its donor (a line without a donor to the funding
  participants by their shares, else to no funder); incoming commitments and incoming funds to the
  transaction's provider; outgoing commitments, disbursements and expenditure (and incoming
  money without a provider) to the donors in proportion to their current budget of the project in that
  year, else of the whole project, else to the funding participants by their shares, else to no funder
  (organisation key 0: "(no funder stated)").
- The other roles by the participants' shares; priorities by share; countries equally.
- Every split is in cents by largest remainder: ties go to the first priority in §13 order, the lower
  country code, the organisation registered first (no funder last), the earlier year.
- The priority, country and funding figures hold every cent (priority 0, country "" and funder 0 where the
  project has none), so each of them partitions the project's money.
- Priorities x countries x funders: the cube (project_cross_figures), split so that each of its three
  margins is exactly the one-dimensional split above (splits.cross), so any two of them cross exactly.
"""
from collections import defaultdict
from dataclasses import dataclass

from portfolio.figure_columns import AMOUNT_COLUMNS, EVIDENCE_ROLE, NO_FUNDER, PAIRED_COLUMNS, TRANSACTION_COLUMN
from portfolio.models import FIGURE_TABLES, ORGANISATION_ROLES
from portfolio.money import allocate, from_cents, to_cents
from portfolio.services.state import ProjectState
from portfolio.splits import cross, pro_rata_years
from portfolio.vocabulary import Vocabulary

NO_PRIORITY, NO_COUNTRY = 0, ""  # the cube's keys of a project without priorities, without countries
INCOMING = tuple(TRANSACTION_COLUMN[k] for k in ("incoming-commitment", "incoming-funds"))
_INDEX = {name: i for i, name in enumerate(AMOUNT_COLUMNS)}


@dataclass
class Derived:
    totals: dict  # budget_usd, original_budget_usd, actuals_known
    current: dict[int, bool]  # budget line id -> counts in the current budget
    figures: dict  # figures table -> rows
    members: dict[str, list[int]]  # role -> the organisations a project counts for (NO_FUNDER: none)


def donor_key(line: dict) -> int:
    return line.get("donor_organisation_id") or NO_FUNDER


def current_flags(lines: dict[int, dict]) -> dict[int, bool]:
    """For each donor and period, the revised line replaces the original one."""
    revised = {(donor_key(line), line["period_start"], line["period_end"])
               for line in lines.values() if line["type"] == "revised"}
    return {line_id: line["type"] == "revised"
            or (donor_key(line), line["period_start"], line["period_end"]) not in revised
            for line_id, line in lines.items()}


def _funder_order(key: int) -> tuple:
    return key == NO_FUNDER, key


def _ordered(weights: dict[int, int]) -> list[tuple[int, int]]:
    return sorted(((k, w) for k, w in weights.items() if w), key=lambda kw: _funder_order(kw[0]))


def money_by_funder(state: ProjectState, current: dict[int, bool]) -> dict[int, dict[str, dict[int, int]]]:
    """{year: {amount column: {funder: cents}}}: every cent of the project's money in each year, with the
    funder it is attributed to (module docstring)."""
    years: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    participants = _ordered({org: share for role, org, share, *_ in state.links["organisations"]
                             if role == EVIDENCE_ROLE})
    unstated: dict = defaultdict(lambda: defaultdict(int))  # money without a stated funder, by year and column
    for line_id, line in state.lines.items():
        donor = line.get("donor_organisation_id")
        for year, part in pro_rata_years(to_cents(line["usd_amount"]), line["period_start"],
                                         line["period_end"]).items():
            columns = [f"current_{line['status']}"] if current[line_id] else []
            columns += [f"original_{line['status']}"] if line["type"] == "original" else []
            for column in columns:
                if donor is None:
                    unstated[year][column] += part
                else:
                    years[year][column][donor] += part
            years[year]  # the year exists even when its money is all zero
    # A line without a donor: to the funding participants by their shares, else to no funder.
    for year, columns in unstated.items():
        for column, cents in columns.items():
            _spread(years[year][column], cents, participants or [(NO_FUNDER, 1)])
    whole_budget: dict[int, int] = defaultdict(int)
    for columns in years.values():
        for column in ("current_indicative", "current_committed"):
            for funder, cents in columns[column].items():
                whole_budget[funder] += cents
    unstated = defaultdict(lambda: defaultdict(int))
    for row in state.transactions.values():
        column, cents = TRANSACTION_COLUMN[row["type"]], to_cents(row["usd_amount"])
        provider = row.get("provider_organisation_id")
        if column in INCOMING and provider is not None:
            years[row["date"].year][column][provider] += cents
        else:
            unstated[row["date"].year][column] += cents
            years[row["date"].year][column]  # the year and column exist even when the money is 0.00
    for year, columns in unstated.items():
        budget: dict[int, int] = defaultdict(int)
        for column in ("current_indicative", "current_committed"):
            for funder, cents in years[year][column].items():
                budget[funder] += cents
        weights = _ordered(budget) or _ordered(whole_budget) or participants or [(NO_FUNDER, 1)]
        for column, cents in columns.items():
            _spread(years[year][column], cents, weights)
    if state.lines and state.transactions:
        for columns in years.values():
            for paired, source in zip(PAIRED_COLUMNS, ("current_indicative", "current_committed", "expenditure")):
                if source in columns:
                    columns[paired] = dict(columns[source])
    return {year: {column: dict(funders) for column, funders in columns.items()}
            for year, columns in years.items()}


def _spread(into: dict[int, int], cents: int, weights: list[tuple[int, int]]) -> None:
    for (funder, _), part in zip(weights, allocate(cents, [w for _, w in weights])):
        if part:
            into[funder] += part


def by_year(state: ProjectState, current: dict[int, bool]) -> dict[int, list[int]]:
    """{year: [cents per amount column]} of the project's money."""
    out = {}
    for year, columns in money_by_funder(state, current).items():
        amounts = [0] * len(AMOUNT_COLUMNS)
        for column, funders in columns.items():
            amounts[_INDEX[column]] = sum(funders.values())
        out[year] = amounts
    return out


def _split(amounts: list[int], weights: list[int]) -> list[list[int]]:
    """Each amount split by the weights: one list of amounts per part."""
    parts = [[0] * len(amounts) for _ in weights]
    for column, total in enumerate(amounts):
        if total:
            for part, cents in zip(parts, allocate(total, weights)):
                part[column] = cents
    return parts


def _row(keys: dict, amounts: list[int]) -> dict:
    return {**keys, **dict(zip(AMOUNT_COLUMNS, amounts))}


def derive(state: ProjectState, vocab: Vocabulary, cube: bool = True) -> Derived:
    """The project's stored figures, from its state. cube=False leaves the priority x country x funder table
    empty: what a view shows reads none of its cells, and it was a quarter of a project list's time."""
    current = current_flags(state.lines)
    money = money_by_funder(state, current)
    lines = state.lines.values()
    budget = [to_cents(line["usd_amount"]) for line_id, line in state.lines.items() if current[line_id]]
    original = [to_cents(line["usd_amount"]) for line in lines if line["type"] == "original"]
    totals = {"budget_usd": from_cents(sum(budget)) if state.lines else None,
              "original_budget_usd": from_cents(sum(original)) if original else None,
              "actuals_known": bool(state.transactions)}
    project_id = state.id
    priorities = sorted(state.links["priorities"], key=lambda p: vocab.term("priorities", p[0]).position)
    countries = [code for (code,) in state.links["countries"]]
    roles = {role: sorted((o, s) for r, o, s, *_ in state.links["organisations"] if r == role)
             for role in ORGANISATION_ROLES}
    figures: dict = {table: [] for table in FIGURE_TABLES}
    project_t, priority_t, country_t, organisation_t, cross_t = FIGURE_TABLES
    funders_seen: set[int] = set()
    for year, columns in sorted(money.items()):
        amounts = [sum(columns.get(c, {}).values()) for c in AMOUNT_COLUMNS]
        base = {"project_id": project_id, "year": year}
        figures[project_t].append(_row(base, amounts))
        priority_parts = _split(amounts, [s for _, s in priorities]) if priorities else [amounts]
        country_parts = _split(amounts, [1] * len(countries)) if countries else [amounts]
        for priority_id, part in zip([p for p, _ in priorities] or [NO_PRIORITY], priority_parts):
            figures[priority_t].append(_row({**base, "priority_id": priority_id}, part))
        for code, part in zip(countries or [NO_COUNTRY], country_parts):
            figures[country_t].append(_row({**base, "country_code": code}, part))
        funders = sorted({f for c in AMOUNT_COLUMNS for f, cents in columns.get(c, {}).items() if cents},
                         key=_funder_order) or _fallback_funders(roles[EVIDENCE_ROLE])
        funders_seen.update(funders)
        for funder in funders:
            figures[organisation_t].append(_row(
                {**base, "role": EVIDENCE_ROLE, "organisation_id": funder},
                [columns.get(c, {}).get(funder, 0) for c in AMOUNT_COLUMNS]))
        for role, members in roles.items():
            if members and role != EVIDENCE_ROLE:
                for (organisation_id, _), part in zip(members, _split(amounts, [s for _, s in members])):
                    figures[organisation_t].append(_row({**base, "role": role, "organisation_id": organisation_id},
                                                        part))
        if cube:
            figures[cross_t] += _cube(base, [p for p, _ in priorities] or [NO_PRIORITY], countries or [NO_COUNTRY],
                                      priority_parts, country_parts, funders, columns)
    members = {role: [o for o, _ in members] or [NO_FUNDER] for role, members in roles.items()}
    members[EVIDENCE_ROLE] = sorted({o for o, _ in roles[EVIDENCE_ROLE]} | funders_seen, key=_funder_order) or [
        NO_FUNDER]
    return Derived(totals, current, figures, members)


def _fallback_funders(participants: list[tuple[int, int]]) -> list[int]:
    """The funders a year without any money is shown under (a year whose lines are all 0.00)."""
    return [o for o, _ in participants] or [NO_FUNDER]


def _cube(base: dict, priority_keys, country_keys, priority_parts, country_parts, funders, columns) -> list[dict]:
    """The year's money by (priority, country, funder): for every amount column, the priorities x countries
    table whose margins are the two splits, then each of its cells x the funders, whose margins are the
    cells and the funder split (splits.cross). Cells with no money are not stored."""
    cells: dict[tuple, list[int]] = {}
    pairs = [(p, c) for p in priority_keys for c in country_keys]
    done: dict = {}
    for index, column in enumerate(AMOUNT_COLUMNS):
        by_funder = [columns.get(column, {}).get(f, 0) for f in funders]
        if not any(by_funder):
            continue
        rows = [part[index] for part in priority_parts]
        cols = [part[index] for part in country_parts]
        key = (tuple(rows), tuple(cols), tuple(by_funder))
        if key not in done:
            flat = [cents for line in cross(rows, cols) for cents in line]
            done[key] = cross(flat, by_funder)
        for (p, c), line in zip(pairs, done[key]):
            for funder, cents in zip(funders, line):
                if cents:
                    cells.setdefault((p, c, funder), [0] * len(AMOUNT_COLUMNS))[index] = cents
    return [_row({**base, "priority_id": p, "country_code": c, "organisation_id": f}, amounts)
            for (p, c, f), amounts in sorted(cells.items(), key=lambda item: (item[0][0], item[0][1],
                                                                              _funder_order(item[0][2])))]


def link_totals(rows: list[dict], key) -> dict:
    """{key value: {amount column: cents}} summed over the years: a link's share of the project's money."""
    out: dict = defaultdict(lambda: dict.fromkeys(AMOUNT_COLUMNS, 0))
    for row in rows:
        sums = out[row[key] if isinstance(key, str) else tuple(row[k] for k in key)]
        for column in AMOUNT_COLUMNS:
            sums[column] += row[column]
    return dict(out)
