"""The admin pages' API: tokens (list, create shown once, revoke) and people's accounts, admins only, by
bearer token or by an admin's session (with its CSRF token)."""
import pytest
from test_sessions import PASSWORD, make_user, sign_in


@pytest.fixture
def admin_browser(app, runner):
    make_user(runner, "root", "admin", "Ada Admin")
    browser = app.test_client()
    browser.csrf = sign_in(browser, "root").json["csrf_token"]
    return browser


def test_an_admin_session_lists_creates_and_revokes_tokens(app, admin_browser):
    csrf = {"X-CSRF-Token": admin_browser.csrf}
    created = admin_browser.post("/api/v1/tokens", json={"name": "nightly-import", "role": "integrator"}, headers=csrf)
    assert created.status_code == 201, created.json
    token = created.json["token"]
    assert token.startswith("tcm_") and created.json["prefix"] == token[:12]
    assert created.headers["Location"].endswith("/api/v1/tokens/nightly-import")
    listed = admin_browser.get("/api/v1/tokens").json
    entry = next(t for t in listed if t["name"] == "nightly-import")
    assert entry == {"name": "nightly-import", "role": "integrator", "prefix": token[:12],
                     "created_at": entry["created_at"], "revoked_at": None}
    assert all("token" not in t for t in listed)
    script = app.test_client()
    script.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert script.get("/api/v1/projects").status_code == 200
    assert admin_browser.delete("/api/v1/tokens/nightly-import").status_code == 403  # CSRF
    assert admin_browser.delete("/api/v1/tokens/nightly-import", headers=csrf).status_code == 204
    assert script.get("/api/v1/projects").status_code == 401
    assert admin_browser.get("/api/v1/tokens/nightly-import").json["revoked_at"] is not None
    assert admin_browser.delete("/api/v1/tokens/nightly-import", headers=csrf).status_code == 204  # again: no change
    assert admin_browser.delete("/api/v1/tokens/nope", headers=csrf).status_code == 404


def test_token_names_are_checked_and_unique(admin_browser):
    csrf = {"X-CSRF-Token": admin_browser.csrf}
    assert admin_browser.post("/api/v1/tokens", json={"name": "a", "role": "viewer"}, headers=csrf).status_code == 201
    again = admin_browser.post("/api/v1/tokens", json={"name": "a", "role": "viewer"}, headers=csrf)
    assert again.status_code == 409
    posing = admin_browser.post("/api/v1/tokens", json={"name": "user:alice", "role": "viewer"}, headers=csrf)
    assert posing.status_code == 422 and posing.json["errors"][0]["pointer"] == "/name"
    assert admin_browser.post("/api/v1/tokens", json={"name": "b", "role": "boss"}, headers=csrf).status_code == 422


@pytest.mark.parametrize("role", ["viewer", "editor", "finance", "integrator"])
def test_only_admins_manage_tokens_and_users(app, runner, role):
    from portfolio.auth import issue_token
    from portfolio.extensions import db

    with app.app_context():
        token = issue_token(f"not-admin-{role}", role, actor="tests")[1]
        db.session.remove()
    script = app.test_client()
    script.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    for method, path, body in (("GET", "/api/v1/tokens", None),
                               ("POST", "/api/v1/tokens", {"name": "x", "role": "admin"}),
                               ("DELETE", f"/api/v1/tokens/not-admin-{role}", None), ("GET", "/api/v1/users", None),
                               ("POST", "/api/v1/users", {"username": "x", "role": "admin", "password": PASSWORD})):
        assert script.open(path, method=method, json=body).status_code == 403, (method, path)


def test_an_admin_creates_changes_and_disables_people(app, client, runner):
    created = client.post("/api/v1/users", json={"username": "bob", "name": "Bob Brown", "role": "viewer",
                                                "password": PASSWORD})
    assert created.status_code == 201, created.json
    assert "password" not in created.json and "password_hash" not in created.json
    assert created.headers["Location"].endswith("/api/v1/users/bob")
    bob = app.test_client()
    assert sign_in(bob, "bob").json["user"]["role"] == "viewer"
    promoted = client.patch("/api/v1/users/bob", json={"role": "editor"})
    assert promoted.status_code == 200 and promoted.json["role"] == "editor"
    assert bob.get("/api/v1/session").status_code == 401  # a new role ends the sessions
    assert sign_in(bob, "bob").json["user"]["role"] == "editor"
    assert client.patch("/api/v1/users/bob", json={"disabled": True}).json["disabled_at"] is not None
    assert bob.get("/api/v1/session").status_code == 401
    assert sign_in(app.test_client(), "bob").status_code == 401
    enabled = client.patch("/api/v1/users/bob", json={"disabled": False, "password": "a brand new secret"})
    assert enabled.status_code == 200
    assert sign_in(app.test_client(), "bob", "a brand new secret").status_code == 200
    assert [u["username"] for u in client.get("/api/v1/users").json] == ["bob"]
    assert client.post("/api/v1/users", json={"username": "bob", "role": "viewer", "password": PASSWORD}
                       ).status_code == 409
    short = client.post("/api/v1/users", json={"username": "carl", "role": "viewer", "password": "short"})
    assert short.status_code == 422 and short.json["errors"][0]["pointer"] == "/password"
    assert client.patch("/api/v1/users/nobody", json={"role": "viewer"}).status_code == 404


def test_an_admin_cannot_lock_themselves_out(admin_browser):
    csrf = {"X-CSRF-Token": admin_browser.csrf}
    assert admin_browser.patch("/api/v1/users/root", json={"disabled": True}, headers=csrf).status_code == 409
    assert admin_browser.patch("/api/v1/users/root", json={"role": "viewer"}, headers=csrf).status_code == 409
    assert admin_browser.patch("/api/v1/users/root", json={"name": "Ada L."}, headers=csrf).status_code == 200


def test_a_patch_without_a_body_is_refused_naming_the_body_and_an_empty_object_changes_nothing(client):
    """Schemathesis: PATCH /users/{username} without a body answered 200 (webargs read it as {})."""
    assert client.post("/api/v1/users", json={"username": "dora", "name": "Dora", "role": "viewer",
                                              "password": PASSWORD}).status_code == 201
    for headers in ({}, {"Content-Type": "application/json"}):
        refused = client.patch("/api/v1/users/dora", headers=headers)
        assert refused.status_code == 422 and refused.content_type == "application/problem+json", refused.json
        assert [(e["pointer"], e["location"]) for e in refused.json["errors"]] == [("/", "body")]
    unchanged = client.patch("/api/v1/users/dora", json={})  # RFC 7396: an empty merge patch changes nothing
    assert unchanged.status_code == 200 and unchanged.json["role"] == "viewer" and unchanged.json["name"] == "Dora"


def test_a_persons_name_of_only_spaces_is_422_naming_it(client):
    refused = client.post("/api/v1/users", json={"username": "blank", "name": " \t", "role": "viewer",
                                                "password": PASSWORD})
    assert refused.status_code == 422 and {e["pointer"] for e in refused.json["errors"]} == {"/name"}
    assert client.post("/api/v1/users", json={"username": "blank", "role": "viewer", "password": PASSWORD}
                       ).status_code == 201
    patched = client.patch("/api/v1/users/blank", json={"name": "  "})
    assert patched.status_code == 422 and {e["pointer"] for e in patched.json["errors"]} == {"/name"}
