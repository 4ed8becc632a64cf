"""Turning validated input into a project's storage form, and writing changed projects.

This is the one place where a project is stored: single creates and edits, bulk upserts, budget
lines, transactions, seed and demo data all build `ProjectState`s and hand them to `save`, which
derives the money figures, writes only what changed (a no-op writes nothing: no version, no
history), keeps the rollups exact in the same transaction and records the audit trail.
"""
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from portfolio import dialect
from portfolio.errors import PreconditionFailed
from portfolio.models import ORGANISATION_ROLES, AuditEvent
from portfolio.models.base import utcnow
from portfolio.models.project import PROJECT_COLUMNS
from portfolio.money import allocate
from portfolio.services import figures
from portfolio.services.state import (
    DERIVED,
    LINKS,
    PROJECTS,
    RECORDS,
    SNAPSHOTS,
    ProjectState,
    normalise_links,
    snapshot,
)
from portfolio.statistics import contributions
from portfolio.vocabulary import Vocabulary

HUNDRED_PERCENT = 10000  # shares are stored in hundredths of a percent
AUDIT = AuditEvent.__table__


def equal_shares(count: int) -> list[int]:
    """Equal shares to 0.01 % summing to exactly 100 %, the first ones taking the remainder."""
    return allocate(HUNDRED_PERCENT, [1] * count)


def _shares(pairs: list[tuple[int, object]]) -> list[tuple[int, int]]:
    """(id, share in percent or None) in the caller's canonical order -> (id, basis points). No share
    given: an equal split, the remainder to the first."""
    if not pairs:
        return []
    if all(share is None for _, share in pairs):
        return [(key, bp) for (key, _), bp in zip(pairs, equal_shares(len(pairs)))]
    return [(key, int(share * 100)) for key, share in pairs]


def search_text(row: dict) -> str:
    """What word search reads: the words of the code, title, acronym and description, lower-cased, accents
    removed, separated by single spaces. Only the words are kept because PostgreSQL's parser reads
    "www.iom.int", "1.5" or "2004-2005" as one token (a host, a number, a negative number) where SQLite's
    reads words, so the same query found different projects; the query is split the same way
    (dialect.search_words)."""
    text = " ".join(str(row.get(name) or "") for name in ("code", "title", "acronym", "description"))
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(dialect.WORD.findall("".join(ch for ch in decomposed if not unicodedata.combining(ch))))


def new_state(code: str, now=None) -> ProjectState:
    now = now or utcnow()
    row = {column.name: None for column in PROJECTS.columns}
    row.update(code=code, status="pipeline", post_emergency=False, source="api", synthetic=False, version=0,
               actuals_known=False, created_at=now, updated_at=now)
    return ProjectState(row)


def apply(state: ProjectState, data: dict, vocab: Vocabulary) -> None:
    """Write validated input (codes, as the API takes it) onto a state. Only the keys present change
    anything; lists replace the stored list whole; None clears a nullable field."""
    row = state.row
    for name in PROJECT_COLUMNS:
        if name in data:
            row[name] = data[name]
    if "region" in data:
        row["region_id"] = vocab.regions[data["region"]].id
    if "countries" in data:
        state.links["countries"] = [(code,) for code in data["countries"]]
    if "activity_types" in data:
        state.links["activity_types"] = [(vocab.activity_types[c].id,) for c in data["activity_types"]]
    if "rcps" in data:
        state.links["rcps"] = [(vocab.rcps[c].id,) for c in data["rcps"]]
    if "priorities" in data:
        ordered = sorted(((vocab.priorities[p["code"]], p.get("share")) for p in data["priorities"]),
                         key=lambda pair: pair[0].position)
        state.links["priorities"] = _shares([(term.id, share) for term, share in ordered])
    if "participating_organisations" in data:
        # A participation that stays keeps what the seed cited for it (the API cannot send a citation).
        cited = {(role, org): (source, judgement) for role, org, _, source, judgement in state.links["organisations"]}
        links = []
        for role in ORGANISATION_ROLES:
            given = {vocab.organisations[p["organisation"]].id: p for p in data["participating_organisations"]
                     if p["role"] == role}
            members = sorted((org, p.get("share")) for org, p in given.items())
            for org, share in _shares(members):
                source, judgement = cited.get((role, org), (None, None))
                links.append((role, org, share, given[org].get("source", source),
                              given[org].get("judgement", judgement)))
        state.links["organisations"] = links
    normalise_links(state)


@dataclass
class Saved:
    action: str  # created, updated, unchanged, deleted
    state: ProjectState | None
    events: list[dict] = field(default_factory=list)


def _record_changes(before: ProjectState | None, after: ProjectState | None, vocab) -> list[tuple]:
    """(entity, id, before snapshot, after snapshot) of every budget line or transaction that changed."""
    out = []
    for name, (entity, snap) in SNAPSHOTS.items():
        old = getattr(before, name) if before else {}
        new = getattr(after, name) if after else {}
        for record_id in sorted(set(old) | set(new)):
            a = snap(old[record_id], vocab) if record_id in old else None
            b = snap(new[record_id], vocab) if record_id in new else None
            if a != b:
                out.append((entity, record_id, a, b))
    return out


def _event(actor, action, entity, entity_id, code, before, after, now) -> dict:
    return {"at": now, "actor": actor, "action": action, "entity": entity, "entity_id": str(entity_id),
            "project_code": code, "before": before, "after": after}


def save(pairs: list[tuple[ProjectState | None, ProjectState | None]], actor: str, vocab: Vocabulary,
         now=None, *, record_events: bool = True, move_rollups: bool = True) -> list[Saved]:
    """Store each (before, after) pair: before None creates, after None deletes. The befores must have
    been loaded with lock=True. Returns what happened to each, in order.

    Loads of generated data (`flask demo-data`) pass record_events=False (one create event per project, none
    per budget line or transaction) and move_rollups=False, then rebuild the rollups once at the end."""
    now = now or utcnow()
    fresh = [after for before, after in pairs if before is None and after.row["id"] is None]
    for state, id_ in zip(fresh, dialect.allocate_ids(PROJECTS, len(fresh))):
        state.row["id"] = id_
    results, derived, events = [], {}, []
    for before, after in pairs:
        if after is not None:
            derived[after.id] = _derive(after, vocab)
        old = snapshot(before, vocab) if before else None
        new = snapshot(after, vocab) if after else None
        records = _record_changes(before, after, vocab) if before is not None or record_events else []
        project_changed = old is None or new is None or {**old, "budget_usd": 0} != {**new, "budget_usd": 0}
        if not project_changed and not records and (after is None or after.row == before.row):
            results.append(Saved("unchanged", after))
            continue
        code = (after or before).code
        action = "created" if before is None else "deleted" if after is None else "updated"
        if project_changed:
            events.append(_event(actor, {"created": "create", "deleted": "delete"}.get(action, "update"), "project",
                                 code, code, old, new, now))
        if after is not None:
            for entity, record_id, a, b in records if record_events else ():
                kind = "create" if a is None else "delete" if b is None else "update"
                events.append(_event(actor, kind, entity, record_id, code, a, b, now))
            after.row["version"] = (before.row["version"] if before else 0) + 1
            after.row["updated_at"] = now
        results.append(Saved(action, after))
    changed = [(r, before) for r, (before, _) in zip(results, pairs) if r.action != "unchanged"]
    if not changed:
        return results
    # What the stored figures of each changed project are: derived again from its stored state, as they were.
    previous = {before.id: figures.derive(before, vocab) for _, before in changed if before is not None}
    _write([(before, r.state) for r, before in changed], derived, previous)
    if move_rollups:
        cells: dict = {}
        for result, before in changed:
            if before is not None:
                contributions.add_state(cells, before, previous[before.id], -1, vocab.rcp_roles)
            if result.state is not None:
                contributions.add_state(cells, result.state, derived[result.state.id], +1, vocab.rcp_roles)
        contributions.apply(cells)
    dialect.insert_rows(AUDIT, events)
    return results


def _derive(state: ProjectState, vocab: Vocabulary) -> figures.Derived:
    """Derive a project's figures and set what they decide in its state: the search text, the totals and
    each budget line's current flag."""
    state.row["search_text"] = search_text(state.row)
    d = figures.derive(state, vocab)
    state.row.update(d.totals)
    for line_id, flag in d.current.items():
        state.lines[line_id]["current"] = flag
    return d


def rederive(loaded: dict[int, ProjectState], vocab: Vocabulary) -> None:
    """Derive the given projects (loaded with lock=True) again and store what derivation decides, in place:
    totals, search text, current flags and every figure row. No version, no audit event, no rollup move:
    after a change of how figures are derived (services/maintenance.py), whose caller rebuilds the rollups."""
    for table in figures.FIGURE_TABLES:
        dialect.delete_where_in(table, "project_id", list(loaded))
    derived = {project.id: _derive(project, vocab) for project in loaded.values()}
    dialect.update_rows(PROJECTS, [{k: p.row[k] for k in ("id", *DERIVED)} for p in loaded.values()])
    dialect.update_rows(RECORDS["lines"], [{"id": i, "current": line["current"]} for p in loaded.values()
                                           for i, line in p.lines.items()])
    for table in figures.FIGURE_TABLES:
        dialect.insert_rows(table, [row for d in derived.values() for row in d.figures[table]])


def _write(changes: list[tuple], derived: dict, previous: dict) -> None:
    deleted = [before.id for before, after in changes if after is None]
    created = [after for before, after in changes if before is None]
    updated = [(before, after) for before, after in changes if before is not None and after is not None]
    dialect.delete_where_in(PROJECTS, "id", deleted)  # links, records and figures go by ON DELETE CASCADE
    dialect.insert_rows(PROJECTS, [after.row for after in created])
    shapes: dict = defaultdict(list)  # one UPDATE per set of changed columns, not one per project
    for before, after in updated:
        changed = {k: v for k, v in after.row.items() if before.row.get(k) != v}
        shapes[tuple(changed)].append((before, {"id": after.id, **changed}))
    for group in shapes.values():
        written = dialect.update_rows(PROJECTS, [row for _, row in group],
                                      expect={"version": [before.row["version"] for before, _ in group]})
        if written != len(group):  # cannot happen under the row lock; refuse rather than overwrite
            codes = ", ".join(repr(before.code) for before, _ in group)
            raise PreconditionFailed(f"Project(s) {codes} changed while being written; retry.")
    for name, (table, columns) in LINKS.items():
        redo = [after for before, after in updated if before.links[name] != after.links[name]]
        dialect.delete_where_in(table, "project_id", [after.id for after in redo])
        dialect.insert_rows(table, [{"project_id": state.id, **dict(zip(columns, values))}
                                    for state in created + redo for values in state.links[name]])
    for name, table in RECORDS.items():
        gone, fresh, changed_rows = [], [], []
        for before, after in [(None, state) for state in created] + updated:
            old, new = (getattr(before, name) if before else {}), getattr(after, name)
            gone += [i for i in old if i not in new]
            fresh += [new[i] for i in new if i not in old]
            changed_rows += [new[i] for i in new if i in old and old[i] != new[i]]
        dialect.delete_where_in(table, "id", gone)
        dialect.update_rows(table, changed_rows)
        dialect.insert_rows(table, fresh)
    for table in figures.FIGURE_TABLES:
        # Only the figures that differ are rewritten: an edit of a title or a status leaves them all in place.
        redo = [after for before, after in updated
                if previous[before.id].figures[table] != derived[after.id].figures[table]]
        dialect.delete_where_in(table, "project_id", [after.id for after in redo])
        dialect.insert_rows(table, [row for state in created + redo for row in derived[state.id].figures[table]])
