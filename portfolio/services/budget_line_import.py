"""Bulk import of budget lines (JSON, CSV or XLSX): a row with `line_id` changes that line of the project, a
row without one adds a line; all or nothing, every error of every row with its pointer; a row equal to the
stored line writes nothing. The revision rules (originals may not overlap, a revised line replaces the
original of its period) are checked once every row is applied, so one file may revise a whole year."""
from portfolio import dialect
from portfolio.errors import field_error
from portfolio.models.base import utcnow
from portfolio.services import records
from portfolio.services import state as states
from portfolio.services.state import RECORDS


def _line_id(item) -> int | None:
    value = item.get("line_id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return int(value.strip())
    return None


def is_update(projects: dict):
    """Whether an item names a line of its project (then it carries only what it changes)."""
    def check(item) -> bool:
        # A row with a line_id means to change that line, whether or not it exists: loaded as a change, its
        # error is then "Project X has no budget line N", not "period_start, period_end, currency missing".
        return _line_id(item) is not None
    return check


def upsert(loaded: list, errors: list[dict], projects: dict[str, states.ProjectState], actor: str) -> dict:
    now = utcnow()
    afters: dict[str, states.ProjectState] = {}
    plan, seen, new_names = [], {}, {}
    fresh = [i for i, data in enumerate(loaded) if data is not None and data.get("line_id") is None
             and data["project"] in projects]
    new_ids = iter(dialect.allocate_ids(RECORDS["lines"], len(fresh)))
    for index, data in enumerate(loaded):
        if data is None:
            continue
        prefix = f"/items/{index}"
        code, line_id = data.pop("project"), data.pop("line_id", None)
        if code not in projects:
            errors.append(field_error(f"{prefix}/project", f"No project with code {code!r}."))
            continue
        after = afters.setdefault(code, projects[code].copy())
        if line_id is not None:
            if line_id not in projects[code].lines:
                errors.append(field_error(f"{prefix}/line_id", f"Project {code!r} has no budget line {line_id} "
                                                                "(leave line_id empty to add a line)."))
                continue
            if line_id in seen:
                errors.append(field_error(f"{prefix}/line_id", f"Same budget line as item {seen[line_id]}."))
                continue
            seen[line_id] = index
            record_id, existing = line_id, True
        else:
            record_id, existing = next(new_ids), False
            after.lines[record_id] = records.new_record(after, records.LINES, record_id, now)
            new_names[record_id] = f"line of item {index}"
        problems = records.apply_row(after, records.LINES, record_id, existing, data, prefix, now)
        if problems:
            errors.extend(problems)
            continue
        plan.append((index, code, record_id, {"line_id": record_id}))
    return records.save_import(records.LINES, plan, projects, afters, errors, actor, now, new_names)
