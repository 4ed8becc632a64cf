"""Budget against actual, as properties over generated portfolios (issue #15).

A generated portfolio: projects with regions, statuses, priorities (with or without shares), countries,
organisations in the four IATI roles (with or without shares), original and revised budget lines and
transactions of the five types, in USD and in EUR, GBP, JPY and KWD, priced with stated rates or with rates loaded
into the table by `exchange_rates.load_csv` (the service behind `flask rates load`). One amount reaches USD 10^12,
the limit (money.MAX_USD). Three tests, each example a new portfolio:

A. 2,000 one-project portfolios through the write path's own functions (storage.apply, records.merge and
   records.checked, figures.derive), not stored: each amount takes its stated rate or the rate in force on its
   value date (or is refused when there is none), a budget line is accepted exactly when the revision rules
   allow it, the current budget is the revised line of a period where there is one, else the original, and
   every year's money of every measure is split over priorities, countries and each role's organisations to the
   cent, each part within a cent of its exact share.
B. 80 portfolios of 1-3 projects stored through the service layer (one storage.save, then edits through
   records.change/add/remove and projects.update) and committed: the stored records and totals follow the rules;
   rollups.differences() is empty; for a drawn combination of the rollup-served filters (region, priority,
   status, synthetic, year_from/year_to, budget_status) and 2-4 drawn dimensions (region, status, priority,
   country, year, donor, organisation in each role, region-priority) the rollup reader answers exactly what
   the base reader (a GROUP BY over the base tables) answers, every measure's rows add up to the total to the
   cent, and the unfiltered totals are the sums of the stored records.
C. 8 portfolios built over HTTP (projects, budget lines, transactions by bulk JSON or CSV, rates by
   `flask rates load`): every aggregate, unfiltered and with drawn filters, gives the same figures as JSON, CSV
   and XLSX; the transaction export adds up to the totals.

FINANCE_EXAMPLES multiplies the example counts (a CI run or a long local run: FINANCE_EXAMPLES=10);
FINANCE_NO_SHRINK=1 reports a failure at once instead of shrinking it (shrinking a stored portfolio is slow).
"""
import csv
import functools
import io
import os
import re
import zipfile
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree

import pytest
from conftest import SqliteSnapshots, restore
from helpers import example_count
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from portfolio import dialect
from portfolio.errors import Invalid
from portfolio.extensions import db
from portfolio.figure_columns import AMOUNT_COLUMNS
from portfolio.models import ORGANISATION_ROLES, PROJECT_STATUSES, ExchangeRate
from portfolio.money import allocate
from portfolio.services import exchange_rates, figures, organisations, projects, records, storage
from portfolio.services import state as states
from portfolio.statistics import aggregates, rollups
from portfolio.statistics.dimensions import DIMENSIONS
from portfolio.statistics.measures import FIGURES, MEASURES
from portfolio.statistics.readers import RollupReader
from portfolio.vocabulary import current

SCALE = float(os.environ.get("FINANCE_EXAMPLES", "1"))


def examples(n: int) -> settings:
    phases = [p for p in Phase if p is not Phase.shrink or not os.environ.get("FINANCE_NO_SHRINK")]
    return settings(max_examples=max(1, int(example_count(n) * SCALE)), deadline=None, database=None, phases=phases,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


REGIONS = ["africa-middle-east", "asia-oceania", "americas", "europe"]
PRIORITIES = ["cooperation", "irregular-migration", "migrants-rights", "regular-migration", "harmonization"]
COUNTRIES = ["AL", "BA", "EC", "JM", "KH", "LK", "SN", "CSXX"]
ORGANISATIONS = ["IOM", "UNHCR", "ILO", "UNDP", "NEW-DONOR"]  # NEW-DONOR: registered by the test (organisations.create)
TRANSACTION_TYPES = ["incoming-commitment", "incoming-funds", "outgoing-commitment", "disbursement", "expenditure"]
# Rates are drawn within these bounds (USD per unit), so an amount below MAX_USD / high stays within one amount's
# limit whichever rate prices it; places: the currency's minor units.
CURRENCIES = {"EUR": (Decimal("0.8"), Decimal("1.6"), 2), "GBP": (Decimal("1.2"), Decimal("2.2"), 2),
              "JPY": (Decimal("0.005"), Decimal("0.012"), 0), "KWD": (Decimal("3.0"), Decimal("3.6"), 3)}
MAX_USD_CENTS = 10**14
YEARS = (1999, 2007)
MONEY = [f"{m.key}_usd" for m in MEASURES]
CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------- generation
# Strategies are built once (building one costs more than drawing from it).

@functools.cache
def ints(low: int, high: int):
    return st.integers(low, high)


@functools.cache
def one_of(values: tuple):
    return st.sampled_from(values)


@functools.cache
def subsets(values: tuple, low: int, high: int):
    return st.lists(st.sampled_from(values), min_size=low, max_size=high, unique=True)


@functools.cache
def weights(count: int):
    return st.lists(st.integers(1, 100), min_size=count, max_size=count)


BOOLEANS = st.booleans()


def shares(draw, count: int) -> list:
    """All shares (percent, two places, summing to 100) or none."""
    if count == 0 or draw(BOOLEANS):
        return [None] * count
    return [Decimal(bp) / 100 for bp in allocate(10000, draw(weights(count)))]


def _fewest_places(currency: str) -> int:
    low, high, _ = CURRENCIES[currency]
    return next(p for p in range(11) if int(high.scaleb(p)) >= max(1, int(low.scaleb(p).to_integral_value(
        rounding="ROUND_CEILING"))))


def rate_value(draw, currency: str) -> Decimal:
    """A rate within the currency's bounds, with 0 to 10 places (as few as the bounds allow)."""
    low, high, _ = CURRENCIES[currency]
    places = draw(ints(_fewest_places(currency), 10))
    units = draw(ints(int(low.scaleb(places).to_integral_value(rounding="ROUND_CEILING")), int(high.scaleb(places))))
    return Decimal(units).scaleb(-places)


def amount_of(draw, currency: str) -> Decimal:
    """Up to USD 10^12 (exactly, for USD); in another currency, as much as its highest rate allows."""
    if currency == "USD":
        return Decimal(draw(ints(0, MAX_USD_CENTS))).scaleb(-2)
    _, high, places = CURRENCIES[currency]
    return Decimal(draw(ints(0, int((Decimal(10**12) / high).scaleb(places))))).scaleb(-places)


MONEY_CURRENCIES = ("USD", "USD", *CURRENCIES)


def money_fields(draw, value_date: date, table: dict) -> dict:
    """amount, currency and the pricing: USD, a stated rate, or (added to `table`) a rate of the table in force
    on the value date, possibly with an explicit fx_value_date."""
    currency = draw(one_of(MONEY_CURRENCIES))
    out = {"amount": amount_of(draw, currency), "currency": currency}
    if currency == "USD":
        return out
    if draw(BOOLEANS):
        out["fx_rate"] = rate_value(draw, currency)
        if draw(BOOLEANS):
            out["fx_value_date"] = value_date - timedelta(days=draw(ints(0, 5)))
        return out
    if draw(BOOLEANS):
        value_date = out["fx_value_date"] = value_date - timedelta(days=draw(ints(0, 5)))
    published = value_date - timedelta(days=draw(ints(0, 31)))  # FX_MAX_AGE_DAYS (31) at most
    table.setdefault((currency, published), rate_value(draw, currency))
    return out


YEAR_SETS = st.sets(st.integers(*YEARS), max_size=3)


def periods(draw) -> list[tuple[date, date]]:
    """Non-overlapping budget periods of at most a year; one may run into the next year when that year has none."""
    years = sorted(draw(YEAR_SETS))
    out = []
    for year in years:
        start = date(year, draw(ints(1, 12)), 1)
        if year + 1 not in years and draw(BOOLEANS):
            end = start.replace(year=year + 1) - timedelta(days=draw(ints(1, 200)))
        else:
            end = date(year, 12, 31) - timedelta(days=draw(ints(0, (date(year, 12, 31) - start).days)))
        out.append((start, end))
    return out


def participations(draw, most: int) -> list[dict]:
    out = []
    for role in ORGANISATION_ROLES:
        members = draw(subsets(tuple(ORGANISATIONS), 0, most))
        out += [{"organisation": o, "role": role, "share": s} for o, s in zip(members, shares(draw, len(members)))]
    return out


LINE_KINDS = (("original",), ("revised",), ("original", "revised"), ("original", "revised"))
STATUSES = ("indicative", "committed")
MAYBE_ORGANISATION = (None, *ORGANISATIONS)
EDITS = st.lists(st.tuples(st.sampled_from(["line-amount", "drop-transaction", "revise", "priorities", "region"]),
                           st.integers(0, 100), st.integers(0, MAX_USD_CENTS)), max_size=2)


@st.composite
def portfolios(draw, max_projects: int = 3):
    table: dict = {}
    plan = []
    for index in range(draw(ints(1, max_projects))):
        chosen = draw(subsets(tuple(PRIORITIES), 1, 3))
        lines = []
        for start, end in periods(draw):
            # lines are kept by donor: one or two donors (or none stated) may budget the same period
            for donor in draw(subsets(MAYBE_ORGANISATION, 1, 2)):
                for kind in draw(one_of(LINE_KINDS)):
                    lines.append({"period_start": start, "period_end": end, "type": kind,
                                  "status": draw(one_of(STATUSES)), "donor": donor,
                                  **money_fields(draw, start, table)})
        transactions = []
        for number in range(draw(ints(0, 4))):
            when = date(draw(ints(*YEARS)), draw(ints(1, 12)), draw(ints(1, 28)))
            transactions.append({"reference": f"T-{number}", "type": draw(one_of(tuple(TRANSACTION_TYPES))),
                                 "date": when, "provider": draw(one_of(MAYBE_ORGANISATION)),
                                 "receiver": draw(one_of(MAYBE_ORGANISATION)), **money_fields(draw, when, table)})
        plan.append({
            "code": f"F-{index}",
            "data": {"title": f"Finance {index}", "region": draw(one_of(tuple(REGIONS))),
                     "status": draw(one_of(tuple(PROJECT_STATUSES))), "synthetic": draw(BOOLEANS),
                     "countries": draw(subsets(tuple(COUNTRIES), 0, 3)),
                     "priorities": [{"code": c, "share": s} for c, s in zip(chosen, shares(draw, len(chosen)))],
                     "participating_organisations": participations(draw, 2)},
            "lines": lines, "transactions": transactions})
    # Rates no record asked for: older or later ones, which must never be taken by mistake.
    for _ in range(draw(ints(0, 3))):
        currency = draw(one_of(tuple(sorted(CURRENCIES))))
        table.setdefault((currency, date(draw(ints(*YEARS)), draw(ints(1, 12)), 1)), rate_value(draw, currency))
    return {"projects": plan, "rates": table, "edits": draw(EDITS)}


# ---------------------------------------------------------------------------------------------- building

def rates_csv(table: dict) -> bytes:
    rows = ["currency,date,usd_per_unit,source"]
    rows += [f"{c},{d.isoformat()},{r},property test" for (c, d), r in sorted(table.items())]
    return "\n".join(rows).encode()


def build(portfolio: dict) -> None:
    """The portfolio through the service layer: its rates loaded, each record merged, priced and checked by
    records.*, all projects stored by one storage.save; then the edits one by one, each committed."""
    vocab_codes = set(current().organisations)
    if "NEW-DONOR" not in vocab_codes:
        organisations.create({"code": "NEW-DONOR", "name": "A donor registered by the test", "type": "10"}, "test")
    if portfolio["rates"]:
        exchange_rates.load_csv(rates_csv(portfolio["rates"]))
    vocab = current()
    plan = portfolio["projects"]
    now = None
    states_ = []
    project_ids = dialect.allocate_ids(states.PROJECTS, len(plan))
    line_ids = iter(dialect.allocate_ids(states.RECORDS["lines"], sum(len(p["lines"]) for p in plan)))
    transaction_ids = iter(dialect.allocate_ids(states.RECORDS["transactions"],
                                                sum(len(p["transactions"]) for p in plan)))
    for project, project_id in zip(plan, project_ids):
        state = storage.new_state(project["code"], now)
        storage.apply(state, project["data"], vocab)
        state.row["id"] = project_id
        for kind, items, ids in ((records.LINES, project["lines"], line_ids),
                                 (records.TRANSACTIONS, project["transactions"], transaction_ids)):
            for item in items:
                record_id = next(ids)
                record = records.new_record(state, kind, record_id, state.row["created_at"])
                getattr(state, kind.name)[record_id] = record
                errors = records.merge(record, dict(item), kind) or records.checked(state, kind, record_id)
                assert errors == [], (item, errors)
        states_.append(state)
    storage.save([(None, s) for s in states_], "test", vocab)
    db.session.commit()
    for action, pick, cents in portfolio["edits"]:
        edit(action, plan[pick % len(plan)]["code"], pick, Decimal(cents).scaleb(-2))
        db.session.commit()


def edit(action: str, code: str, pick: int, usd: Decimal) -> None:
    state = projects.get(code, lock=True)
    if action == "line-amount" and state.lines:
        line_id = sorted(state.lines)[pick % len(state.lines)]
        records.change(state, records.LINES, line_id, {"amount": usd, "currency": "USD", "fx_rate": None,
                                                       "fx_value_date": None}, "test")
    elif action == "drop-transaction" and state.transactions:
        records.remove(state, records.TRANSACTIONS, sorted(state.transactions)[pick % len(state.transactions)], "test")
    elif action == "revise" and state.lines:
        original = state.lines[sorted(state.lines)[pick % len(state.lines)]]
        donor = original["donor_organisation_id"]
        if not any(line["type"] == "revised" and line["period_start"] == original["period_start"]
                   and line["donor_organisation_id"] == donor for line in state.lines.values()):
            records.add(state, records.LINES, {"period_start": original["period_start"],
                                               "period_end": original["period_end"], "type": "revised",
                                               "amount": usd, "currency": "USD", "status": "committed",
                                               "donor": current().term("organisations", donor).code if donor else None},
                        "test")
    elif action == "priorities":
        projects.update(state, {"priorities": [{"code": PRIORITIES[pick % 5]}, {"code": PRIORITIES[(pick + 2) % 5]}]},
                        "test")
    elif action == "region":
        projects.update(state, {"region": REGIONS[pick % 4]}, "test")


# ---------------------------------------------------------------------------------------------- oracles

def usd(amount: Decimal, rate: Decimal | None) -> Decimal:
    return amount.quantize(CENT) if rate is None else (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def rate_in_force(table: dict, currency: str, value_date: date):
    found = [(d, r) for (c, d), r in table.items() if c == currency and value_date - timedelta(days=31) <= d
             <= value_date]
    return max(found) if found else None


def check_records_and_totals(portfolio: dict, loaded: dict) -> None:
    """Each record's rate and USD amount, and each project's current and original budget, by the rules. `loaded`:
    the rates in the table before the portfolio's own were loaded (which update those of the same date)."""
    table = {**loaded, **portfolio["rates"]}
    ids = {(r.currency, r.date): r.id for r in db.session.scalars(select(ExchangeRate))}
    stored = {s.code: s for s in states.load(codes=[p["code"] for p in portfolio["projects"]]).values()}
    edited = {portfolio["projects"][pick % len(portfolio["projects"])]["code"] for _, pick, _ in portfolio["edits"]}
    for project in portfolio["projects"]:
        state = stored[project["code"]]
        if project["code"] not in edited:
            for kind, items in (("lines", project["lines"]), ("transactions", project["transactions"])):
                for item, record in zip(items, (getattr(state, kind)[i] for i in sorted(getattr(state, kind)))):
                    if item["currency"] == "USD":
                        expected_rate, rate_id = None, None
                    elif "fx_rate" in item:
                        expected_rate, rate_id = item["fx_rate"], None
                    else:
                        published, expected_rate = rate_in_force(table, item["currency"],
                                                                 item.get("fx_value_date") or
                                                                 item.get("period_start") or item["date"])
                        rate_id = ids[item["currency"], published]
                    assert (record["fx_rate"], record["fx_rate_id"]) == (expected_rate, rate_id), (item, record)
                    assert record["usd_amount"] == usd(item["amount"], expected_rate)
        lines = list(state.lines.values())
        current_lines = current_of(lines, "donor_organisation_id")
        assert state.row["budget_usd"] == (sum(line["usd_amount"] for line in current_lines) if lines else None)
        originals = [line["usd_amount"] for line in lines if line["type"] == "original"]
        assert state.row["original_budget_usd"] == (sum(originals) if originals else None)
        assert all(line["current"] == (line in current_lines) for line in lines)


def current_of(lines: list[dict], donor: str) -> list[dict]:
    """The current lines, restated: for each donor and period the revised line where there is one."""
    revised = {(line[donor], line["period_start"], line["period_end"]) for line in lines if line["type"] == "revised"}
    return [line for line in lines if line["type"] == "revised"
            or (line[donor], line["period_start"], line["period_end"]) not in revised]


def money(value) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def check_adds_up(result: dict) -> None:
    """Every measure's rows sum to the total to the cent; a null total has no known row."""
    total, rows = result["total"], result["rows"]
    assert result["additive"] is True
    for field in MONEY:
        assert sum(money(row[field]) for row in rows) == money(total[field]), (result["dimension"], field)
        if total[field] is None:
            assert all(row[field] is None for row in rows if row["project_count"]), (result["dimension"], field)
    # remaining is summed over the projects whose budget and spending are both known: it adds up like the others,
    # and it is null exactly where no project of the row has both
    assert sum(money(row["remaining_usd"]) for row in rows) == money(total["remaining_usd"]), result["dimension"]
    for values in (*rows, total):
        assert (values["remaining_usd"] is None) == (
            values["project_count"] > 0 and values["unknown_remaining_count"] == values["project_count"])
        assert values["spent_percent"] is None or values["remaining_usd"] is not None
    if total["budget_usd"]:
        assert sum(money(row["share_percent"]) for row in rows) == 100
    if result.get("counts_additive"):
        for field in ("project_count", *(f"unknown_{m.key}_count" for m in MEASURES), "unknown_remaining_count"):
            assert sum(row[field] for row in rows) == total[field], (result["dimension"], field)


def check_cross_tab(result: dict) -> None:
    for field in MONEY:
        assert sum(money(r[field]) for r in result["rows"]) == money(result["total"][field])
        assert sum(money(c[field]) for c in result["columns"]) == money(result["total"][field])
        for row in result["rows"]:
            assert sum(money(c[field]) for c in row["cells"]) == money(row[field])
        for index, column in enumerate(result["columns"]):
            assert sum(money(r["cells"][index][field]) for r in result["rows"]) == money(column[field])


# ---------------------------------------------------------------------------------------------- database state

def _snapshot(app, stored_state, name: str, rates: dict) -> str:
    def make():
        with app.app_context():
            organisations.create({"code": "NEW-DONOR", "name": "A donor registered by the test", "type": "10"}, "test")
            if rates:
                exchange_rates.load_csv(rates_csv(rates))
            db.session.commit()
            db.session.remove()

    stored_state(name, make)
    return f"base_{name}"


@pytest.fixture
def finance_base(app, stored_state) -> str:
    """The reference data and NEW-DONOR, registered through the service, stored once as a snapshot that each
    example is put back to. Returns its name."""
    return _snapshot(app, stored_state, "finance", {})


@pytest.fixture
def finance_rates(app, stored_state) -> str:
    """finance_base and the fixed rate table (FIXED_RATES) loaded by the service behind `flask rates load`."""
    return _snapshot(app, stored_state, "finance_rates", FIXED_RATES)


def reset(app, name: str, vocabulary_changed: bool = False) -> None:
    """Back to the snapshot between examples. The vocabulary stays cached unless the example changed it (then the
    snapshot's ids must be read again), as conftest.restore does."""
    if vocabulary_changed:
        restore(app, name)
        return
    snapshots = app.extensions["test_snapshots"]
    if isinstance(snapshots, SqliteSnapshots):
        with app.app_context():
            db.engine.dispose()
    snapshots.restore(name)


def _fixed_rates() -> dict:
    """Monthly rates on the 1st, 1998-2008, with every seventh month missing (so that some value dates have no
    rate published in the 31 days before them)."""
    out = {}
    for index, (currency, (low, high, _)) in enumerate(sorted(CURRENCIES.items())):
        for year in range(1998, 2009):
            for month in range(1, 13):
                k = year * 12 + month + index
                if k % 7:
                    out[currency, date(year, month, 1)] = (low + (high - low) * Decimal((k * 7919) % 1000) / 1000
                                                           ).quantize(Decimal("0.000001"))
    return out


FIXED_RATES = _fixed_rates()


# ---------------------------------------------------------------------------------------------- A. derivation

@st.composite
def project_states(draw):
    """One project's input, with budget lines whose periods may overlap (the rules must refuse exactly the bad
    ones) and amounts priced with a stated rate or from FIXED_RATES (which may have no rate for the date)."""
    chosen = draw(subsets(tuple(PRIORITIES), 1, 5))
    data = {"title": "Derived", "region": draw(one_of(tuple(REGIONS))),
            "countries": draw(subsets(tuple(COUNTRIES), 0, 4)),
            "priorities": [{"code": c, "share": s} for c, s in zip(chosen, shares(draw, len(chosen)))],
            "participating_organisations": participations(draw, 3)}

    def priced():
        currency = draw(one_of(("USD", *CURRENCIES)))
        out = {"amount": amount_of(draw, currency), "currency": currency}
        if currency != "USD" and draw(BOOLEANS):
            out["fx_rate"] = rate_value(draw, currency)
        return out

    lines = []
    for _ in range(draw(ints(0, 6))):
        start = date(2001, 1, 1) + timedelta(days=draw(ints(0, 3 * 365)))
        lines.append({"period_start": start, "period_end": start + timedelta(days=draw(ints(0, 364))),
                      "type": draw(one_of(("original", "revised"))), "status": draw(one_of(STATUSES)),
                      "donor": draw(one_of(LINE_DONORS)), **priced()})
    transactions = []
    for number in range(draw(ints(0, 6))):
        transactions.append({"reference": f"T-{number}", "type": draw(one_of(tuple(TRANSACTION_TYPES))),
                             "date": date(2001, 1, 1) + timedelta(days=draw(ints(0, 4 * 365))),
                             "provider": draw(one_of(LINE_DONORS)), **priced()})
    return data, lines, transactions


LINE_DONORS = (None, "UNHCR", "ILO")


def overlaps(a: dict, b: dict) -> bool:
    return a["period_start"] <= b["period_end"] and b["period_start"] <= a["period_end"]


def allowed(kept: list[dict], line: dict) -> bool:
    """The revision rules, restated: within one donor (no donor being one), originals never overlap, nor
    reviseds; a revised line and an original of the same donor that overlap have the same period."""
    return all(other["donor_organisation_id"] != line["donor_organisation_id"] or not overlaps(line, other) or (
        line["type"] != other["type"] and (line["period_start"], line["period_end"]) == (
            other["period_start"], other["period_end"])) for other in kept)


def pro_rata(cents: int, start: date, end: date) -> dict[int, int]:
    """The oracle of a period's split over calendar years: its days in each, largest remainder (ties earlier)."""
    days = {}
    day = start
    while day <= end:
        days[day.year] = days.get(day.year, 0) + 1
        day += timedelta(days=1)
    return dict(zip(days, allocate(cents, list(days.values()))))


def check_split(whole: list[int], parts: list[list[int]], weights: list[int]) -> None:
    """Parts add up to the whole in every column, each within a cent of its exact share."""
    for column, total in enumerate(whole):
        assert sum(part[column] for part in parts) == total
        for part, weight in zip(parts, weights):
            assert abs(Decimal(part[column]) - Decimal(total * weight) / sum(weights)) < 1


@examples(2000)
@given(project=project_states())
def test_derived_figures_follow_the_rules_and_partition_every_measure(app, finance_rates, project):
    """A project's records are priced, checked and derived by the write path's own functions (records.merge,
    records.checked, figures.derive), without storing them: each amount takes its stated rate or the rate in force
    (or is refused when there is none), a line is accepted exactly when the revision rules allow it, and every
    year's money is split over priorities, countries and each role's organisations to the cent."""
    data, lines, transactions = project
    with app.app_context():
        try:
            vocab = current()
            state = storage.new_state("D-1")
            storage.apply(state, data, vocab)
            state.row["id"] = 1
            kept = []
            for kind, items in ((records.LINES, lines), (records.TRANSACTIONS, transactions)):
                for record_id, item in enumerate(items, start=1):
                    record = records.new_record(state, kind, record_id, None)
                    getattr(state, kind.name)[record_id] = record
                    value_date = item.get("period_start") or item["date"]
                    found = None if item["currency"] == "USD" or "fx_rate" in item else rate_in_force(
                        FIXED_RATES, item["currency"], value_date)
                    errors = records.merge(record, dict(item), kind)
                    if item["currency"] != "USD" and "fx_rate" not in item and found is None:
                        assert [e["pointer"] for e in errors] == ["/fx_rate"], errors
                        assert "No " + item["currency"] + " rate in force on " in errors[0]["message"]
                        del getattr(state, kind.name)[record_id]
                        continue
                    assert errors == []
                    rate = item.get("fx_rate", found[1] if found else None)
                    assert record["fx_rate"] == rate and record["usd_amount"] == usd(item["amount"], rate)
                    assert (record["fx_rate_id"] is None) == (found is None)
                    errors = records.checked(state, kind, record_id)
                    if kind is records.LINES:
                        assert (errors == []) == allowed(kept, record), (kept, record, errors)
                        if errors:
                            del state.lines[record_id]
                            continue
                        kept.append(record)
                    else:
                        assert errors == []
            derived = figures.derive(state, vocab)
            project_t, priority_t, country_t, organisation_t, cross_t = figures.FIGURE_TABLES
            shown = figures.derive(state, vocab, cube=False)  # what the views derive: all but the cube
            assert shown.figures[cross_t] == [] and shown.totals == derived.totals
            assert shown.members == derived.members and shown.current == derived.current
            assert {t: rows for t, rows in shown.figures.items() if t is not cross_t} == {
                t: rows for t, rows in derived.figures.items() if t is not cross_t}
            current_lines = current_of(kept, "donor_organisation_id")
            assert derived.totals["budget_usd"] == (sum(line["usd_amount"] for line in current_lines) if kept else None)
            originals = [line["usd_amount"] for line in kept if line["type"] == "original"]
            assert derived.totals["original_budget_usd"] == (sum(originals) if originals else None)
            by_year = {row["year"]: [row[c] for c in AMOUNT_COLUMNS] for row in derived.figures[project_t]}
            expected_years: dict = {}
            own_budget: dict = {}  # (year, column, donor) -> cents of that donor's own lines

            def add(year, column, cents):
                amounts = expected_years.setdefault(year, [0] * len(AMOUNT_COLUMNS))
                amounts[AMOUNT_COLUMNS.index(column)] += cents

            for line in kept:
                for year, cents in pro_rata(int(line["usd_amount"] * 100), line["period_start"],
                                            line["period_end"]).items():
                    columns = [f"current_{line['status']}"] if line in current_lines else []
                    columns += [f"original_{line['status']}"] if line["type"] == "original" else []
                    for column in columns:
                        add(year, column, cents)
                        if line["donor_organisation_id"]:
                            key = (year, column, line["donor_organisation_id"])
                            own_budget[key] = own_budget.get(key, 0) + cents
                    expected_years.setdefault(year, [0] * len(AMOUNT_COLUMNS))
            for row in state.transactions.values():
                add(row["date"].year, row["type"].replace("-", "_"), int(row["usd_amount"] * 100))
            if kept and state.transactions:  # the paired budget and spending of a project with both known
                for amounts in expected_years.values():
                    for paired, source in (("paired_current_indicative", "current_indicative"),
                                           ("paired_current_committed", "current_committed"),
                                           ("paired_expenditure", "expenditure")):
                        amounts[AMOUNT_COLUMNS.index(paired)] = amounts[AMOUNT_COLUMNS.index(source)]
            assert by_year == expected_years
            priorities = sorted(state.links["priorities"], key=lambda p: vocab.term("priorities", p[0]).position)
            funders = {o for r, o, *_ in state.links["organisations"] if r == "funding"}
            for year, whole in by_year.items():
                def parts(table, year=year, **where):
                    return [[row[c] for c in AMOUNT_COLUMNS] for row in derived.figures[table]
                            if row["year"] == year and all(row[k] == v for k, v in where.items())]
                check_split(whole, parts(priority_t), [s for _, s in priorities])
                check_split(whole, parts(country_t), [1] * max(1, len(state.links["countries"])))
                for role in ORGANISATION_ROLES:
                    members = sorted((o, s) for r, o, s, *_ in state.links["organisations"] if r == role)
                    if members and role != "funding":
                        check_split(whole, parts(organisation_t, role=role), [s for _, s in members])
                # the funding role by evidence: every cent of every column, each donor at least its own lines,
                # each provider at least its incoming money; nobody else but the participants and no funder (0)
                funding = {row["organisation_id"]: row for row in derived.figures[organisation_t]
                           if row["year"] == year and row["role"] == "funding"}
                for index, column in enumerate(AMOUNT_COLUMNS):
                    assert sum(row[column] for row in funding.values()) == whole[index], (year, column)
                for (y, column, donor), cents in own_budget.items():
                    if y == year:
                        assert (funding[donor][column] if donor in funding else 0) >= cents, (year, column, donor)
                stated = {line["donor_organisation_id"] for line in kept} | {
                    t["provider_organisation_id"] for t in state.transactions.values()}
                assert set(funding) <= funders | stated | {0}
                for t in state.transactions.values():
                    if t["date"].year == year and t["type"].startswith("incoming") and t["provider_organisation_id"]:
                        column = t["type"].replace("-", "_")
                        provider = funding.get(t["provider_organisation_id"], dict.fromkeys(AMOUNT_COLUMNS, 0))
                        assert provider[column] >= sum(
                            int(u["usd_amount"] * 100) for u in state.transactions.values()
                            if u["date"].year == year and u["type"] == t["type"]
                            and u["provider_organisation_id"] == t["provider_organisation_id"])
                # the cube: non-negative, and its three margins are exactly the three splits
                cube = [row for row in derived.figures[cross_t] if row["year"] == year]
                for key, table, extra in (("priority_id", priority_t, {}), ("country_code", country_t, {}),
                                          ("organisation_id", organisation_t, {"role": "funding"})):
                    margins: dict = {}
                    for row in cube:
                        sums = margins.setdefault(row[key], [0] * len(AMOUNT_COLUMNS))
                        for index, column in enumerate(AMOUNT_COLUMNS):
                            assert row[column] >= 0
                            sums[index] += row[column]
                    split = {row[key]: [row[c] for c in AMOUNT_COLUMNS] for row in derived.figures[table]
                             if row["year"] == year and all(row[k] == v for k, v in extra.items())}
                    assert {k: v for k, v in margins.items() if any(v)} == {
                        k: v for k, v in split.items() if any(v)}, (year, key)
        finally:
            db.session.rollback()
            db.session.remove()


# ---------------------------------------------------------------------------------------------- B. the database

DIMENSION_CHECKS = ["region", "status", "priority", "year", "donor", "country", "region-priority",
                    *(f"organisation:{role}" for role in ORGANISATION_ROLES),
                    "donor/region", "priority/donor", "country/donor", "year/priority", "status/year",
                    "country/priority", "year/donor", "activity-type/donor", "organisation:implementing/region"]
year_bounds = st.integers(YEARS[0] - 1, YEARS[1] + 1)


@st.composite
def rollup_filters(draw) -> dict:
    """Any combination of the filters the rollups are keyed by."""
    args = draw(st.fixed_dictionaries({}, optional={
        "region": st.sampled_from(REGIONS), "priority": st.sampled_from(PRIORITIES),
        "status": st.sampled_from(PROJECT_STATUSES), "synthetic": st.booleans(), "year_from": year_bounds,
        "year_to": year_bounds, "budget_status": st.sampled_from(["indicative", "committed"]),
        "funder": st.sampled_from(ORGANISATIONS)}))
    if "year_from" in args and "year_to" in args and args["year_to"] < args["year_from"]:
        args["year_from"], args["year_to"] = args["year_to"], args["year_from"]
    return args


def answer(name: str, args: dict, use_rollups: bool) -> dict | None:
    """The answer to a check's question, or None where the figures do not hold it (a role other than funding
    with a funder: refused, as the API refuses it)."""
    if name == "region-priority":
        return aggregates.region_priority(args, use_rollups)
    rows, _, columns = name.partition("/")
    rows, _, row_role = rows.partition(":")
    columns, _, column_role = columns.partition(":")
    role = row_role or column_role
    if role:
        if args.get("funder") and role != "funding":
            return None
        args = {**args, "organisation_role": role}
    if columns:
        return aggregates.crossed(rows, columns, args, use_rollups)
    return aggregates.aggregate(rows, args, use_rollups)


def check_crossed(result: dict, rows: dict, columns: dict) -> None:
    """Each margin is the one-dimensional answer of its dimension; the cells add up to the margins of every
    additive dimension to the cent, every measure."""
    strip = ("label", "share_percent", "cells")
    for margins, one in ((result["rows"], rows), (result["columns"], columns)):
        found = {m["key"]: {k: v for k, v in m.items() if k not in strip} for m in margins}
        assert found == {r["key"]: {k: v for k, v in r.items() if k not in strip} for r in one["rows"]}
    for field in (*MONEY, "remaining_usd"):
        if result["rows_additive"]:
            for row in result["rows"]:
                assert sum(money(c[field]) for c in row["cells"]) == money(row[field]), (result["dimension"], field)
        if result["columns_additive"]:
            for index, column in enumerate(result["columns"]):
                assert sum(money(r["cells"][index][field]) for r in result["rows"]) == money(column[field])


@examples(80)
@given(portfolio=portfolios(), args=rollup_filters(),
       names=st.lists(st.sampled_from(DIMENSION_CHECKS), min_size=2, max_size=4, unique=True))
def test_stored_portfolio_adds_up_and_rollups_equal_the_base_tables(app, finance_base, portfolio, args, names):
    """A generated portfolio stored through the service layer (with edits after it): its records and totals follow
    the rules; the rollups equal a fresh GROUP BY (rollups.differences); for the drawn rollup filters and dimensions
    the rollup reader answers exactly what the base tables answer, every measure's rows add up to the total, and
    every dimension's total is the same."""
    reset(app, finance_base)
    with app.app_context():
        try:
            build(portfolio)
            check_records_and_totals(portfolio, {})
            assert rollups.differences() == []
            whole = aggregates.aggregate("region", {})
            expected = expected_totals(portfolio)
            assert {k: whole["total"][k] for k in expected} == expected
            check_adds_up(whole)
            total = None
            for name in names:
                result = answer(name, args, True)
                if result is None:
                    continue
                assert result == answer(name, args, False), (name, args)
                if name == "region-priority":
                    check_cross_tab(result)
                elif "/" in name:
                    rows, _, columns = name.partition("/")
                    check_crossed(result, answer(rows, args, True), answer(columns, args, True))
                else:
                    check_adds_up(result)
                assert total is None or result["total"] == total, name
                total = result["total"]
        finally:
            db.session.remove()


CROSSABLE = ["region", "status", "year", "priority", "country", "donor", "activity-type", "rcp",
             "organisation:implementing"]


def refused_crossing(rows: str, columns: str, args: dict) -> bool:
    """The crossings the figures do not hold (statistics/aggregates.check_parameters): a dimension with itself,
    two organisation dimensions, and a role split by shares with priority, country or donor (or a funder)."""
    if rows == columns:
        return True
    roles = [d for d in (rows, columns) if d in ("donor", "organisation:implementing")]
    if len(roles) == 2:
        return True
    by_shares = "organisation:implementing" in (rows, columns)
    return by_shares and (bool({rows, columns} & {"priority", "country"}) or bool(args.get("funder")))


@examples(4)
@given(portfolio=portfolios(), args=rollup_filters())
def test_every_crossed_pair_partitions_every_measure(app, finance_base, portfolio, args):
    """For a generated portfolio with several donors per project, revisions by donor and every transaction type:
    every ordered pair of dimensions is either refused (exactly the ones the figures do not hold) or answered with
    margins equal to the one-dimensional answers and cells adding up to every additive margin to the cent, for
    every measure, the same from the rollups as from the base tables."""
    reset(app, finance_base)
    with app.app_context():
        try:
            build(portfolio)
            one = {name: answer(name, args, True) for name in CROSSABLE}
            for rows in CROSSABLE:
                for columns in CROSSABLE:
                    name = f"{rows}/{columns}"
                    if refused_crossing(rows, columns, args):
                        with pytest.raises(Invalid):
                            r, _, r_role = rows.partition(":")
                            c, _, c_role = columns.partition(":")
                            role = r_role or c_role
                            aggregates.crossed(r, c, {**args, **({"organisation_role": role} if role else {})},
                                               False)
                        continue
                    if one[rows] is None or one[columns] is None:
                        continue
                    result = answer(name, args, True)
                    pair = tuple(DIMENSIONS[d.partition(":")[0]] for d in (rows, columns))
                    if RollupReader.serves({**args, **({"organisation_role": "implementing"} if ":" in name else {})},
                                           pair):  # else the same base-table reader answered both
                        assert result == answer(name, args, False), (name, args)
                    check_crossed(result, one[rows], one[columns])
        finally:
            db.session.remove()


def expected_totals(portfolio: dict) -> dict:
    """The unfiltered total of every measure, from the stored records (each checked against the rules above)."""
    found = states.load(codes=[p["code"] for p in portfolio["projects"]]).values()
    out = {"project_count": len(found)}
    budgets = [s.row["budget_usd"] for s in found if s.row["budget_usd"] is not None]
    originals = [s.row["original_budget_usd"] for s in found if s.row["original_budget_usd"] is not None]
    out["budget_usd"] = sum(budgets) if budgets else None
    out["original_budget_usd"] = sum(originals) if originals else None
    with_actuals = [s for s in found if s.transactions]
    for m in MEASURES[2:]:
        kind = {"incoming_commitment": "incoming-commitment", "incoming_funds": "incoming-funds",
                "outgoing_commitment": "outgoing-commitment"}.get(m.key, m.key)
        out[f"{m.key}_usd"] = sum((t["usd_amount"] for s in with_actuals for t in s.transactions.values()
                                   if t["type"] == kind), Decimal("0.00")) if with_actuals else None
        out[f"unknown_{m.key}_count"] = len(found) - len(with_actuals)
    out["unknown_budget_count"] = len(found) - len(budgets)
    out["unknown_original_budget_count"] = len(found) - len(originals)
    return out


# ---------------------------------------------------------------------------------------------- C. the files

def xlsx_cells(data: bytes) -> list[list]:
    """The first sheet's rows (index 0: row 1) as written in the file: numbers as exact Decimals (the XML text, not
    a float, which could not hold 16 significant digits), strings as str, empty cells as None."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    shared = []
    if "xl/sharedStrings.xml" in archive.namelist():
        shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t"))
                  for si in ElementTree.fromstring(archive.read("xl/sharedStrings.xml")).findall("m:si", ns)]
    rows: list[list] = []
    for row in ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml")).iter(f"{{{ns['m']}}}row"):
        rows += [[] for _ in range(int(row.get("r")) - 1 - len(rows))]  # rows without cells are not written
        cells = {}
        for c in row.findall("m:c", ns):
            column = 0
            for ch in re.match(r"[A-Z]+", c.get("r")).group():
                column = column * 26 + ord(ch) - 64
            kind, value = c.get("t", "n"), c.find("m:v", ns)
            if kind == "inlineStr":
                cells[column] = "".join(t.text or "" for t in c.iter(f"{{{ns['m']}}}t"))
            elif kind == "s":
                cells[column] = shared[int(value.text)]
            elif value is not None:
                cells[column] = value.text if kind == "str" else Decimal(value.text)
        rows.append([cells.get(i) for i in range(1, max(cells, default=0) + 1)])
    return rows


def keyed(result: dict) -> dict:
    """{(row key...): figures} of a JSON answer: rows, total, and the cross-tab's cells and margins."""
    names = [name for name, _, _ in FIGURES]
    if result["dimension"] == "region-priority":
        out = {("TOTAL", ""): {n: result["total"][n] for n in names}}
        for row in result["rows"]:
            out[row["region"], ""] = {n: row[n] for n in names}
            out.update({(row["region"], c["priority"]): {n: c[n] for n in names} for c in row["cells"]})
        out.update({("", c["priority"]): {n: c[n] for n in names} for c in result["columns"]})
        return out
    if "rows_dimension" in result:  # crossed: keyed by row key and label, column key and label
        rows_d, columns_d = result["rows_dimension"], result["columns_dimension"]

        def text(key):
            return "" if key is None else str(key)

        out = {("TOTAL", "", "", ""): {n: result["total"][n] for n in names}}
        for row in result["rows"]:
            out[text(row["key"]), row["label"], "", f"(all {columns_d})"] = {n: row[n] for n in names}
            out.update({(text(row["key"]), row["label"], text(c["key"]), column["label"]): {n: c[n] for n in names}
                        for c, column in zip(row["cells"], result["columns"])})
        out.update({("", f"(all {rows_d})", text(c["key"]), c["label"]): {n: c[n] for n in names}
                    for c in result["columns"]})
        return out
    out = {("TOTAL",): {**{n: result["total"][n] for n in names}, "share_percent": None}}
    out.update({("" if r["key"] is None else str(r["key"]),): {**{n: r[n] for n in names},
                                                              "share_percent": r["share_percent"]}
                for r in result["rows"]})
    return out


def from_table(header: list, body: list[list], cross_tab: bool, parse) -> dict:
    crossed = header[0] != "key" and not cross_tab
    keys = header[:4] if crossed else ("key", "label", "region", "region_label", "priority", "priority_label")
    names = [n for n in header if n not in keys]
    out = {}
    for cells in body:
        row = dict(zip(header, cells))
        if crossed:
            key = tuple("" if row[k] is None else str(row[k]) for k in keys)
        else:
            key = (str(row["region"] or ""), str(row["priority"] or "")) if cross_tab else (str(row["key"] or ""),)
        assert key not in out, key
        out[key] = {n: parse(row[n]) for n in names}
    return out


def differences(found: dict, expected: dict) -> list[tuple]:
    """(row key, figure, in the file, in the JSON) wherever they differ; a row only on one side as a whole."""
    out = [(key, None, found.get(key), expected.get(key)) for key in set(found) ^ set(expected)]
    for key in set(found) & set(expected):
        out += [(key, name, found[key].get(name), value) for name, value in expected[key].items()
                if found[key].get(name) != value]
    return out


MONEY_FIGURES = {name for name, _, is_money in FIGURES if is_money} | {"share_percent"}


def normalised(figures: dict) -> dict:
    """A row's figures as the JSON gives them: money and percentages as two-place strings, counts as ints."""
    return {k: (None if v is None else format(Decimal(v).quantize(CENT, rounding=ROUND_HALF_UP), "f")
                if k in MONEY_FIGURES else int(v)) for k, v in figures.items()}


def csv_cell(value: str):
    return None if value == "" else value


def as_text(figures: dict) -> dict:
    return {k: None if v is None else str(v) for k, v in figures.items()}


def api_build(client, runner, tmp_path, portfolio: dict) -> None:
    """The portfolio through the API: an organisation registered, rates loaded by `flask rates load`, projects
    and budget lines posted, transactions by bulk import (JSON or CSV)."""
    assert client.post("/api/v1/organisations", json={"code": "API-DONOR", "name": "Registered over HTTP",
                                                      "type": "21"}).status_code == 201
    if portfolio["rates"]:
        path = tmp_path / "rates.csv"
        path.write_bytes(rates_csv(portfolio["rates"]))
        result = runner.invoke(args=["rates", "load", str(path)])
        assert result.exit_code == 0, result.output

    def text(values: dict) -> dict:
        out = {}
        for k, v in values.items():
            if v is None:
                continue
            out[k] = format(v, "f") if isinstance(v, Decimal) else v.isoformat() if isinstance(v, date) else v
            if k == "donor" or k in ("provider", "receiver"):
                out[k] = "API-DONOR" if v == "NEW-DONOR" else v
        return out

    items = []
    for project in portfolio["projects"]:
        data = project["data"]
        body = {"code": project["code"], "title": data["title"], "region": data["region"], "status": data["status"],
                "countries": data["countries"],
                "priorities": [{k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in p.items()
                                if v is not None} for p in data["priorities"]],
                "participating_organisations": [
                    {"organisation": "API-DONOR" if p["organisation"] == "NEW-DONOR" else p["organisation"],
                     "role": p["role"], **({"share": format(p["share"], "f")} if p["share"] is not None else {})}
                    for p in data["participating_organisations"]]}
        response = client.post("/api/v1/projects", json=body)
        assert response.status_code == 201, response.json
        for line in project["lines"]:
            response = client.post(f"/api/v1/projects/{project['code']}/budget-lines", json=text(line))
            assert response.status_code == 201, (line, response.json)
        items += [{"project": project["code"], **text(t)} for t in project["transactions"]]
    if not items:
        return
    if len(items) % 2:
        response = client.post("/api/v1/transactions/bulk", json={"items": items})
    else:
        columns = ["project", "reference", "type", "date", "amount", "currency", "fx_rate", "fx_value_date",
                   "provider", "receiver"]
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(items)
        response = client.post("/api/v1/transactions/bulk", data=out.getvalue(), content_type="text/csv")
    assert response.status_code == 200, response.json
    assert response.json["created"] == len(items)


FILE_DIMENSIONS = ["region", "status", "priority", "country", "year", "donor", "organisation", "activity-type", "rcp",
                   "region-priority", "donor/region", "priority/country", "year/donor"]


@examples(8)
@given(portfolio=portfolios(max_projects=2), args=rollup_filters())
def test_json_csv_and_xlsx_carry_the_same_figures(app, client, runner, tmp_path, finance_base, portfolio, args):
    """Every aggregate, unfiltered and with drawn filters, gives the same figures (every measure, every row and the
    total) as JSON, CSV and XLSX; XLSX money cells are numbers formatted #,##0.00 and the sheet names its filters
    and generation time. The transaction export adds up to the aggregates' totals."""
    reset(app, finance_base, vocabulary_changed=True)
    api_build(client, runner, tmp_path, portfolio)
    if args.get("funder") == "NEW-DONOR":  # registered as API-DONOR over HTTP
        args = {**args, "funder": "API-DONOR"}
    query = "&".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in sorted(args.items()))
    for dimension in FILE_DIMENSIONS:
        path = f"/api/v1/aggregates/{dimension}?{query}"
        answer_ = client.get(path)
        assert answer_.status_code == 200, answer_.json
        expected = {key: normalised(figures) for key, figures in keyed(answer_.json).items()}
        assert expected == dict(keyed(answer_.json))  # the JSON's own form
        cross_tab = dimension == "region-priority"

        table = list(csv.reader(io.StringIO(client.get(path.replace("?", ".csv?")).get_data(as_text=True))))
        assert table[-1][0] == "TOTAL"
        # CSV: the very same text
        assert differences(from_table(table[0], table[1:], cross_tab, csv_cell),
                           {k: as_text(f) for k, f in expected.items()}) == [], dimension

        response = client.get(path.replace("?", ".xlsx?"))
        cells = xlsx_cells(response.data)
        assert cells[1][0] == "Filters" and cells[2][0] == "Generated" and re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", cells[2][1])
        assert cells[1][1] == ("; ".join(f"{k}={v}" for k, v in sorted(args.items())) or "none (whole portfolio)")
        header = cells[5]
        assert cells[-1][0] == "TOTAL"
        # A sheet's number is a double, which openpyxl writes with 16 significant digits: every cent of an amount
        # below USD 10^14 is in the file (the generated portfolios stay below it; see docs/finance.md on larger ones).
        found = from_table(header, [c + [None] * (len(header) - len(c)) for c in cells[6:]], cross_tab, lambda v: v)
        assert all(isinstance(v, Decimal) for f in found.values() for v in f.values() if v is not None)
        assert differences({k: normalised(f) for k, f in found.items()}, expected) == [], dimension
        assert abs(money(answer_.json["total"]["budget_usd"])) < 10**14
        sheet = load_workbook(io.BytesIO(response.data)).active
        money_columns = {i + 1 for i, name in enumerate(header)
                         if name in {n for n, _, m in FIGURES if m} | {"share_percent"}}
        for row in sheet.iter_rows(min_row=7):
            for cell in row:
                if cell.column in money_columns and cell.value is not None:
                    assert isinstance(cell.value, (int, float)) and cell.number_format == "#,##0.00"
    export = list(csv.DictReader(io.StringIO(client.get("/api/v1/exports/transactions").get_data(as_text=True))))
    total = client.get("/api/v1/aggregates/region").json["total"]
    for measure, kind in (("incoming_commitment", "incoming-commitment"), ("incoming_funds", "incoming-funds"),
                          ("outgoing_commitment", "outgoing-commitment"), ("disbursement", "disbursement"),
                          ("expenditure", "expenditure")):
        assert money(total[f"{measure}_usd"]) == sum(Decimal(r["usd_amount"]) for r in export if r["type"] == kind)
