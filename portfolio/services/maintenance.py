"""Recomputing derived data from the base tables: after a migration that changes how figures are derived,
or to repair. The same write path derives them as every write does."""
import time

from sqlalchemy import select

from portfolio import dialect
from portfolio.errors import Unavailable
from portfolio.extensions import db
from portfolio.models import DERIVED, MaintenanceFlag, Project
from portfolio.models.base import utcnow
from portfolio.services import figures, state, storage
from portfolio.services.vocabulary import current
from portfolio.statistics import rollups

CHUNK = 2000


def rebuild_derived() -> int:
    """Every project's totals, current flags, search text and figures, then the rollups. Returns the count."""
    vocab = current()
    ids = list(db.session.scalars(select(Project.id).order_by(Project.id)))
    for start in range(0, len(ids), CHUNK):
        loaded = state.load(ids=ids[start:start + CHUNK], lock=True)
        for table in figures.FIGURE_TABLES:
            dialect.delete_where_in(table, "project_id", list(loaded))
        derived = {}
        for project in loaded.values():
            project.row["search_text"] = storage.search_text(project.row)
            d = figures.derive(project, vocab)
            project.row.update(d.totals)
            for line_id, flag in d.current.items():
                project.lines[line_id]["current"] = flag
            derived[project.id] = d
        dialect.update_rows(state.PROJECTS, [{k: p.row[k] for k in ("id", *state.DERIVED)} for p in loaded.values()])
        dialect.update_rows(state.RECORDS["lines"], [{"id": i, "current": line["current"]} for p in loaded.values()
                                                     for i, line in p.lines.items()])
        for table in figures.FIGURE_TABLES:
            dialect.insert_rows(table, [row for d in derived.values() for row in d.figures[table]])
    rollups.rebuild()
    return len(ids)


def figure_differences() -> list[tuple]:
    """Stored figure rows that a fresh derivation of the stored projects does not give, and the reverse
    (always empty, or a bug: a write rewrites a project's figures only where its derivation changed)."""
    vocab, out = current(), []
    ids = list(db.session.scalars(select(Project.id).order_by(Project.id)))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        derived = [figures.derive(p, vocab).figures for p in state.load(ids=chunk).values()]
        for table in figures.FIGURE_TABLES:
            stored = {tuple(sorted(row.items())) for row in db.session.execute(
                select(table).where(dialect.id_filter(table.c.project_id, chunk))).mappings()}
            fresh = {tuple(sorted(row.items())) for d in derived for row in d[table]}
            out += [(table.name, "stored, not derived", dict(row)) for row in sorted(stored - fresh)]
            out += [(table.name, "derived, not stored", dict(row)) for row in sorted(fresh - stored)]
    return out


_known: dict[str, tuple[float, str]] = {}
CACHE_SECONDS = 2.0


def derived_state() -> str:
    """"fresh", or "stale" after a migration changed how figures are derived (until `flask rollups rebuild`).
    A worker re-reads it at most every CACHE_SECONDS: it changes once per upgrade."""


    key = str(db.engine.url)
    cached = _known.get(key)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    flag = db.session.get(MaintenanceFlag, DERIVED)
    state = flag.value if flag is not None else "fresh"
    _known[key] = (time.monotonic(), state)
    return state


def require_fresh() -> None:
    if derived_state() != "fresh":
        raise Unavailable("The figures are being rebuilt after an upgrade (`flask rollups rebuild`); retry later.")


def mark_fresh() -> None:
    flag = db.session.get(MaintenanceFlag, DERIVED) or MaintenanceFlag(name=DERIVED)
    flag.value, flag.updated_at = "fresh", utcnow()
    db.session.add(flag)
    _known.clear()
