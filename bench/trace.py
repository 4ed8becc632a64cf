"""Which files and functions of portfolio/ one request passes through (ARCHITECTURE.md, "Two requests,
traced"): an app on a throw-away SQLite database with the reference data and the 15 annex projects, one
warm-up request of the same kind (first-use imports and caches), then the traced request, through Flask's
test client with a bearer token. Counted: the distinct files under portfolio/ and the distinct functions
(code objects; lambdas, comprehensions and generator expressions are not counted) that Python entered.

    .venv/bin/python bench/trace.py            # the two requests of ARCHITECTURE.md
    .venv/bin/python bench/trace.py --list     # and every function entered, by file
"""
import argparse
import collections
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = str(ROOT / "portfolio") + "/"
SKIPPED = {"<genexpr>", "<listcomp>", "<dictcomp>", "<setcomp>", "<lambda>"}
PROJECT = {"title": "Traced", "region": "europe", "countries": ["AL"], "priorities": [{"code": "cooperation"}],
           "activity_types": ["policy-frameworks"], "status": "implementation"}
REQUESTS = [
    ("POST /api/v1/projects", lambda c, h, n: c.post("/api/v1/projects", json={"code": f"TRACE-{n}", **PROJECT},
                                                    headers=h)),
    ("GET /api/v1/aggregates/priority?country=AL",
     lambda c, h, n: c.get("/api/v1/aggregates/priority?country=AL", headers=h)),
]


def traced(call) -> tuple[object, dict[str, set[str]]]:
    """call()'s result, and the functions of portfolio/ it entered, by file."""
    seen: dict[str, set[str]] = collections.defaultdict(set)

    def tracer(frame, event, arg):
        code = frame.f_code
        if code.co_filename.startswith(PACKAGE) and code.co_name not in SKIPPED:
            seen[code.co_filename[len(PACKAGE):]].add(f"{code.co_qualname}:{code.co_firstlineno}")

    sys.setprofile(tracer)
    try:
        result = call()
    finally:
        sys.setprofile(None)
    return result, seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list every function entered, by file")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from portfolio import create_app
    from portfolio.auth import issue_token
    from portfolio.extensions import db
    from portfolio.services.seed import seed_all

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/trace.db",
                          "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            seed_all()
            _, token = issue_token("trace", "admin", actor="bench")
            db.session.remove()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        for name, request in REQUESTS:
            request(client, headers, 1)  # warm-up
            response, seen = traced(lambda: request(client, headers, 2))  # noqa: B023
            assert response.status_code < 300, (name, response.status_code, response.get_data(as_text=True))
            functions = sum(len(names) for names in seen.values())
            print(f"{name}: {len(seen)} files, {functions} functions of portfolio/")
            if args.list:
                for path in sorted(seen):
                    print(f"  {path}: {', '.join(sorted(n.split(':')[0] for n in seen[path]))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
