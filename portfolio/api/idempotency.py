"""Idempotency-Key on POST, and on the conditional writes (PATCH, PUT, DELETE with If-Match), with Stripe's
semantics.

A key is claimed before the work starts and committed on its own, so a second request with the same key
sees it at once: same body and finished -> the first response is replayed; a different body -> 422; still
running -> 409 (retry in a second). Keys are scoped to the token and kept at least IDEMPOTENCY_TTL_HOURS (24).

Claiming cannot race. On PostgreSQL the claimant first takes a session-level advisory lock on (token, key),
on a connection it keeps until its request ends, and only then reads, inserts or takes over the key row: a
live owner's claim can never be taken over, whatever the timing (the row used to be committed before its
owner locked it, and a concurrent request in that gap ran the work again and stored its 422). A request
whose process died loses its connection, hence its lock: its key is taken over at once. SQLite has no such
locks: there the claim is a lease, taken over after IDEMPOTENCY_LOCK_SECONDS, and an owner whose lease was
taken over stores nothing and commits nothing (it answers 409).

Only final outcomes are stored (2xx, and 4xx that a retry cannot change); a retry after 409, 412,
429 or a 5xx runs again. The outcome is written in the same transaction as the work (api/unit_of_work.py),
so a crash cannot separate them: after a kill -9 either both are there or neither.

On a PATCH, PUT or DELETE the key is claimed before the view checks If-Match, so a retry of a change that
succeeded gets its first answer again instead of a 412 (its own first attempt moved the ETag) or a 404 (its
first attempt deleted the resource). If-Match is not part of the request's fingerprint: a client that re-read
the resource and retries the same change with the new ETag is still making the same request.
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
ENABLED: set[str] = set()  # blueprints whose writes honour the header (the OpenAPI document says so)
METHODS = ("POST", "PUT", "PATCH", "DELETE")  # every write of those blueprints: the updates take If-Match


def fingerprint() -> str:
    from portfolio.api.request_checks import json_body

    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json_body(), sort_keys=True, separators=(",", ":")).encode() if raw else b""
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


def lock_key(token_id: int, key: str) -> int:
    """The advisory lock of a (token, key): 64 bits of its hash (the key is up to 255 characters)."""
    digest = hashlib.sha256(f"{token_id}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _in_progress() -> ProblemError:
    return ProblemError(409, f"A request with this {HEADER} is still in progress; retry in a second.",
                        type_="idempotency-in-progress")


def _replay(row) -> Response:
    response = Response(row.response_body, status=row.response_status)
    for name, value in (row.response_headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def begin(token_id: int) -> Response | None:
    """Claim the key for this request, or answer from what an earlier request with it did."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise ProblemError(400, f"{HEADER} must be 1-255 visible ASCII characters (inner spaces allowed).")
    fp, now = fingerprint(), utcnow()
    ttl = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    lease = timedelta(seconds=current_app.config["IDEMPOTENCY_LOCK_SECONDS"])
    mine = TABLE.c.token_id == token_id, TABLE.c.key == key
    locked = None
    if _postgresql():
        locked = db.engine.connect()
        if not locked.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(token_id, key)}).scalar():
            locked.close()  # its owner is at work (or finishing): answer from the row, never run the work
            with db.engine.begin() as connection:
                row = connection.execute(select(TABLE).where(*mine)).one_or_none()
            return _answer_for(row, fp) or _raise(_in_progress())
        locked.commit()
        g.idempotency_lock = locked, lock_key(token_id, key)
    try:
        with locked.begin() if locked is not None else db.engine.begin() as transaction:
            connection = locked if locked is not None else transaction
            connection.execute(delete(TABLE).where(*mine, TABLE.c.created_at < now - ttl))
            row = connection.execute(select(TABLE).where(*mine)).one_or_none()
            answer = _answer_for(row, fp)
            if answer is None:
                if row is None:
                    row_id = connection.execute(insert(TABLE).values(
                        token_id=token_id, key=key, fingerprint=fp, created_at=now).returning(TABLE.c.id)).scalar_one()
                elif locked is not None or row.created_at <= now - lease:
                    # Abandoned: on PostgreSQL we hold its lock, so its owner is gone; on SQLite its lease ran out.
                    connection.execute(update(TABLE).where(TABLE.c.id == row.id).values(created_at=now))
                    row_id = row.id
                else:
                    raise _in_progress()
    except IntegrityError:  # SQLite: another request inserted the same key first
        release()
        raise _in_progress() from None
    except BaseException:
        release()
        raise
    if answer is not None:
        release()
        return answer
    g.idempotency_id, g.idempotency_claimed_at = row_id, now
    return None


def _answer_for(row, fp: str) -> Response | None:
    """What a key row already says: a replay, or 422 for another request; None while it has no outcome."""
    if row is None:
        return None
    if row.fingerprint != fp:
        raise ProblemError(422, f"This {HEADER} was already used with a different request.",
                           type_="idempotency-key-reused")
    return _replay(row) if row.response_status is not None else None


def _raise(error: Exception):
    raise error


def release() -> None:
    """Let the next request with this key in (PostgreSQL: the claim's lock and its connection). Called once the
    outcome is committed, or when the request ends however it ends."""
    held = g.pop("idempotency_lock", None)
    if held is None:
        return
    connection, lock = held
    try:
        connection.rollback()
        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock})
        connection.commit()
    finally:
        connection.close()


def claimed() -> int | None:
    return g.pop("idempotency_id", None)


def store(row_id: int, response: Response) -> bool:
    """Record a final outcome, in the session's transaction (the caller commits). False if the claim is no
    longer this request's (SQLite: its lease was taken over): then nothing may be committed."""
    headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
    claimed_at = g.pop("idempotency_claimed_at", None)
    condition = [TABLE.c.id == row_id, TABLE.c.response_status.is_(None)]
    if claimed_at is not None:
        condition.append(TABLE.c.created_at == claimed_at)
    return db.session.execute(update(TABLE).where(*condition).values(
        response_status=response.status_code, response_headers=headers,
        response_body=response.get_data())).rowcount == 1


def forget(row_id: int) -> None:
    """Drop a key whose outcome a retry could change, so the retry runs again."""
    with db.engine.begin() as connection:
        connection.execute(delete(TABLE).where(TABLE.c.id == row_id))


def purge() -> int:
    cutoff = utcnow() - timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    with db.engine.begin() as connection:
        return connection.execute(delete(TABLE).where(TABLE.c.created_at < cutoff)).rowcount


def enable(blueprint) -> None:
    """Honour Idempotency-Key on the blueprint's writes (POST, and PATCH, PUT, DELETE, which take If-Match).
    Register after api/auth.py protect(), so a refused request never claims a key."""
    ENABLED.add(blueprint.name)

    @blueprint.before_request
    def _begin():
        if request.method not in METHODS:
            return None
        if g.get("token") is None:  # a person's session (api/sessions.py): keys belong to tokens
            if request.headers.get(HEADER) is not None:
                raise ProblemError(400, f"{HEADER} is honoured for requests with a bearer token only; a request made "
                                        "with a session cookie cannot use it.")
            return None
        return begin(g.token.id)

