"""Request ids, JSON logs, metrics, and the fixes Schemathesis led to."""
import json
import logging

import pytest
from helpers import create_project, project_body
from sqlalchemy import text

from portfolio.observability import JsonFormatter, RequestIdFilter


def test_request_id_is_returned_and_a_sane_incoming_one_is_kept(client):
    generated = client.get("/api/v1/regions").headers["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/api/v1/regions", headers={"X-Request-ID": "trace-42"}).headers["X-Request-ID"] == "trace-42"
    unsafe = client.get("/api/v1/regions", headers={"X-Request-ID": "bad id <script>"})
    assert unsafe.headers["X-Request-ID"] != "bad id <script>" and len(unsafe.headers["X-Request-ID"]) == 32


def test_access_log_is_one_json_object_with_the_request_id(app, client, caplog):
    handler = logging.StreamHandler()
    formatter, request_filter = JsonFormatter(), RequestIdFilter()
    with caplog.at_level(logging.INFO, logger="portfolio.access"):
        response = client.get("/api/v1/regions", headers={"X-Request-ID": "log-check"})
    records = [r for r in caplog.records if r.name == "portfolio.access"]
    assert records
    request_filter.filter(records[-1])
    entry = json.loads(formatter.format(records[-1]))
    assert entry["request_id"] == "log-check" == response.headers["X-Request-ID"]
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/api/v1/regions", 200)
    assert handler  # the same formatter and filter are installed by configure_logging()


def test_metrics_count_requests_by_endpoint_and_status(client):
    client.get("/api/v1/regions")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'tcm_http_requests_total{endpoint="/api/v1/regions",method="GET",status="200"}' in text
    assert "tcm_http_request_duration_seconds_bucket" in text


def test_bulk_path_is_not_a_project_code(client):
    allow = client.options("/api/v1/projects/bulk").headers["Allow"]
    assert set(allow.split(", ")) == {"POST", "OPTIONS"}
    assert client.get("/api/v1/projects/bulk").status_code == 405
    response = client.post("/api/v1/projects", json=project_body("bulk"))
    assert response.status_code == 422 and response.json["errors"][0]["pointer"] == "/code"
    create_project(client, "bulky")
    assert client.get("/api/v1/projects/bulky").status_code == 200


def test_pagination_headers_are_documented_as_text(client):
    spec = client.get("/api/v1/openapi.json").json
    headers = spec["paths"]["/api/v1/projects"]["get"]["responses"]["200"]["headers"]
    assert headers["X-Pagination"]["schema"] == {"type": "string"}
    assert headers["X-Total-Count"]["schema"] == {"type": "integer"}


def test_metrics_content_type_names_its_charset_once(client):
    content_type = client.get("/metrics").headers["Content-Type"]
    assert content_type.count("charset") == 1, content_type
    assert content_type.startswith("text/plain; version=") and content_type.endswith("; charset=utf-8")


def test_the_development_server_start_up_lines_are_plain_text(capsys):
    """`make run`'s "Running on http://..." line is for a person: not inside a JSON log line, no ANSI escapes."""
    from werkzeug.serving import _ansi_style

    from portfolio.observability import configure_logging

    root, werkzeug = logging.getLogger(), logging.getLogger("werkzeug")
    saved = (root.handlers[:], root.level, werkzeug.handlers[:], werkzeug.propagate, werkzeug.level)
    try:
        configure_logging("INFO")
        werkzeug.info(_ansi_style("WARNING: This is a development server.", "bold", "red")
                      + "\n * Running on http://127.0.0.1:5123")
        logging.getLogger("portfolio").info("a record for machines")
    finally:
        root.handlers[:], werkzeug.handlers[:] = saved[0], saved[2]
        root.setLevel(saved[1])
        werkzeug.propagate = saved[3]
        werkzeug.setLevel(saved[4])
    lines = capsys.readouterr().err.splitlines()
    assert " * Running on http://127.0.0.1:5123" in lines, lines
    assert not any("\x1b" in line for line in lines), lines
    assert json.loads(lines[-1])["message"] == "a record for machines"  # the app's own records stay JSON


def test_loading_the_app_opens_no_database_connection_so_gunicorn_can_fork_it(app):
    """gunicorn.conf.py preloads the app in the master and forks its workers from it: a connection opened while
    loading would be one socket shared by every worker."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    from portfolio import create_app

    opened = []

    def count(*_):
        opened.append(1)

    event.listen(Pool, "connect", count)
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_ENABLED": False})
    finally:
        event.remove(Pool, "connect", count)
    assert opened == []


def test_a_forked_worker_starts_with_empty_pools_and_leaves_the_parents_connection_open(app):
    from sqlalchemy import text

    from portfolio.extensions import db, forget_connections

    with app.app_context():
        parents = db.engine.connect()
        try:
            assert db.engine.pool.checkedout() == 1
            forget_connections(app)  # what gunicorn.conf.py's post_fork does in the child
            assert db.engine.pool.checkedout() == 0
            assert parents.execute(text("SELECT 1")).scalar() == 1  # not closed under the parent
        finally:
            parents.close()


def test_pooled_connections_are_checked_before_use_on_database_servers_only():
    from sqlalchemy import make_url

    from portfolio import create_app

    given = {"echo": False}
    for url, checked in (("sqlite:///:memory:", False), ("postgresql+psycopg://nobody@127.0.0.1:1/none", True),
                         (make_url("postgresql+psycopg://nobody@127.0.0.1:1/none"), True)):
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": given,
                          "RATELIMIT_ENABLED": False})
        no_jit = {"connect_args": {"options": "-c jit=off"}} if checked else {}
        assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"echo": False, "pool_pre_ping": checked, **no_jit}
        assert given == {"echo": False}  # the caller's options are not changed (the next app decides anew)
        with app.app_context():
            from portfolio.extensions import db

            assert db.engine.pool._pre_ping is checked


def test_postgresql_connections_run_without_jit_and_keep_the_callers_options(app):
    """JIT compilation of an aggregate's plan took longer than running it at 100,000 projects (bench/README.md)."""
    from portfolio import create_app
    from portfolio.extensions import db

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not str(url).startswith("postgresql"):
        pytest.skip("PostgreSQL's setting (TEST_DATABASE_URL), as in .ci/run")
    given = {"connect_args": {"options": "-c statement_timeout=4321"}}
    other = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": given, "RATELIMIT_ENABLED": False})
    assert given == {"connect_args": {"options": "-c statement_timeout=4321"}}
    with other.app_context():
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "4321ms"
        db.session.remove()
        db.engine.dispose()


def test_json_answers_are_the_json_flasks_own_encoder_writes(app):
    """api/json_provider.py: orjson where it writes what Flask's encoder writes; Flask's encoder elsewhere."""
    import dataclasses
    import enum
    import json
    import uuid
    from datetime import date, datetime
    from decimal import Decimal

    from flask.json.provider import DefaultJSONProvider
    from markupsafe import Markup
    from werkzeug.datastructures import MultiDict

    @dataclasses.dataclass
    class Row:
        b: int
        a: int

    class Kind(enum.IntEnum):
        X = 3

    flask_own = DefaultJSONProvider(app)
    values = [{"b": 1, "a": [1, 2, {"z": None, "y": True}]}, Row(1, 2), {"k": Kind.X}, {"m": Markup("<b>")},
              {1: "x", 10: "y", 9: "z"}, {"d": date(2024, 1, 2), "t": datetime(2024, 1, 2, 3, 4, 5)},
              {"n": Decimal("1.50")}, {"u": uuid.UUID(int=5)}, {"big": 2**70}, ("a", "b"), {"é": "Côte d'Ivoire"},
              MultiDict([("a", "1"), ("a", "2")])]
    for value in values:
        ours = app.json.dumps(value)
        assert json.loads(ours) == json.loads(flask_own.dumps(value)), value
        assert list(json.loads(ours)) == list(json.loads(flask_own.dumps(value)))  # the same key order
    with app.test_request_context():
        response = app.json.response({"é": 1})
    assert response.mimetype == "application/json" and json.loads(response.get_data()) == {"é": 1}
