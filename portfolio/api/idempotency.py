"""Idempotency-Key on POST, with Stripe's semantics.

The key row is written on its own connection and committed before the work starts, so a second
request with the same key sees it at once: same body and finished -> the first response is replayed;
different body -> 422; still running -> 409. Keys are scoped to the token and kept at least
IDEMPOTENCY_TTL_HOURS (24). A key whose request died without a response (process killed) is taken
over after IDEMPOTENCY_LOCK_SECONDS.
"""
import hashlib
import json
from datetime import timedelta

from flask import Response, current_app, g, request
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from portfolio.errors import ProblemError
from portfolio.extensions import db
from portfolio.models import IdempotencyKey
from portfolio.models.base import utcnow

HEADER = "Idempotency-Key"
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag", "Content-Disposition")


def fingerprint() -> str:
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode() if raw else b""
    except ValueError:
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.query_string, body):
        digest.update(part + b"\0")
    return digest.hexdigest()


def begin(token_id: int) -> Response | None:
    """Claim the key for this request, or answer from what an earlier request with it did."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > 255:
        raise ProblemError(400, f"{HEADER} must be 1-255 characters.")
    fp = fingerprint()
    now = utcnow()
    ttl = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    lock = timedelta(seconds=current_app.config["IDEMPOTENCY_LOCK_SECONDS"])
    table = IdempotencyKey.__table__
    with db.engine.begin() as connection:
        connection.execute(delete(table).where(table.c.token_id == token_id, table.c.key == key,
                                               table.c.created_at < now - ttl))
    try:
        with db.engine.begin() as connection:
            row_id = connection.execute(insert(table).values(
                token_id=token_id, key=key, fingerprint=fp, created_at=now).returning(table.c.id)).scalar_one()
        g.idempotency_id = row_id
        return None
    except IntegrityError:
        pass
    with db.engine.begin() as connection:
        row = connection.execute(select(table).where(table.c.token_id == token_id, table.c.key == key)).one()
        if row.fingerprint != fp:
            raise ProblemError(422, f"This {HEADER} was already used with a different request.",
                               type_="idempotency-key-reused")
        if row.response_status is not None:
            response = Response(row.response_body, status=row.response_status)
            for name, value in (row.response_headers or {}).items():
                response.headers[name] = value
            response.headers["Idempotent-Replayed"] = "true"
            return response
        if row.created_at > now - lock:
            raise ProblemError(409, f"A request with this {HEADER} is still in progress; retry shortly.",
                               type_="idempotency-in-progress", headers={"Retry-After": "1"})
        # Abandoned (its process died): take it over, unless another retry just did.
        taken = connection.execute(update(table).where(table.c.id == row.id, table.c.created_at == row.created_at)
                                   .values(created_at=now)).rowcount
    if not taken:
        raise ProblemError(409, f"A request with this {HEADER} is still in progress; retry shortly.",
                           type_="idempotency-in-progress", headers={"Retry-After": "1"})
    g.idempotency_id = row.id
    return None


def finish(response: Response) -> Response:
    row_id = g.pop("idempotency_id", None)
    if row_id is None:
        return response
    table = IdempotencyKey.__table__
    with db.engine.begin() as connection:
        if response.status_code >= 500:
            # A failure the client may retry: forget the key rather than replay an error.
            connection.execute(delete(table).where(table.c.id == row_id))
        else:
            headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
            connection.execute(update(table).where(table.c.id == row_id).values(
                response_status=response.status_code, response_headers=headers,
                response_body=response.get_data()))
    return response


def purge() -> int:
    cutoff = utcnow() - timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    with db.engine.begin() as connection:
        return connection.execute(delete(IdempotencyKey.__table__).where(
            IdempotencyKey.__table__.c.created_at < cutoff)).rowcount


def enable(blueprint) -> None:
    """Honour Idempotency-Key on the blueprint's POSTs. Register after auth.protect(), so a refused
    request never claims a key."""
    from flask import g

    @blueprint.before_request
    def _begin():
        if request.method == "POST":
            return begin(g.token.id)
        return None

    blueprint.after_request(finish)
