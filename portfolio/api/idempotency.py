"""Idempotency-Key on POST, with Stripe's semantics.

The key is claimed on its own connection and committed before the work starts, so a second request with
the same key sees it at once: same body and finished -> the first response is replayed; a different
body -> 422; still running -> 409 (Retry-After). Keys are scoped to the token and kept at least
IDEMPOTENCY_TTL_HOURS (24).

Only final outcomes are stored (2xx, and 4xx that a retry cannot change); a retry after 409, 412,
429 or a 5xx runs again. The outcome is written in the same transaction as the work (api/unit_of_work.py),
so a crash cannot separate them: after a kill -9 either both are there or neither. A key whose request
died is taken over at once on PostgreSQL (the owner's transaction-level advisory lock is gone), else after
IDEMPOTENCY_LOCK_SECONDS.
"""
import hashlib
import json
import re
from datetime import timedelta

from flask import Response, current_app, g, request
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from portfolio.api.problems import ProblemError
from portfolio.extensions import db
from portfolio.models import IdempotencyKey
from portfolio.models.base import utcnow

HEADER = "Idempotency-Key"
# Visible ASCII, inner spaces allowed: HTTP strips a header's edge whitespace and non-ASCII header bytes
# are read differently by each client library, so neither could be replayed reliably. The contract
# publishes the same pattern (api/contract.py) so a generated client cannot build a key we refuse.
KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"
_KEY = re.compile(KEY_PATTERN)
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag", "Content-Disposition")
NOT_FINAL = {408, 409, 412, 423, 425, 428, 429}
TABLE = IdempotencyKey.__table__
ENABLED: set[str] = set()  # blueprints whose POSTs honour the header (the OpenAPI document says so)


def fingerprint() -> str:
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode() if raw else b""
    except (ValueError, RecursionError):
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.query_string, body):
        digest.update(part + b"\0")
    return digest.hexdigest()


def final(status: int) -> bool:
    return 200 <= status < 300 or (400 <= status < 500 and status not in NOT_FINAL and status != 404)


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _owner_gone(connection, row_id: int) -> bool:
    """PostgreSQL: the request holding this key still holds its advisory lock unless it ended."""
    return bool(connection.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": row_id}).scalar())


def _in_progress() -> ProblemError:
    return ProblemError(409, f"A request with this {HEADER} is still in progress; retry in a second.",
                        type_="idempotency-in-progress")


def begin(token_id: int) -> Response | None:
    """Claim the key for this request, or answer from what an earlier request with it did."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise ProblemError(400, f"{HEADER} must be 1-255 visible ASCII characters (inner spaces allowed).")
    fp, now = fingerprint(), utcnow()
    ttl = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    lock = timedelta(seconds=current_app.config["IDEMPOTENCY_LOCK_SECONDS"])
    with db.engine.begin() as connection:
        connection.execute(delete(TABLE).where(TABLE.c.token_id == token_id, TABLE.c.key == key,
                                               TABLE.c.created_at < now - ttl))
    try:
        with db.engine.begin() as connection:
            row_id = connection.execute(insert(TABLE).values(token_id=token_id, key=key, fingerprint=fp,
                                                             created_at=now).returning(TABLE.c.id)).scalar_one()
        return _own(row_id)
    except IntegrityError:
        pass
    with db.engine.begin() as connection:
        row = connection.execute(select(TABLE).where(TABLE.c.token_id == token_id, TABLE.c.key == key)).one()
        if row.fingerprint != fp:
            raise ProblemError(422, f"This {HEADER} was already used with a different request.",
                               type_="idempotency-key-reused")
        if row.response_status is not None:
            response = Response(row.response_body, status=row.response_status)
            for name, value in (row.response_headers or {}).items():
                response.headers[name] = value
            response.headers["Idempotent-Replayed"] = "true"
            return response
        abandoned = _owner_gone(connection, row.id) if _postgresql() else row.created_at <= now - lock
        if not abandoned:
            raise _in_progress()
        # Abandoned (its process died): take it over, unless another retry just did.
        taken = connection.execute(update(TABLE).where(TABLE.c.id == row.id, TABLE.c.created_at == row.created_at)
                                   .values(created_at=now)).rowcount
    if not taken:
        raise _in_progress()
    return _own(row.id)


def _own(row_id: int) -> None:
    g.idempotency_id = row_id
    if _postgresql():
        # Held by this request's own transaction: released when it commits or dies, never before.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": row_id})
    return None


def claimed() -> int | None:
    return g.pop("idempotency_id", None)


def store(row_id: int, response: Response) -> None:
    """Record a final outcome, in the session's transaction (the caller commits)."""
    headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
    db.session.execute(update(TABLE).where(TABLE.c.id == row_id).values(
        response_status=response.status_code, response_headers=headers, response_body=response.get_data()))


def forget(row_id: int) -> None:
    """Drop a key whose outcome a retry could change, so the retry runs again."""
    with db.engine.begin() as connection:
        connection.execute(delete(TABLE).where(TABLE.c.id == row_id))


def purge() -> int:
    cutoff = utcnow() - timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    with db.engine.begin() as connection:
        return connection.execute(delete(TABLE).where(TABLE.c.created_at < cutoff)).rowcount


def enable(blueprint) -> None:
    """Honour Idempotency-Key on the blueprint's POSTs. Register after auth.protect(), so a refused
    request never claims a key."""
    ENABLED.add(blueprint.name)

    @blueprint.before_request
    def _begin():
        if request.method == "POST":
            return begin(g.token.id)
        return None

