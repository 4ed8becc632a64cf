"""Deterministic synthetic data for demos and benchmarks: organisations, projects, original and revised
budget lines, transactions and exchange rates, every one flagged synthetic, stored by the one write path.

By default it fills the portfolio up to the declared baseline (126 projects, USD 67,000,000.00 of
current budget with the annex projects), so the demo portfolio reconciles to the baseline exactly.
Proportions: most projects under way have spent less than their budget, about one in ten more.
"""
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portfolio import dialect, vocabulary
from portfolio.extensions import db
from portfolio.figure_columns import TRANSACTION_TYPES
from portfolio.models import ExchangeRate, Organisation, PortfolioBaseline, Project, Rcp
from portfolio.models.base import utcnow
from portfolio.money import ROUNDING, allocate, from_cents, to_cents
from portfolio.rules import MINOR_UNITS
from portfolio.services import exchange_rates, records, storage
from portfolio.services.state import RECORDS
from portfolio.statistics import rollups

REGION_POOLS = {  # which Annex A region groupings supply the country pool of each IOM region
    "africa-middle-east": ("Africa", "The Western Mediterranean"),
    "asia-oceania": ("Asia and Oceania", "Pacific"),
    "americas": ("The Americas and the Caribbean", "Central America"),
    "europe": ("Europe and the Former Soviet Union", "South-East Europe"),
}
# Demo rates (USD per unit) published on the first of every month, reproducible; not market data.
DEMO_RATES = {"EUR": Decimal("1.125"), "GBP": Decimal("1.6"), "CHF": Decimal("0.75")}
RATE_SOURCE = "synthetic demo rate (flask demo-data), not market data"
DEMO_CODE_PREFIX = "DEMO-"
DONORS = 12
CHUNK = 2000
UNDER_WAY = ("implementation", "finalisation", "closed", "suspended")


@dataclass
class DemoResult:
    projects: int
    budget_lines: int
    transactions: int
    budget_usd: Decimal


def _country_pools() -> dict[str, list[str]]:
    pools: dict[str, set[str]] = {code: set() for code in REGION_POOLS}
    for rcp in db.session.scalars(select(Rcp)):
        for region, groupings in REGION_POOLS.items():
            if rcp.region_grouping in groupings:
                pools[region].update(m.country_code for m in rcp.members if len(m.country_code) == 2
                                     and m.role == "member")
    return {region: sorted(codes) for region, codes in pools.items()}


def plan_fill_to_baseline() -> tuple[int, int]:
    """How many projects and cents are missing to reach the latest declared baseline."""
    baseline = db.session.scalars(select(PortfolioBaseline).order_by(PortfolioBaseline.as_of.desc())).first()
    if baseline is None:
        raise LookupError("No portfolio baseline; run `flask seed` first.")
    count = db.session.scalar(select(func.count(Project.id)))
    itemized = db.session.scalar(select(func.coalesce(func.sum(Project.budget_usd), 0)))
    return baseline.project_count - count, to_cents(baseline.budget_usd) - to_cents(Decimal(itemized))


def _demo_organisations() -> list[str]:
    """The synthetic donors (created once), and the rates table's synthetic rates for 1990-2015."""
    codes = [f"DEMO-DONOR-{i:02d}" for i in range(1, DONORS + 1)]
    known = set(db.session.scalars(select(Organisation.code).where(Organisation.code.in_(codes))))
    now = utcnow()
    dialect.insert_rows(Organisation.__table__, [
        {"code": code, "name": f"Demo Donor {code[-2:]} (synthetic)", "iati_identifier": None, "type": "10",
         "country_code": None, "source": "demo-data", "judgement": None, "synthetic": True, "version": 1,
         "created_at": now, "updated_at": now} for code in codes if code not in known])
    have = {(c, d) for c, d in db.session.execute(select(ExchangeRate.currency, ExchangeRate.date))}
    months = [date(y, m, 1) for y in range(1990, 2016) for m in range(1, 13)]
    dialect.insert_rows(ExchangeRate.__table__, [
        {"currency": c, "date": d, "usd_per_unit": rate, "source": RATE_SOURCE, "created_at": now}
        for c, rate in DEMO_RATES.items() for d in months if (c, d) not in have])
    dialect.sync_sequence(ExchangeRate.__table__)
    db.session.flush()
    vocabulary.refresh()
    return codes


def _next_number() -> int:
    code = db.session.scalar(select(Project.code).where(Project.code.like(f"{DEMO_CODE_PREFIX}%"))
                             .order_by(Project.code.desc()).limit(1))
    return int(code[len(DEMO_CODE_PREFIX):]) + 1 if code else 1


def _amount_for(usd_cents: int, currency: str, rate: Decimal) -> Decimal:
    places = min(MINOR_UNITS[currency], 3)
    return (from_cents(usd_cents) / rate).quantize(Decimal(1).scaleb(-places), rounding=ROUNDING)


class _Builder:
    """One synthetic project at a time, as input to the write path (the rates come from the table)."""

    def __init__(self, rng: random.Random, donors: list[str], book, line_ids, transaction_ids, now):
        self.rng, self.donors, self.book, self.now = rng, donors, book, now
        self.line_ids, self.transaction_ids = line_ids, transaction_ids
        self.lines = self.transactions = 0

    def _record(self, state, kind, values: dict, usd_cents: int) -> tuple[dict, int]:
        """A record worth about `usd_cents`, in USD or a demo currency priced from the rates table."""
        rng = self.rng
        currency = "USD" if rng.random() < 0.7 else rng.choice(sorted(DEMO_RATES))
        value_date = values.get("period_start") or values["date"]
        rate = self.book.in_force(currency, value_date) if currency != "USD" else None
        amount = from_cents(usd_cents) if rate is None else _amount_for(usd_cents, currency, rate.usd_per_unit)
        ids = self.line_ids if kind is records.LINES else self.transaction_ids
        record = records.new_record(state, kind, next(ids), self.now)
        record.update(values, amount=amount, currency="USD" if rate is None else currency, fx_rate=None,
                      fx_value_date=None)
        exchange_rates.price(record, lookup=True, default_value_date=value_date, book=self.book)
        getattr(state, kind.name)[record["id"]] = record
        return record, to_cents(record["usd_amount"])

    def lines_for(self, state, budget: int, years: list[int], funders: list[int]) -> None:
        """A line per funder and year (a co-funded project's donors budget the same years), some revised by
        their donor; the last line is in USD and absorbs conversion rounding, so the budget is exactly as
        planned."""
        rng = self.rng
        planned = allocate(budget, [rng.randint(1, 10) for _ in years])
        shares = [rng.randint(1, 4) for _ in funders]
        got = 0
        plan = [(year, funder, cents) for year, year_cents in zip(years, planned)
                for funder, cents in zip(funders, allocate(year_cents, shares))]
        for index, (year, funder, cents) in enumerate(plan):
            values = {"period_start": date(year, 1, 1), "period_end": date(year, 12, 31),
                      "status": rng.choice(("indicative", "committed")), "donor_organisation_id": funder}
            if index == len(plan) - 1:
                record = records.new_record(state, records.LINES, next(self.line_ids), self.now)
                record.update(values, amount=from_cents(budget - got), currency="USD", fx_rate=None,
                              fx_value_date=None, fx_rate_id=None, usd_amount=from_cents(budget - got))
                state.lines[record["id"]] = record
            elif rng.random() < 0.2:  # revised by its donor: the original said otherwise; the revision is the plan
                self._record(state, records.LINES, {**values, "type": "original"}, round(cents * rng.uniform(0.7, 1.3)))
                _, usd = self._record(state, records.LINES, {**values, "type": "revised"}, cents)
                got += usd
            else:
                _, usd = self._record(state, records.LINES, {**values, "type": "original"}, cents)
                got += usd
        self.lines += len(state.lines)

    def transactions_for(self, state, budget: int, years: list[int], funders: list[int], count: int) -> None:
        rng = self.rng
        if state.row["status"] not in UNDER_WAY or count < 1:
            return
        spent = round(budget * (rng.uniform(1.0, 1.25) if rng.random() < 0.1 else rng.uniform(0.3, 0.98)))
        plan = {"incoming-commitment": budget, "incoming-funds": round(budget * rng.uniform(0.6, 1.0)),
                "outgoing-commitment": round(budget * rng.uniform(0.7, 1.0)),
                "disbursement": round(spent * rng.uniform(0.2, 0.6)), "expenditure": spent}
        kinds = list(TRANSACTION_TYPES)
        counts = allocate(count, [1] * len(kinds)) if count >= len(kinds) else [1 if i < count else 0
                                                                                   for i in range(len(kinds))]
        number = 0
        for kind, n in zip(kinds, counts):
            for cents in (allocate(plan[kind], [rng.randint(1, 5) for _ in range(n)]) if n else []):
                number += 1
                year = rng.choice(years)
                incoming = kind.startswith("incoming")
                self._record(state, records.TRANSACTIONS, {
                    "reference": f"TX-{number:03d}", "type": kind,
                    "date": date(year, 1, 1) + timedelta(days=rng.randint(0, 364)),
                    "provider_organisation_id": rng.choice(funders) if incoming else None,
                    "receiver_organisation_id": None, "description": f"Synthetic {kind.replace('-', ' ')}"}, cents)
        self.transactions += len(state.transactions)


def generate(n_projects: int, total_cents: int | None = None, *, seed: int = 2003, lines_per_project: int = 3,
             transactions_per_project: int = 5, progress=None) -> DemoResult:
    """Insert `n_projects` synthetic projects. With `total_cents`, their current budgets sum to exactly that."""
    rng = random.Random(seed)
    donors = _demo_organisations()
    vocab = vocabulary.current()
    book = exchange_rates.RateBook(list(db.session.scalars(select(ExchangeRate).where(
        ExchangeRate.source == RATE_SOURCE))))
    pools = _country_pools()
    donor_ids = [vocab.organisations[c].id for c in donors]
    iom = vocab.organisations.get("IOM")
    if total_cents is None:
        budgets = [rng.randint(50_000_00, 5_000_000_00) for _ in range(n_projects)]
    else:
        budgets = allocate(total_cents, [rng.randint(1, 100) for _ in range(n_projects)])
    line_ids = iter(dialect.allocate_ids(RECORDS["lines"], n_projects * 2 * (2 * lines_per_project + 2)))
    transaction_ids = iter(dialect.allocate_ids(RECORDS["transactions"], n_projects * (transactions_per_project + 5)))
    builder = _Builder(rng, donors, book, line_ids, transaction_ids, utcnow())
    number = _next_number()
    for start in range(0, n_projects, CHUNK):
        pairs = []
        for index in range(start, min(n_projects, start + CHUNK)):
            region = rng.choice(sorted(vocab.regions))
            start_year = rng.randint(1998, 2008)
            n_lines = max(1, lines_per_project + rng.randint(-1, 1)) if lines_per_project > 1 else 1
            funders = sorted(rng.sample(donor_ids, 1 if rng.random() < 0.75 else 2))
            participations = [{"organisation": vocab.term("organisations", f).code, "role": "funding"}
                              for f in funders] + ([{"organisation": "IOM", "role": "implementing"}] if iom else [])
            chosen = sorted(rng.sample(list(vocab.priorities.values()), rng.randint(1, 3)), key=lambda p: p.position)
            shares = [None] * len(chosen) if rng.random() < 0.5 else [
                Decimal(bp) / 100 for bp in [x * 100 for x in allocate(100, [rng.randint(1, 9) for _ in chosen])]]
            data = {
                "title": f"Synthetic demo project {number + index:06d} ({region})",
                "description": "Generated by `flask demo-data` for demonstrations and benchmarks. Not a real project.",
                "region": region, "countries": sorted(rng.sample(pools[region], rng.randint(1, 3))),
                "priorities": [{"code": p.code, "share": s} for p, s in zip(chosen, shares)],
                "activity_types": sorted(a.code for a in rng.sample(list(vocab.activity_types.values()),
                                                                    rng.randint(1, 3))),
                "participating_organisations": participations, "status": rng.choice(
                    ("pipeline", "implementation", "implementation", "finalisation", "closed", "suspended")),
                "start_date": date(start_year, 1, 1), "end_date": date(start_year + n_lines - 1, 12, 31),
                "source": "demo-data", "synthetic": True,
            }
            state = storage.new_state(f"{DEMO_CODE_PREFIX}{number + index:06d}")
            storage.apply(state, data, vocab)
            state.row["id"] = None
            years = [start_year + i for i in range(n_lines)]
            pairs.append(state)
            builder.lines_for(state, budgets[index], years, funders)
            builder.transactions_for(state, budgets[index], years, funders, transactions_per_project)
        ids = dialect.allocate_ids(storage.PROJECTS, len(pairs))
        for state, id_ in zip(pairs, ids):
            state.row["id"] = id_
            for record in (*state.lines.values(), *state.transactions.values()):
                record["project_id"] = id_
        storage.save([(None, s) for s in pairs], "demo-data", vocab, record_events=False, move_rollups=False)
        if progress is not None:
            progress(len(pairs))
    for table in RECORDS.values():
        dialect.sync_sequence(table)
    rollups.rebuild()  # loaded without moving the rollups cell by cell: recomputed once, the same figures
    return DemoResult(n_projects, builder.lines, builder.transactions, from_cents(sum(budgets)))

