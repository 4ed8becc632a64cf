"""Recomputing derived data from the base tables: after a migration that changes how figures are derived,
or to repair. The write path stores them (services/storage.py rederive), derived as every write derives them."""
from sqlalchemy import select

from portfolio import dialect
from portfolio.extensions import db
from portfolio.models import Project
from portfolio.services import figures, state, storage
from portfolio.statistics import rollups
from portfolio.vocabulary import current

CHUNK = 2000


def rebuild_derived() -> int:
    """Every project's totals, current flags, search text and figures, then the rollups. Returns the count."""
    vocab = current()
    ids = list(db.session.scalars(select(Project.id).order_by(Project.id)))
    for start in range(0, len(ids), CHUNK):
        storage.rederive(state.load(ids=ids[start:start + CHUNK], lock=True), vocab)
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
