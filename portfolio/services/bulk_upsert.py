"""Bulk create/upsert of projects: everything is validated first, every bad field of every row is
reported with its JSON pointer, and the writes are set-based statements in one transaction."""
import json
from decimal import Decimal

from marshmallow import ValidationError
from sqlalchemy import delete, select

from portfolio.errors import ProblemError, field_error, flatten_messages
from portfolio.extensions import db
from portfolio.models import (
    Priority,
    Project,
    ProjectActivityType,
    ProjectCountry,
    ProjectPriority,
    ProjectRcp,
)
from portfolio.models.base import utcnow
from portfolio.money import allocate, to_cents
from portfolio.schemas.fast_load import load_project
from portfolio.schemas.projects import ProjectCreateSchema
from portfolio.services import rollups
from portfolio.services.allocation import with_shares
from portfolio.services.bulk import allocate_ids, insert_rows, update_rows
from portfolio.services.project_queries import id_filter
from portfolio.services.projects import resolve_links
from portfolio.services.vocabulary import Vocabulary

MAX_ITEMS = 5000
SCALARS = ("title", "acronym", "description", "status", "start_date", "end_date", "post_emergency")


def _invalid(errors: list[dict]) -> ProblemError:
    return ProblemError(422, f"{len({e['pointer'].split('/')[2] for e in errors if e['pointer'].count('/') >= 2})} "
                             f"row(s) are invalid; nothing was written.", type_="validation-error", errors=errors)


def validate_items(items) -> tuple[list[dict], Vocabulary, dict[str, tuple], list[dict]]:
    if not isinstance(items, list):
        raise ProblemError(422, "`items` must be a list of projects.", type_="validation-error",
                           errors=[field_error("/items", "Must be a list.")])
    if not items:
        raise ProblemError(422, "`items` is empty.", type_="validation-error",
                           errors=[field_error("/items", "Give at least one project.")])
    if len(items) > MAX_ITEMS:
        raise ProblemError(422, f"At most {MAX_ITEMS} projects per request.", type_="validation-error",
                           errors=[field_error("/items", f"At most {MAX_ITEMS} items; got {len(items)}.")])
    errors: list[dict] = []
    loaded = [load_project(item) for item in items]
    schema = ProjectCreateSchema()
    for index in [i for i, data in enumerate(loaded) if data is None]:
        try:  # not the plain case: the schema decides, and words every error
            loaded[index] = schema.load(items[index])
        except ValidationError as exc:
            errors.extend(flatten_messages({"items": {index: exc.messages}}, "json"))
    vocab = Vocabulary.load()
    seen: dict[str, int] = {}
    for index, data in enumerate(loaded):
        if data is None:
            continue
        _, link_errors = resolve_links(data, vocab, f"/items/{index}")
        errors.extend(link_errors)
        if data["code"] in seen:
            errors.append(field_error(f"/items/{index}/code", f"Same code as item {seen[data['code']]}."))
        seen.setdefault(data["code"], index)
    existing = _existing([d["code"] for d in loaded if d is not None])
    return loaded, vocab, existing, errors


def _existing(codes: list[str]) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    statement = select(Project.code, Project.id, Project.budget_usd, Project.version).where(
        id_filter(Project.code, codes))  # at most MAX_ITEMS codes, below SQLite's bound-parameter limit
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()  # no concurrent edit slips between read and write
    for code, id_, budget, version in db.session.execute(statement):
        found[code] = (id_, budget, version)
    return found


def bulk_upsert(items, mode: str, actor: str) -> dict:
    loaded, vocab, existing, errors = validate_items(items)
    if mode == "create":
        for index, data in enumerate(loaded):
            if data is not None and data["code"] in existing:
                errors.append(field_error(f"/items/{index}/code", "A project with this code already exists "
                                                                  "(use mode=upsert to update it)."))
    if errors:
        errors.sort(key=lambda e: [int(p) if p.isdigit() else p for p in e["pointer"].split("/")[1:3]])
        raise _invalid(errors)

    with rollups.tracked([existing[d["code"]][0] for d in loaded if d["code"] in existing]) as touched:
        results = _write(loaded, existing, vocab, actor, touched)
    db.session.commit()
    return {"mode": mode, "created": sum(r["action"] == "created" for r in results),
            "updated": sum(r["action"] == "updated" for r in results), "items": results}


def _write(loaded, existing, vocab, actor, touched) -> list[dict]:
    now = utcnow()
    before = _snapshots([existing[d["code"]][0] for d in loaded if d["code"] in existing], vocab)
    new_rows = [d for d in loaded if d["code"] not in existing]
    connection = db.session.connection()
    ids: dict[str, int] = {}
    if new_rows:
        new_ids = allocate_ids(connection, "projects", len(new_rows))
        ids.update({d["code"]: id_ for d, id_ in zip(new_rows, new_ids)})
        insert_rows(connection, "projects", PROJECT_COLUMNS, [
            (ids[d["code"]], d["code"], *_project_row(d, vocab), "api", False, None, 1, now, now) for d in new_rows])
    updates = [d for d in loaded if d["code"] in existing]
    if updates:
        for d in updates:
            ids[d["code"]] = existing[d["code"]][0]
        # A plain UPDATE, not the ORM's bulk update (which would apply the optimistic version check to
        # the new version): the rows are already locked by _existing() (PostgreSQL FOR UPDATE; SQLite
        # has a single writer), and the version is bumped here so open ETags go stale.
        columns = list(_project_values(updates[0], vocab)) + ["version", "updated_at"]
        update_rows(connection, Project.__table__, columns, [
            (existing[d["code"]][0], *_project_values(d, vocab).values(), existing[d["code"]][2] + 1, now)
            for d in updates])
        old_ids = [existing[d["code"]][0] for d in updates]
        for model in (ProjectPriority, ProjectCountry, ProjectActivityType, ProjectRcp):
            db.session.execute(delete(model).where(id_filter(model.project_id, old_ids)))
    _insert_links(loaded, ids, {code: existing[code][1] for code in existing}, vocab)
    _audit(loaded, ids, existing, before, actor, now, vocab)
    for project_id in ids.values():
        touched.add(project_id)
    return [{"index": i, "code": d["code"], "action": "updated" if d["code"] in existing else "created"}
            for i, d in enumerate(loaded)]


PROJECT_COLUMNS = ["id", "code", "title", "acronym", "description", "status", "start_date", "end_date",
                   "post_emergency", "region_id", "source", "synthetic", "budget_usd", "version", "created_at",
                   "updated_at"]


def _project_row(data: dict, vocab: Vocabulary) -> tuple:
    values = _project_values(data, vocab)
    return tuple(values[name] for name in PROJECT_COLUMNS[2:10])


def _project_values(data: dict, vocab: Vocabulary) -> dict:
    values = {name: data.get(name) for name in SCALARS}
    values["region_id"] = vocab.regions[data["region"]].id
    values["status"] = data.get("status") or "pipeline"
    values["post_emergency"] = bool(data.get("post_emergency"))
    return values


def _shares(data: dict, vocab: Vocabulary) -> list[tuple[Priority, Decimal]]:
    return with_shares([(vocab.priorities[p["code"]], p.get("share")) for p in data["priorities"]])


def _insert_links(loaded, ids, budgets, vocab) -> None:
    """Link rows in storage form (shares in hundredths of a percent, budgets in cents)."""
    priorities, countries, activities, rcps = [], [], [], []
    for data in loaded:
        project_id = ids[data["code"]]
        budget = budgets.get(data["code"])
        cents = None if budget is None else to_cents(budget)
        ordered = sorted(_shares(data, vocab), key=lambda pair: pair[0].position)
        weights = [to_cents(s) for _, s in ordered]
        amounts = allocate(cents, weights) if cents is not None else [None] * len(ordered)
        priorities += [(project_id, p.id, w, a) for (p, _), w, a in zip(ordered, weights, amounts)]
        codes = sorted(data.get("countries") or [])
        amounts = allocate(cents, [1] * len(codes)) if cents is not None and codes else [None] * len(codes)
        countries += [(project_id, c, a) for c, a in zip(codes, amounts)]
        activities += [(project_id, vocab.activity_types[c].id) for c in data.get("activity_types") or []]
        rcps += [(project_id, vocab.rcps[c].id) for c in data.get("rcps") or []]
    connection = db.session.connection()
    insert_rows(connection, "project_priorities", ["project_id", "priority_id", "share", "budget_usd"], priorities)
    insert_rows(connection, "project_countries", ["project_id", "country_code", "budget_usd"], countries)
    insert_rows(connection, "project_activity_types", ["project_id", "activity_type_id"], activities)
    insert_rows(connection, "project_rcps", ["project_id", "rcp_id"], rcps)


def _snapshot_from_data(data: dict, vocab: Vocabulary, budget) -> dict:
    return {
        "code": data["code"], "title": data["title"], "acronym": data.get("acronym"),
        "description": data.get("description"), "region": data["region"], "status": data.get("status"),
        "start_date": _s(data.get("start_date")), "end_date": _s(data.get("end_date")),
        "post_emergency": bool(data.get("post_emergency")), "synthetic": False, "source": "api",
        "countries": sorted(data.get("countries") or []),
        "priorities": [{"code": p.code, "share": _s(s)} for p, s in
                       sorted(_shares(data, vocab), key=lambda pair: pair[0].position)],
        "activity_types": sorted(data.get("activity_types") or []), "rcps": sorted(data.get("rcps") or []),
        "budget_usd": _s(budget),
    }


def _s(value):
    return None if value is None else str(value)


def _snapshots(project_ids: list[int], vocab: Vocabulary) -> dict[int, dict]:
    """The audit 'before' state of existing projects, read with a few set-based queries."""
    out: dict[int, dict] = {}
    regions = {r.id: r.code for r in vocab.regions.values()}
    priorities = {p.id: p for p in vocab.priorities.values()}
    activities = {a.id: a.code for a in vocab.activity_types.values()}
    rcps = {r.id: r.code for r in vocab.rcps.values()}
    if not project_ids:  # at most MAX_ITEMS ids: one statement per table on either engine
        return out
    for p in db.session.execute(select(Project.__table__).where(id_filter(Project.id, project_ids))).mappings():
        out[p["id"]] = {
            "code": p["code"], "title": p["title"], "acronym": p["acronym"], "description": p["description"],
            "region": regions[p["region_id"]], "status": p["status"], "start_date": _s(p["start_date"]),
            "end_date": _s(p["end_date"]), "post_emergency": bool(p["post_emergency"]),
            "synthetic": bool(p["synthetic"]), "source": p["source"], "countries": [], "priorities": [],
            "activity_types": [], "rcps": [],
            "budget_usd": _s(p["budget_usd"])}
    for pid, cc in db.session.execute(select(ProjectCountry.project_id, ProjectCountry.country_code)
                                      .where(id_filter(ProjectCountry.project_id, project_ids))):
        out[pid]["countries"].append(cc)
    for pid, prid, share in db.session.execute(select(ProjectPriority.project_id, ProjectPriority.priority_id,
                                                      ProjectPriority.share)
                                               .where(id_filter(ProjectPriority.project_id, project_ids))):
        out[pid]["priorities"].append((priorities[prid].position, {"code": priorities[prid].code,
                                                                   "share": _s(share)}))
    for pid, aid in db.session.execute(select(ProjectActivityType.project_id, ProjectActivityType.activity_type_id)
                                       .where(id_filter(ProjectActivityType.project_id, project_ids))):
        out[pid]["activity_types"].append(activities[aid])
    for pid, rid in db.session.execute(select(ProjectRcp.project_id, ProjectRcp.rcp_id)
                                       .where(id_filter(ProjectRcp.project_id, project_ids))):
        out[pid]["rcps"].append(rcps[rid])
    for snap in out.values():
        snap["countries"].sort()
        snap["priorities"] = [item for _, item in sorted(snap["priorities"], key=lambda x: x[0])]
        snap["activity_types"].sort()
        snap["rcps"].sort()
    return out


def _audit(loaded, ids, existing, before, actor, now, vocab) -> None:
    rows = []
    for data in loaded:
        code = data["code"]
        project_id = ids[code]
        budget = existing[code][1] if code in existing else None
        rows.append((now, actor, "update" if code in existing else "create", "project", code, code,
                     json.dumps(before.get(project_id)) if code in existing else None,
                     json.dumps(_snapshot_from_data(data, vocab, budget))))
    insert_rows(db.session.connection(), "audit_events",
                ["at", "actor", "action", "entity", "entity_id", "project_code", "before", "after"], rows)
