"""Codes and names of the reference vocabularies and organisations, cached per worker.

Every request needs them (validation, derived RCP links, labels); they change rarely (a seed, an
organisation edit). A worker keeps them for at most `TTL` seconds, reloads at once after its own
writes, and reloads before calling a code unknown, so a code created a moment ago by another worker
is never refused.
"""
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import select

from portfolio.extensions import db
from portfolio.models import ActivityType, Country, Organisation, Priority, Rcp, RcpMember, Region

TTL = 1.0


@dataclass(frozen=True)
class Term:
    id: int
    code: str
    name: str
    position: int
    source: str | None = None


@dataclass
class Vocabulary:
    regions: dict[str, Term] = field(default_factory=dict)
    priorities: dict[str, Term] = field(default_factory=dict)
    activity_types: dict[str, Term] = field(default_factory=dict)
    rcps: dict[str, Term] = field(default_factory=dict)  # name: the short name ("Puebla Process")
    countries: dict[str, str] = field(default_factory=dict)  # code -> name
    organisations: dict[str, Term] = field(default_factory=dict)  # position: the id (registration order)
    # country code -> [(rcp id, role)], in the RCPs' order
    rcp_roles: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    by_id: dict[str, dict[int, Term]] = field(default_factory=dict)
    loaded_at: float = 0.0

    KINDS = ("regions", "priorities", "activity_types", "rcps", "organisations")

    @classmethod
    def load(cls) -> "Vocabulary":
        def terms(model, label="name", order=None):
            order = order if order is not None else model.position
            return {row.code: Term(row.id, row.code, getattr(row, label), getattr(row, "position", row.id),
                                   row.source) for row in db.session.scalars(select(model).order_by(order, model.id))}

        vocab = cls(regions=terms(Region), priorities=terms(Priority), activity_types=terms(ActivityType),
                    rcps=terms(Rcp, "short_name"), organisations=terms(Organisation, order=Organisation.id),
                    countries=dict(db.session.execute(select(Country.code, Country.name)).all()))
        positions = {term.id: term.position for term in vocab.rcps.values()}
        for country, rcp_id, role in db.session.execute(select(RcpMember.country_code, RcpMember.rcp_id,
                                                               RcpMember.role)):
            vocab.rcp_roles.setdefault(country, []).append((rcp_id, role))
        for roles in vocab.rcp_roles.values():
            roles.sort(key=lambda pair: positions[pair[0]])
        vocab.by_id = {kind: {term.id: term for term in getattr(vocab, kind).values()} for kind in cls.KINDS}
        vocab.loaded_at = time.monotonic()
        return vocab

    def term(self, kind: str, id_: int) -> Term:
        """The term with this id; one created a moment ago by another worker is found by reloading once."""
        found = self.by_id[kind].get(id_)
        if found is None:
            refresh()
            found = current().by_id[kind][id_]
        return found

    def knows(self, kind: str, code: str) -> bool:
        table = self.countries if kind == "countries" else getattr(self, kind)
        return code in table


_cache: dict[str, Vocabulary] = {}
_lock = threading.Lock()


def _key() -> str:
    return str(db.engine.url)


def current() -> Vocabulary:
    """The worker's vocabulary, at most TTL seconds old."""
    key = _key()
    vocab = _cache.get(key)
    if vocab is None or time.monotonic() - vocab.loaded_at > TTL:
        with _lock:
            vocab = _cache[key] = Vocabulary.load()
    return vocab


def knows(kind: str, code: str, *, reload: bool = True) -> bool:
    """Whether `code` exists, reloading once before saying no (`reload`; a caller checking many codes reloads
    for its first unknown code only: a body of 5,000 unknown codes must not reload the vocabulary 5,000 times)."""
    if current().knows(kind, code):
        return True
    if not reload:
        return False
    refresh()
    return current().knows(kind, code)


def refresh() -> None:
    """Forget the cached vocabulary (after a write that changed it, or to look for a new code)."""
    _cache.pop(_key(), None)
