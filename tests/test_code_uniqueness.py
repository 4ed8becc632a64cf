"""#21.4: a project code is unique regardless of case, and a unique violation anywhere on the write path (a
single POST, a bulk create or upsert, COPY or INSERT) answers 409 naming the code, never a 500.

Codes are stored as written and matched exactly (GET /projects/hx-5045 does not find HX-5045, and its 404
names the stored spelling); HX-5045 and hx-5045 cannot both exist. Migration 0008 adds the case-insensitive
uniqueness and refuses to run, listing them, while two stored codes differ only in case."""
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask_migrate import downgrade, upgrade
from helpers import create_project, pointers, project_body
from live import LiveServer, request
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from portfolio import create_app, dialect
from portfolio.extensions import db
from portfolio.models import Project

PARALLEL = 12


@pytest.fixture(scope="module")
def server(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("parallel creates need several gunicorn workers on PostgreSQL (TEST_DATABASE_URL), as in .ci/run")
    server = LiveServer(url, workers=3)
    yield server
    server.stop()


def _parallel(server, token, path, bodies):
    auth = {"Authorization": f"Bearer {token}"}
    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(lambda body: request(server.port, "POST", path, body, auth), bodies))


@pytest.mark.parametrize("route", ["single", "bulk-create", "bulk-upsert"])
def test_parallel_creates_of_one_code_answer_409_naming_it(app, client, in_app, server, route):
    token = app.config["TEST_ADMIN_TOKEN"]
    for round_ in range(3):
        # Spellings that differ in case collide too.
        codes = [f"PAR-{round_}" if n % 2 else f"par-{round_}" for n in range(PARALLEL)]
        if route == "single":
            answers = _parallel(server, token, "/api/v1/projects", [project_body(c) for c in codes])
            created = 201
        else:
            mode = route.split("-")[1]
            answers = _parallel(server, token, f"/api/v1/projects/bulk?mode={mode}",
                                [{"items": [project_body(f"OTHER-{round_}-{n}"), project_body(c)]}
                                 for n, c in enumerate(codes)])
            created = 200
        statuses = [status for status, _, _ in answers]
        assert set(statuses) <= {created, 409}, [body for status, _, body in answers if status not in (created, 409)]
        if route == "single":
            winners = [body for status, _, body in answers if status == created]
            stored = winners[0]["code"]
        else:  # an upsert row with the stored spelling, after the winner committed, updates it (200, unchanged)
            winners = [body for status, _, body in answers if status == created
                       and body["items"][1]["action"] == "created"]
            stored = winners[0]["items"][1]["code"]
            assert all(body["items"][1]["code"] == stored for status, _, body in answers if status == created)
        assert len(winners) == 1, answers
        for status, headers, body in answers:
            if status == 409:
                assert headers["Content-Type"] == "application/problem+json"
                assert stored in body["detail"], body
                assert body["errors"][0]["pointer"] == ("/code" if route == "single" else "/items/1/code"), body
    codes = in_app(lambda: db.session.execute(text("SELECT code FROM projects")).scalars().all())
    assert len([c for c in codes if c.lower().startswith("par-")]) == 3, codes


def test_codes_are_unique_regardless_of_case_and_the_stored_spelling_is_kept(client):
    create_project(client, "HX-5045")
    response = client.post("/api/v1/projects", json=project_body("hx-5045"))
    assert response.status_code == 409
    assert pointers(response) == {"/code"}
    assert "'HX-5045'" in response.json["detail"]
    # Looked up exactly as stored: the 404 of another spelling names the stored one.
    assert client.get("/api/v1/projects/HX-5045").json["code"] == "HX-5045"
    missing = client.get("/api/v1/projects/hx-5045")
    assert missing.status_code == 404
    assert "'HX-5045'" in missing.json["detail"]
    for mode in ("create", "upsert"):
        response = client.post(f"/api/v1/projects/bulk?mode={mode}",
                               json={"items": [project_body("NEW-1"), project_body("Hx-5045")]})
        assert response.status_code == 409, response.json
        assert pointers(response) == {"/items/1/code"}
        assert "'HX-5045'" in response.json["errors"][0]["message"]
    response = client.post("/api/v1/projects/bulk", json={"items": [project_body("DUP-A"), project_body("dup-a")]})
    assert response.status_code == 422
    assert pointers(response) == {"/items/1/code"}
    assert client.get("/api/v1/projects").headers["X-Total-Count"] == "1"


def test_a_unique_violation_in_insert_rows_is_an_integrity_error_on_both_engines(app, client, in_app):
    """COPY (PostgreSQL) raised psycopg's own UniqueViolation, which nothing mapped: a 500. Now it is SQLAlchemy's
    IntegrityError on both engines, as an INSERT's is, and the API answers it with 409."""
    create_project(client, "COPY-1")

    def insert_twice():
        row = dict(db.session.execute(Project.__table__.select()).mappings().one())
        with pytest.raises(IntegrityError):
            dialect.insert_rows(Project.__table__, [{**row, "id": row["id"] + 1000, "code": "copy-1"}])
        db.session.rollback()
    in_app(insert_twice)


def _empty_database(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path / "codes.sqlite"), None
    name = "codes_" + uuid.uuid4().hex[:8]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    return url.rsplit("/", 1)[0] + "/" + name, (admin, name)


def test_migration_0008_lists_codes_that_differ_only_in_case_and_changes_nothing(tmp_path):
    url, cleanup = _empty_database(tmp_path)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    try:
        with app.app_context():
            upgrade(revision="0007")
            with db.engine.begin() as connection:
                connection.execute(text("INSERT INTO regions (id, code, name, position, source) "
                                        "VALUES (1, 'europe', 'Europe', 1, 's')"))
                for n, code in enumerate(("HX-5045", "hx-5045", "Hx-5045", "AB-1", "ab-1", "OK-1"), start=1):
                    connection.execute(text(
                        "INSERT INTO projects (id, code, title, region_id, status, post_emergency, source, synthetic, "
                        "actuals_known, search_text, version, created_at, updated_at) VALUES (:id, :code, 't', 1, "
                        "'closed', false, 'api', false, false, '', 1, '2004-01-01T00:00:00+00:00', "
                        "'2004-01-01T00:00:00+00:00')"), {"id": n, "code": code})
            # `flask db upgrade` prints the message and exits 1; alembic's own command raises it.
            from alembic import command
            from flask import current_app

            with pytest.raises(RuntimeError) as refused:
                command.upgrade(current_app.extensions["migrate"].migrate.get_config(), "head")
            message = str(refused.value)
            for code in ("HX-5045", "hx-5045", "Hx-5045", "AB-1", "ab-1"):
                assert code in message
            assert "OK-1" not in message
            db.session.remove()
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0007"
                assert connection.execute(text("SELECT COUNT(*) FROM projects")).scalar() == 6
            with db.engine.begin() as connection:
                connection.execute(text("DELETE FROM projects WHERE code IN ('hx-5045', 'Hx-5045', 'ab-1')"))
            upgrade()
            with pytest.raises(IntegrityError), db.engine.begin() as connection:
                connection.execute(text("UPDATE projects SET code = 'ok-1' WHERE code = 'AB-1'"))
            downgrade(revision="0007")
            with db.engine.begin() as connection:
                connection.execute(text("UPDATE projects SET code = 'ok-1' WHERE code = 'AB-1'"))
            db.session.remove()
            db.engine.dispose()
    finally:
        if cleanup:
            admin, name = cleanup
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
            admin.dispose()
