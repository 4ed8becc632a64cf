"""Idempotent loading of the seed files in seeds/: a second run changes nothing.

Everything seeded comes from the source documents (shared/seed-docs); citations are stored whole and
judgements are kept beside the values they qualify, so the API can tell a quotation from a judgement.
"""
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pycountry
import yaml
from sqlalchemy import select

from portfolio import vocabulary
from portfolio.extensions import db
from portfolio.models import (
    ActivityType,
    Country,
    Organisation,
    PortfolioBaseline,
    Priority,
    Rcp,
    RcpMember,
    Region,
    RollupRcp,
)
from portfolio.services import maintenance, storage
from portfolio.services import state as states
from portfolio.statistics import rollups

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
SEED_ACTOR = "seed"
# (role, yaml group, counted in the stated total)
MEMBER_GROUPS = (("member", "members", True), ("interested", "interested", True), ("member", "outside_total", False),
                 ("observer", "observers", False))


def read(name: str, seeds_dir: Path = SEEDS_DIR) -> dict:
    with open(seeds_dir / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _upsert(model, key: dict, values: dict, report: Counter) -> object:
    row = db.session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        row = model(**key, **values)
        db.session.add(row)
        report["created"] += 1
    elif any(getattr(row, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(row, name, value)
        report["updated"] += 1
    else:
        report["unchanged"] += 1
    return row


def iso_countries(extra_historic: set[str]) -> list[dict]:
    """Every current ISO 3166-1 country, plus the former countries the seeds name (ISO 3166-3)."""
    rows = [
        {"code": c.alpha_2, "alpha_3": c.alpha_3, "name": getattr(c, "common_name", None) or c.name,
         "official_name": getattr(c, "official_name", None), "historic": False, "withdrawn": None}
        for c in pycountry.countries
    ]
    for code in sorted(extra_historic):
        c = pycountry.historic_countries.get(alpha_4=code)
        if c is None:
            raise ValueError(f"{code} is not an ISO 3166-3 code")
        rows.append({"code": c.alpha_4, "alpha_3": c.alpha_3, "name": c.name, "official_name": None,
                     "historic": True, "withdrawn": getattr(c, "withdrawal_date", None)})
    return rows


def _rcp_member_codes(rcps: list[dict]) -> set[str]:
    return {code for rcp in rcps for _, group, _ in MEMBER_GROUPS for _, code in rcp.get(group, [])}


def _countries(rcps, report):
    historic = {code for code in _rcp_member_codes(rcps) if len(code) == 4}
    report["countries"] = Counter()
    existing = {c.code: c for c in db.session.scalars(select(Country))}
    for row in iso_countries(historic):
        code = row.pop("code")
        current = existing.get(code)
        if current is None:
            db.session.add(Country(code=code, **row))
            report["countries"]["created"] += 1
        elif any(getattr(current, k) != v for k, v in row.items()):
            for k, v in row.items():
                setattr(current, k, v)
            report["countries"]["updated"] += 1
        else:
            report["countries"]["unchanged"] += 1


def _organisations(items: list[dict], report: Counter) -> None:
    for item in items:
        values = {"name": item["name"], "iati_identifier": item.get("iati_identifier"), "type": str(item["type"]),
                  "country_code": item.get("country"), "source": item["source"], "judgement": item.get("judgement")}
        row = db.session.scalars(select(Organisation).where(Organisation.code == item["code"])).one_or_none()
        if row is None:
            db.session.add(Organisation(code=item["code"], version=1, synthetic=False, **values))
            report["created"] += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.version += 1
            report["updated"] += 1
        else:
            report["unchanged"] += 1


def seed_all(seeds_dir: Path = SEEDS_DIR) -> dict[str, Counter]:
    reference = read("reference.yaml", seeds_dir)
    rcps = read("rcps.yaml", seeds_dir)["rcps"]
    projects = read("projects.yaml", seeds_dir)["projects"]
    report: dict[str, Counter] = {}
    _countries(rcps, report)

    positions = _priority_positions()
    for table, model in (("regions", Region), ("priorities", Priority), ("activity_types", ActivityType)):
        report[table] = Counter()
        for position, item in enumerate(reference[table], start=1):
            _upsert(model, {"code": item["code"]},
                    {"name": item["name"], "position": position, "source": item["source"]}, report[table])

    report["portfolio_baselines"] = Counter()
    for item in reference["baselines"]:
        _upsert(PortfolioBaseline, {"as_of": date.fromisoformat(str(item["as_of"]))},
                {"as_of_label": item["as_of_label"], "project_count": item["project_count"],
                 "budget_usd": Decimal(item["budget_usd"]), "budget_qualifier": item.get("budget_qualifier"),
                 "source": item["source"]}, report["portfolio_baselines"])
    db.session.flush()

    report["organisations"] = Counter()
    _organisations(read("organisations.yaml", seeds_dir)["organisations"], report["organisations"])
    report["rcps"] = Counter()
    report["rcp_members"] = Counter()
    members_changed = False
    for position, item in enumerate(rcps, start=1):
        values = {name: item.get(name) for name in (
            "name", "short_name", "kind", "region_grouping", "start_year", "stated_total", "stated_member_count",
            "stated_interested_count", "chair", "observers_partners", "secretariat", "main_areas",
            "current_priorities", "notes", "source")}
        values["position"] = position
        rcp = _upsert(Rcp, {"code": item["code"]}, values, report["rcps"])
        members_changed |= _sync_members(rcp, item, report["rcp_members"])
    db.session.flush()
    vocabulary.refresh()
    if members_changed:
        # The RCPs a project is linked to through its countries changed: their rollup cells are computed again,
        # in the same transaction (the derived figures themselves do not depend on memberships).
        rollups.rebuild((RollupRcp,))
    if positions and positions != _priority_positions():
        # The order of the priorities decides which of them takes a split's odd cents: every stored figure
        # and rollup is derived again, in the same transaction.
        report["derived figures"] = Counter(updated=maintenance.rebuild_derived())
    report["projects"] = _projects(projects)
    db.session.commit()
    vocabulary.refresh()
    return report


def _priority_positions() -> dict[str, int]:
    return dict(db.session.execute(select(Priority.code, Priority.position)).all())


def _projects(projects: list[dict]) -> Counter:
    report = Counter()
    vocab = vocabulary.current()
    existing = {s.code for s in states.load(codes=[p["code"] for p in projects], records=False).values()}
    pairs = []
    for item in projects:
        if item["code"] in existing:
            # Once seeded, a project belongs to its editors: the seed never overwrites their changes.
            report["unchanged"] += 1
            continue
        data = {
            "title": item["title"], "acronym": item.get("acronym"), "description": item.get("description"),
            "region": item["region"], "countries": item.get("countries", []),
            "priorities": [{"code": code, "share": None} for code in item.get("priorities", [])],
            "activity_types": item.get("activity_types", []), "rcps": item.get("rcps", []),
            "participating_organisations": [{**p, "share": None} for p in item.get("participating_organisations", [])],
            "status": item["status"], "post_emergency": item.get("post_emergency", False),
            "source": item["source"], "judgement": item.get("judgement"), "synthetic": False,
        }
        new = storage.new_state(item["code"])
        storage.apply(new, data, vocab)
        pairs.append((None, new))
        report["created"] += 1
    storage.save(pairs, SEED_ACTOR, vocab)
    return report


def _sync_members(rcp: Rcp, item: dict, report: Counter) -> bool:
    """Whether the RCP's members changed."""
    wanted = {}
    for role, group, counted in MEMBER_GROUPS:
        for name, code in item.get(group, []):
            wanted[code] = (role, name, counted)
    current = {m.country_code: (m.role, m.name_in_source, m.in_stated_total) for m in rcp.members}
    if current == wanted:
        report["unchanged"] += len(wanted)
        return False
    rcp.members = [RcpMember(country_code=code, role=role, name_in_source=name, in_stated_total=counted)
                   for code, (role, name, counted) in sorted(wanted.items())]
    report["created"] += len(set(wanted) - set(current))
    report["updated"] += len(set(wanted) & set(current))
    return True
