"""Whether the derived data (figures and rollups) may be read: "stale" after a migration that changes how
figures are derived, until `flask rollups rebuild` (services/maintenance.py rebuild_derived) marks it fresh.
Aggregates refuse to answer from stale data (503)."""
import time

from portfolio.errors import Unavailable
from portfolio.extensions import db
from portfolio.models import DERIVED, MaintenanceFlag
from portfolio.models.base import utcnow

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
