"""Bulk import of transactions (JSON or CSV): upsert by (project, reference), all or nothing, every error
of every row with its pointer; a row equal to the stored transaction writes nothing."""
from portfolio import dialect
from portfolio.errors import field_error
from portfolio.models.base import utcnow
from portfolio.services import records
from portfolio.services import state as states
from portfolio.services.state import RECORDS


def lock_projects(items) -> dict[str, states.ProjectState]:
    codes = sorted({item["project"] for item in items
                    if isinstance(item, dict) and isinstance(item.get("project"), str)})
    return {s.code: s for s in states.load(codes=codes, lock=True).values()} if codes else {}


def is_update(projects: dict):
    """Whether an item names a transaction that exists (then it carries only what it changes)."""
    def check(item) -> bool:
        code = item.get("project")
        state = projects.get(code) if isinstance(code, str) else None  # a list or object: the schema says why
        return state is not None and any(t["reference"] == item.get("reference") for t in state.transactions.values())
    return check


def upsert(loaded: list, errors: list[dict], projects: dict, actor: str) -> dict:
    now = utcnow()
    afters: dict[str, states.ProjectState] = {}
    plan, seen = [], {}
    fresh = [i for i, data in enumerate(loaded) if data is not None and data["project"] in projects and not any(
        t["reference"] == data["reference"] for t in projects[data["project"]].transactions.values())]
    new_ids = iter(dialect.allocate_ids(RECORDS["transactions"], len(fresh)))
    for index, data in enumerate(loaded):
        if data is None:
            continue
        prefix = f"/items/{index}"
        code = data.pop("project")
        if code not in projects:
            errors.append(field_error(f"{prefix}/project", f"No project with code {code!r}."))
            continue
        key = (code, data["reference"])
        if key in seen:
            errors.append(field_error(f"{prefix}/reference", f"Same project and reference as item {seen[key]}."))
            continue
        seen[key] = index
        after = afters.setdefault(code, projects[code].copy())
        existing = next((i for i, t in after.transactions.items() if t["reference"] == data["reference"]), None)
        if existing is None:
            record_id = next(new_ids)
            after.transactions[record_id] = records.new_record(after, records.TRANSACTIONS, record_id, now)
        else:
            record_id = existing
        problems = records.apply_row(after, records.TRANSACTIONS, record_id, existing is not None, data, prefix, now)
        if problems:
            errors.extend(problems)
            continue
        plan.append((index, code, record_id, {"reference": data["reference"]}))
    return records.save_import(records.TRANSACTIONS, plan, projects, afters, errors, actor, now)
