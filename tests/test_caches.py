"""What a worker caches (tokens, vocabularies, the derived-data flag) follows the database: a revocation or a
seed change made elsewhere is seen within a second, and a code created a moment ago is never refused."""
import time

from helpers import create_project, project_body
from sqlalchemy import text

from portfolio import vocabulary
from portfolio.auth import CACHE_SECONDS
from portfolio.extensions import db


def _elsewhere(app, sql: str, **params):
    """A change made by another worker or host: straight to the database, no cache of this process told."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(sql), params)


def test_a_token_revoked_elsewhere_is_refused_within_a_second(app, client):
    assert client.get("/api/v1/regions").status_code == 200  # cached now
    _elsewhere(app, "UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP WHERE name = 'test-admin'")
    time.sleep(CACHE_SECONDS + 0.1)
    try:
        assert client.get("/api/v1/regions").status_code == 401
    finally:
        _elsewhere(app, "UPDATE api_tokens SET revoked_at = NULL WHERE name = 'test-admin'")


def test_an_organisation_created_elsewhere_is_usable_at_once(app, client):
    with app.app_context():
        vocabulary.current()  # this worker's vocabulary is loaded before the organisation exists
    _elsewhere(app, "INSERT INTO organisations (code, name, type, source, synthetic, version, created_at, updated_at) "
                    "VALUES ('NEW-ORG', 'New', '10', 'api', false, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    response = client.post("/api/v1/projects", json=project_body(
        "C-1", participating_organisations=[{"organisation": "NEW-ORG", "role": "funding"}]))
    assert response.status_code == 201, response.json
    assert response.json["participating_organisations"][0]["name"] == "New"


def test_a_region_renamed_by_a_seed_elsewhere_is_seen_within_a_second(app, client):
    create_project(client, "C-2")
    before = client.get("/api/v1/regions").json[3]["name"]
    _elsewhere(app, "UPDATE regions SET name = 'Europe (renamed)' WHERE code = 'europe'")
    time.sleep(vocabulary.TTL + 0.1)
    assert client.get("/api/v1/regions").json[3]["name"] == "Europe (renamed)" != before
    assert client.get("/api/v1/projects/C-2").json["region"]["name"] == "Europe (renamed)"
