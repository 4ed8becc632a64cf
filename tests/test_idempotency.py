"""Idempotency-Key on POST, Stripe's semantics."""
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

from helpers import create_project, data_events, line_body, project_body
from sqlalchemy import func, select, update

from portfolio.auth import issue_token
from portfolio.extensions import db
from portfolio.models import ApiToken, IdempotencyKey, Project
from portfolio.models.base import utcnow


def count_projects(in_app):
    return in_app(lambda: db.session.scalar(select(func.count(Project.id))))


def test_idempotency_same_key_same_body_replays_and_writes_once(client, in_app):
    headers = {"Idempotency-Key": "key-1"}
    first = client.post("/api/v1/projects", json=project_body("P-1"), headers=headers)
    second = client.post("/api/v1/projects", json=project_body("P-1"), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json == first.json
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count_projects(in_app) == 1
    assert in_app(lambda: db.session.scalar(select(func.count()).select_from(data_events()))) == 1


def test_idempotency_same_key_different_body_is_422(client, in_app):
    client.post("/api/v1/projects", json=project_body("P-1"), headers={"Idempotency-Key": "key-1"})
    response = client.post("/api/v1/projects", json=project_body("P-2"), headers={"Idempotency-Key": "key-1"})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/idempotency-key-reused"
    assert count_projects(in_app) == 1


def test_idempotency_key_order_of_json_fields_does_not_matter(client):
    body = project_body("P-1")
    client.post("/api/v1/projects", json=body, headers={"Idempotency-Key": "k"})
    reordered = dict(reversed(list(body.items())))
    assert client.post("/api/v1/projects", json=reordered, headers={"Idempotency-Key": "k"}).status_code == 201


def _fingerprint(client, body) -> str:
    from portfolio.api import idempotency

    with client.application.test_request_context("/api/v1/projects", method="POST", json=body):
        return idempotency.fingerprint()


def _claim(in_app, key, fingerprint, age=timedelta(0)) -> int:
    """A key row as a request still running (or killed) would have left it."""
    def run():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "test-admin"))
        row = IdempotencyKey(token_id=token_id, key=key, fingerprint=fingerprint, created_at=utcnow() - age)
        db.session.add(row)
        db.session.commit()
        return row.id
    return in_app(run)


@contextmanager
def _owner_alive(app, key: str):
    """On PostgreSQL the request that owns a key holds an advisory lock on (token, key) until it ends."""
    from sqlalchemy import text

    from portfolio.api.idempotency import lock_key

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            yield
            return
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "test-admin"))
        with db.engine.connect() as owner:
            owner.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(token_id, key)})
            yield
            owner.rollback()


def test_idempotency_key_in_progress_is_409(app, client, in_app):
    body = project_body("P-1")
    _claim(in_app, "busy", _fingerprint(client, body))
    with _owner_alive(app, "busy"):
        response = client.post("/api/v1/projects", json=body, headers={"Idempotency-Key": "busy"})
    assert response.status_code == 409
    assert response.json["type"] == "/problems/idempotency-in-progress"
    assert "Retry-After" not in response.headers  # sent with 429 and 503 only
    assert count_projects(in_app) == 0


def test_idempotency_abandoned_key_is_taken_over(client, in_app):
    body = project_body("P-1")
    _claim(in_app, "dead", _fingerprint(client, body), age=timedelta(minutes=5))
    response = client.post("/api/v1/projects", json=body, headers={"Idempotency-Key": "dead"})
    assert response.status_code == 201
    assert count_projects(in_app) == 1


def test_idempotency_keys_are_scoped_to_the_token(app, client, in_app):
    other = app.test_client()
    with app.app_context():
        other.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + issue_token(
            f"idem-{id(other)}", "admin", actor="tests")[1]
        db.session.remove()
    assert client.post("/api/v1/projects", json=project_body("P-1"), headers={"Idempotency-Key": "k"}
                       ).status_code == 201
    response = other.post("/api/v1/projects", json=project_body("P-1"), headers={"Idempotency-Key": "k"})
    assert response.status_code == 409  # not a replay: the other token's key is its own; the code is taken
    assert "Idempotent-Replayed" not in response.headers


def test_idempotency_error_responses_are_replayed_too(client, in_app):
    bad = project_body("P-1", region="mars")
    first = client.post("/api/v1/projects", json=bad, headers={"Idempotency-Key": "k"})
    second = client.post("/api/v1/projects", json=bad, headers={"Idempotency-Key": "k"})
    assert first.status_code == second.status_code == 422
    assert second.json == first.json


def test_idempotency_on_budget_line_post(client, in_app):
    create_project(client, "P-1")
    for _ in range(3):
        response = client.post("/api/v1/projects/P-1/budget-lines", json=line_body(),
                               headers={"Idempotency-Key": "line-1"})
        assert response.status_code == 201
    assert client.get("/api/v1/projects/P-1").json["budget"]["line_count"] == 1


def test_idempotency_expired_key_is_forgotten(client, in_app):
    client.post("/api/v1/projects", json=project_body("P-1"), headers={"Idempotency-Key": "old"})
    in_app(lambda: (db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25))),
                    db.session.commit()))
    response = client.post("/api/v1/projects", json=project_body("P-1"), headers={"Idempotency-Key": "old"})
    assert response.status_code == 409  # executed again: the code now exists


def test_idempotency_concurrent_requests_with_one_key_create_exactly_one_project(app, in_app):
    token = app.config["TEST_ADMIN_TOKEN"]
    body = project_body("RACE")

    def post(_):
        client = app.test_client()
        return client.post("/api/v1/projects", json=body, headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": "race-key"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, range(16)))
    assert count_projects(in_app) == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}


def test_idempotency_key_rule_is_the_published_pattern(client, in_app):
    """Schemathesis built keys the old documented schema allowed (any 1-255 characters) and the server
    refused: the server's rule and the contract's pattern are now one and the same."""
    import re

    spec = client.get("/api/v1/openapi.json").json
    refs = [p["$ref"].rsplit("/", 1)[1] for p in spec["paths"]["/api/v1/projects"]["post"]["parameters"]]
    parameter = next(spec["components"]["parameters"][r] for r in refs
                     if spec["components"]["parameters"][r]["name"] == "Idempotency-Key")
    pattern = re.compile(parameter["schema"]["pattern"])
    cases = ["k", "a b", "x" * 255, "x" * 256, "é", "k\u00a0", "a\tb", "~!", "0" * 254 + " ", " k"]
    for n, key in enumerate(cases):
        response = client.post("/api/v1/projects", json=project_body(f"K-{n}"), headers={"Idempotency-Key": key})
        assert response.status_code == (201 if pattern.search(key) else 400), key
        if response.status_code == 400:
            assert response.headers["Content-Type"] == "application/problem+json"
    assert count_projects(in_app) == 4


# Idempotency-Key on the conditional writes (PATCH, PUT, DELETE with If-Match): a retry after a success must not
# meet the ETag its own first attempt moved (412), it gets the first answer again.

def _resources(client):
    """(URL, a PATCH body) of each kind of resource whose changes take If-Match."""
    create_project(client, "P-1")
    line = client.post("/api/v1/projects/P-1/budget-lines", json=line_body()).json
    transaction = client.post("/api/v1/projects/P-1/transactions", json={
        "reference": "T-1", "type": "expenditure", "date": "2003-03-31", "amount": "100.00", "currency": "USD"}).json
    assert client.post("/api/v1/organisations", json={"code": "XD-1", "name": "Donor", "type": "10"}).status_code == 201
    return [("/api/v1/projects/P-1", {"title": "Renamed"}),
            (f"/api/v1/projects/P-1/budget-lines/{line['id']}", {"amount": "2000.00"}),
            (f"/api/v1/projects/P-1/transactions/{transaction['id']}", {"amount": "90.00"}),
            ("/api/v1/organisations/XD-1", {"name": "Renamed donor"})]


def test_idempotency_patch_retry_with_same_key_and_body_replays_instead_of_412(client, in_app):
    for path, body in _resources(client):
        headers = {"Idempotency-Key": f"patch {path}", "If-Match": client.get(path).headers["ETag"]}
        first = client.patch(path, json=body, headers=headers)
        assert first.status_code == 200, (path, first.json)
        events = in_app(lambda: db.session.scalar(select(func.count()).select_from(data_events())))
        retry = client.patch(path, json=body, headers=headers)
        assert retry.status_code == 200, (path, retry.json)
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert retry.json == first.json and retry.headers["ETag"] == first.headers["ETag"]
        # nothing done again:
        assert in_app(lambda: db.session.scalar(select(func.count()).select_from(data_events()))) == events
        # The client re-read the resource and retries with its new ETag: still the same change, replayed.
        reread = client.patch(path, json=body, headers={**headers, "If-Match": first.headers["ETag"]})
        assert reread.headers.get("Idempotent-Replayed") == "true", path
        other = client.patch(path, json={**body, "description" if path.endswith("P-1") else "x": "y"},
                             headers=headers)
        assert other.status_code == 422 and other.json["type"] == "/problems/idempotency-key-reused", path


def test_idempotency_put_of_a_project_replays(client):
    create_project(client, "P-1")
    body = project_body("P-1", title="Replaced")
    body.pop("code")
    headers = {"Idempotency-Key": "put-1", "If-Match": client.get("/api/v1/projects/P-1").headers["ETag"]}
    first = client.put("/api/v1/projects/P-1", json=body, headers=headers)
    assert first.status_code == 200, first.json
    retry = client.put("/api/v1/projects/P-1", json=body, headers=headers)
    assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json == first.json


def test_idempotency_delete_retry_replays_204_instead_of_404(client):
    for path, _ in reversed(_resources(client)):
        headers = {"Idempotency-Key": f"delete {path}", "If-Match": client.get(path).headers["ETag"]}
        assert client.delete(path, headers=headers).status_code == 204, path
        retry = client.delete(path, headers=headers)
        assert retry.status_code == 204, (path, retry.json)
        assert retry.headers["Idempotent-Replayed"] == "true"


def test_idempotency_stale_if_match_is_not_stored(client):
    """412 is not final: after re-reading, the retry with the same key runs."""
    create_project(client, "P-1")
    headers = {"Idempotency-Key": "stale-1", "If-Match": '"stale"'}
    assert client.patch("/api/v1/projects/P-1", json={"title": "T"}, headers=headers).status_code == 412
    headers["If-Match"] = client.get("/api/v1/projects/P-1").headers["ETag"]
    response = client.patch("/api/v1/projects/P-1", json={"title": "T"}, headers=headers)
    assert response.status_code == 200 and "Idempotent-Replayed" not in response.headers
