"""Several processes edit one project through gunicorn on PostgreSQL: every accepted update is
reflected and in the history, none is lost, and the others get 412."""
import multiprocessing

import pytest

from helpers import create_project
from live import LiveServer, request

WRITERS = 4
ROUNDS = 12


def _writer(args):
    port, token, writer = args
    auth = {"Authorization": f"Bearer {token}"}
    outcomes = []
    for round_ in range(ROUNDS):
        status, headers, _ = request(port, "GET", "/api/v1/projects/RACE", headers=auth)
        title = f"writer {writer} round {round_}"
        status, _, body = request(port, "PATCH", "/api/v1/projects/RACE", {"title": title},
                                  {**auth, "If-Match": headers["ETag"]})
        outcomes.append((status, title, body.get("version") if isinstance(body, dict) else None))
    return outcomes


@pytest.fixture
def live(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("runs on PostgreSQL (TEST_DATABASE_URL), as in .ci/run")
    server = LiveServer(url, workers=3)
    yield server
    server.stop()


def test_concurrent_if_match_updates_lose_nothing(app, client, live):
    create_project(client, "RACE")
    token = app.config["TEST_ADMIN_TOKEN"]
    with multiprocessing.get_context("spawn").Pool(WRITERS) as pool:
        results = [o for outcomes in pool.map(_writer, [(live.port, token, w) for w in range(WRITERS)])
                   for o in outcomes]
    statuses = [status for status, _, _ in results]
    assert set(statuses) <= {200, 412}
    accepted = [(version, title) for status, title, version in results if status == 200]
    assert accepted, "at least one update must win"
    assert statuses.count(412) == len(results) - len(accepted)
    # Each accepted update produced its own version: 2, 3, ... with no gap and no duplicate.
    assert sorted(v for v, _ in accepted) == list(range(2, 2 + len(accepted)))
    project = client.get("/api/v1/projects/RACE").json
    assert project["version"] == 1 + len(accepted)
    assert project["title"] == max(accepted)[1]
    updates = [e for e in client.get("/api/v1/projects/RACE/history?page_size=200").json if e["action"] == "update"]
    assert len(updates) == len(accepted)
    assert sorted(e["after"]["title"] for e in updates) == sorted(t for _, t in accepted)
