"""Fixtures: one database per run (SQLite file by default, or TEST_DATABASE_URL), built by the real
migrations and seeded with the reference data; project tables are emptied after every test."""
import os
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from portfolio import create_app
from portfolio.extensions import db

MUTABLE_TABLES = ["rollup_projects", "rollup_priorities", "rollup_organisations", "idempotency_keys", "audit_events",
                  "project_figures", "project_priority_figures", "project_country_figures",
                  "project_organisation_figures", "transactions", "budget_lines", "project_organisations",
                  "project_rcps", "project_activity_types", "project_countries", "project_priorities", "projects",
                  "exchange_rates"]


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


def reset_database(url: str) -> None:
    """Start from an empty database, so the migrations are what builds the schema."""
    if url.startswith("sqlite"):
        return
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except Exception as exc:  # an unreachable PostgreSQL is a failure, never a skip
        pytest.exit(f"TEST_DATABASE_URL is set but the database is unreachable: {exc}", returncode=3)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = database_url(tmp_path_factory)
    reset_database(url)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        from portfolio.auth import issue_token
        from portfolio.services.seed import seed_all

        seed_all()
        _, app.config["TEST_ADMIN_TOKEN"] = issue_token("test-admin", "admin")
        db.session.remove()
    wipe(app)  # reference data stays; each test starts with no project (the `annex` fixture adds them)
    yield app
    with app.app_context():
        db.engine.dispose()


def wipe(app) -> None:
    """Empty the project tables (reference data stays)."""
    with app.app_context():
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"TRUNCATE {', '.join(MUTABLE_TABLES)} RESTART IDENTITY"))
        else:
            for table in MUTABLE_TABLES:
                db.session.execute(text(f"DELETE FROM {table}"))
        db.session.execute(text("DELETE FROM organisations WHERE synthetic OR source = 'api'"))
        db.session.commit()
        db.session.remove()
    from portfolio.services import vocabulary

    vocabulary._cache.clear()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    yield
    if "app" in request.fixturenames:
        wipe(request.getfixturevalue("app"))


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
def annex(app):
    """The 15 annex projects from seeds/projects.yaml."""
    from portfolio.services.seed import seed_all

    with app.app_context():
        seed_all()
        db.session.remove()


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


SEED_DOCS = Path(__file__).resolve().parents[2] / "shared" / "seed-docs"
