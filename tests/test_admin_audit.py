"""Admin actions leave an audit trail: every token created or revoked, every account created, changed, disabled,
enabled or given a password writes one audit event (same transaction, actor = the caller), never with a secret
in it; admins alone read it at /users/{username}/history and /tokens/{name}/history."""
import getpass
import json

import pytest
from test_sessions import PASSWORD, make_user, sign_in

USERS, TOKENS = "/api/v1/users", "/api/v1/tokens"
CLI_ACTOR = f"cli:{getpass.getuser()}"


def history(client, path):
    response = client.get(f"{path}/history")
    assert response.status_code == 200, response.json
    return response.json


def assert_no_secret(events, *secrets):
    text = json.dumps(events)
    for secret in secrets:
        assert secret not in text
    assert "$argon2" not in text and "hash" not in text


def admin_events(app):
    """Every token and user event in the database (what the histories can show), but the set-up's test-admin."""
    from sqlalchemy import select

    from portfolio.extensions import db
    from portfolio.models import AuditEvent

    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.entity.in_(("token", "user")),
                                                        AuditEvent.entity_id != "test-admin")
                                  .order_by(AuditEvent.id)).all()
        out = [(e.entity, e.entity_id, e.action, e.actor) for e in rows]
        db.session.remove()
    return out


def test_a_token_created_and_revoked_over_the_api_leaves_two_events_without_its_secret(app, client):
    created = client.post(TOKENS, json={"name": "nightly-import", "role": "integrator"})
    assert created.status_code == 201
    secret = created.json["token"]
    assert client.delete(f"{TOKENS}/nightly-import").status_code == 204
    assert client.delete(f"{TOKENS}/nightly-import").status_code == 204  # revoked already: no change, no event
    events = history(client, f"{TOKENS}/nightly-import")  # a revoked token's history stays readable
    assert [(e["action"], e["entity"], e["entity_id"], e["actor"]) for e in events] == [
        ("revoke", "token", "nightly-import", "test-admin"), ("create", "token", "nightly-import", "test-admin")]
    assert events[1]["before"] is None
    assert events[1]["after"] == {"name": "nightly-import", "role": "integrator", "active": True}
    assert events[0]["changed"] == ["active"] and events[0]["after"]["active"] is False
    assert_no_secret(events, secret, secret[:12])
    assert admin_events(app) == [("token", "nightly-import", "create", "test-admin"),
                                 ("token", "nightly-import", "revoke", "test-admin")]


def test_each_account_action_over_the_api_leaves_one_event_without_the_password(app, client):
    created = client.post(USERS, json={"username": "bob", "name": "Bob Brown", "role": "viewer", "password": PASSWORD})
    assert created.status_code == 201
    assert client.patch(f"{USERS}/bob", json={"role": "editor"}).status_code == 200
    assert client.patch(f"{USERS}/bob", json={"name": "Bob B."}).status_code == 200
    assert client.patch(f"{USERS}/bob", json={"name": "Bob B."}).status_code == 200  # no change, no event
    assert client.patch(f"{USERS}/bob", json={"disabled": True}).status_code == 200
    assert client.patch(f"{USERS}/bob", json={"disabled": False}).status_code == 200
    assert client.patch(f"{USERS}/bob", json={"password": "a brand new secret"}).status_code == 200
    events = history(client, f"{USERS}/bob")
    assert [(e["action"], e["entity"], e["entity_id"], e["actor"]) for e in events] == [
        ("set-password", "user", "bob", "test-admin"), ("enable", "user", "bob", "test-admin"),
        ("disable", "user", "bob", "test-admin"), ("update", "user", "bob", "test-admin"),
        ("update", "user", "bob", "test-admin"), ("create", "user", "bob", "test-admin")]
    create, promote, rename, disable, enable, password = reversed(events)
    assert create["before"] is None
    assert {k: create["after"][k] for k in ("username", "name", "role", "active")} == {
        "username": "bob", "name": "Bob Brown", "role": "viewer", "active": True}
    assert promote["changed"] == ["role"] and promote["after"]["role"] == "editor"
    assert rename["changed"] == ["name"] and rename["after"]["name"] == "Bob B."
    assert disable["changed"] == ["active"] and disable["after"]["active"] is False
    assert enable["changed"] == ["active"] and enable["after"]["active"] is True
    assert password["changed"] == ["password_changed_at"]
    assert_no_secret(events, PASSWORD, "a brand new secret")
    assert len(admin_events(app)) == 6


def test_an_admin_session_is_the_actor(app, runner):
    make_user(runner, "root", "admin", "Ada Admin")
    browser = app.test_client()
    csrf = {"X-CSRF-Token": sign_in(browser, "root").json["csrf_token"]}
    assert browser.post(TOKENS, json={"name": "t1", "role": "viewer"}, headers=csrf).status_code == 201
    assert browser.post(USERS, json={"username": "eve", "role": "viewer", "password": PASSWORD},
                        headers=csrf).status_code == 201
    assert history(browser, f"{TOKENS}/t1")[0]["actor"] == "user:root (Ada Admin)"
    assert history(browser, f"{USERS}/eve")[0]["actor"] == "user:root (Ada Admin)"


def test_a_refused_action_writes_no_event(app, client):
    assert client.post(USERS, json={"username": "bob", "role": "viewer", "password": PASSWORD}).status_code == 201
    assert client.post(USERS, json={"username": "bob", "role": "viewer", "password": PASSWORD}).status_code == 409
    assert client.post(USERS, json={"username": "carl", "role": "viewer", "password": "short"}).status_code == 422
    assert client.patch(f"{USERS}/bob", json={"password": "short"}).status_code == 422
    assert client.patch(f"{USERS}/bob", json={"role": "editor", "password": "short"}).status_code == 422
    assert client.post(TOKENS, json={"name": "t1", "role": "viewer"}).status_code == 201
    assert client.post(TOKENS, json={"name": "t1", "role": "admin"}).status_code == 409
    assert client.post(TOKENS, json={"name": "t2", "role": "boss"}).status_code == 422
    assert admin_events(app) == [("user", "bob", "create", "test-admin"), ("token", "t1", "create", "test-admin")]


def test_an_admin_locking_themselves_out_is_refused_and_not_recorded(app, runner):
    make_user(runner, "root", "admin", "Ada Admin")
    browser = app.test_client()
    csrf = {"X-CSRF-Token": sign_in(browser, "root").json["csrf_token"]}
    assert browser.patch(f"{USERS}/root", json={"name": "Ada L.", "disabled": True}, headers=csrf).status_code == 409
    assert [e["action"] for e in history(browser, f"{USERS}/root")] == ["create"]


@pytest.mark.parametrize("role", ["viewer", "editor", "finance", "integrator"])
def test_only_admins_read_the_admin_histories(app, client, role):
    from portfolio.auth import issue_token
    from portfolio.extensions import db

    assert client.post(USERS, json={"username": "bob", "role": "viewer", "password": PASSWORD}).status_code == 201
    with app.app_context():
        token = issue_token(f"reader-{role}", role, actor="tests")[1]
        db.session.remove()
    script = app.test_client()
    script.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert script.get(f"{USERS}/bob/history").status_code == 403
    assert script.get(f"{TOKENS}/reader-{role}/history").status_code == 403


def test_unknown_users_and_tokens_have_no_history(client):
    for path, parameter in ((f"{USERS}/nobody/history", "/username"), (f"{TOKENS}/nothing/history", "/name")):
        missing = client.get(path)
        assert missing.status_code == 404 and missing.content_type == "application/problem+json"
        assert [(e["pointer"], e["location"]) for e in missing.json["errors"]] == [(parameter, "path")]


def test_the_history_is_paginated(client):
    assert client.post(USERS, json={"username": "bob", "role": "viewer", "password": PASSWORD}).status_code == 201
    for n in range(3):
        assert client.patch(f"{USERS}/bob", json={"name": f"Bob {n}"}).status_code == 200
    page = client.get(f"{USERS}/bob/history?page=2&page_size=3")
    assert page.status_code == 200 and [e["action"] for e in page.json] == ["create"]
    assert json.loads(page.headers["X-Pagination"])["total"] == 4


def test_cli_token_and_account_actions_are_recorded_with_the_os_user(app, client, runner):
    created = runner.invoke(args=["tokens", "create", "--name", "cron", "--role", "viewer"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip()
    assert runner.invoke(args=["tokens", "revoke", "cron"]).exit_code == 0
    make_user(runner, "alice", "editor", "Alice Martin")
    result = runner.invoke(args=["users", "set-password", "alice", "--password-stdin"], input="another long one\n")
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["users", "disable", "alice"]).exit_code == 0
    assert runner.invoke(args=["users", "enable", "alice"]).exit_code == 0
    refused = runner.invoke(args=["users", "create", "alice", "--role", "viewer", "--password-stdin"],
                            input=PASSWORD + "\n")
    assert refused.exit_code != 0
    short = runner.invoke(args=["users", "set-password", "alice", "--password-stdin"], input="short\n")
    assert short.exit_code != 0
    assert admin_events(app) == [
        ("token", "cron", "create", CLI_ACTOR), ("token", "cron", "revoke", CLI_ACTOR),
        ("user", "alice", "create", CLI_ACTOR), ("user", "alice", "set-password", CLI_ACTOR),
        ("user", "alice", "disable", CLI_ACTOR), ("user", "alice", "enable", CLI_ACTOR)]
    assert_no_secret(history(client, f"{TOKENS}/cron"), secret)
    assert_no_secret(history(client, f"{USERS}/alice"), PASSWORD, "another long one")


def test_a_token_with_the_longest_name_has_its_history(client):
    """Token names run to 120 characters: audit_events.entity_id holds them (it held 64, PostgreSQL refused)."""
    name = "n" * 120
    assert client.post(TOKENS, json={"name": name, "role": "viewer"}).status_code == 201
    assert [e["entity_id"] for e in history(client, f"{TOKENS}/{name}")] == [name]
