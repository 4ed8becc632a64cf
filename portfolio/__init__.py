"""TCM Portfolio: the system of record for Technical Cooperation on Migration projects."""
from pathlib import Path

from flask import Flask
from flask_limiter import Limiter
from sqlalchemy import event
from sqlalchemy.engine import Engine


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
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from portfolio import config

    app.config.update(config.load(app.instance_path))
    if overrides:
        app.config.update(overrides)

    from portfolio import cli, errors, hardening, models, observability, replicas  # noqa: F401  (models register tables)
    from portfolio.api import register_blueprints
    from portfolio.extensions import api, cors, db, migrate

    db.init_app(app)
    replicas.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    api.init_app(app)
    cors.init_app(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
                  expose_headers=["ETag", "Link", "X-Total-Count", "X-Pagination", "Location"], always_send=False)
    # One limiter per app: Flask-Limiter keeps the first app's default limits on a shared instance.
    limiter = Limiter(key_func=hardening.rate_limit_key, app=app)
    register_blueprints(api, app, limiter)
    observability.register(app)
    hardening.register(app)
    errors.register(app)
    cli.register(app)
    return app
