"""Fixtures: one database per run (SQLite file by default, or TEST_DATABASE_URL), built by the real
migrations and seeded with the reference data once per session.

Right after that set-up (migrations, reference data, the test-admin token) every table's rows and every
sequence are snapshotted ("base"); a second snapshot ("annex") is taken after the 15 annex projects are
seeded. Before each test that uses the database, the database is put back to one of them: "annex" when
the test uses the `annex` fixture, else "base". Nothing here names a table: the tables, sequences and
foreign keys are read from the live database, so a new table or column needs nothing (see `Snapshots`).
"""
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from portfolio import create_app
from portfolio.extensions import db

# The browser tests' fixtures, shared by their two modules.
pytest_plugins = ["web_fixtures"]

# Hypothesis example counts. Hypothesis's own profiles keep every test's count as it is: `ci` (loaded by
# Hypothesis itself when CI is set: derandomized, no example database) and `default` elsewhere. `dev` runs a
# quarter of each for the inner loop: `pytest --hypothesis-profile=dev -m "not system"`. A test with a count
# of its own states it through helpers.example_count(n), so that the profile applies to it too.
settings.register_profile("dev", settings(settings.default, max_examples=25))

SEED_DOCS = Path(__file__).resolve().parents[2] / "shared" / "seed-docs"
# The traceability tests read the source documents next to the repository (../shared/seed-docs);
# a checkout without them skips those tests, and only those.
requires_seed_docs = pytest.mark.skipif(
    not SEED_DOCS.is_dir(), reason=f"source documents not found at {SEED_DOCS} (a checkout without "
                                   "../shared/seed-docs): the seeds' traceability to them is not checked")


def worker_database(url: str) -> str:
    """Under pytest-xdist each worker has a database of its own: TEST_DATABASE_URL's database name with the
    worker's id appended (test -> test_gw0), on the same server. Outside xdist, the URL as given."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker or not url.startswith("postgresql"):
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


LAYERS = ("unit", "api", "system")


def pytest_configure(config):
    # argon2-cffi's profile for test suites: each hash with the default profile costs 0.15 s of CPU, 35 s of the
    # suite's. Inherited by the live servers; tests/test_sessions.py checks the hashing with the default profile.
    os.environ.setdefault("PASSWORD_HASH_PROFILE", "CHEAPEST")
    # Everything that reads these (the app fixture, the migrations test, the replica tests, live servers) then
    # sees the worker's own database, on the primary and on its streaming replica alike (a replica carries
    # every database of its primary's cluster).
    for name in ("TEST_DATABASE_URL", "TEST_REPLICA_URL"):
        if os.environ.get(name):
            os.environ[name] = worker_database(os.environ[name])
    url = os.environ.get("TEST_DATABASE_URL", "")
    if os.environ.get("PYTEST_XDIST_WORKER") and url.startswith("postgresql"):
        try:  # before any test: the migrations test, for one, asks this server for databases without the app
            create_database(url)
        except Exception as exc:  # an unreachable PostgreSQL is a failure, never a skip
            pytest.exit(f"TEST_DATABASE_URL is set but the database is unreachable: {exc}", returncode=3)


def pytest_collection_modifyitems(config, items):
    """The pyramid's layers (pyproject.toml registers them): a module may name its layer (`system` tests do);
    otherwise a test that does not use the app is `unit`, and every other test is `api`."""
    for item in items:
        if not any(item.get_closest_marker(layer) for layer in LAYERS):
            item.add_marker("unit" if "app" not in getattr(item, "fixturenames", ()) else "api")
    # The system tests first: they are the longest modules (a browser, kill -9 and restarts), and under pytest-xdist
    # (`--dist loadfile --no-loadscope-reorder`, the Makefile) a worker takes the modules in this order; left to the
    # end, as xdist's own order (the modules with most tests first) left them, they ran alone for the last minute.
    items.sort(key=lambda item: item.get_closest_marker("system") is None)


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    # tmp_path_factory's base directory is per xdist worker: a file per worker.
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


def create_database(url: str) -> None:
    """Create the database `url` names if its server does not have it (a worker's own database)."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": parsed.database}).first() is None:
                quoted = connection.dialect.identifier_preparer.quote(parsed.database)
                connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
    finally:
        admin.dispose()


def reset_database(url: str) -> None:
    """Start from an empty database, so the migrations are what builds the schema."""
    if url.startswith("sqlite"):
        return
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            PostgresSnapshots.drop_schemas(connection)
    except Exception as exc:  # an unreachable PostgreSQL is a failure, never a skip
        pytest.exit(f"TEST_DATABASE_URL is set but the database is unreachable: {exc}", returncode=3)
    finally:
        engine.dispose()


def seed_reference_data() -> None:
    """`seed_all()` with an empty project list: every reference table, no project."""
    import tempfile

    from portfolio.services.seed import SEEDS_DIR, seed_all

    with tempfile.TemporaryDirectory() as seeds_dir:
        for path in SEEDS_DIR.iterdir():
            if path.is_file():
                shutil.copy(path, seeds_dir)
        (Path(seeds_dir) / "projects.yaml").write_text("projects: []\n", encoding="utf-8")
        seed_all(Path(seeds_dir))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = database_url(tmp_path_factory)
    reset_database(url)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    snapshots = Snapshots.for_url(url)
    app.extensions["test_snapshots"] = snapshots
    with app.app_context():
        upgrade()
        from portfolio.auth import issue_token
        from portfolio.services.seed import seed_all

        seed_reference_data()
        _, app.config["TEST_ADMIN_TOKEN"] = issue_token("test-admin", "admin", actor="tests")
        db.session.remove()
        snapshots.take("base")  # reference data and the token; no project
        seed_all()
        db.session.remove()
        snapshots.take("annex")  # and the 15 annex projects from seeds/projects.yaml
        db.engine.dispose()
    snapshots.restore("base")
    yield app
    with app.app_context():
        db.engine.dispose()
    snapshots.close()


def restore(app, name: str = "base") -> None:
    """Put the database back to the snapshot `name` ("base" or "annex"), and forget what this process cached of
    it (vocabularies, tokens: in production they follow the database within a second)."""
    from portfolio import auth, vocabulary

    snapshots = app.extensions["test_snapshots"]
    if isinstance(snapshots, SqliteSnapshots):
        # Pooled connections a test left behind (threads, a transaction it never ended) must not see the file
        # change under them: new connections after the copy.
        with app.app_context():
            db.engine.dispose()
    snapshots.restore(name)
    vocabulary._cache.clear()
    auth._cache.clear()


def wipe(app) -> None:
    """Back to the state after the session's set-up: reference data and the test-admin token, no project."""
    restore(app, "base")


@pytest.fixture(autouse=True)
def _database_state(request):
    """Every test that uses the app starts from a snapshot, whatever the previous test left behind.

    Runs before the test's other function-scoped fixtures, so data they write (tokens, projects) stays.
    Data written by a module- or session-scoped fixture does not survive to the next test."""
    if "app" not in request.fixturenames:
        yield None
        return
    name = "annex" if "annex" in request.fixturenames else "base"
    restore(request.getfixturevalue("app"), name)
    yield name


@pytest.fixture
def client(app):
    """A client acting as the admin token "test-admin"."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_ADMIN_TOKEN']}"
    return client


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def annex(app, _database_state):
    """The 15 annex projects from seeds/projects.yaml (restored from the "annex" snapshot, as seeded once
    per session by `seed_all()`)."""
    if _database_state != "annex":  # only when requested late, by request.getfixturevalue("annex")
        restore(app, "annex")


@pytest.fixture
def stored_state(app, _database_state):
    """For a costly fixture whose data does not vary: `stored_state("name", build)` runs build() the first
    time, snapshots the database and, for later tests, restores that snapshot instead of building again.
    Timestamps and ids are those of the first build."""

    def use(name: str, build) -> None:
        key = f"{_database_state}_{name}"
        snapshots = app.extensions["test_snapshots"]
        if key in snapshots:
            snapshots.restore(key)
        else:
            build()
            snapshots.take(key)

    return use


@pytest.fixture
def in_app(app):
    """Run a function inside a fresh app context (and session), as the server would."""

    def run(fn):
        with app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()

    return run


class Snapshots:
    """Named copies of the whole database's data, restored before each test."""

    @staticmethod
    def for_url(url: str) -> "Snapshots":
        if make_url(url).get_backend_name() == "sqlite":
            return SqliteSnapshots(url)
        if make_url(url).get_backend_name() == "postgresql":
            return PostgresSnapshots(url)
        raise NotImplementedError(f"no snapshot/restore for {url}")

    def __contains__(self, name: str) -> bool:
        raise NotImplementedError

    def take(self, name: str) -> None:
        raise NotImplementedError

    def restore(self, name: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class SqliteSnapshots(Snapshots):
    """The whole file is copied with SQLite's online backup API: schema, rows and sqlite_sequence alike.
    Other connections (the app's pool, servers) see the new content at their next statement."""

    def __init__(self, url: str):
        self.path = Path(make_url(url).database)
        self.files: dict[str, Path] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.files

    @staticmethod
    def _copy(source: Path, target: Path) -> None:
        source_connection, target_connection = sqlite3.connect(source), sqlite3.connect(target)
        try:
            source_connection.backup(target_connection)
        finally:
            target_connection.close()
            source_connection.close()

    def take(self, name: str) -> None:
        assert name not in self.files, f"snapshot {name} taken twice"
        safe_name = re.sub(r"[^A-Za-z0-9_-]", "_", name)
        self.files[name] = self.path.with_name(f"{self.path.stem}.snapshot-{safe_name}.sqlite")
        self._copy(self.path, self.files[name])

    def restore(self, name: str) -> None:
        self._copy(self.files[name], self.path)


class PostgresSnapshots(Snapshots):
    """Each snapshot is a schema holding a copy of every table of the current schema (a table equal in an
    earlier snapshot is shared, an empty one not copied), plus every sequence's state.

    restore() puts back only what changed. A table is unchanged while its fingerprint (row count, newest
    xmin) is what it was right after the last take or restore: any committed insert or update writes a
    newer xmin, any delete lowers the count. Changed tables, and every table referencing one by foreign
    key, are emptied (DELETE, referencing tables first) and refilled from the snapshot (referenced tables
    first); sequences are set back with setval. This assumes no transaction begun before a restore writes
    after it: the live servers of a test are stopped before the next test starts."""

    SCHEMA_PREFIX = "pytest_snapshot_"

    @classmethod
    def drop_schemas(cls, connection) -> None:
        schemas = connection.exec_driver_sql("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %(p)s)",
                                             {"p": cls.SCHEMA_PREFIX}).scalars().all()
        for schema in schemas:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')

    def __init__(self, url: str):
        self.engine = create_engine(url, poolclass=NullPool)
        self.connection = None
        self.snapshots: dict[str, dict] = {}
        self.current: dict[str, tuple] = {}  # table -> (schema holding its content or None if empty, fingerprint)

    def __contains__(self, name: str) -> bool:
        return name in self.snapshots

    def _connect(self):
        if self.connection is None:
            self.connection = self.engine.connect()
            self.connection.exec_driver_sql("SET lock_timeout = '60s'")
            self._read_schema()
            self.connection.commit()
        return self.connection

    def _read_schema(self) -> None:
        """Tables, sequences, foreign keys and user triggers of the current schema (after the migrations)."""
        run = self.connection.exec_driver_sql
        self.schema = run("SELECT current_schema()").scalar_one()
        quote = self.connection.dialect.identifier_preparer.quote
        self.quote = quote
        tables = run("""SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
                        AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname""").scalars().all()
        self.sequences = run("""SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
                                AND c.relkind = 'S' ORDER BY c.relname""").scalars().all()
        references = {table: set() for table in tables}
        for referencing, referenced in run(
                """SELECT r.relname, f.relname FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
                   JOIN pg_class f ON f.oid = c.confrelid
                   WHERE c.contype = 'f' AND r.relnamespace = current_schema()::regnamespace""").all():
            if referencing != referenced and referencing in references and referenced in references:
                references[referencing].add(referenced)
        self.references = references
        self.order, self.cyclic = self._topological(references)
        self.columns = {table: ", ".join(quote(column) for column in run(
            """SELECT a.attname FROM pg_attribute a WHERE a.attrelid = CAST(%(t)s AS regclass) AND a.attnum > 0
               AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum""",
            {"t": self._qualified(table)}).scalars()) for table in tables}
        self.triggered = set(run(
            """SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
               WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal""").scalars())
        fingerprints = [f"SELECT 't', {self._literal(table)}, count(*), max(xmin::text::bigint) "
                        f"FROM {self._qualified(table)}" for table in tables]
        fingerprints += [f"SELECT 's', {self._literal(sequence)}, last_value, is_called::int "
                         f"FROM {self._qualified(sequence)}" for sequence in self.sequences]
        self.fingerprint_sql = " UNION ALL ".join(fingerprints)

    @staticmethod
    def _topological(references: dict[str, set]) -> tuple[list[str], bool]:
        order, done, remaining = [], set(), dict(references)
        while remaining:
            ready = sorted(table for table, needs in remaining.items() if needs <= done)
            if not ready:  # a foreign-key cycle: no order works, see restore()
                return order + sorted(remaining), True
            order += ready
            done.update(ready)
            for table in ready:
                del remaining[table]
        return order, False

    @staticmethod
    def _literal(name: str) -> str:
        return "'" + name.replace("'", "''") + "'"

    def _qualified(self, name: str, schema: str | None = None) -> str:
        return f"{self.quote(schema or self.schema)}.{self.quote(name)}"

    def _fingerprints(self) -> tuple[dict, dict]:
        tables, sequences = {}, {}
        for kind, name, a, b in self.connection.exec_driver_sql(self.fingerprint_sql).all():
            (tables if kind == "t" else sequences)[name] = (a, b)
        return tables, sequences

    def take(self, name: str) -> None:
        assert name not in self.snapshots, f"snapshot {name} taken twice"
        connection = self._connect()
        schema = self.SCHEMA_PREFIX + re.sub(r"[^a-z0-9_]", "_", name.lower())
        with connection.begin():
            tables, sequences = self._fingerprints()
            connection.exec_driver_sql(f"CREATE SCHEMA {self.quote(schema)}")
            snapshot = {}
            for table, fingerprint in tables.items():
                count = fingerprint[0]
                known = self.current.get(table)
                if count == 0:
                    holder = None
                elif known is not None and known[1] == fingerprint:  # unchanged since an earlier snapshot
                    holder = known[0]
                else:
                    holder = schema
                    connection.exec_driver_sql(f"CREATE TABLE {self._qualified(table, schema)} AS "
                                               f"SELECT * FROM {self._qualified(table)}")
                snapshot[table] = holder
                self.current[table] = (holder, fingerprint)
        self.snapshots[name] = {"tables": snapshot, "sequences": sequences}

    def restore(self, name: str) -> None:
        connection = self._connect()
        target = self.snapshots[name]
        with connection.begin():
            tables, sequences = self._fingerprints()
            dirty = {table for table, holder in target["tables"].items()
                     if self.current.get(table) != (holder, tables[table])}
            grew = True
            while grew:  # a table referencing a table that is emptied must be refilled too
                referencing = {t for t, needs in self.references.items() if needs & dirty} - dirty
                dirty |= referencing
                grew = bool(referencing)
            statements = []
            if dirty and self.cyclic:  # no safe order: skip the foreign-key checks (needs a superuser)
                statements.append("SET LOCAL session_replication_role = replica")
            ordered = [table for table in self.order if table in dirty]
            statements += [f"ALTER TABLE {self._qualified(t)} DISABLE TRIGGER USER"
                           for t in ordered if t in self.triggered]
            statements += [f"DELETE FROM {self._qualified(t)}" for t in reversed(ordered)]
            statements += [f"INSERT INTO {self._qualified(t)} ({self.columns[t]}) OVERRIDING SYSTEM VALUE "
                           f"SELECT {self.columns[t]} FROM {self._qualified(t, target['tables'][t])}"
                           for t in ordered if target["tables"][t] is not None]
            statements += [f"ALTER TABLE {self._qualified(t)} ENABLE TRIGGER USER"
                           for t in ordered if t in self.triggered]
            statements += [f"SELECT setval({self._literal(self._qualified(s))}, {value}, {bool(called)})"
                           for s, (value, called) in target["sequences"].items() if sequences[s] != (value, called)]
            if statements:
                connection.exec_driver_sql(";\n".join(statements))
            if dirty:
                after, _ = self._fingerprints()
                for table in dirty:
                    self.current[table] = (target["tables"][table], after[table])
            if os.environ.get("TEST_VERIFY_RESTORE"):
                self.verify(name)
        self._vacuum_now_and_then(dirty)

    VACUUM_EVERY = 40  # restores

    def _vacuum_now_and_then(self, dirty: set) -> None:
        """Each restore deletes and re-inserts the tables a test changed. Where autovacuum is off (as on the
        CI cluster) the dead rows and stale statistics piled up until the rollup check of the hostile-input
        table took seconds per call on plans made for empty tables: vacuum and analyze what was restored,
        every VACUUM_EVERY restores."""
        self.restored = getattr(self, "restored", set()) | dirty
        self.restores = getattr(self, "restores", 0) + 1
        if self.restores % self.VACUUM_EVERY or not self.restored:
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE " + ", ".join(self._qualified(t) for t in sorted(self.restored)))
        self.restored = set()

    def verify(self, name: str) -> None:
        """Compare every table and sequence with the snapshot (TEST_VERIFY_RESTORE=1: slow, for doubts)."""
        target = self.snapshots[name]

        def digest(table, schema):
            return self.connection.exec_driver_sql(f"SELECT count(*), md5(string_agg(x::text, '|' ORDER BY x::text)) "
                                                   f"FROM {self._qualified(table, schema)} x").one()
        for table, holder in target["tables"].items():
            expected = (0, None) if holder is None else digest(table, holder)
            assert digest(table, None) == expected, f"{table} differs from the {name} snapshot after restore"
        assert self._fingerprints()[1] == target["sequences"], f"sequences differ from the {name} snapshot"

    def close(self) -> None:
        if self.connection is not None:
            with self.connection.begin():
                self.drop_schemas(self.connection)
            self.connection.close()
        self.engine.dispose()
