"""Incremental sync, rate limits, body limits, content types and security headers."""
import io
import json
import time
from datetime import UTC, datetime

import pytest
import redis
from helpers import create_project, etag, project_body

from portfolio import create_app


def test_sync_updated_since_returns_only_changed_projects(client):
    create_project(client, "OLD")
    time.sleep(0.01)
    since = datetime.now(UTC).isoformat()
    create_project(client, "NEW")
    codes = [p["code"] for p in client.get("/api/v1/projects", query_string={"updated_since": since}).json]
    assert codes == ["NEW"]
    client.post("/api/v1/projects/OLD/budget-lines", json={"period_start": "2003-01-01", "period_end": "2003-12-31",
                                                           "amount": "1.00", "currency": "USD"})
    codes = [p["code"] for p in client.get("/api/v1/projects", query_string={"updated_since": since}).json]
    assert codes == ["NEW", "OLD"]


def test_sync_deleted_projects_feed(client):
    create_project(client, "GONE")
    since = datetime.now(UTC).isoformat()
    client.delete("/api/v1/projects/GONE", headers={"If-Match": etag(client, "/api/v1/projects/GONE")})
    feed = client.get("/api/v1/sync/deleted-projects", query_string={"since": since}).json
    assert [item["code"] for item in feed] == ["GONE"]
    later = datetime.now(UTC).isoformat()
    assert client.get("/api/v1/sync/deleted-projects", query_string={"since": later}).json == []
    assert client.get("/api/v1/sync/deleted-projects").status_code == 422


def _limited_app(app, **config):
    limited = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": "3 per minute", **config})
    return limited


def _exhaust(limited, token):
    client = limited.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [client.get("/api/v1/regions", headers=headers).status_code for _ in range(4)]
    return statuses, client.get("/api/v1/regions", headers=headers)


def test_rate_limit_in_memory_gives_429_problem_with_retry_after(app):
    statuses, response = _exhaust(_limited_app(app), app.config["TEST_ADMIN_TOKEN"])
    assert statuses == [200, 200, 200, 429]
    assert response.status_code == 429
    assert response.content_type == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0


def test_rate_limit_in_redis_when_configured(app):
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379").ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"test-{time.time_ns()}"
    limited = _limited_app(app, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379", RATELIMIT_KEY_PREFIX=prefix)
    statuses, _ = _exhaust(limited, app.config["TEST_ADMIN_TOKEN"])
    assert statuses == [200, 200, 200, 429]
    assert any(prefix in key.decode() for key in redis.Redis.from_url("redis://127.0.0.1:6379").keys("*"))


def test_body_too_large_is_413_problem(app):
    small = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "RATELIMIT_ENABLED": False, "MAX_CONTENT_LENGTH": 1024})
    response = small.test_client().post("/api/v1/projects", json=project_body(description="x" * 5000), headers={
        "Authorization": f"Bearer {app.config['TEST_ADMIN_TOKEN']}"})
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"


def test_non_json_body_is_415(client):
    response = client.post("/api/v1/projects", data="code=P-1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.content_type == "application/problem+json"
    response = client.patch("/api/v1/projects/P-1", data="<xml/>", content_type="application/xml")
    assert response.status_code == 415


def test_a_body_declared_in_another_charset_than_utf8_is_415_naming_the_content_type(client, in_app):
    """JSON is UTF-8 (RFC 8259), and so are the CSV uploads: a body declared latin-1 was decoded as UTF-8, "é" sent
    as latin-1 bytes read as something else (or as mojibake when its bytes happened to be valid UTF-8)."""
    body = json.dumps(project_body("P-1", title="Caf\u00c3\u00a9")).encode("latin-1")  # valid UTF-8 bytes too
    for charset in ("latin-1", "ISO-8859-1", "utf-16", '"windows-1252"'):
        response = client.post("/api/v1/projects", data=body, content_type=f"application/json; charset={charset}")
        assert response.status_code == 415, (charset, response.json)
        assert response.content_type == "application/problem+json"
        assert response.json["errors"] == [{"location": "header", "pointer": "/Content-Type",
                                            "message": response.json["errors"][0]["message"]}]
        assert "UTF-8" in response.json["detail"]
    assert client.get("/api/v1/projects/P-1").status_code == 404  # nothing was written
    csv = "code,title,region,priorities\nP-2,Caf\u00e9,europe,cooperation\n".encode("latin-1")
    response = client.post("/api/v1/projects/bulk?mode=create", data=csv, content_type="text/csv; charset=latin-1")
    assert response.status_code == 415, response.json
    assert response.json["errors"][0]["pointer"] == "/Content-Type"
    # UTF-8, declared in any spelling of its name's case, or not declared, is read.
    for number, content_type in enumerate(("application/json; charset=utf-8", "application/json; charset=UTF-8",
                                           'application/json; charset="utf-8"', "application/json")):
        created = client.post("/api/v1/projects", data=json.dumps(project_body(f"P-{10 + number}")),
                              content_type=content_type)
        assert created.status_code == 201, (content_type, created.json)


def test_a_multipart_file_declared_in_another_charset_than_utf8_is_415_naming_the_file(client):
    """The same rule for the file of a multipart form: its part declared latin-1 was read as UTF-8, so that the
    latin-1 bytes of "Caf\u00c3\u00a9" (valid UTF-8 too) were stored as "Caf\u00e9" with a 201."""
    csv = "code,title,region,priorities\nP-3,Caf\u00c3\u00a9,europe,cooperation\n".encode("latin-1")
    for charset in ("latin-1", '"windows-1252"'):
        response = client.post("/api/v1/projects/bulk?mode=create", content_type="multipart/form-data",
                               data={"file": (io.BytesIO(csv), "p.csv", f"text/csv; charset={charset}")})
        assert response.status_code == 415, (charset, response.json)
        assert response.content_type == "application/problem+json"
        assert response.json["errors"][0]["pointer"] == "/file"
        assert "UTF-8" in response.json["detail"]
    assert client.get("/api/v1/projects/P-3").status_code == 404  # nothing was written
    utf8 = "code,title,region,priorities\nP-3,Caf\u00e9,europe,cooperation\n".encode()
    for number, part_type in enumerate(("text/csv; charset=UTF-8", "text/csv", None)):
        code = f"P-{3 + number}"
        file = (io.BytesIO(utf8.replace(b"P-3", code.encode())), "p.csv", *([part_type] if part_type else []))
        response = client.post("/api/v1/projects/bulk?mode=create", content_type="multipart/form-data",
                               data={"file": file})
        assert response.status_code == 200, (part_type, response.json)
        assert client.get(f"/api/v1/projects/{code}").json["title"] == "Caf\u00e9"


def test_security_headers_on_every_response(client):
    for path in ("/api/v1/regions", "/api/v1/nope", "/healthz"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_errors_never_leak_sql_or_traces(client):
    response = client.get("/api/v1/projects", query_string={"sort": "title; DROP TABLE projects"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "SELECT" not in text


def test_overlong_url_is_414_problem_not_html(client):
    response = client.get("/api/v1/aggregates/region-priority", query_string={"q": "x" * 9000})
    assert response.status_code == 414
    assert response.content_type == "application/problem+json"
