"""Deterministic synthetic projects for demos and benchmarks. Every row is flagged synthetic.

By default it fills the portfolio up to the declared baseline (126 projects, USD 67,000,000.00
with the annex projects), so the demo portfolio reconciles to the baseline exactly.
"""
import random
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import func, select

from portfolio.extensions import db
from portfolio.models import PROJECT_STATUSES, PortfolioBaseline, Project, Rcp, Region
from portfolio.money import allocate, from_cents, to_cents
from portfolio.services import rollups
from portfolio.services.bulk import insert_rows, next_id, sync_sequence
from portfolio.services.vocabulary import Vocabulary

# Which Annex A region groupings supply the country pool of each IOM region.
REGION_POOLS = {
    "africa-middle-east": ("Africa", "The Western Mediterranean"),
    "asia-oceania": ("Asia and Oceania", "Pacific"),
    "americas": ("The Americas and the Caribbean", "Central America"),
    "europe": ("Europe and the Former Soviet Union", "South-East Europe"),
}
# Demo exchange rates (USD per unit), fixed so runs are reproducible; not market data.
DEMO_RATES = {"EUR": Decimal("1.1250000000"), "GBP": Decimal("1.6000000000"), "CHF": Decimal("0.7500000000")}
DEMO_CODE_PREFIX = "DEMO-"
CHUNK = 5000


@dataclass
class DemoResult:
    projects: int
    budget_lines: int
    budget_usd: Decimal


def _country_pools(vocab: Vocabulary) -> dict[str, list[str]]:
    pools: dict[str, set[str]] = {code: set() for code in REGION_POOLS}
    for rcp in db.session.scalars(select(Rcp)):
        for region, groupings in REGION_POOLS.items():
            if rcp.region_grouping in groupings:
                pools[region].update(m.country_code for m in rcp.members if len(m.country_code) == 2)
    return {region: sorted(codes) for region, codes in pools.items()}


def plan_fill_to_baseline() -> tuple[int, int]:
    """How many projects and cents are missing to reach the latest declared baseline."""
    baseline = db.session.scalars(select(PortfolioBaseline).order_by(PortfolioBaseline.as_of.desc())).first()
    if baseline is None:
        raise LookupError("No portfolio baseline; run `flask seed` first.")
    count = db.session.scalar(select(func.count(Project.id)))
    itemized = db.session.scalar(select(func.coalesce(func.sum(Project.budget_usd), 0)))
    return baseline.project_count - count, to_cents(baseline.budget_usd) - to_cents(Decimal(itemized))


def generate(n_projects: int, total_cents: int | None = None, *, seed: int = 2003, lines_per_project: int = 3,
             progress=None) -> DemoResult:
    """Insert `n_projects` synthetic projects. With `total_cents`, their budgets sum to exactly that."""
    rng = random.Random(seed)
    vocab = Vocabulary.load()
    pools = _country_pools(vocab)
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    priorities = sorted(vocab.priorities.values(), key=lambda p: p.position)
    activities = sorted(vocab.activity_types.values(), key=lambda a: a.position)
    members_by_country: dict[str, list[int]] = {}
    for rcp in vocab.rcps.values():
        for member in rcp.members:
            members_by_country.setdefault(member.country_code, []).append(rcp.id)

    if total_cents is None:
        budgets = [rng.randint(50_000_00, 5_000_000_00) for _ in range(n_projects)]
    else:
        budgets = allocate(total_cents, [rng.randint(1, 100) for _ in range(n_projects)])

    connection = db.session.connection()
    project_id = next_id(connection, "projects")
    line_id = next_id(connection, "budget_lines")
    start_number = _next_demo_number()
    now = datetime.now(timezone.utc)
    donors = [f"Demo Donor {i:02d} (synthetic)" for i in range(1, 13)]
    statuses = list(PROJECT_STATUSES)
    total_lines = 0
    total_usd = 0

    for chunk_start in range(0, n_projects, CHUNK):
        rows = {name: [] for name in ("projects", "project_priorities", "project_countries",
                                      "project_activity_types", "project_rcps", "budget_lines")}
        for index in range(chunk_start, min(n_projects, chunk_start + CHUNK)):
            number = start_number + index
            budget = budgets[index]
            region_code = rng.choice(sorted(regions))
            countries = sorted(rng.sample(pools[region_code], rng.randint(1, 3)))
            chosen = sorted(rng.sample(priorities, rng.randint(1, 3)), key=lambda p: p.position)
            if rng.random() < 0.5:
                shares_bp = allocate(10000, [1] * len(chosen))
            else:
                shares_bp = [bp * 100 for bp in allocate(100, [rng.randint(1, 9) for _ in chosen])]
            start_year = rng.randint(1998, 2008)
            n_lines = max(1, lines_per_project + rng.randint(-1, 1)) if lines_per_project > 1 else 1
            start = date(start_year, 1, 1)
            end = date(start_year + n_lines - 1, 12, 31)
            status = rng.choice(statuses)
            rows["projects"].append((
                project_id, f"{DEMO_CODE_PREFIX}{number:06d}",
                f"Synthetic demo project {number:06d} ({region_code})", None,
                "Generated by `flask demo-data` for demonstrations and benchmarks. Not a real project.",
                regions[region_code].id, status, start, end, False, "demo-data", True, budget, 1, now, now))
            for p, bp, alloc in zip(chosen, shares_bp, allocate(budget, shares_bp)):
                rows["project_priorities"].append((project_id, p.id, bp, alloc))
            for code, alloc in zip(countries, allocate(budget, [1] * len(countries))):
                rows["project_countries"].append((project_id, code, alloc))
            for a in rng.sample(activities, rng.randint(1, 3)):
                rows["project_activity_types"].append((project_id, a.id))
            linked = sorted({r for c in countries for r in members_by_country.get(c, [])})
            if linked and rng.random() < 0.3:
                rows["project_rcps"].append((project_id, rng.choice(linked)))
            line_amounts = allocate(budget, [rng.randint(1, 10) for _ in range(n_lines)])
            usd_so_far = 0
            for year_offset, usd_cents in enumerate(line_amounts):
                last = year_offset == n_lines - 1
                currency = "USD" if last or rng.random() < 0.7 else rng.choice(sorted(DEMO_RATES))
                if currency == "USD":
                    # The last line is in USD and absorbs conversion rounding, so the project's
                    # budget is exactly the planned figure.
                    usd_cents = budget - usd_so_far if last else usd_cents
                    amount, rate, usd = usd_cents, None, usd_cents
                else:
                    rate = DEMO_RATES[currency]
                    amount = to_cents((from_cents(usd_cents) / rate).quantize(Decimal("0.01")))
                    usd = to_cents((from_cents(amount) * rate).quantize(Decimal("0.01")))
                usd_so_far += usd
                year = start_year + year_offset
                rows["budget_lines"].append((
                    line_id, project_id, date(year, 1, 1), date(year, 12, 31), amount, currency,
                    None if rate is None else int(rate.scaleb(10)), None if rate is None else date(year, 1, 1),
                    usd, rng.choice(donors), "original", rng.choice(("indicative", "committed")), now, now))
                line_id += 1
            total_lines += n_lines
            total_usd += budget
            project_id += 1
        _insert_chunk(connection, rows)
        if progress is not None:
            progress(len(rows["projects"]))

    for table in ("projects", "budget_lines"):
        sync_sequence(connection, table)
    db.session.commit()
    rollups.rebuild()  # raw loads bypass the write path, so the rollups are recomputed once
    return DemoResult(n_projects, total_lines, from_cents(total_usd))


def _insert_chunk(connection, rows: dict) -> None:
    insert_rows(connection, "projects", [
        "id", "code", "title", "acronym", "description", "region_id", "status", "start_date", "end_date",
        "post_emergency", "source", "synthetic", "budget_usd", "version", "created_at", "updated_at"],
        rows["projects"])
    insert_rows(connection, "project_priorities", ["project_id", "priority_id", "share", "budget_usd"],
                rows["project_priorities"])
    insert_rows(connection, "project_countries", ["project_id", "country_code", "budget_usd"],
                rows["project_countries"])
    insert_rows(connection, "project_activity_types", ["project_id", "activity_type_id"],
                rows["project_activity_types"])
    insert_rows(connection, "project_rcps", ["project_id", "rcp_id"], rows["project_rcps"])
    insert_rows(connection, "budget_lines", [
        "id", "project_id", "period_start", "period_end", "amount", "currency", "fx_rate", "fx_value_date",
        "usd_amount", "donor", "type", "status", "created_at", "updated_at"], rows["budget_lines"])


def _next_demo_number() -> int:
    codes = db.session.scalars(select(Project.code).where(Project.code.like(f"{DEMO_CODE_PREFIX}%"))
                               .order_by(Project.code.desc()).limit(1)).all()
    return int(codes[0][len(DEMO_CODE_PREFIX):]) + 1 if codes else 1
