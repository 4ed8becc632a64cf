"""kill -9 of the server in the middle of a large bulk upsert: the request's rows are all there or
none are, the rollups still match, and the server starts again cleanly."""
import threading
import time

from sqlalchemy import func, select

from helpers import project_body
from live import LiveServer, request
from portfolio.extensions import db
from portfolio.models import AuditEvent, Project
from portfolio.statistics.rollups import differences

ITEMS = 3000


def _items(prefix):
    return [project_body(f"{prefix}-{i:05d}", countries=["AL", "BA"], priorities=[
        {"code": "cooperation", "share": "50"}, {"code": "harmonization", "share": "50"}]) for i in range(ITEMS)]


def _counts(in_app, prefix):
    def run():
        projects = db.session.scalar(select(func.count(Project.id)).where(Project.code.like(f"{prefix}-%")))
        events = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.project_code.like(
            f"{prefix}-%")))
        return projects, events, differences()
    return in_app(run)


def test_kill_9_during_bulk_upsert_leaves_all_or_nothing(app, in_app):
    token = app.config["TEST_ADMIN_TOKEN"]
    auth = {"Authorization": f"Bearer {token}"}
    server = LiveServer(app.config["SQLALCHEMY_DATABASE_URI"], workers=1)
    try:
        started = time.perf_counter()
        status, _, body = request(server.port, "POST", "/api/v1/projects/bulk", {"items": _items("CAL")}, auth)
        assert status == 200, body
        duration = time.perf_counter() - started
        killed_mid_request = 0
        for attempt, fraction in enumerate((0.2, 0.5, 0.8, 0.95)):
            prefix = f"CRASH{attempt}"
            outcome = {}

            def post():
                try:
                    outcome["status"] = request(server.port, "POST", "/api/v1/projects/bulk",
                                                {"items": _items(prefix)}, auth)[0]
                except OSError as exc:  # the connection died with the server
                    outcome["error"] = exc

            thread = threading.Thread(target=post)
            thread.start()
            time.sleep(duration * fraction)
            server.kill()
            thread.join(timeout=60)
            killed_mid_request += "error" in outcome

            projects, events, drift = _counts(in_app, prefix)
            assert (projects, events) in ((0, 0), (ITEMS, ITEMS)), (fraction, projects, events)
            if outcome.get("status") == 200:
                assert projects == ITEMS
            assert drift == []

            server = LiveServer(app.config["SQLALCHEMY_DATABASE_URI"], workers=1)
            assert request(server.port, "GET", "/api/v1/projects?page_size=1", headers=auth)[0] == 200
        assert killed_mid_request >= 1, "no kill landed during a request; the test proved nothing"
    finally:
        server.stop()
