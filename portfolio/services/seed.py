"""Idempotent loading of the seed files in seeds/: a second run changes nothing."""
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pycountry
import yaml
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.models import (
    ActivityType,
    Country,
    PortfolioBaseline,
    Priority,
    Project,
    Rcp,
    RcpMember,
    Region,
)
from portfolio.services.projects import create_project
from portfolio.services.vocabulary import Vocabulary

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
SEED_ACTOR = "seed"


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
    codes = set()
    for rcp in rcps:
        for group in ("members", "interested", "outside_total"):
            codes.update(code for _, code in rcp.get(group, []))
    return codes


def seed_all(seeds_dir: Path = SEEDS_DIR) -> dict[str, Counter]:
    reference = read("reference.yaml", seeds_dir)
    rcps = read("rcps.yaml", seeds_dir)["rcps"]
    projects = read("projects.yaml", seeds_dir)["projects"]
    report: dict[str, Counter] = {}

    historic = {code for code in _rcp_member_codes(rcps) if len(code) == 4}
    report["countries"] = Counter()
    for row in iso_countries(historic):
        _upsert(Country, {"code": row.pop("code")}, row, report["countries"])

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

    report["rcps"] = Counter()
    report["rcp_members"] = Counter()
    for position, item in enumerate(rcps, start=1):
        values = {name: item.get(name) for name in (
            "name", "short_name", "kind", "region_grouping", "start_year", "stated_total", "stated_member_count",
            "stated_interested_count", "chair", "observers_partners", "secretariat", "main_areas",
            "current_priorities", "notes", "source")}
        values["position"] = position
        rcp = _upsert(Rcp, {"code": item["code"]}, values, report["rcps"])
        _sync_members(rcp, item, report["rcp_members"])
    db.session.flush()

    report["projects"] = Counter()
    vocab = Vocabulary.load()
    for item in projects:
        if db.session.scalar(select(Project.id).where(Project.code == item["code"])) is not None:
            # Once seeded, a project belongs to its editors: the seed never overwrites their changes.
            report["projects"]["unchanged"] += 1
            continue
        data = {
            "code": item["code"], "title": item["title"], "acronym": item.get("acronym"),
            "description": item.get("description"), "region": item["region"], "countries": item.get("countries", []),
            "priorities": [{"code": code, "share": None} for code in item.get("priorities", [])],
            "activity_types": item.get("activity_types", []), "rcps": item.get("rcps", []),
            "status": item["status"], "post_emergency": item.get("post_emergency", False),
            "source": item["source"][:200], "synthetic": False,
        }
        create_project(data, SEED_ACTOR, vocab, commit=False)
        report["projects"]["created"] += 1
    db.session.commit()
    return report


def _sync_members(rcp: Rcp, item: dict, report: Counter) -> None:
    wanted = {}
    for role, group, counted in (("member", "members", True), ("interested", "interested", True),
                                 ("member", "outside_total", False)):
        for name, code in item.get(group, []):
            wanted[code] = (role, name, counted)
    current = {m.country_code: (m.role, m.name_in_source, m.in_stated_total) for m in rcp.members}
    if current == wanted:
        report["unchanged"] += len(wanted)
        return
    rcp.members = [RcpMember(country_code=code, role=role, name_in_source=name, in_stated_total=counted)
                   for code, (role, name, counted) in sorted(wanted.items())]
    report["created"] += len(set(wanted) - set(current))
    report["updated"] += len(set(wanted) & set(current))
