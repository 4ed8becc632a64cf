"""Bounded loopback load test: gunicorn + PostgreSQL, mixed reads, aggregates and writes.

    .venv/bin/python bench/load_test.py [--seconds 60] [--clients 6]

Several client processes run for a fixed time against 127.0.0.1 only. Afterwards it checks that no
response was a 5xx and that the projects created equal the 2xx answers to the create requests, then
prints the figures and writes them to bench/results/.
"""
import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from live import LiveServer, request  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "tcm_load"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
READS = ["/api/v1/projects?page_size=25", "/api/v1/projects?region=europe&sort=-budget",
         "/api/v1/projects?q=synthetic&sort=title&cursor=first", "/api/v1/regions", "/api/v1/rcps?country=AL"]
AGGREGATES = ["/api/v1/aggregates/region", "/api/v1/aggregates/priority?region=americas",
              "/api/v1/aggregates/region-priority", "/api/v1/aggregates/year", "/api/v1/portfolio/summary",
              "/api/v1/aggregates/country?q=synthetic+demo"]


def flask(*args: str) -> str:
    env = {**os.environ, "DATABASE_URL": URL}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout


def client(args) -> dict:
    port, token, worker, seconds = args
    rng = random.Random(worker)
    auth = {"Authorization": f"Bearer {token}"}
    statuses: Counter = Counter()
    created = 0
    deadline = time.time() + seconds
    n = 0
    while time.time() < deadline:
        n += 1
        roll = rng.random()
        try:
            if roll < 0.45:
                status = request(port, "GET", rng.choice(READS), headers=auth)[0]
            elif roll < 0.70:
                status = request(port, "GET", rng.choice(AGGREGATES), headers=auth)[0]
            elif roll < 0.88:
                body = {"code": f"LOAD-{worker}-{n}", "title": f"Load test {worker}/{n}", "region": "europe",
                        "countries": ["AL"], "priorities": [{"code": "cooperation"}]}
                status = request(port, "POST", "/api/v1/projects", body,
                                 {**auth, "Idempotency-Key": f"load-{worker}-{n}"})[0]
                created += status == 201
                statuses["create " + str(status)] += 1
            else:
                code = f"DEMO-{rng.randint(1, 2000):06d}"
                got = request(port, "GET", f"/api/v1/projects/{code}", headers=auth)
                status = request(port, "PATCH", f"/api/v1/projects/{code}", {"status": "implementation"},
                                 {**auth, "If-Match": got[1].get("ETag", '"none"')})[0]
        except OSError:
            status = "connection-error"
        statuses[str(status)] += 1
    return {"statuses": statuses, "created": created}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    flask("db", "upgrade")
    flask("seed")
    flask("demo-data", "--projects", "2000")
    token = flask("tokens", "create", "--name", "load", "--role", "admin").strip()
    server = LiveServer(URL, workers=args.workers)
    try:
        with multiprocessing.get_context("spawn").Pool(args.clients) as pool:
            results = pool.map(client, [(server.port, token, w, args.seconds) for w in range(args.clients)])
    finally:
        server.stop()
    statuses: Counter = Counter()
    for r in results:
        statuses.update(r["statuses"])
    created_ok = sum(r["created"] for r in results)
    with psycopg.connect(URL.replace("+psycopg", "")) as conn:
        in_db = conn.execute("SELECT count(*) FROM projects WHERE code LIKE 'LOAD-%'").fetchone()[0]
        drift = flask("rollups", "verify").strip()
    total = sum(v for k, v in statuses.items() if not k.startswith("create"))
    server_errors = sum(v for k, v in statuses.items() if not k.startswith("create") and k.startswith("5"))
    # 412: two clients edited the same project at once (the If-Match race the test provokes); any other 4xx is
    # a request the API no longer accepts, i.e. this script out of date with the API.
    unexpected = sum(v for k, v in statuses.items() if not k.startswith("create") and k.startswith("4")
                     and k != "412")
    summary = {
        "started": datetime.now(UTC).isoformat(), "seconds": args.seconds, "clients": args.clients,
        "gunicorn_workers": args.workers, "requests": total, "requests_per_second": round(total / args.seconds, 1),
        "status_counts": dict(sorted((k, v) for k, v in statuses.items() if not k.startswith("create"))),
        "server_errors_5xx": server_errors, "unexpected_4xx": unexpected,
        "connection_errors": statuses.get("connection-error", 0),
        "create_201": created_ok, "projects_created_in_db": in_db, "reconciled": created_ok == in_db,
        "rollups": drift,
    }
    print(json.dumps(summary, indent=2))
    out = ROOT / "bench" / "results" / f"load-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(summary, indent=2))
    print(f"written to {out.relative_to(ROOT)}")
    if server_errors or unexpected or created_ok != in_db or summary["connection_errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
