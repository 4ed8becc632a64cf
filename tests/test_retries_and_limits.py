"""#13 regressions, on SQLite and PostgreSQL: rate limits count by the authenticated token however its header
is spelled; an Idempotency-Key does not keep an outcome a retry could change (409, 412, 429), so the retry
that can now succeed, succeeds; demo data rounds half-up like everything else."""
from decimal import Decimal

import pytest
from helpers import create_project, etag, project_body
from sqlalchemy import select

from portfolio import create_app
from portfolio.extensions import db
from portfolio.models import BudgetLine, Project, Transaction
from portfolio.money import convert_to_usd


def _limited_app(app, limit: str):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": limit, "RATELIMIT_STORAGE_URI": "memory://"})


def _limiter(limited):
    return next(iter(limited.extensions["limiter"]))


@pytest.mark.parametrize("spellings", [
    ["Bearer {t}", "bearer {t}", "Bearer  {t}", "BEARER {t}"],
    ["bearer {t}", "Bearer \t{t}", " Bearer {t} ", "bEaReR   {t}"],
])
def test_rate_limit_counts_the_token_however_the_header_spells_it(app, spellings):
    limited = _limited_app(app, "3 per minute")
    client = limited.test_client()
    token = app.config["TEST_ADMIN_TOKEN"]
    statuses = [client.get("/api/v1/regions", headers={"Authorization": s.format(t=token)}).status_code
                for s in spellings]
    assert statuses == [200, 200, 200, 429], statuses
    # Another token has its own count: the limit is per token, not per address.
    with limited.app_context():
        from portfolio.auth import issue_token

        _, other = issue_token("limits-other", "viewer", actor="tests")
    assert client.get("/api/v1/regions", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_rate_limit_429_is_problem_json_with_retry_after(app):
    limited = _limited_app(app, "1 per minute")
    client = limited.test_client()
    headers = {"Authorization": f"bearer  {app.config['TEST_ADMIN_TOKEN']}"}
    assert client.get("/api/v1/regions", headers=headers).status_code == 200
    response = client.get("/api/v1/regions", headers={"Authorization": f"Bearer {app.config['TEST_ADMIN_TOKEN']}"})
    assert response.status_code == 429
    assert response.content_type == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0


def test_every_answer_carries_the_limit_and_only_a_refusal_says_retry_after(app):
    """Flask-Limiter adds Retry-After to every answer it counts; on a 200 or a 422 it would tell a client to wait
    for nothing (hardening.py keeps it on 429 and 503 only)."""
    limited = _limited_app(app, "2 per minute")
    client = limited.test_client()
    headers = {"Authorization": f"Bearer {app.config['TEST_ADMIN_TOKEN']}"}
    answered = client.get("/api/v1/regions", headers=headers)
    refused_parameter = client.get("/api/v1/aggregates/region?bogus=1", headers=headers)
    later = [client.get("/api/v1/regions", headers=headers) for _ in range(2)]  # the 422 may not be counted
    limited_out = later[-1]
    assert [r.status_code for r in (answered, refused_parameter, limited_out)] == [200, 422, 429]
    for response in (answered, refused_parameter):
        assert response.headers["X-RateLimit-Limit"] == "2"
        assert "Retry-After" not in response.headers, response.status_code
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert int(limited_out.headers["Retry-After"]) > 0


def _replayed(response) -> bool:
    return response.headers.get("Idempotent-Replayed") == "true"


def test_a_409_is_not_kept_for_the_key_and_the_retry_succeeds(client):
    create_project(client, "DUP")
    headers = {"Idempotency-Key": "retry-after-409"}
    first = client.post("/api/v1/projects", json=project_body("DUP"), headers=headers)
    assert first.status_code == 409, first.json
    # What made it conflict is gone: the same request with the same key now creates the project.
    assert client.delete("/api/v1/projects/DUP", headers={"If-Match": etag(client, "/api/v1/projects/DUP")}) \
        .status_code == 204
    retry = client.post("/api/v1/projects", json=project_body("DUP"), headers=headers)
    assert retry.status_code == 201, retry.json
    assert not _replayed(retry)
    again = client.post("/api/v1/projects", json=project_body("DUP"), headers=headers)
    assert (again.status_code, _replayed(again), again.json) == (201, True, retry.json)


def test_a_412_is_not_kept_for_the_key_and_the_retry_succeeds(client):
    create_project(client, "STALE")
    body = {"items": [{"code": "STALE", "title": "Expected at version 2", "if_match": 2}]}
    headers = {"Idempotency-Key": "retry-after-412"}
    first = client.post("/api/v1/projects/bulk?mode=upsert", json=body, headers=headers)
    assert first.status_code == 412, first.json
    # The project reaches the version the row expects; the retry with the same key now applies it.
    response = client.patch("/api/v1/projects/STALE", json={"acronym": "ST"},
                            headers={"If-Match": etag(client, "/api/v1/projects/STALE")})
    assert response.json["version"] == 2
    retry = client.post("/api/v1/projects/bulk?mode=upsert", json=body, headers=headers)
    assert retry.status_code == 200, retry.json
    assert not _replayed(retry)
    assert retry.json["updated"] == 1
    assert client.get("/api/v1/projects/STALE").json["title"] == "Expected at version 2"


def test_a_429_is_not_kept_for_the_key_and_the_retry_succeeds(app):
    limited = _limited_app(app, "1 per minute")
    client = limited.test_client()
    auth = {"Authorization": f"Bearer {app.config['TEST_ADMIN_TOKEN']}"}
    # The minute's one request on this route (Flask-Limiter counts default limits per route).
    assert client.post("/api/v1/projects", json=project_body("FIRST"), headers=auth).status_code == 201
    headers = {**auth, "Idempotency-Key": "retry-after-429"}
    first = client.post("/api/v1/projects", json=project_body("LIMITED"), headers=headers)
    assert first.status_code == 429
    _limiter(limited).reset()  # the next minute
    retry = client.post("/api/v1/projects", json=project_body("LIMITED"), headers=headers)
    assert retry.status_code == 201, retry.json
    assert not _replayed(retry)


def test_a_final_refusal_is_kept_and_replayed(client):
    """The counterpart: a 422 no retry can change is the key's outcome, replayed as it was."""
    headers = {"Idempotency-Key": "final-422"}
    first = client.post("/api/v1/projects", json=project_body("BAD", region="mars"), headers=headers)
    assert first.status_code == 422
    again = client.post("/api/v1/projects", json=project_body("BAD", region="mars"), headers=headers)
    assert (again.status_code, _replayed(again), again.json) == (422, True, first.json)


def test_demo_data_rounds_half_up_everywhere(app, runner, in_app):
    result = runner.invoke(args=["demo-data", "--projects", "40", "--seed", "11"])
    assert result.exit_code == 0, result.output

    def check():
        synthetic = select(Project.id).where(Project.synthetic.is_(True))
        halves, priced = 0, 0
        for model in (BudgetLine, Transaction):
            for record in db.session.scalars(select(model).where(model.project_id.in_(synthetic))):
                if record.currency == "USD":
                    assert record.fx_rate is None and record.usd_amount == record.amount
                    continue
                priced += 1
                exact = record.amount * record.fx_rate
                assert record.usd_amount == convert_to_usd(record.amount, record.fx_rate), (
                    model.__name__, record.id, record.amount, record.fx_rate, record.usd_amount)
                halves += (exact * 1000) % 10 == 5 and exact == exact.quantize(Decimal("0.001"))
        return priced, halves

    priced, halves = in_app(check)
    assert priced > 50, "the demo data prices amounts in other currencies"
    assert halves > 0, "some products end in exactly half a cent, where half-up and half-even differ"


@pytest.mark.parametrize("storage, workers, warned", [("memory://", 3, True), ("memory://", 1, False),
                                                      ("redis://127.0.0.1:6379", 3, False)])
def test_start_up_says_plainly_when_limits_are_per_process(app, caplog, storage, workers, warned):
    """#13: with several workers, limits counted in memory are per process: the app says so when it starts."""
    import logging

    with caplog.at_level(logging.WARNING, logger="portfolio"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                    "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage, "WORKERS": workers})
    said = [r.getMessage() for r in caplog.records if "per process" in r.getMessage()]
    assert bool(said) == warned, said
    if warned:
        assert "RATELIMIT_STORAGE_URI=redis://" in said[0]


def test_a_refused_token_is_told_why_and_is_not_read_as_anonymous(app):
    """With rate limits on (as served), the limiter authenticates first and swallowed the refusal: every bad
    token was then answered "This request needs a bearer token" (as if none was sent), and with OPEN_READS a
    revoked token read as an anonymous caller."""
    limited = _limited_app(app, "1000 per minute")
    with limited.app_context():
        from portfolio.auth import issue_token, revoke_token

        _, token = issue_token("limits-revoked", "admin", actor="tests")
        revoke_token("limits-revoked", actor="tests")
        db.session.remove()
    client = limited.test_client()
    cases = {f"Bearer {token}": "not valid (unknown or revoked)", "Bearer tcm_unknown": "not valid",
             "Basic Zm9vOmJhcg==": "Authorization: Bearer <token>", "Bearer": "Authorization: Bearer <token>"}
    for header, words in cases.items():
        for method in ("get", "post"):
            answer = getattr(client, method)("/api/v1/projects", headers={"Authorization": header},
                                             **({"json": {}} if method == "post" else {}))
            assert answer.status_code == 401 and words in answer.json["detail"], (header, method, answer.json)
    limited.config["OPEN_READS"] = True
    assert client.get("/api/v1/regions").status_code == 200
    assert client.get("/api/v1/regions", headers={"Authorization": f"Bearer {token}"}).status_code == 401
