"""Bulk create/upsert of projects: everything is checked first and every error of every row reported
with its pointer; then all rows are written by the one write path, in one transaction, or none.

An upsert row for an existing project changes only the fields it carries; a row equal to the stored
project writes nothing (action "unchanged"). A row may carry `if_match` (the version it expects)."""
from portfolio import etags
from portfolio.errors import Conflict, Invalid, PreconditionFailed, field_error
from portfolio.services import projects, storage
from portfolio.services import state as states
from portfolio.vocabulary import current


def codes_of(items) -> list[str]:
    return [item["code"] for item in items if isinstance(item, dict) and isinstance(item.get("code"), str)]


def lock_existing(codes: list[str]) -> dict[str, states.ProjectState]:
    """The stored projects among these codes, locked until the write commits."""
    return {state.code: state for state in states.load(codes=sorted(set(codes)), lock=True).values()} if codes else {}


def _rows_in(errors: list[dict]) -> int:
    return len({e["pointer"].split("/")[2] for e in errors if e["pointer"].startswith("/items/")
                and e["pointer"].count("/") >= 2})


def _row_of(pointer: str) -> int:
    parts = pointer.split("/")
    return int(parts[2]) if len(parts) > 2 and parts[1] == "items" and parts[2].isdigit() else -1


def upsert(loaded: list, errors: list[dict], existing: dict, mode: str, actor: str) -> dict:
    vocab = current()
    stale, pairs, seen, taken = [], [], {}, []
    stored = projects.taken_codes([data["code"] for data in loaded if data is not None])
    for index, data in enumerate(loaded):
        if data is None:
            continue
        code, prefix = data["code"], f"/items/{index}"
        if code.lower() in seen:
            errors.append(field_error(f"{prefix}/code", f"Same code as item {seen[code.lower()]} (codes are unique "
                                                        "regardless of case)."))
            continue
        seen[code.lower()] = index
        if code not in existing and code.lower() in stored:  # another spelling of a stored code
            taken.append(field_error(f"{prefix}/code", projects.code_taken_message(stored[code.lower()])))
            continue
        before = existing.get(code)
        expected = data.pop("if_match", None)
        if expected is not None and (before is None or not etags.matches(expected, code, before.row["version"])):
            now = f"version {before.row['version']} (ETag {etags.quoted(code, before.row['version'])})" if before \
                else "no such project"
            stale.append(field_error(f"{prefix}/if_match", f"The project has changed: expected {expected!r}, "
                                                           f"found {now}. Read it again and retry."))
            continue
        if before is None:
            after = storage.new_state(code)
        elif mode == "create":
            taken.append(field_error(f"{prefix}/code", projects.code_taken_message(code) + " Use mode=upsert to "
                                                                                          "update it."))
            continue
        else:
            after = before.copy()
        storage.apply(after, data, vocab)
        errors.extend(projects.merged_errors(after, prefix))
        pairs.append((index, before, after))
    if errors:  # every row's errors together, taken codes among them
        errors += taken
        raise Invalid(errors + stale, f"{_rows_in(errors)} row(s) are invalid; nothing was written.")
    if taken:
        raise Conflict(f"{len(taken)} row(s) name a project code that already exists: "
                       + ", ".join(repr(stored[loaded[_row_of(e['pointer'])]['code'].lower()]) for e in taken)
                       + "; nothing was written.", type_="duplicate-code", errors=taken)
    if stale:
        raise PreconditionFailed(f"{len(stale)} row(s) expected another version; nothing was written.", errors=stale)
    saved = storage.save([(before, after) for _, before, after in pairs], actor, vocab)
    items = [{"index": index, "code": after.code, "action": result.action}
             for (index, _, after), result in zip(pairs, saved)]
    return {"mode": mode, **{action: sum(i["action"] == action for i in items)
                             for action in ("created", "updated", "unchanged")}, "items": items}
