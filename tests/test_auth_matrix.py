"""Every write route x every role x no token / bad token / revoked token: 401, 403 or success,
and nothing written on refusal."""
import uuid

import pytest
from helpers import add_line, create_project, etag, line_body, project_body
from sqlalchemy import func, select

from portfolio.auth import issue_token, revoke_token
from portfolio.extensions import db
from portfolio.models import AuditEvent, BudgetLine, Project


@pytest.fixture
def tokens(app):
    suffix = uuid.uuid4().hex[:6]
    out = {}
    with app.app_context():
        for role in ("viewer", "editor", "finance", "integrator", "admin"):
            out[role] = issue_token(f"matrix-{role}-{suffix}", role, actor="tests")[1]
        out["revoked"] = issue_token(f"matrix-revoked-{suffix}", "admin", actor="tests")[1]
        revoke_token(f"matrix-revoked-{suffix}", actor="tests")
        db.session.remove()
    out["bad"] = "tcm_not-a-real-token"
    return out


def _prepare(client):
    create_project(client, "BASE")
    line = add_line(client, "BASE")
    return {"line": f"/api/v1/projects/BASE/budget-lines/{line['id']}"}


ROUTES = {
    "create project": ("POST", lambda c, s: "/api/v1/projects", lambda: project_body("NEW"), "create"),
    "patch project": ("PATCH", lambda c, s: "/api/v1/projects/BASE", lambda: {"title": "Changed"}, "edit"),
    "put project": ("PUT", lambda c, s: "/api/v1/projects/BASE",
                    lambda: {"title": "Put", "region": "europe", "priorities": [{"code": "cooperation"}]}, "edit"),
    "delete project": ("DELETE", lambda c, s: "/api/v1/projects/BASE", lambda: None, "delete"),
    "create budget line": ("POST", lambda c, s: "/api/v1/projects/BASE/budget-lines",
                           lambda: line_body(period_start="2004-01-01", period_end="2004-12-31"), "create"),
    "patch budget line": ("PATCH", lambda c, s: s["line"], lambda: {"amount": "1.00"}, "edit"),
    "delete budget line": ("DELETE", lambda c, s: s["line"], lambda: None, "delete"),
    "bulk upsert": ("POST", lambda c, s: "/api/v1/projects/bulk?mode=upsert",
                    lambda: {"items": [project_body("BULK")]}, "bulk"),
}
# Integrators sync projects (create, edit, bulk) but never delete; editors manage projects by hand.
ALLOWED = {"viewer": set(), "editor": {"create", "edit", "delete"}, "finance": set(),
           "integrator": {"create", "edit", "bulk"}, "admin": {"create", "edit", "delete", "bulk"}}


def _state(in_app):
    def read():
        return (db.session.scalar(select(func.count(Project.id))), db.session.scalar(select(func.count(BudgetLine.id))),
                db.session.scalar(select(func.count(AuditEvent.id))),
                db.session.scalar(select(Project.title).where(Project.code == "BASE")),
                db.session.scalar(select(func.sum(BudgetLine.amount))))
    return in_app(read)


@pytest.mark.parametrize("who", ["none", "bad", "revoked", "viewer", "editor", "finance", "integrator", "admin"])
@pytest.mark.parametrize("route", list(ROUTES))
def test_auth_matrix_write_routes(app, client, in_app, tokens, route, who):
    setup = _prepare(client)
    method, path_of, body_of, permission = ROUTES[route]
    path = path_of(client, setup)
    headers = {}
    if method in ("PATCH", "PUT", "DELETE"):
        headers["If-Match"] = etag(client, path)
    if who != "none":
        headers["Authorization"] = f"Bearer {tokens[who]}"
    before = _state(in_app)

    response = app.test_client().open(path, method=method, json=body_of(), headers=headers)

    if who in ("none", "bad", "revoked"):
        assert response.status_code == 401, response.json
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    elif permission not in ALLOWED[who]:
        assert response.status_code == 403, response.json
    else:
        assert response.status_code in (200, 201, 204), response.json
        assert _state(in_app) != before
        return
    assert response.content_type == "application/problem+json"
    assert _state(in_app) == before


@pytest.mark.parametrize("who, status", [("none", 401), ("viewer", 403), ("editor", 403), ("integrator", 403),
                                         ("finance", 200), ("admin", 200)])
def test_auth_aggregates_need_finance_or_admin(app, tokens, who, status):
    headers = {"Authorization": f"Bearer {tokens[who]}"} if who != "none" else {}
    assert app.test_client().get("/api/v1/aggregates/region", headers=headers).status_code == status


def test_auth_reads_need_a_token_unless_opened(app, tokens, annex):
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/projects").status_code == 401
    assert anonymous.get("/api/v1/projects", headers={"Authorization": f"Bearer {tokens['viewer']}"}
                         ).status_code == 200
    assert anonymous.get("/healthz").status_code == 200
    app.config["OPEN_READS"] = True
    try:
        assert anonymous.get("/api/v1/projects").status_code == 200
        assert anonymous.post("/api/v1/projects", json=project_body("X")).status_code == 401
    finally:
        app.config["OPEN_READS"] = False


def test_auth_malformed_authorization_header_is_401(app):
    response = app.test_client().get("/api/v1/regions", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


def test_auth_history_names_the_token_as_actor(app, client, tokens):
    editor = app.test_client()
    editor.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens['editor']}"
    create_project(editor, "P-1")
    assert client.get("/api/v1/projects/P-1/history").json[0]["actor"].startswith("matrix-editor-")


def test_tokens_cli_creates_lists_and_revokes(app, runner):
    name = "cli-" + uuid.uuid4().hex[:6]
    created = runner.invoke(args=["tokens", "create", "--name", name, "--role", "finance"])
    assert created.exit_code == 0
    token = created.output.strip()
    assert token.startswith("tcm_")
    listed = runner.invoke(args=["tokens", "list"]).output
    assert name in listed and token not in listed
    from portfolio.auth import hash_token
    from portfolio.models import ApiToken

    with app.app_context():
        stored = db.session.scalars(select(ApiToken).where(ApiToken.name == name)).one()
        assert stored.token_hash == hash_token(token) != token
        assert token.startswith(stored.prefix) and len(stored.prefix) < len(token) // 3
        db.session.remove()
    client = app.test_client()
    assert client.get("/api/v1/aggregates/region", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert runner.invoke(args=["tokens", "revoke", name]).exit_code == 0
    assert client.get("/api/v1/aggregates/region", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    again = runner.invoke(args=["tokens", "create", "--name", name, "--role", "finance"])
    assert again.exit_code != 0
    # The README's tour run a second time: the error says what to do (it said only "already exists", and
    # the tour's TOKEN=$(...) was then empty, every write a 401).
    assert f"--name {name}-2" in again.output and "printed only when it is created" in again.output
