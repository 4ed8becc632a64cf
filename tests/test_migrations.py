"""Migrations build the schema from empty, match the models exactly, and downgrade to nothing."""
import os
import uuid
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from portfolio import create_app
from portfolio.extensions import db

pytestmark = pytest.mark.api  # no `app` fixture, but apps of its own on a database it creates


def include_object(obj, name, type_, reflected, compare_to):
    """The same filter migrations/env.py gives autogenerate (it cannot be imported: it runs on import)."""
    if type_ == "table":
        return not name.startswith("projects_fts")
    return not (type_ == "index" and name in ("ix_projects_lower_title_id", "ix_projects_search",
                                              "uq_projects_code_lower"))


@pytest.fixture
def empty_database_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path / "migrations.sqlite")
        return
    parsed = make_url(url)
    name = f"{parsed.database}_migrations_{uuid.uuid4().hex[:8]}"  # named after the test database: its owner's
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield parsed.set(database=name).render_as_string(hide_password=False)
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


def test_upgrade_from_0004_moves_donors_and_leaves_figures_stale_until_rebuilt(empty_database_url):
    """Deploying 0005 on data: free-text donors become organisations (nothing lost), the instance is not ready
    until `flask rollups rebuild` has recomputed and verified the figures, then the rollups match."""
    from portfolio.statistics.rollups import differences

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(revision="0004")
        from portfolio.services.seed import seed_all  # noqa: F401  (reference rows need the 0004 columns)

        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO regions (id, code, name, position, source) "
                                    "VALUES (1, 'europe', 'Europe', 1, 's')"))
            connection.execute(text("INSERT INTO priorities (id, code, name, position, source) "
                                    "VALUES (1, 'cooperation', 'Cooperation', 1, 's')"))
            connection.execute(text(
                "INSERT INTO projects (id, code, title, region_id, status, post_emergency, source, synthetic, "
                "budget_usd, version, created_at, updated_at) VALUES (1, 'OLD-1', 'Old', 1, 'closed', false, 'api', "
                "false, 30000, 2, '2004-01-01T00:00:00+00:00', '2004-01-01T00:00:00+00:00')"))
            connection.execute(text("INSERT INTO project_priorities (project_id, priority_id, share, budget_usd) "
                                    "VALUES (1, 1, 10000, 30000)"))
            for line_id, donor, cents in ((1, "Donor A", 10000), (2, "Donor B", 20000)):
                connection.execute(text(
                    "INSERT INTO budget_lines (id, project_id, period_start, period_end, amount, currency, "
                    "usd_amount, donor, type, status, created_at, updated_at) VALUES (:id, 1, :start, :end, :c, "
                    "'USD', :c, :donor, 'original', 'committed', '2004-01-01T00:00:00+00:00', "
                    "'2004-01-01T00:00:00+00:00')"),
                    {"id": line_id, "start": f"{2002 + line_id}-01-01", "end": f"{2002 + line_id}-12-31", "c": cents,
                     "donor": donor})
        upgrade()
        client = app.test_client()
        assert client.get("/readyz").status_code == 503  # stale figures: not ready
        result = app.test_cli_runner().invoke(args=["rollups", "rebuild", "--if-stale"])
        assert result.exit_code == 0, result.output
        assert client.get("/readyz").status_code == 200
        assert differences() == []
        donors = db.session.execute(text("SELECT o.name, b.amount FROM budget_lines b JOIN organisations o "
                                         "ON o.id = b.donor_organisation_id ORDER BY b.id")).all()
        assert [(name, int(amount)) for name, amount in donors] == [("Donor A", 100000), ("Donor B", 200000)]
        shares = db.session.execute(text("SELECT share FROM project_organisations WHERE role = 'funding' "
                                         "ORDER BY organisation_id")).scalars().all()
        assert shares == [3333, 6667]  # by each donor's share of the budget, largest remainder
        assert db.session.execute(text("SELECT budget_usd FROM projects")).scalar() == 30000
        assert db.session.execute(text("SELECT SUM(current_committed) FROM project_figures")).scalar() == 30000
        db.session.remove()
        db.engine.dispose()
