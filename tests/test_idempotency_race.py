"""#21.2: parallel requests with one Idempotency-Key against gunicorn on PostgreSQL. The key row used to be
committed before its owner took the advisory lock, and a concurrent request in that gap took the key over and
ran the work again: the stored answer became a 422 ("already has a transaction 'K4'") that every later retry
replayed, although the transaction had been created. Now no one can take over a live claim: the work runs
once, the others wait their turn (409) or replay, and a retry after the race replays the success."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers import create_project
from live import LiveServer, request

PARALLEL = 12
ROUNDS = 8


@pytest.fixture(scope="module")
def server(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("the race needs several gunicorn workers on PostgreSQL (TEST_DATABASE_URL), as in .ci/run")
    server = LiveServer(url, workers=3)
    yield server
    server.stop()


def post(port, body, headers):
    status, answer_headers, answer = request(port, "POST", "/api/v1/projects/RACE-K/transactions", body, headers)
    return status, answer_headers.get("Idempotent-Replayed"), answer


def test_parallel_posts_with_one_key_store_the_answer_the_work_produced(app, client, server):
    create_project(client, "RACE-K")
    auth = {"Authorization": f"Bearer {app.config['TEST_ADMIN_TOKEN']}"}
    stored = []
    for round_ in range(ROUNDS):
        headers = {**auth, "Idempotency-Key": f"race-{round_}"}
        body = {"reference": f"K{round_}", "type": "expenditure", "date": "2004-01-01", "amount": "10.00",
                "currency": "USD"}

        with ThreadPoolExecutor(PARALLEL) as pool:
            answers = list(pool.map(lambda args: post(server.port, *args), [(body, headers)] * PARALLEL))
        statuses = [status for status, _, _ in answers]
        assert set(statuses) <= {201, 409}, [a for s, _, a in answers if s not in (201, 409)][:2]
        # The work ran once: one 201 that is not a replay (the others replayed it or were told to retry).
        assert sum(status == 201 and not replayed for status, replayed, _ in answers) == 1, answers
        retry = request(server.port, "POST", "/api/v1/projects/RACE-K/transactions", body, headers)
        stored.append((retry[0], retry[1].get("Idempotent-Replayed"), retry[2].get("reference")))
    assert stored == [(201, "true", f"K{r}") for r in range(ROUNDS)]
    project = client.get("/api/v1/projects/RACE-K").json
    assert project["actuals"]["transaction_count"] == ROUNDS
