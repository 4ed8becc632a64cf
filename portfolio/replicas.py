"""GET/HEAD requests read from PostgreSQL streaming replicas, with read-your-writes (docs/operations.md, "Scale-out").

No DATABASE_REPLICA_URLS, or an SQLite primary: nothing here does anything. Why it is built this way:
- A Session subclass overriding get_bind, so services keep using db.session. Flask-SQLAlchemy's own
  get_bind (bind keys) runs first and only its default engine is swapped.
- Writes never go to a replica: a flush or INSERT/UPDATE/DELETE pins the rest of the request to the
  primary (its uncommitted rows are only there). Tokens and idempotency keys are always read on the
  primary, so a new or revoked token never depends on replication lag.
- The replica is chosen at the request's first routable statement, not in before_request: the caller's
  token is only known after the blueprints' auth hooks, which run after the app's before_request.
- Last-write positions are recorded in after_request for every non-GET/HEAD request by a token, not
  where services commit, so any write path (session, engine connection, COPY) is covered. In Redis
  they are shared by every worker and host; in process memory they hold for one process only.
"""
import logging
import random
import threading
import time

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from flask_sqlalchemy.session import Session
from prometheus_client import Gauge

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD"})
PRIMARY_ONLY_TABLES = frozenset({"api_tokens", "idempotency_keys", "users", "user_sessions"})
ROUTE = "_db_route"  # in g: "pending" (GET/HEAD, not yet decided), "primary", or a Replica
STATE_TTL_SECONDS = 24 * 3600  # far longer than any lag a replica may have and still be used
# Byte positions as plain integers (pg_lsn - '0/0'). Lag is 0 while the replica streams from its primary
# and has replayed all it received (an idle primary is not "lag"); else it is the age of the last
# transaction replayed, so a replica cut off from its primary ages instead of looking current. (A WAL
# receiver process exists only while connected; its row is visible without pg_read_all_stats.)
PROBE = sa.text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() - '0/0'::pg_lsn, CASE WHEN EXISTS "
                "(SELECT FROM pg_stat_wal_receiver) AND pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() "
                "THEN 0 ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END")
# The insert position, not pg_current_wal_lsn(): it is past our commit record even with
# synchronous_commit=off, when the commit may not have been written out yet.
WRITE_POSITION = sa.text("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")
LAG = Gauge("tcm_replica_lag_seconds", "Replay lag of each read replica (NaN: unreachable)", ["replica"],
            multiprocess_mode="mostrecent")
UP = Gauge("tcm_replica_up", "1 if the read replica answered its last probe", ["replica"],
           multiprocess_mode="mostrecent")


class Replica:
    def __init__(self, url: str, engine_options: dict, connect_timeout: int):
        options = {**engine_options, "connect_args": {**engine_options.get("connect_args", {}),
                                                      "connect_timeout": connect_timeout}}
        self.engine = sa.create_engine(url, **options)
        self.name = f"{self.engine.url.host}:{self.engine.url.port or 5432}/{self.engine.url.database}"
        self.down_until = 0.0
        self.up = None  # unknown until the first probe

    def probe(self, retry_seconds: float) -> tuple[int, float] | None:
        """(replayed position, lag in seconds), or None when it cannot serve (then skipped a while)."""
        try:
            with self.engine.connect() as connection:
                in_recovery, replayed, lag = connection.execute(PROBE).one()
            if not in_recovery:  # promoted, or not a replica at all: not a copy of our primary
                raise RuntimeError("not in recovery")
        except Exception as exc:  # any failure means: read from the primary, retry later
            if self.up is not False:  # log the change, not every retry
                log.warning("read replica %s unusable, reads go elsewhere: %s", self.name, exc)
            self.down_until = time.monotonic() + retry_seconds
            self.up = False
            UP.labels(self.name).set(0)
            LAG.labels(self.name).set(float("nan"))
            return None
        lag = float("inf") if lag is None else float(lag)
        if self.up is False:
            log.warning("read replica %s answers again (lag %.1f s)", self.name, lag)
        self.up = True
        UP.labels(self.name).set(1)
        LAG.labels(self.name).set(lag)
        return int(replayed), lag


class MemoryPositions:
    """Last-write positions in this process: right for a single process only."""

    def __init__(self):
        self._lock = threading.Lock()
        self._positions: dict[int, tuple[int, float]] = {}

    def get(self, token_id: int) -> int | None:
        position, expires = self._positions.get(token_id, (None, 0.0))
        return position if expires > time.monotonic() else None

    def record(self, token_id: int, position: int) -> None:
        with self._lock:
            current = self.get(token_id) or 0
            self._positions[token_id] = (max(current, position), time.monotonic() + STATE_TTL_SECONDS)


class RedisPositions:
    """Last-write positions shared by every host. Keeps the maximum (a slower request recording an
    older position must not lower it); positions are zero-padded so Lua compares them as strings."""

    SCRIPT = ("local old = redis.call('GET', KEYS[1]) "
              "if (not old) or ARGV[1] > old then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) "
              "else redis.call('EXPIRE', KEYS[1], ARGV[2]) end")

    def __init__(self, url: str, namespace: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = f"tcm:last-write-lsn:{namespace}:"
        self.script = self.client.register_script(self.SCRIPT)

    def get(self, token_id: int) -> int | None:
        value = self.client.get(self.prefix + str(token_id))
        return None if value is None else int(value)

    def record(self, token_id: int, position: int) -> None:
        self.script(keys=[self.prefix + str(token_id)], args=[f"{position:020d}", STATE_TTL_SECONDS])


class Router:
    def __init__(self, config: dict, primary_url: sa.URL):
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        self.replicas = [Replica(url, options, config["REPLICA_CONNECT_TIMEOUT"])
                         for url in config["DATABASE_REPLICA_URLS"]]
        self.max_lag = config["REPLICA_MAX_LAG_SECONDS"]
        self.retry_seconds = config["REPLICA_RETRY_SECONDS"]
        self.header = config["DATABASE_ROUTING_HEADER"]
        state_url = config.get("REPLICA_STATE_URL") or ""
        if not state_url and config.get("RATELIMIT_STORAGE_URI", "").startswith(("redis://", "rediss://")):
            state_url = config["RATELIMIT_STORAGE_URI"]
        # Token ids are per database: the key names it, so several databases can share one Redis.
        self.positions = RedisPositions(state_url, primary_url.database) if state_url else MemoryPositions()
        if not state_url:
            log.warning("read replicas without REPLICA_STATE_URL: read-your-writes holds within this process only")

    def choose(self, token_id: int | None) -> Replica | None:
        needed = None
        if token_id is not None:
            try:
                needed = self.positions.get(token_id)
            except Exception:  # we cannot know what this caller wrote: only the primary is safe
                log.exception("read-your-writes state unavailable; reading from the primary")
                return None
        now = time.monotonic()
        candidates = [r for r in self.replicas if r.down_until <= now]
        random.shuffle(candidates)  # spread the reads
        for replica in candidates:
            status = replica.probe(self.retry_seconds)
            if status is not None and status[1] <= self.max_lag and (needed is None or status[0] >= needed):
                return replica
        return None

    def record(self, token_id: int, primary: sa.Engine) -> None:
        try:
            with primary.connect() as connection:
                self.positions.record(token_id, int(connection.execute(WRITE_POSITION).scalar_one()))
        except Exception:  # the write is committed; only this token's next reads may be stale
            log.exception("could not record the last-write position of token %s", token_id)

    def refresh_gauges(self) -> None:
        for replica in self.replicas:
            if replica.down_until <= time.monotonic():
                replica.probe(self.retry_seconds)


class RoutingSession(Session):
    """Flask-SQLAlchemy's session; in a routed request, its default engine becomes the replica."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is not None or not has_request_context() or g.get(ROUTE, "primary") == "primary":
            return engine
        if self._flushing or isinstance(clause, sa.UpdateBase):
            setattr(g, ROUTE, "primary")  # a write: from here on this request reads its own rows
            g._db_wrote = True
            return engine
        if engine is not self._db.engine or (mapper is not None and _table(mapper) in PRIMARY_ONLY_TABLES):
            return engine
        route = g.get(ROUTE)
        if route == "pending":
            if "token" not in g and request.headers.get("Authorization"):
                return engine  # the caller is not known yet: decide at a later statement
            route = current_app.extensions["replicas"].choose(caller_key()) or "primary"
            setattr(g, ROUTE, route)
        return route.engine if isinstance(route, Replica) else engine


def caller_key() -> int | str | None:
    """Whose last write a read must see: a token by its id (as before people signed in), a person's session
    by `user:<id>` (every session of that person shares it)."""
    caller = g.get("caller")
    if caller is None:
        return None
    return caller.id if caller.kind == "token" else caller.key


def _table(mapper) -> str | None:
    info = sa.inspect(mapper, raiseerr=False)
    table = getattr(getattr(info, "mapper", None), "local_table", None)
    return getattr(table, "name", None)


def init_app(app) -> None:
    primary_url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("DATABASE_REPLICA_URLS") or primary_url.get_backend_name() != "postgresql":
        return  # no replicas named, or SQLite: no routing at all
    router = app.extensions["replicas"] = Router(app.config, primary_url)

    @app.before_request
    def _route():
        setattr(g, ROUTE, "pending" if request.method in SAFE_METHODS else "primary")

    @app.after_request
    def _record(response):
        key = caller_key()
        if key is not None and (request.method not in SAFE_METHODS or g.get("_db_wrote")):
            router.record(key, app.extensions["sqlalchemy"].engine)
        if router.header:
            route = g.get(ROUTE, "primary")
            if route == "pending":  # no read yet (e.g. a streamed export reads later): decide now
                route = router.choose(key) or "primary"
                setattr(g, ROUTE, route)
            response.headers["X-Database"] = "replica" if isinstance(route, Replica) else "primary"
        return response


def refresh_gauges() -> None:
    """Probe the replicas so /metrics shows their current lag (called by the /metrics view)."""
    router = current_app.extensions.get("replicas")
    if router is not None:
        router.refresh_gauges()
