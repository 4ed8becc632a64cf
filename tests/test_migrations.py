"""Migrations build the schema from empty, match the models exactly, and downgrade to nothing."""
import os
import uuid
import warnings


import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from portfolio import create_app



def include_object(obj, name, type_, reflected, compare_to):
    """The same filter migrations/env.py gives autogenerate (it cannot be imported: it runs on import)."""
    if type_ == "table":
        return not name.startswith("projects_fts")
    return not (type_ == "index" and name in ("ix_projects_lower_title_id", "ix_projects_search"))
from portfolio.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path / "migrations.sqlite")
        return
    name = "migrations_" + uuid.uuid4().hex[:8]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def test_migrations_upgrade_matches_models_and_downgrade_removes_everything(empty_database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection, warnings.catch_warnings():
            # Expression indexes (lower(title), the PostgreSQL text search) cannot be reflected; the FTS5
            # tables of SQLite have no model: both are made by migration 0005 itself.
            warnings.filterwarnings("ignore", message=".*expression-based index.*")
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "include_object": include_object})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
