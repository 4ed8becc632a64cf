"""Several processes edit one project through gunicorn on PostgreSQL: every accepted update is
reflected and in the history, none is lost, and the others get 412."""
import multiprocessing

import pytest
from helpers import add_line, create_project
from live import LiveServer, request

pytestmark = pytest.mark.system  # live gunicorn servers, several client processes

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


LINE_POSTS = 32


@pytest.fixture
def crowded(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("runs on PostgreSQL (TEST_DATABASE_URL), as in .ci/run")
    server = LiveServer(url, workers=8)
    yield server
    server.stop()


def _post_line(args):
    port, token, year = args
    body = {"period_start": f"{year}-01-01", "period_end": f"{year}-12-31", "amount": "1000.00", "currency": "USD"}
    status, _, answer = request(port, "POST", "/api/v1/projects/CROWD/budget-lines", body,
                                {"Authorization": f"Bearer {token}"})
    return status, answer


def test_budget_line_posts_without_precondition_all_succeed_under_contention(app, client, crowded, in_app):
    """#13: a POST carries no If-Match, so no contention may answer it 412: each waits for the project's row
    lock and is applied on top of the others."""
    from concurrent.futures import ThreadPoolExecutor

    from portfolio.statistics.rollups import differences

    create_project(client, "CROWD")
    token = app.config["TEST_ADMIN_TOKEN"]
    with ThreadPoolExecutor(LINE_POSTS) as pool:
        results = list(pool.map(_post_line, [(crowded.port, token, 1960 + i) for i in range(LINE_POSTS)]))
    assert [status for status, _ in results] == [201] * LINE_POSTS, [a for s, a in results if s != 201][:3]
    project = client.get("/api/v1/projects/CROWD").json
    assert project["version"] == 1 + LINE_POSTS
    assert project["budget"]["total_usd"] == f"{1000 * LINE_POSTS}.00"
    assert len({answer["id"] for _, answer in results}) == LINE_POSTS
    events = client.get("/api/v1/projects/CROWD/history?page_size=200").json
    assert sum(e["entity"] == "budget_line" and e["action"] == "create" for e in events) == LINE_POSTS
    assert in_app(differences) == []


def _patch_line_any(args):
    port, token, line_id, rounds = args
    auth = {"Authorization": f"Bearer {token}", "If-Match": "*"}
    return [request(port, "PATCH", f"/api/v1/projects/MOVING/budget-lines/{line_id}",
                    {"amount": f"{100 + r}.00"}, auth)[0] for r in range(rounds)]


def _edit_then_delete(args):
    port, token, rounds = args
    auth = {"Authorization": f"Bearer {token}"}
    statuses = []
    for r in range(rounds):
        _, headers, _ = request(port, "GET", "/api/v1/projects/MOVING", headers=auth)
        statuses.append(request(port, "PATCH", "/api/v1/projects/MOVING", {"title": f"round {r}"},
                                {**auth, "If-Match": headers["ETag"]})[0])
    for _ in range(50):  # a line PATCH between the read and the DELETE moves the ETag: read again, as a client does
        _, headers, _ = request(port, "GET", "/api/v1/projects/MOVING", headers=auth)
        statuses.append(request(port, "DELETE", "/api/v1/projects/MOVING",
                                headers={**auth, "If-Match": headers["ETag"]})[0])
        if statuses[-1] != 412:
            break
    return statuses


def test_if_match_star_on_a_line_while_its_project_changes_and_is_deleted(app, client, crowded, in_app):
    """#13: PATCH .../budget-lines/{id} with If-Match: * while the project is edited and then deleted: each
    answer is the line changed (200) or the line gone (404), never a 5xx; the rollups still match."""
    from concurrent.futures import ThreadPoolExecutor

    from portfolio.statistics.rollups import differences

    create_project(client, "MOVING")
    line_ids = [add_line(client, "MOVING", period_start=f"{y}-01-01", period_end=f"{y}-12-31")["id"]
                for y in (2001, 2002, 2003)]
    token = app.config["TEST_ADMIN_TOKEN"]
    with ThreadPoolExecutor(7) as pool:
        patches = [pool.submit(_patch_line_any, (crowded.port, token, line_ids[i % 3], 15)) for i in range(6)]
        editor = pool.submit(_edit_then_delete, (crowded.port, token, 10))
        line_statuses = [s for future in patches for s in future.result()]
        editor_statuses = editor.result()
    assert set(line_statuses) <= {200, 404}, line_statuses
    assert set(editor_statuses[:-1]) <= {200, 412}, editor_statuses
    assert editor_statuses[-1] == 204
    assert client.get("/api/v1/projects/MOVING").status_code == 404
    assert in_app(differences) == []
