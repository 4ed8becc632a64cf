"""Read routing to a REAL PostgreSQL streaming replica (portfolio/replicas.py), no mocks.

Needs TEST_DATABASE_URL (the primary) and TEST_REPLICA_URL (the same database on a streaming replica
of that cluster): `.ci/replica` starts one on 127.0.0.1:5433 and `.ci/run` sets both. Without
TEST_REPLICA_URL these tests skip; with it, an unreachable replica is a failure. The test that stops
and restarts the replica also needs TEST_REPLICA_CLUSTER (e.g. "15/replica", for pg_ctlcluster).
"""
import os
import re
import subprocess
import time
import uuid
from contextlib import contextmanager
from typing import NamedTuple

import pytest
from helpers import project_body
from live import free_port
from sqlalchemy import create_engine, text

from portfolio import create_app
from portfolio.auth import issue_token, revoke_token
from portfolio.extensions import db

# A real streaming replica, which one test stops and starts again and another cuts off from its primary: under
# xdist these must run on one worker, one after the other, as `make test`'s --dist loadfile runs a module.
pytestmark = pytest.mark.system

REPLICA_URL = os.environ.get("TEST_REPLICA_URL", "")
CLUSTER = os.environ.get("TEST_REPLICA_CLUSTER", "")
needs_replica = pytest.mark.skipif(not REPLICA_URL, reason="TEST_REPLICA_URL is not set: no streaming replica "
                                   "to test against (.ci/replica starts one, .ci/run sets it)")


# --- the real primary and replica ---------------------------------------------------------------

@pytest.fixture(scope="module")
def servers(app):
    """(primary, replica) engines in autocommit, for positions and pausing replay."""
    primary_url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not primary_url.startswith("postgresql"):
        pytest.fail("TEST_REPLICA_URL is set but TEST_DATABASE_URL is not PostgreSQL")
    primary = create_engine(primary_url, isolation_level="AUTOCOMMIT")
    replica = create_engine(REPLICA_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with replica.connect() as connection:
            assert connection.execute(text("SELECT pg_is_in_recovery()")).scalar(), "TEST_REPLICA_URL is no replica"
    except Exception as exc:  # under CI a missing replica fails the run, it never skips
        pytest.fail(f"TEST_REPLICA_URL is set but the replica is unusable: {exc}")
    yield primary, replica
    primary.dispose()
    replica.dispose()


def wait_caught_up(servers, seconds: float = 30) -> None:
    primary, replica = servers
    with primary.connect() as connection:
        target = connection.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar()
    deadline = time.time() + seconds
    with replica.connect() as connection:
        while not connection.execute(text("SELECT pg_last_wal_replay_lsn() >= CAST(:t AS pg_lsn)"),
                                     {"t": target}).scalar():
            assert time.time() < deadline, "the replica did not catch up"
            time.sleep(0.05)


@contextmanager
def replay_paused(servers):
    _, replica = servers
    with replica.connect() as connection:
        connection.execute(text("SELECT pg_wal_replay_pause()"))
        while connection.execute(text("SELECT pg_get_wal_replay_pause_state()")).scalar() != "paused":
            time.sleep(0.05)
    try:
        yield
    finally:
        with replica.connect() as connection:
            connection.execute(text("SELECT pg_wal_replay_resume()"))
        wait_caught_up(servers)


@contextmanager
def cut_off_from_the_primary(servers):
    """The replica keeps serving but stops receiving WAL (no primary_conninfo: no WAL receiver)."""
    _, replica = servers
    with replica.connect() as connection:
        original = connection.execute(text("SHOW primary_conninfo")).scalar()
        connection.execute(text("ALTER SYSTEM SET primary_conninfo = ''"))
        connection.execute(text("SELECT pg_reload_conf()"))
        while connection.execute(text("SELECT EXISTS (SELECT FROM pg_stat_wal_receiver)")).scalar():
            time.sleep(0.05)
    try:
        yield
    finally:
        with replica.connect() as connection:
            quoted = original.replace("'", "''")
            connection.execute(text(f"ALTER SYSTEM SET primary_conninfo = '{quoted}'"))
            connection.execute(text("SELECT pg_reload_conf()"))
            deadline = time.monotonic() + 30
            while not connection.execute(text("SELECT EXISTS (SELECT FROM pg_stat_wal_receiver)")).scalar():
                assert time.monotonic() < deadline, "the replica did not reconnect to its primary"
                time.sleep(0.05)
        wait_caught_up(servers)


def back_on_the_replica(call, seconds: float = 30):
    """The answer of `call` once it is served by the replica again (or the last one after `seconds`): when replay
    resumes, the replica first replays what it missed, and on a busy primary its lag stays over the bound until
    it has."""
    deadline = time.monotonic() + seconds
    while True:
        response = call()
        if served_by(response) == "replica" or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def replica_lag(servers) -> float:
    with servers[1].connect() as connection:
        return connection.execute(text(
            "SELECT extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())")).scalar()


# --- apps and callers ---------------------------------------------------------------------------

@pytest.fixture
def make_app(app):
    """A second app on the same database, routing reads to the given replicas."""
    made = []

    def make(replicas=None, **overrides):
        routed = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                             "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
                             "DATABASE_REPLICA_URLS": [REPLICA_URL] if replicas is None else replicas,
                             "DATABASE_ROUTING_HEADER": True, "REPLICA_MAX_LAG_SECONDS": 3600,
                             "REPLICA_STATE_URL": "", **overrides})
        made.append(routed)
        return routed

    yield make
    for routed in made:
        with routed.app_context():
            db.engine.dispose()
            for replica in routed.extensions.get("replicas").replicas if "replicas" in routed.extensions else []:
                replica.engine.dispose()


class Token(NamedTuple):
    id: int
    secret: str
    name: str


@pytest.fixture
def token(app):
    """Issue a new token of the given role (on the primary, as `flask tokens create` does)."""

    def issue(role: str) -> Token:
        with app.app_context():
            row, secret = issue_token(f"replica-{role}-{uuid.uuid4().hex[:8]}", role, actor="tests")
            issued = Token(row.id, secret, row.name)
            db.session.remove()
        return issued

    return issue


def caller(routed_app, secret: str):
    client = routed_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def served_by(response) -> str:
    return response.headers["X-Database"]


# --- no replica needed --------------------------------------------------------------------------

def test_sqlite_never_routes(tmp_path):
    sqlite_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
                             "DATABASE_REPLICA_URLS": ["postgresql+psycopg://postgres@127.0.0.1:1/none"],
                             "DATABASE_ROUTING_HEADER": True})
    assert "replicas" not in sqlite_app.extensions
    assert "X-Database" not in sqlite_app.test_client().get("/healthz").headers


# --- against the replica ------------------------------------------------------------------------

@needs_replica
def test_reads_go_to_the_replica_when_it_has_caught_up(servers, make_app, token):
    routed = make_app()
    writer_secret = token("editor").secret
    reader_secret = token("finance").secret
    writer, reader = caller(routed, writer_secret), caller(routed, reader_secret)
    created = writer.post("/api/v1/projects", json=project_body("R-1"))
    assert created.status_code == 201 and served_by(created) == "primary"
    wait_caught_up(servers)
    for path in ("/api/v1/projects", "/api/v1/aggregates/region", "/api/v1/exports/budget-lines"):
        # Read to the end: a streamed export left half-read keeps its request's context (and, on
        # PostgreSQL, its COPY on the session's connection) until the test client's next request.
        with reader.get(path) as response:
            assert response.status_code == 200 and served_by(response) == "replica", path
            assert response.get_data(), path
    assert [p["code"] for p in reader.get("/api/v1/projects").json] == ["R-1"]
    assert served_by(reader.head("/api/v1/projects")) == "replica"
    # The writer too, once the replica has replayed its write.
    response = writer.get("/api/v1/projects/R-1")
    assert response.status_code == 200 and served_by(response) == "replica"


@needs_replica
def test_a_writer_sees_its_write_on_its_very_next_read(servers, make_app, token):
    routed = make_app()
    token_id, secret, _ = token("editor")
    writer = caller(routed, secret)
    wait_caught_up(servers)
    for n in range(15):
        assert writer.post("/api/v1/projects", json=project_body(f"W-{n}")).status_code == 201
        one = writer.get(f"/api/v1/projects/W-{n}")
        assert one.status_code == 200, (n, served_by(one))  # primary, or a replica that has replayed it
        listed = writer.get("/api/v1/projects?page_size=100")
        assert f"W-{n}" in {p["code"] for p in listed.json}, (n, served_by(listed))
    assert routed.extensions["replicas"].positions.get(token_id) is not None


@needs_replica
def test_with_replay_paused_the_writer_reads_the_primary_and_others_may_read_the_replica(servers, make_app, token):
    routed = make_app()
    writer_secret = token("editor").secret
    other_secret = token("viewer").secret
    writer, other = caller(routed, writer_secret), caller(routed, other_secret)
    assert writer.post("/api/v1/projects", json=project_body("BEFORE")).status_code == 201
    wait_caught_up(servers)
    with replay_paused(servers):
        created = writer.post("/api/v1/projects", json=project_body("PAUSED"))
        assert created.status_code == 201 and served_by(created) == "primary"
        mine = writer.get("/api/v1/projects/PAUSED")
        assert mine.status_code == 200 and served_by(mine) == "primary"
        listed = writer.get("/api/v1/projects")
        assert {p["code"] for p in listed.json} == {"BEFORE", "PAUSED"} and served_by(listed) == "primary"
        # Another caller has written nothing: within the lag bound it reads the (really stale) replica.
        stale = other.get("/api/v1/projects/PAUSED")
        assert served_by(stale) == "replica" and stale.status_code == 404
        assert served_by(other.get("/api/v1/projects/BEFORE")) == "replica"
        # With a tighter bound, once the replica's lag exceeds it, everyone reads the primary.
        strict = caller(make_app(REPLICA_MAX_LAG_SECONDS=0.5), other_secret)
        while replica_lag(servers) <= 0.6:
            time.sleep(0.1)
        fresh = strict.get("/api/v1/projects/PAUSED")
        assert fresh.status_code == 200 and served_by(fresh) == "primary"
    # Replay resumed and caught up: the writer's reads go back to the replica.
    back = back_on_the_replica(lambda: writer.get("/api/v1/projects/PAUSED"))
    assert back.status_code == 200 and served_by(back) == "replica"


@needs_replica
def test_a_replica_cut_off_from_its_primary_counts_as_lagging(servers, make_app, token):
    routed = make_app(REPLICA_MAX_LAG_SECONDS=1)
    writer, other = caller(routed, token("editor").secret), caller(routed, token("viewer").secret)
    assert writer.post("/api/v1/projects", json=project_body("CUT")).status_code == 201
    wait_caught_up(servers)
    assert served_by(other.get("/api/v1/projects/CUT")) == "replica"
    with cut_off_from_the_primary(servers):
        while replica_lag(servers) <= 1.2:
            time.sleep(0.1)
        # It has replayed all it received, but receives nothing: it is not "current".
        response = other.get("/api/v1/projects/CUT")
        assert response.status_code == 200 and served_by(response) == "primary"
    assert served_by(back_on_the_replica(lambda: other.get("/api/v1/projects/CUT"))) == "replica"


@needs_replica
def test_token_lookups_stay_on_the_primary(servers, make_app, token, app):
    routed = make_app()
    wait_caught_up(servers)
    with replay_paused(servers):
        viewer = token("viewer")  # only the primary has this token's row
        response = caller(routed, viewer.secret).get("/api/v1/regions")
        assert response.status_code == 200 and served_by(response) == "replica"
        with app.app_context():
            revoke_token(viewer.name, actor="tests")
            db.session.remove()
        assert caller(routed, viewer.secret).get("/api/v1/regions").status_code == 401  # revoked at once


@needs_replica
def test_writes_and_idempotency_keys_use_the_primary(servers, make_app, token):
    routed = make_app()
    secret = token("integrator").secret
    client = caller(routed, secret)
    headers = {"Idempotency-Key": f"replica-{uuid.uuid4().hex}"}
    with replay_paused(servers):
        first = client.post("/api/v1/projects", json=project_body("IDEM"), headers=headers)
        again = client.post("/api/v1/projects", json=project_body("IDEM"), headers=headers)
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert served_by(first) == served_by(again) == "primary"


@needs_replica
def test_a_dead_replica_is_skipped_and_reads_fall_back_to_the_primary(servers, make_app, token):
    dead = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    routed = make_app([dead], REPLICA_RETRY_SECONDS=60)
    secret = token("viewer").secret
    reader = caller(routed, secret)
    response = reader.get("/api/v1/regions")
    assert response.status_code == 200 and served_by(response) == "primary"
    assert reader.get("/readyz").status_code == 200  # readiness is the primary's
    replica = routed.extensions["replicas"].replicas[0]
    assert replica.up is False and replica.down_until > time.monotonic()
    started = time.perf_counter()
    assert served_by(reader.get("/api/v1/regions")) == "primary"
    assert time.perf_counter() - started < 1  # skipped while marked down, not tried again
    metrics = reader.get("/metrics").get_data(as_text=True)
    assert re.search(rf'tcm_replica_up{{replica="{re.escape(replica.name)}"}} 0\.0', metrics)
    # A dead replica beside a live one: the live one serves.
    both = caller(make_app([dead, REPLICA_URL]), secret)
    wait_caught_up(servers)
    for _ in range(4):
        response = both.get("/api/v1/regions")
        assert response.status_code == 200 and served_by(response) == "replica"


@needs_replica
@pytest.mark.skipif(not CLUSTER, reason="TEST_REPLICA_CLUSTER (e.g. 15/replica) is not set: cannot stop the replica")
def test_a_replica_that_stops_is_skipped_and_used_again_when_it_is_back(servers, make_app, token):
    version, name = CLUSTER.split("/")
    ctl = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name]
    routed = make_app(REPLICA_RETRY_SECONDS=1)
    writer_secret = token("editor").secret
    writer = caller(routed, writer_secret)
    wait_caught_up(servers)
    assert served_by(writer.get("/api/v1/projects")) == "replica"  # its pool now holds a connection
    try:
        subprocess.run(ctl + ["stop", "-m", "fast"], check=True)
        for code in ("DOWN-1", "DOWN-2"):
            assert writer.post("/api/v1/projects", json=project_body(code)).status_code == 201
            response = writer.get(f"/api/v1/projects/{code}")
            assert response.status_code == 200 and served_by(response) == "primary"
    finally:
        subprocess.run(ctl + ["start"], check=True)
    servers[1].dispose()
    deadline = time.time() + 60
    while True:
        try:
            wait_caught_up(servers)
            break
        except Exception:
            assert time.time() < deadline, "the replica did not come back"
            time.sleep(0.5)
    time.sleep(1.1)  # the retry window
    response = writer.get("/api/v1/projects/DOWN-2")
    assert response.status_code == 200 and served_by(response) == "replica"


@needs_replica
def test_replica_lag_is_exposed_in_metrics(servers, make_app):
    routed = make_app()
    wait_caught_up(servers)
    name = routed.extensions["replicas"].replicas[0].name
    metrics = routed.test_client().get("/metrics").get_data(as_text=True)
    assert re.search(rf'tcm_replica_up{{replica="{re.escape(name)}"}} 1\.0', metrics)
    lag = re.search(rf'tcm_replica_lag_seconds{{replica="{re.escape(name)}"}} (\S+)', metrics)
    assert lag and 0 <= float(lag.group(1)) < 60


@needs_replica
def test_the_header_is_off_by_default(servers, make_app, token):
    routed = make_app(DATABASE_ROUTING_HEADER=False)
    secret = token("viewer").secret
    response = caller(routed, secret).get("/api/v1/regions")
    assert response.status_code == 200 and "X-Database" not in response.headers


@needs_replica
def test_redis_state_gives_read_your_writes_across_hosts(servers, make_app, token):
    redis = pytest.importorskip("redis")
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {url}: {exc}")
    host_a, host_b = make_app(REPLICA_STATE_URL=url), make_app(REPLICA_STATE_URL=url)
    token_id, secret, _ = token("editor")
    positions = host_a.extensions["replicas"].positions
    try:
        wait_caught_up(servers)
        with replay_paused(servers):
            assert caller(host_a, secret).post("/api/v1/projects", json=project_body("AB")).status_code == 201
            response = caller(host_b, secret).get("/api/v1/projects/AB")  # the other host knows of the write
            assert response.status_code == 200 and served_by(response) == "primary"
            assert host_b.extensions["replicas"].positions.get(token_id) == positions.get(token_id) > 0
    finally:
        positions.client.delete(positions.prefix + str(token_id))
