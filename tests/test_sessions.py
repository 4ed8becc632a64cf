"""People's sign-in (issue 23): accounts made by `flask users`, argon2 hashes (re-hashed when the parameters
change), revocable server-side sessions (idle and absolute expiry, sign-out, disable, new password), the
cookie's attributes, CSRF on every cookie-authenticated write, limited sign-in attempts, answers that do not
tell an unknown user from a wrong password, and history under the person's name."""
import statistics
import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from helpers import create_project, project_body
from sqlalchemy import func, select, update

from portfolio import create_app
from portfolio.extensions import db
from portfolio.models import AuditEvent, Project, User, UserSession
from portfolio.models.base import utcnow

PASSWORD = "correct horse battery staple"
SESSION = "/api/v1/session"


def make_user(runner, username="alice", role="editor", name="Alice Martin", password=PASSWORD):
    args = ["users", "create", username, "--role", role, "--password-stdin"] + (["--name", name] if name else [])
    result = runner.invoke(args=args, input=password + "\n")
    assert result.exit_code == 0, result.output
    return username


def sign_in(client, username="alice", password=PASSWORD):
    return client.post(SESSION, json={"username": username, "password": password})


@pytest.fixture
def alice(app, runner):
    return make_user(runner)


@pytest.fixture
def signed_in(app, alice):
    """A browser (test client, no Authorization header) signed in as alice; its csrf token in .csrf."""
    browser = app.test_client()
    answer = sign_in(browser)
    assert answer.status_code == 200, answer.json
    browser.csrf = answer.json["csrf_token"]
    return browser


def count(in_app, model):
    return in_app(lambda: db.session.scalar(select(func.count()).select_from(model)))


def test_sign_in_answers_the_user_and_sets_a_hardened_cookie(app, alice):
    browser = app.test_client()
    answer = sign_in(browser, "Alice")  # usernames are compared in lower case
    assert answer.status_code == 200, answer.json
    assert answer.json["user"] == {"username": "alice", "name": "Alice Martin", "role": "editor",
                                   "permissions": ["create", "delete", "edit", "read"]}
    assert answer.json["csrf_token"] and answer.json["expires_at"]
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("tcm_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP (make run on 127.0.0.1)
    again = browser.get(SESSION)
    assert again.status_code == 200 and again.json["user"]["username"] == "alice"
    assert again.json["csrf_token"] != ""
    over_https = app.test_client().post(SESSION, json={"username": "alice", "password": PASSWORD},
                                        base_url="https://localhost")
    assert "; Secure" in over_https.headers["Set-Cookie"]


def test_the_cookie_carries_a_random_token_whose_hash_is_the_session_row(app, signed_in, in_app):
    rows = in_app(lambda: db.session.execute(select(UserSession.token_hash, UserSession.expires_at,
                                                    UserSession.created_at)).all())
    assert len(rows) == 1
    token_hash, expires_at, created_at = rows[0]
    assert len(token_hash) == 64 and expires_at - created_at == timedelta(hours=app.config["SESSION_LIFETIME_HOURS"])
    assert token_hash not in signed_in.get_cookie("tcm_session").value


def test_not_signed_in_is_401_problem(anonymous):
    answer = anonymous.get(SESSION)
    assert answer.status_code == 401 and answer.content_type == "application/problem+json"
    assert anonymous.get("/api/v1/projects").status_code == 401  # OPEN_READS is off in tests


def test_a_session_reads_and_writes_with_its_csrf_token_and_history_names_the_person(signed_in, in_app):
    assert signed_in.get("/api/v1/projects").status_code == 200
    created = signed_in.post("/api/v1/projects", json=project_body("P-WEB"), headers={"X-CSRF-Token": signed_in.csrf})
    assert created.status_code == 201, created.json
    changed = signed_in.patch("/api/v1/projects/P-WEB", json={"title": "Changed"},
                              headers={"X-CSRF-Token": signed_in.csrf, "If-Match": created.headers["ETag"]})
    assert changed.status_code == 200, changed.json
    history = signed_in.get("/api/v1/projects/P-WEB/history").json
    assert {event["actor"] for event in history} == {"user:alice (Alice Martin)"}
    assert in_app(lambda: set(db.session.scalars(select(AuditEvent.actor).where(
        AuditEvent.project_code == "P-WEB")))) == {"user:alice (Alice Martin)"}


def test_a_fresh_csrf_token_from_get_session_works_too(signed_in):
    fresh = signed_in.get(SESSION).json["csrf_token"]
    answer = signed_in.post("/api/v1/projects", json=project_body("P-2"), headers={"X-CSRF-Token": fresh})
    assert answer.status_code == 201, answer.json


@pytest.mark.parametrize("how", ["cross-site form", "json without the header", "wrong token", "multipart upload"])
def test_a_cookie_write_without_its_csrf_token_is_refused_403_and_writes_nothing(signed_in, in_app, how):
    before = count(in_app, Project), count(in_app, AuditEvent)
    if how == "cross-site form":  # what <form method=post action=...> on another site sends, with the cookie
        answer = signed_in.post("/api/v1/projects", data="code=P-X&title=x",
                                content_type="application/x-www-form-urlencoded",
                                headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"})
    elif how == "json without the header":
        answer = signed_in.post("/api/v1/projects", json=project_body("P-X"))
    elif how == "wrong token":
        answer = signed_in.post("/api/v1/projects", json=project_body("P-X"), headers={"X-CSRF-Token": "forged"})
    else:
        answer = signed_in.post("/api/v1/projects/bulk", data={
            "file": (__import__("io").BytesIO(b"code,title,region,priorities\nP-X,x,europe,cooperation\n"), "p.csv")},
            content_type="multipart/form-data")
    assert answer.status_code == 403, answer.json
    assert answer.content_type == "application/problem+json"
    assert "X-CSRF-Token" in answer.json["detail"]
    assert answer.json["errors"][0]["pointer"] == "/X-CSRF-Token"
    assert answer.json["errors"][0]["location"] == "header"
    assert (count(in_app, Project), count(in_app, AuditEvent)) == before


def test_a_token_from_another_session_is_refused(app, signed_in, runner):
    make_user(runner, "bob", "editor", None)
    other = app.test_client()
    bob_token = sign_in(other, "bob").json["csrf_token"]
    answer = signed_in.post("/api/v1/projects", json=project_body("P-X"), headers={"X-CSRF-Token": bob_token})
    assert answer.status_code == 403


def test_bearer_token_requests_need_no_csrf_token(client):
    create_project(client, "P-TOKEN")  # the admin token, no X-CSRF-Token


def test_a_session_has_its_roles_permissions_through_the_same_checks(app, runner):
    make_user(runner, "vera", "viewer", "Vera Viewer")
    browser = app.test_client()
    csrf = sign_in(browser, "vera").json["csrf_token"]
    assert browser.get("/api/v1/projects").status_code == 200
    refused = browser.post("/api/v1/projects", json=project_body("P-V"), headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403 and "viewer" in refused.json["detail"]
    assert browser.get("/api/v1/tokens").status_code == 403


def test_sign_out_deletes_the_session_and_the_old_cookie_is_worthless(app, signed_in, in_app):
    cookie = signed_in.get_cookie("tcm_session").value
    assert signed_in.delete(SESSION).status_code == 403  # needs the CSRF header
    assert signed_in.delete(SESSION, headers={"X-CSRF-Token": signed_in.csrf}).status_code == 204
    assert count(in_app, UserSession) == 0
    assert signed_in.get(SESSION).status_code == 401
    replay = app.test_client()
    replay.set_cookie("tcm_session", cookie)  # someone who copied the cookie before sign-out
    assert replay.get(SESSION).status_code == 401
    assert replay.get("/api/v1/projects").status_code == 401


def test_signing_in_again_replaces_the_session_and_the_cookie(signed_in, in_app):
    before = signed_in.get_cookie("tcm_session").value
    assert sign_in(signed_in).status_code == 200
    assert signed_in.get_cookie("tcm_session").value != before
    assert count(in_app, UserSession) == 1


def _age(in_app, **values):
    def run():
        db.session.execute(update(UserSession).values(**values))
        db.session.commit()
    in_app(run)


def test_a_session_idle_too_long_ends(app, signed_in, in_app):
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    _age(in_app, last_seen_at=utcnow() - idle + timedelta(minutes=5))
    assert signed_in.get(SESSION).status_code == 200  # used within the idle time: still alive, and seen now
    seen = in_app(lambda: db.session.scalar(select(UserSession.last_seen_at)))
    assert utcnow() - seen < timedelta(minutes=1)
    _age(in_app, last_seen_at=utcnow() - idle - timedelta(seconds=1))
    assert signed_in.get(SESSION).status_code == 401
    assert count(in_app, UserSession) == 0  # the ended row is deleted


def test_a_session_past_its_absolute_lifetime_ends_however_busy(signed_in, in_app):
    _age(in_app, expires_at=utcnow() - timedelta(seconds=1))
    assert signed_in.get("/api/v1/projects").status_code == 401
    assert count(in_app, UserSession) == 0


def test_expires_at_is_the_earlier_of_the_idle_and_the_absolute_end(app, signed_in, in_app):
    soon = utcnow() + timedelta(minutes=3)
    _age(in_app, expires_at=soon)
    answer = signed_in.get(SESSION).json
    assert answer["expires_at"].startswith(soon.isoformat()[:19])


def test_disable_ends_every_session_and_refuses_sign_in_like_a_wrong_password(app, runner, signed_in, in_app):
    second = app.test_client()
    assert sign_in(second).status_code == 200
    result = runner.invoke(args=["users", "disable", "alice"])
    assert result.exit_code == 0 and "2 session(s) ended" in result.output
    assert signed_in.get(SESSION).status_code == 401 and second.get(SESSION).status_code == 401
    refused, wrong = sign_in(app.test_client()), sign_in(app.test_client(), password="wrong password!")
    assert refused.status_code == wrong.status_code == 401 and refused.json == wrong.json
    assert runner.invoke(args=["users", "enable", "alice"]).exit_code == 0
    assert sign_in(app.test_client()).status_code == 200


def test_a_new_password_ends_the_sessions_and_the_old_one_stops_working(app, runner, signed_in):
    result = runner.invoke(args=["users", "set-password", "alice", "--password-stdin"], input="another long secret\n")
    assert result.exit_code == 0, result.output
    assert signed_in.get(SESSION).status_code == 401
    assert sign_in(app.test_client()).status_code == 401
    assert sign_in(app.test_client(), password="another long secret").status_code == 200


def test_cli_refuses_bad_accounts_and_lists_users_without_secrets(runner, alice, in_app):
    short = runner.invoke(args=["users", "create", "bob", "--role", "editor", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 12" in short.output
    taken = runner.invoke(args=["users", "create", "ALICE", "--role", "viewer", "--password-stdin"],
                          input=PASSWORD + "\n")
    assert taken.exit_code != 0 and "already exists" in taken.output
    bad_name = runner.invoke(args=["users", "create", "a b", "--role", "viewer", "--password-stdin"],
                             input=PASSWORD + "\n")
    assert bad_name.exit_code != 0
    prompted = runner.invoke(args=["users", "create", "carol", "--role", "finance"],
                             input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    listing = runner.invoke(args=["users", "list"])
    assert "alice" in listing.output and "carol" in listing.output and "argon2" not in listing.output
    stored = in_app(lambda: db.session.scalar(select(User.password_hash).where(User.username == "alice")))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert runner.invoke(args=["users", "disable", "nobody"]).exit_code != 0


@pytest.fixture
def default_hashes(app, monkeypatch):
    """The app hashes with the default profile, as in production (the suite runs with CHEAPEST, conftest.py).
    Before `alice` in a test's arguments, so that her hash is made with it too."""
    monkeypatch.delenv("PASSWORD_HASH_PROFILE")
    default = create_app().extensions["password_hasher"]
    assert (default.time_cost, default.memory_cost, default.parallelism) == (3, 65536, 4)
    monkeypatch.setitem(app.extensions, "password_hasher", default)
    return default


def test_the_default_profile_is_rfc_9106_low_memory_and_an_unknown_one_is_refused(monkeypatch):
    monkeypatch.delenv("PASSWORD_HASH_PROFILE")
    hasher = create_app().extensions["password_hasher"]
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)
    assert hasher.hash(PASSWORD).startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    monkeypatch.setenv("PASSWORD_HASH_PROFILE", "cheap")
    with pytest.raises(ValueError, match="PASSWORD_HASH_PROFILE='cheap' is not one of RFC_9106_LOW_MEMORY"):
        create_app()


def test_a_hash_made_with_older_parameters_is_rehashed_at_sign_in(app, default_hashes, alice, in_app):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)

    def store():
        db.session.execute(update(User).values(password_hash=weak))
        db.session.commit()
    in_app(store)
    assert default_hashes.check_needs_rehash(weak)
    assert sign_in(app.test_client()).status_code == 200
    stored = in_app(lambda: db.session.scalar(select(User.password_hash)))
    assert stored != weak and not default_hashes.check_needs_rehash(stored)
    assert default_hashes.verify(stored, PASSWORD)
    assert sign_in(app.test_client()).status_code == 200  # and it still signs in


def _timed(app, username, password):
    started = time.perf_counter()
    answer = sign_in(app.test_client(), username, password)
    return time.perf_counter() - started, answer


def test_an_unknown_user_and_a_wrong_password_answer_alike_and_take_comparable_time(app, default_hashes, runner,
                                                                                     alice, in_app):
    make_user(runner, "dora", "viewer", None)
    assert runner.invoke(args=["users", "disable", "dora"]).exit_code == 0
    stored = in_app(lambda: db.session.scalars(select(User.password_hash)).all())
    assert all(h.startswith("$argon2id$v=19$m=65536,t=3,p=4$") for h in stored), stored
    cases = {"unknown": ("nobody-here", PASSWORD), "wrong password": ("alice", "not the password"),
             "disabled": ("dora", PASSWORD), "malformed name": ("no such name!", PASSWORD)}
    answers, times = {}, {}
    for _ in range(5):
        for case, (username, password) in cases.items():
            elapsed, answer = _timed(app, username, password)
            times.setdefault(case, []).append(elapsed)
            answers[case] = (answer.status_code, answer.json, answer.headers.get("WWW-Authenticate"),
                             sorted(k for k, _ in answer.headers if k != "X-Request-ID"))
    assert len({repr(a) for a in answers.values()}) == 1, answers
    assert answers["unknown"][0] == 401
    medians = {case: statistics.median(values) for case, values in times.items()}
    # Every case verifies an argon2 hash (tens of ms); an unknown user answered without one would take ~1 ms.
    assert max(medians.values()) < 3 * min(medians.values()), medians


def test_idempotency_keys_belong_to_tokens_a_session_request_with_one_is_refused(signed_in, in_app):
    answer = signed_in.post("/api/v1/projects", json=project_body("P-K"),
                            headers={"X-CSRF-Token": signed_in.csrf, "Idempotency-Key": "k-1"})
    assert answer.status_code == 400 and "Idempotency-Key" in answer.json["detail"]
    assert count(in_app, Project) == 0


def test_sign_in_body_is_checked_like_any_body(anonymous):
    assert anonymous.post(SESSION, json={}).status_code == 422
    assert anonymous.post(SESSION, json={"username": "a", "password": "b", "remember": True}).status_code == 422
    assert anonymous.post(SESSION, data="username=a&password=b",
                          content_type="application/x-www-form-urlencoded").status_code == 415


def test_a_token_name_cannot_pose_as_a_person(runner):
    result = runner.invoke(args=["tokens", "create", "--name", "user:alice (Alice Martin)", "--role", "admin"])
    assert result.exit_code != 0 and "user:" in result.output


# Rate limits on failed sign-ins: an app of their own, limits on (the suite's app has them off).

@pytest.fixture
def limited(app):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                       "RATELIMIT_SIGNIN_ACCOUNT": "3 per minute", "RATELIMIT_SIGNIN_ADDRESS": "5 per minute"})


def test_failed_sign_ins_are_limited_per_account_with_a_429_problem_and_retry_after(limited, alice, runner):
    browser = limited.test_client()
    for _ in range(3):
        assert sign_in(browser, password="wrong password!").status_code == 401
    blocked = sign_in(browser)  # even the right password, until the window passes
    assert blocked.status_code == 429 and blocked.content_type == "application/problem+json"
    assert int(blocked.headers["Retry-After"]) > 0
    other_address = limited.test_client()
    assert sign_in(other_address, "ALICE").status_code == 429  # the account, whatever the address or spelling
    make_user(runner, "bob", "viewer", None)
    assert sign_in(browser, "bob").status_code == 200  # another account from the same address


def test_failed_sign_ins_are_limited_per_address_across_accounts(limited, alice):
    browser = limited.test_client()
    for number in range(5):
        assert sign_in(browser, f"guess-{number}", "wrong password!").status_code == 401
    assert sign_in(browser).status_code == 429
    other = limited.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert sign_in(other).status_code == 200


def test_successful_sign_ins_are_not_counted(limited, alice):
    browser = limited.test_client()
    for _ in range(6):
        assert sign_in(browser).status_code == 200


def test_behind_a_tls_proxy_the_cookie_is_secure_only_when_the_proxy_is_trusted(app, alice):
    settings = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "RATELIMIT_ENABLED": False}
    forwarded = {"X-Forwarded-Proto": "https"}
    untrusted = create_app(settings).test_client()
    answer = untrusted.post(SESSION, json={"username": "alice", "password": PASSWORD}, headers=forwarded)
    assert "Secure" not in answer.headers["Set-Cookie"]  # anyone could send the header
    trusted = create_app({**settings, "PROXY_FIX_X_PROTO": 1}).test_client()
    answer = trusted.post(SESSION, json={"username": "alice", "password": PASSWORD}, headers=forwarded)
    assert "; Secure" in answer.headers["Set-Cookie"]
    forced = create_app({**settings, "SESSION_COOKIE_SECURE": True}).test_client()
    assert "; Secure" in sign_in(forced).headers["Set-Cookie"]
