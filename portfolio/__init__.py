"""TCM Portfolio: the system of record for Technical Cooperation on Migration projects."""
import logging
from pathlib import Path

from flask import Flask
from flask_cors import CORS
from flask_limiter import Limiter
from sqlalchemy import event
from sqlalchemy.engine import Engine

EXPOSED_HEADERS = ["ETag", "Link", "Location", "X-Pagination", "X-Total-Count", "Retry-After", "X-Request-ID",
                   "Idempotent-Replayed", "Content-Disposition"]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # SQLite ignores foreign keys unless asked, per connection; WAL lets readers run beside a writer.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    from portfolio.api.json_provider import OrjsonProvider

    app.json = OrjsonProvider(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from portfolio import config

    app.config.update(config.load(app.instance_path))
    if overrides:
        app.config.update(overrides)
    # A pooled connection to a database server may have been dropped (a restart, a failover): checked before use.
    # A SQLite connection is an open file that cannot be; its check was 7% of a rollup-served answer's time.
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_pre_ping", not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"))
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        # No JIT compilation: an aggregate over the base tables at 100,000 projects has a plan cost past
        # jit_above_cost, and compiling it took longer than running it (bench/README.md). Replicas share the options.
        connect_args = options["connect_args"] = dict(options.get("connect_args") or {})
        connect_args["options"] = " ".join(filter(None, [connect_args.get("options"), "-c jit=off"]))

    from portfolio import (  # noqa: F401  (models: tables)
        api,
        cli,
        models,
        observability,
        replicas,
        web,
    )
    from portfolio.api import hardening, sessions
    from portfolio.extensions import db, migrate

    db.init_app(app)
    replicas.init_app(app)
    sessions.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    CORS(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}}, expose_headers=EXPOSED_HEADERS,
         max_age=600, always_send=False)
    # Before the limiter and the other hooks: Flask runs after-request hooks in the reverse order of registration,
    # so the response headers are settled last (Flask-Limiter adds Retry-After to every answer it counts).
    hardening.register(app)
    # One limiter per app: Flask-Limiter keeps the first app's default limits on a shared instance.
    limiter = Limiter(key_func=hardening.rate_limit_key, app=app)
    _warn_per_process_limits(app)
    observability.register(app)  # first: every later hook, and every refusal, has the request id
    api.init_app(app, limiter)
    web.init_app(app, limiter)
    cli.register(app)
    if app.config["FORWARDED_FOR"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    return app


def _warn_per_process_limits(app: Flask) -> None:
    workers = app.config.get("WORKERS", 1)
    if app.config.get("RATELIMIT_ENABLED") and app.config["RATELIMIT_STORAGE_URI"].startswith("memory") and workers > 1:
        logging.getLogger(__name__).warning(
            "Rate limits are counted per process (RATELIMIT_STORAGE_URI=memory://) while %d workers serve: each "
            "allows the full limit. Set RATELIMIT_STORAGE_URI=redis://... to share them.", workers)
