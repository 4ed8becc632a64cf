"""TCM Portfolio benchmark: one command, both engines, one table of figures and ratios.

    .venv/bin/python bench/run.py            # 100,000 projects, ~1M budget lines, ~1M transactions (and 2,000)
    .venv/bin/python bench/run.py --small    # 2,000 and 500 projects: proves the harness works (used by CI)

For SQLite and PostgreSQL in turn it generates the data sets with `flask demo-data`, starts the API under
gunicorn (threaded workers: connections are kept alive), and measures every figure against its baseline
in the same run, the two sides timed in turn (see bench/README.md). It prints the table and writes it as
JSON to bench/results/. It asserts nothing about time; a case that fails is reported as failed.
"""
import argparse
import csv
import http.client
import io
import json
import os
import pickle
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402
import sql  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
PEER_VENV = ROOT / "bench" / ".peer-venv"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
LINES_PER_PROJECT = 9  # with revisions, ~10.6 budget lines per project: ~1,060,000 for 100,000 projects
TRANSACTIONS_PER_PROJECT = 12  # only projects under way have them: ~9.9 per project, ~990,000 in all
MARKER = "quokka"  # the word the word-search cases find, put in the titles of the same number of projects
HELD_OUT_SCAN = "SELECT count(*), sum(usd_amount) FROM budget_lines"  # the largest money table, read whole
GUNICORN = {"workers": 2, "threads": 4, "worker_class": "gthread"}  # 2 cores; gthread keeps connections alive

# Aggregates the rollups answer (issue #15: >= 10x faster than the raw GROUP BY over the base tables).
ROLLUP_CASES = [
    ("region", ""), ("priority", ""), ("status", ""), ("year", ""), ("donor", ""),
    ("organisation", "organisation_role=implementing"), ("region-priority", ""),
    ("region", "region=europe"), ("priority", "status=closed"), ("year", "priority=cooperation"),
    ("region", "synthetic=true&year_from=2003&year_to=2005"), ("donor", "year_from=2004&year_to=2006"),
    ("status", "budget_status=committed"), ("organisation", "region=americas"),
]
# Aggregates that need the base tables (issue #17: <= 1.5x PostgreSQL, 2x SQLite the same GROUP BY).
BASE_CASES = [
    ("region", f"q={MARKER}"), ("priority", "country=AL"), ("region", "rcp=budapest-process"),
    ("year", "country=EC"), ("country", ""), ("activity-type", ""), ("rcp", ""),
    ("status", "activity_type=training-hrd"), ("donor", "organisation=DEMO-DONOR-03"),
    ("priority", f"q={MARKER}&year_from=2004"),
    # Issue #24's table: country is rollup-served since migration 0012 (reads_rollups says which case did);
    # the others still read the base tables.
    ("country", "region=europe"), ("country", "priority=cooperation&year_from=2004"),
    ("activity-type", "year_from=2004&year_to=2006"), ("region-priority", "activity_type=training-hrd"),
    ("donor", "rcp=budapest-process&year_from=2004"), ("country", "year_from=2004"),
]

# Crossed aggregates (issue #20): rows x columns, with both margins and the total, plain and for one funder's money.
CROSSED_CASES = [
    ("region/priority", ""), ("donor/region", ""), ("priority/country", ""), ("country/donor", ""),
    ("year/donor", ""), ("region/year", "funder=DEMO-DONOR-01"), ("priority/year", "funder=DEMO-DONOR-03"),
    ("activity-type/donor", "year_from=2004&year_to=2006"), ("status/region", "budget_status=committed"),
    ("country/region", ""), ("rcp/year", ""), ("activity-type/status", "year_from=2004"),
]


# ---------------------------------------------------------------------------------------------------------
# engines, data sets, servers


class Engine:
    """One engine's database for one data set: PostgreSQL database `db`, or bench/data/<db>.sqlite."""

    def __init__(self, name: str, db: str):
        self.name, self.db = name, db
        DATA.mkdir(parents=True, exist_ok=True)
        self.sqlite_path = DATA / f"{db}.sqlite"
        self.stamp = DATA / f"{db}-{name}.json"

    @property
    def url(self) -> str:
        if self.name == "sqlite":
            return f"sqlite:///{self.sqlite_path}"
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.db}"

    def env(self) -> dict:
        return {**os.environ, "DATABASE_URL": self.url, "RATELIMIT_DISABLED": "1", "FLASK_APP": "wsgi",
                "LOG_LEVEL": "WARNING"}  # one JSON line per request would flood the table

    def reset(self) -> None:
        self.stamp.unlink(missing_ok=True)
        if self.name == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.sqlite_path) + suffix).unlink(missing_ok=True)
            return
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {self.db}")

    def connect(self):
        if self.name == "sqlite":
            conn = sqlite3.connect(self.sqlite_path, isolation_level=None, timeout=30)
            conn.execute("PRAGMA foreign_keys=ON")  # as the app's own connections
            conn.execute("PRAGMA busy_timeout=30000")
            return conn
        return psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{self.db}", autocommit=True)


def flask(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def inprocess(engine: Engine, action: str, data: dict):
    """bench/inprocess.py ACTION in the application's own process, on this engine's database."""
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.pickle", Path(tmp) / "out.pickle"
        source.write_bytes(pickle.dumps(data))
        result = subprocess.run([sys.executable, str(ROOT / "bench" / "inprocess.py"), action, str(source),
                                 str(target)], cwd=ROOT, env=engine.env(), capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"inprocess {action} failed:\n{result.stderr[-3000:]}")
        return pickle.loads(target.read_bytes())


def marker_codes(n: int, count: int) -> list[str]:
    step = max(1, n // count)
    return [f"DEMO-{i:06d}" for i in range(1, n + 1, step)][:count]


def build(engine: Engine, projects: int, markers: int, reuse: bool) -> dict:
    """A fresh data set (or, with --reuse, one built earlier and never measured since: its stamp says so)."""
    if reuse and engine.stamp.exists():
        stamp = json.loads(engine.stamp.read_text())
        if stamp.get("pristine") and stamp["projects_asked"] == projects and stamp["markers"] == markers:
            print(f"[{engine.name}/{engine.db}] reusing the data set built {stamp['built']}", flush=True)
            return stamp
    engine.reset()
    env = engine.env()
    print(f"[{engine.name}/{engine.db}] generating {projects:,} projects ...", flush=True)
    flask(env, "db", "upgrade")
    flask(env, "seed")
    start = time.perf_counter()
    flask(env, "demo-data", "--projects", str(projects), "--lines-per-project", str(LINES_PER_PROJECT),
          "--transactions-per-project", str(TRANSACTIONS_PER_PROJECT))
    generated = time.perf_counter() - start
    inprocess(engine, "mark", {"codes": marker_codes(projects, markers), "word": MARKER})
    token = flask(env, "tokens", "create", "--name", "bench", "--role", "admin").strip()
    conn = engine.connect()
    if engine.name == "postgresql":
        conn.execute("VACUUM ANALYZE")  # as autovacuum would have done on a database that has been up a while
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("projects", "budget_lines", "transactions", "project_figures", "audit_events")}
    counts["current_budget_lines"] = conn.execute(
        "SELECT count(*) FROM budget_lines WHERE current" + (" = 1" if engine.name == "sqlite" else "")).fetchone()[0]
    conn.close()
    stamp = {"engine": engine.name, "db": engine.db, "projects_asked": projects, "markers": markers,
             "generate_s": round(generated, 1), "token": token, "counts": counts, "pristine": True,
             "built": datetime.now(UTC).isoformat(timespec="seconds")}
    engine.stamp.write_text(json.dumps(stamp, indent=2))
    print(f"[{engine.name}/{engine.db}] generated in {generated:.0f} s: {counts}", flush=True)
    return stamp


def taint(engine: Engine) -> None:
    """The data set is about to change (writes, deletions): it can no longer be reused."""
    if engine.stamp.exists():
        stamp = json.loads(engine.stamp.read_text())
        stamp["pristine"] = False
        engine.stamp.write_text(json.dumps(stamp, indent=2))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, seconds: float = 120) -> None:
    parts = urlsplit(url)
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
            conn.request("GET", parts.path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


class Server:
    """The API under gunicorn: 2 threaded workers (gthread keeps HTTP/1.1 connections alive; sync would not)."""

    def __init__(self, engine: Engine):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.description = (f"gunicorn {GUNICORN['workers']} workers x {GUNICORN['threads']} threads "
                            f"(worker class {GUNICORN['worker_class']})")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(GUNICORN["workers"]), "--threads",
             str(GUNICORN["threads"]), "--worker-class", GUNICORN["worker_class"], "--keep-alive", "600",
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "600", "--log-level", "warning",
             "--limit-request-line", "0", "wsgi:app"], cwd=ROOT, env=engine.env(), start_new_session=True)
        wait_http(self.base + "/readyz")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)


class Client:
    """One keep-alive HTTP/1.1 connection; counts the connections it had to open."""

    def __init__(self, base: str, token: str):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=900)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.opened = 0

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                ok=(200, 201, 204), auth: bool = True):
        all_headers = {**(self.headers if auth else {}), **(headers or {})}
        if body is not None:
            all_headers.setdefault("Content-Type", "application/json")
        for attempt in (1, 2):
            reused = self.conn.sock is not None
            if not reused:
                self.opened += 1
            start = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # the server closed an idle kept-alive connection: open a new one and send again (once)
                self.conn.close()
                if attempt == 2 or not reused:
                    raise
        elapsed = time.perf_counter() - start
        if response.status not in ok:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:500]!r}")
        return elapsed, data, response


# ---------------------------------------------------------------------------------------------------------
# timing


def summary(values: list[float]) -> dict:
    values = sorted(values)
    return {"median_ms": round(statistics.median(values) * 1000, 3),
            "p95_ms": round(values[min(len(values) - 1, int(len(values) * 0.95))] * 1000, 3), "n": len(values)}


def timings(fns: dict, repeat: int, warmup: int = 2, budget_s: float | None = None, warm: tuple | None = None) -> dict:
    """Median and p95 of each function, run in turn (a, b, c, a, b, c, ...): whatever the noisy machine does
    meanwhile falls on all of them alike, so their ratios compare like with like. With a time budget, fewer
    rounds when one round is slow: at least 5, or 3 (after one warm-up) when a round takes over a fifth of
    the budget (SQLite's raw GROUP BYs over a million lines take 5-10 s each). `warm`: the only functions the
    warm-up runs (a GROUP BY of minutes is timed cold rather than run twice)."""
    round_s = 0.0
    for _ in range(warmup):
        start = time.perf_counter()
        for name, fn in fns.items():
            if warm is None or name in warm:
                fn()
        round_s = time.perf_counter() - start
        if budget_s and round_s * 5 > budget_s:
            break
    if budget_s and round_s > 0:
        least = 3 if round_s * 5 > budget_s else 5
        repeat = max(min(least, repeat), min(repeat, int(budget_s / round_s)))
    samples: dict = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            samples[name].append(fn())
    return {name: summary(values) for name, values in samples.items()}


def timed_sql(conn, statement: str, params=None):
    def run():
        start = time.perf_counter()
        cursor = conn.cursor()
        cursor.execute(statement, params) if params is not None else cursor.execute(statement)
        cursor.fetchall()
        cursor.close()
        return time.perf_counter() - start
    return run


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


# ---------------------------------------------------------------------------------------------------------
# aggregates


def agg_path(dimension: str, query: str) -> str:
    return f"/api/v1/aggregates/{dimension}" + (f"?{quote(query, safe='=&')}" if query else "")


def measure_aggregates(engine: Engine, client: Client, conn, token: str, args) -> list[dict]:
    cases = [(d, q, "rollup") for d, q in ROLLUP_CASES] + [(d, q, "base") for d, q in BASE_CASES]
    captured = inprocess(engine, "capture", {"token": token, "paths": [agg_path(d, q) for d, q, _ in cases]})
    rows = []
    for dimension, query, kind in cases:
        path = agg_path(dimension, query)
        row = {"case": f"{dimension}" + (f" ?{query}" if query else ""), "kind": kind, "path": path}
        try:
            cap = captured[path]
            if "error" in cap:
                raise RuntimeError(cap["error"])
            api_statements = cap["statements"]
            row["api_statements"] = len(api_statements)
            row["reads_rollups"] = any("rollup_" in s for s, _ in api_statements)

            def api_sql(statements=api_statements):
                return sum(timed_sql(conn, s, p)() for s, p in statements)

            fns = {"api": lambda path=path: client.request("GET", path)[0], "api_sql": api_sql,
                   "figures": timed_sql(conn, sql.figures(engine.name, dimension, query))}
            if kind == "rollup":
                fns["facts"] = timed_sql(conn, sql.facts(engine.name, dimension, query))
            measured = timings(fns, args.repeat, budget_s=args.case_budget)
            row.update(measured)
            row["api_vs_figures"] = ratio(measured["api"]["median_ms"], measured["figures"]["median_ms"])
            row["api_vs_figures_p95"] = ratio(measured["api"]["p95_ms"], measured["figures"]["p95_ms"])
            row["api_sql_share"] = ratio(measured["api_sql"]["median_ms"], measured["api"]["median_ms"])
            if kind == "rollup":
                row["speedup_vs_facts"] = ratio(measured["facts"]["median_ms"], measured["api"]["median_ms"])
                row["speedup_vs_facts_p95"] = ratio(measured["facts"]["p95_ms"], measured["api"]["p95_ms"])
        except Exception as exc:  # reported, never hidden
            row["error"] = f"{type(exc).__name__}: {exc}"[:600]
        rows.append(row)
        print(f"  aggregate {row['case']}: " + (row.get("error") or
              f"api {row['api']['median_ms']} ms, figures {row['figures']['median_ms']} ms"
              + (f", facts {row['facts']['median_ms']} ms" if "facts" in row else "")), flush=True)
    return rows


def measure_crossed(engine: Engine, client: Client, conn, token: str, args) -> list[dict]:
    """Each crossed aggregate over HTTP against the same GROUP BY: the statements the API's base-table reader runs
    for the same request (rollups turned away in-process), replayed raw on an open connection, in turn."""
    paths = [agg_path(pair, query) for pair, query in CROSSED_CASES]
    captured = inprocess(engine, "capture", {"token": token, "paths": paths})
    # The base statements are recorded, not run (each is timed below): on SQLite at 100,000 projects a GROUP BY
    # that the rollups answer takes minutes.
    base = inprocess(engine, "capture_base", {"token": token, "paths": paths, "dry": True})
    rows = []
    for (pair, query), path in zip(CROSSED_CASES, paths):
        row = {"case": pair + (f" ?{query}" if query else ""), "path": path}
        try:
            for found in (captured[path], base[path]):
                if "error" in found:
                    raise RuntimeError(found["error"])
            api_statements, base_statements = captured[path]["statements"], base[path]["statements"]
            row["reads_rollups"] = any("rollup_" in s for s, _ in api_statements)
            row["api_statements"], row["base_statements"] = len(api_statements), len(base_statements)

            def replay(statements):
                return lambda: sum(timed_sql(conn, s, p)() for s, p in statements)

            # With one round (--repeat 1, for GROUP BYs of minutes), only the request is warmed up: the GROUP BY
            # is timed once, cold, and the request's own base statements as it.
            measured = timings({"api": lambda path=path: client.request("GET", path)[0],
                                "api_sql": replay(api_statements), "group_by": replay(base_statements)},
                               args.repeat, budget_s=args.case_budget,
                               warm=("api",) if args.repeat == 1 else None)
            row.update(measured)
            row["api_vs_group_by"] = ratio(measured["api"]["median_ms"], measured["group_by"]["median_ms"])
        except Exception as exc:  # reported, never hidden
            row["error"] = f"{type(exc).__name__}: {exc}"[:600]
        rows.append(row)
        print(f"  crossed {row['case']}: " + (row.get("error") or
              f"api {row['api']['median_ms']} ms, group by {row['group_by']['median_ms']} ms"), flush=True)
    return rows


# ---------------------------------------------------------------------------------------------------------
# per-request floor


def measure_floor(engine: Engine, server: Server, conn, token: str, args) -> dict:
    out = {"server": server.description}
    out["in_process"] = inprocess(engine, "floor", {"token": token, "repeat": args.floor_repeat})
    out["in_process"]["ratio"] = ratio(out["in_process"]["request"]["median_ms"],
                                       out["in_process"]["select_1"]["median_ms"])
    # Issue #24's held-out ratio: the by-region aggregate against a raw scan of the largest money table, both
    # through the same session in-process, timed in turn (target <= 0.1).
    held = inprocess(engine, "floor", {"token": token, "repeat": max(10, args.floor_repeat // 10),
                                       "path": "/api/v1/aggregates/region", "baseline": HELD_OUT_SCAN})
    out["held_out"] = {"aggregate": held["request"], "scan": held["select_1"], "statement": HELD_OUT_SCAN,
                       "ratio": round(held["request"]["median_ms"] / held["select_1"]["median_ms"], 3)}
    client = Client(server.base, token)
    measured = timings({
        "regions": lambda: client.request("GET", "/api/v1/regions")[0],
        "healthz": lambda: client.request("GET", "/healthz", auth=False)[0],
        "raw_select_1": timed_sql(conn, "SELECT 1"),
    }, args.floor_repeat, warmup=20)
    out["http"] = measured
    out["http"]["connections_opened"] = client.opened
    out["http"]["regions_vs_healthz"] = ratio(measured["regions"]["median_ms"], measured["healthz"]["median_ms"])
    out["http"]["regions_vs_select_1"] = ratio(measured["regions"]["median_ms"],
                                               measured["raw_select_1"]["median_ms"])
    return out


# ---------------------------------------------------------------------------------------------------------
# throughput against Datasette


def peer_datasette() -> Path:
    datasette = PEER_VENV / "bin" / "datasette"
    if not datasette.exists():
        if PEER_VENV.is_symlink():  # left pointing at a peer venv that is gone (e.g. under /tmp)
            PEER_VENV.unlink()
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "--quiet", "datasette>=0.64,<1"],
                             capture_output=True, text=True)
        if pip.returncode != 0:
            raise RuntimeError(f"installing Datasette failed:\n{pip.stdout}\n{pip.stderr}")
    return datasette


def wrk_run(url: str, headers: dict, concurrency: int, seconds: float) -> dict:
    command = ["wrk", "-t", "2", "-c", str(concurrency), "-d", f"{max(1, int(seconds))}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, timeout=seconds + 120).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    failed = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in errors.groups()) if errors else 0)
    return {"requests": total, "errors": failed, "rps": round(rps * (total - failed) / total, 1) if total else 0,
            "p50_ms": round(float(p50.group(1)) * scale[p50.group(2)], 2) if p50 else None,
            "connections": concurrency, "client": "wrk (keep-alive)"}


def drive(url: str, headers: dict, concurrency: int, seconds: float) -> dict:
    if shutil.which("wrk"):
        return wrk_run(url, headers, concurrency, seconds)
    result = load.run(url, headers=headers, concurrency=concurrency, seconds=seconds)
    result["client"] = "bench/load.py (http.client, one keep-alive connection per thread)"
    return result


def measure_throughput(engine: Engine, server: Server, token: str, region_sql: str, args) -> dict:
    """/aggregates/region against Datasette serving the SAME rollup statement (canned query) from the same
    SQLite file; the old comparison (Datasette grouping projects by region) as a second line."""
    datasette = peer_datasette()
    metadata = DATA / "datasette-metadata.json"
    metadata.write_text(json.dumps({"databases": {engine.db: {"queries": {
        "by_region_rollup": region_sql, "by_region_projects": sql.OLD_BY_REGION}}}}))
    port = free_port()
    process = subprocess.Popen([str(datasette), "serve", str(engine.sqlite_path), "--port", str(port),
                                "--metadata", str(metadata), "--setting", "sql_time_limit_ms", "60000",
                                "--setting", "default_cache_ttl", "0", "--setting", "num_sql_threads", "3"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    out = {"server": server.description, "concurrency": args.concurrency, "rounds": args.load_rounds}
    try:
        peer = f"http://127.0.0.1:{port}/{engine.db}"
        wait_http(f"http://127.0.0.1:{port}/-/versions.json")
        check = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        check.request("GET", f"/{engine.db}/by_region_rollup.json?_shape=array")
        answer = check.getresponse()
        out["datasette_rows"] = len(json.loads(answer.read())) if answer.status == 200 else f"HTTP {answer.status}"
        versions = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        versions.request("GET", "/-/versions.json")
        out["datasette_version"] = json.loads(versions.getresponse().read()).get("datasette", {}).get("version")
        auth = {"Authorization": f"Bearer {token}"}
        targets = {"api": (f"{server.base}/api/v1/aggregates/region", auth),
                   "datasette_rollup": (f"{peer}/by_region_rollup.json?_shape=array", {}),
                   "datasette_projects_old": (f"{peer}/by_region_projects.json?_shape=array", {})}
        runs: dict = {name: [] for name in targets}
        for _ in range(args.load_rounds):  # in turn: api, datasette, datasette (old), api, ...
            for name, (url, headers) in targets.items():
                runs[name].append(drive(url, headers, args.concurrency, args.load_seconds))
        for name, results in runs.items():
            ok = sum(r["requests"] - r["errors"] for r in results)
            out[name] = {"rps": round(statistics.mean(r["rps"] for r in results), 1),
                         "errors": sum(r["errors"] for r in results), "requests": sum(r["requests"] for r in results),
                         "ok": ok, "p50_ms": results[-1].get("p50_ms"), "client": results[-1]["client"]}
        out["api_vs_datasette_rollup"] = ratio(out["api"]["rps"], out["datasette_rollup"]["rps"])
        out["api_vs_datasette_projects_old"] = ratio(out["api"]["rps"], out["datasette_projects_old"]["rps"])
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    return out


# ---------------------------------------------------------------------------------------------------------
# growth: the same requests on the small and the large data set


def delete_projects(client: Client, codes: list[str]) -> None:
    for code in codes:
        _, data, response = client.request("GET", f"/api/v1/projects/{code}")
        client.request("DELETE", f"/api/v1/projects/{code}", headers={"If-Match": response.getheader("ETag")},
                       ok=(204,))


def measure_growth(small: tuple, large: tuple, args) -> dict:
    """small/large: (engine, server, client, projects). Deletes the same number of projects on both (the
    sync feed's rows), then times each request on both in turn."""
    since = (datetime.now(UTC) - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for engine, _server, client, _n in (small, large):
        taint(engine)
        demo = json.loads(engine.stamp.read_text())["projects_asked"]  # DEMO-000001 .. DEMO-<demo>
        marked = set(marker_codes(demo, args.markers))  # the word-search matches stay the same in both
        codes = [c for c in (f"DEMO-{i:06d}" for i in range(demo, 0, -1)) if c not in marked][:args.deletions]
        delete_projects(client, codes)
    paths = {
        "list first page (default sort, page 1)": "/api/v1/projects?page_size=25",
        "list first page (keyset, by title)": "/api/v1/projects?sort=title&cursor=first&page_size=25",
        "list last page (keyset, by title)": "/api/v1/projects?sort=title&cursor=last&page_size=25",
        f"word search q={MARKER} (same matches)": f"/api/v1/projects?q={MARKER}&page_size=25",
        f"word search q={MARKER}, keyset by title": f"/api/v1/projects?q={MARKER}&sort=title&cursor=first&page_size=25",
        "sync feed /sync/deleted-projects": f"/api/v1/sync/deleted-projects?since={since}&page_size=100",
    }
    out = {"sizes": [small[3], large[3]], "deletions": args.deletions, "cases": {}}
    for name, path in paths.items():
        try:
            _, data_s, r_s = small[2].request("GET", path)
            _, data_l, r_l = large[2].request("GET", path)
            totals = [r_s.getheader("X-Total-Count"), r_l.getheader("X-Total-Count")]
            measured = timings({"small": lambda path=path: small[2].request("GET", path)[0],
                                "large": lambda path=path: large[2].request("GET", path)[0]}, args.repeat,
                               budget_s=args.case_budget)
            out["cases"][name] = {**measured, "path": path, "x_total_count": totals,
                                  "ratio": ratio(measured["large"]["median_ms"], measured["small"]["median_ms"])}
        except Exception as exc:
            out["cases"][name] = {"path": path, "error": f"{type(exc).__name__}: {exc}"[:600]}
    # The offset-paged last page, for comparison (not a target).
    try:
        pages = []
        for side in (small, large):
            _, _, response = side[2].request("GET", "/api/v1/projects?sort=title&page_size=25")
            pages.append((int(response.getheader("X-Total-Count")) + 24) // 25)
        last = [f"/api/v1/projects?sort=title&page={n}&page_size=25" for n in pages]
        measured = timings({"small": lambda: small[2].request("GET", last[0])[0],
                            "large": lambda: large[2].request("GET", last[1])[0]},
                           args.repeat, budget_s=args.case_budget)
        out["offset_last_page"] = {**measured, "ratio": ratio(measured["large"]["median_ms"],
                                                              measured["small"]["median_ms"])}
    except Exception as exc:
        out["offset_last_page"] = {"error": str(exc)[:600]}
    return out


# ---------------------------------------------------------------------------------------------------------
# exports


class RssSampler(threading.Thread):
    """Peak resident memory of any one gunicorn worker while a request runs (from /proc)."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids = pids
        self.peak_kb = 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            for pid in self.pids:
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                except OSError:
                    pass
            time.sleep(0.02)


def amount(engine: str, column: str, places: int) -> str:
    if engine == "postgresql":
        return f"round({column}::numeric / {10 ** places}, {places})"
    return column


EXPORTS = {
    "budget-lines": ("budget_lines", "x", [
        "x.id", "x.period_start", "x.period_end", ("x.amount", 3), "x.currency", ("x.fx_rate", 10), "x.fx_value_date",
        "x.fx_rate_id", ("x.usd_amount", 2), "o1.code", "x.type", "x.status", "x.current"],
        [("o1", "x.donor_organisation_id")]),
    "transactions": ("transactions", "x", [
        "x.id", "x.reference", "x.type", "x.date", ("x.amount", 3), "x.currency", ("x.fx_rate", 10),
        "x.fx_value_date", "x.fx_rate_id", ("x.usd_amount", 2), "o1.code", "o2.code", "x.description"],
        [("o1", "x.provider_organisation_id"), ("o2", "x.receiver_organisation_id")]),
}


def export_select(engine: str, kind: str) -> str:
    """The export's rows as an analyst would select them: the same columns, organisations by code, amounts
    as decimals (PostgreSQL), joined to the project, in id order."""
    table, alias, columns, orgs = EXPORTS[kind]
    rendered = [amount(engine, c[0], c[1]) if isinstance(c, tuple) else c for c in columns]
    joins = "".join(f" LEFT JOIN organisations {a} ON {a}.id = {col}" for a, col in orgs)
    return (f"SELECT p.code, {', '.join(rendered)}, p.synthetic FROM {table} {alias} JOIN projects p ON "
            f"p.id = {alias}.project_id{joins} ORDER BY {alias}.id")


def raw_export(engine: Engine, conn, kind: str) -> tuple[str, float, int]:
    select = export_select(engine.name, kind)
    start = time.perf_counter()
    lines = 0
    if engine.name == "postgresql":
        with conn.cursor() as cursor, cursor.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            for chunk in copy:
                lines += bytes(chunk).count(b"\n")
        return "COPY ... TO STDOUT", time.perf_counter() - start, lines - 1
    out = io.StringIO()
    writer = csv.writer(out)
    for row in conn.execute(select):
        writer.writerow(row)
        lines += 1
        if out.tell() > 1 << 20:
            out.seek(0)
            out.truncate()
    return "sqlite3 cursor + csv.writer (SQLite has no COPY)", time.perf_counter() - start, lines


def measure_exports(engine: Engine, server: Server, client: Client, conn) -> dict:
    out = {}
    for kind in ("budget-lines", "transactions"):
        try:
            sampler = RssSampler(server.worker_pids())
            sampler.start()
            start = time.perf_counter()
            if client.conn.sock is None:
                client.opened += 1
            client.conn.request("GET", f"/api/v1/exports/{kind}", headers=client.headers)
            response = client.conn.getresponse()
            lines, size = 0, 0
            while True:
                chunk = response.read(1 << 20)
                if not chunk:
                    break
                lines += chunk.count(b"\n")
                size += len(chunk)
            api_s = time.perf_counter() - start
            sampler.stopped.set()
            sampler.join()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
            baseline, raw_s, raw_lines = raw_export(engine, conn, kind)
            out[kind] = {"lines": lines - 1, "bytes": size, "api_s": round(api_s, 3), "baseline": baseline,
                         "baseline_s": round(raw_s, 3), "baseline_lines": raw_lines, "ratio": ratio(api_s, raw_s),
                         "server_peak_rss_mb": round(sampler.peak_kb / 1024, 1)}
        except Exception as exc:
            out[kind] = {"error": f"{type(exc).__name__}: {exc}"[:600]}
    return out


def measure_iati(engine: Engine, server: Server, client: Client) -> dict:
    """IATI 2.03 (issue 25): GET /api/v1/iati/activities.xml of every project, streamed to a file, with the peak
    RSS of the gunicorn worker that serves it; then `flask iati import` of that file into an empty database of
    the same engine (migrations and `flask seed` only: reference data and the 15 annex projects), its time and
    the rows it wrote per second (projects, budget lines, transactions, organisations)."""
    path = DATA / f"{engine.db}-{engine.name}-iati-activities.xml"
    sampler = RssSampler(server.worker_pids())
    sampler.start()
    start = time.perf_counter()
    if client.conn.sock is None:
        client.opened += 1
    client.conn.request("GET", "/api/v1/iati/activities.xml", headers=client.headers)
    response = client.conn.getresponse()
    size, activities = 0, 0
    with open(path, "wb") as handle:
        while True:
            chunk = response.read(1 << 20)
            if not chunk:
                break
            activities += chunk.count(b"<iati-activity ")
            size += len(chunk)
            handle.write(chunk)
    export_s = time.perf_counter() - start
    sampler.stopped.set()
    sampler.join()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}")
    out = {"activities": activities, "bytes": size, "export_s": round(export_s, 1),
           "server_peak_rss_mb": round(sampler.peak_kb / 1024, 1)}
    print(f"[{engine.name}] iati export: {json.dumps(out)}", flush=True)
    target = Engine(engine.name, engine.db + "_iati")
    target.reset()
    env = target.env()
    flask(env, "db", "upgrade")
    flask(env, "seed")
    tables = ("projects", "budget_lines", "transactions", "organisations")
    conn = target.connect()
    before = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    conn.close()
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "iati", "import", str(path)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = RssSampler([process.pid])
    sampler.start()
    stdout, stderr = process.communicate()
    import_s = time.perf_counter() - start
    sampler.stopped.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"flask iati import failed:\n{stdout[-2000:]}\n{stderr[-2000:]}")
    conn = target.connect()
    after = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    conn.close()
    written = {t: after[t] - before[t] for t in tables}
    out.update({"import_s": round(import_s, 1), "import_peak_rss_mb": round(sampler.peak_kb / 1024, 1),
                "rows_written": written, "rows_per_s": round(sum(written.values()) / import_s),
                "import_summary": stdout.strip().splitlines()[-1]})
    print(f"[{engine.name}] iati: {json.dumps(out)}", flush=True)
    return out


# ---------------------------------------------------------------------------------------------------------
# single writes against bare SQL (PostgreSQL), and statement counts (both engines)

WRITE_BODY = {
    "title": "Benchmark write project", "region": "europe", "countries": ["AL", "BA"],
    "priorities": [{"code": "cooperation", "share": "60"}, {"code": "harmonization", "share": "40"}],
    "activity_types": ["training-hrd"], "status": "pipeline", "start_date": "2004-01-01", "end_date": "2013-12-31",
    "participating_organisations": [{"organisation": "DEMO-DONOR-01", "role": "funding"},
                                    {"organisation": "IOM", "role": "implementing"}],
}


class Bare:
    """The rows each write needs, by plain SQL on one psycopg connection: no rollups, no audit, no reads
    beyond what the statements themselves do. Its projects are made here and never enter the rollups."""

    def __init__(self, conn):
        self.conn = conn
        ids = dict(conn.execute("SELECT code, id FROM regions").fetchall())
        self.region = ids["europe"]
        self.priorities = [r[0] for r in conn.execute(
            "SELECT id FROM priorities WHERE code IN ('cooperation', 'harmonization') ORDER BY position")]
        self.activity = conn.execute("SELECT id FROM activity_types WHERE code = 'training-hrd'").fetchone()[0]
        self.orgs = [conn.execute("SELECT id FROM organisations WHERE code = %s", (c,)).fetchone()[0]
                     for c in ("DEMO-DONOR-01", "IOM")]

    def _tx(self, statements):
        start = time.perf_counter()
        with self.conn.transaction():
            for statement, params in statements:
                self.conn.execute(statement, params)
        return time.perf_counter() - start

    def create(self, code: str) -> tuple[float, int]:
        now = datetime.now(UTC)
        start = time.perf_counter()
        with self.conn.transaction():
            pid = self.conn.execute(
                "INSERT INTO projects (code, title, region_id, status, start_date, end_date, post_emergency, source, "
                "synthetic, actuals_known, search_text, version, created_at, updated_at) VALUES (%s, %s, %s, "
                "'pipeline', '2004-01-01', '2013-12-31', false, 'api', false, false, %s, 1, %s, %s) RETURNING id",
                (code, WRITE_BODY["title"], self.region, f"{code.lower()} benchmark write project", now, now)
            ).fetchone()[0]
            cur = self.conn.cursor()
            cur.executemany("INSERT INTO project_priorities (project_id, priority_id, share) VALUES (%s, %s, %s)",
                            [(pid, self.priorities[0], 6000), (pid, self.priorities[1], 4000)])
            cur.executemany("INSERT INTO project_countries (project_id, country_code) VALUES (%s, %s)",
                            [(pid, "AL"), (pid, "BA")])
            cur.execute("INSERT INTO project_activity_types (project_id, activity_type_id) VALUES (%s, %s)",
                        (pid, self.activity))
            cur.executemany("INSERT INTO project_organisations (project_id, role, organisation_id, share) "
                            "VALUES (%s, %s, %s, 10000)", [(pid, "funding", self.orgs[0]),
                                                           (pid, "implementing", self.orgs[1])])
        return time.perf_counter() - start, pid

    def patch(self, pid: int, status: str) -> float:
        return self._tx([("UPDATE projects SET status = %s, version = version + 1, updated_at = %s WHERE id = %s",
                          (status, datetime.now(UTC), pid))])

    def add_line(self, pid: int, year: int) -> float:
        """One budget line of USD 125,000.00 (committed) in a year the project has no money in yet: the line,
        the project's totals, and its figure rows of that year (project, 2 priorities, 2 countries, 2
        organisation roles)."""
        now, cents = datetime.now(UTC), 12_500_000
        # The paired columns stay 0: the project has no transaction yet, so its spending is unknown.
        amounts = "0, %s, 0, %s, 0, 0, 0, 0, 0, 0, 0, 0"
        columns = ("current_indicative, current_committed, original_indicative, original_committed, "
                   "incoming_commitment, incoming_funds, outgoing_commitment, disbursement, expenditure, "
                   "paired_current_indicative, paired_current_committed, paired_expenditure")
        split = [cents * 6 // 10, cents - cents * 6 // 10]
        return self._tx([
            ("INSERT INTO budget_lines (project_id, period_start, period_end, amount, currency, usd_amount, "
             "donor_organisation_id, type, status, current, created_at, updated_at) VALUES (%s, %s, %s, %s, 'USD', "
             "%s, %s, 'original', 'committed', true, %s, %s)",
             (pid, f"{year}-01-01", f"{year}-12-31", cents * 10, cents, self.orgs[0], now, now)),
            ("UPDATE projects SET budget_usd = COALESCE(budget_usd, 0) + %s, original_budget_usd = "
             "COALESCE(original_budget_usd, 0) + %s, version = version + 1, updated_at = %s WHERE id = %s",
             (cents, cents, now, pid)),
            (f"INSERT INTO project_figures (project_id, year, {columns}) VALUES (%s, %s, {amounts})",
             (pid, year, cents, cents)),
            (f"INSERT INTO project_priority_figures (project_id, year, priority_id, {columns}) VALUES "
             f"(%s, %s, %s, {amounts}), (%s, %s, %s, {amounts})",
             (pid, year, self.priorities[0], split[0], split[0], pid, year, self.priorities[1], split[1], split[1])),
            (f"INSERT INTO project_country_figures (project_id, year, country_code, {columns}) VALUES "
             f"(%s, %s, 'AL', {amounts}), (%s, %s, 'BA', {amounts})",
             (pid, year, cents // 2, cents // 2, pid, year, cents - cents // 2, cents - cents // 2)),
            (f"INSERT INTO project_organisation_figures (project_id, year, role, organisation_id, {columns}) VALUES "
             f"(%s, %s, 'funding', %s, {amounts}), (%s, %s, 'implementing', %s, {amounts})",
             (pid, year, self.orgs[0], cents, cents, pid, year, self.orgs[1], cents, cents)),
        ])

    def delete(self, pid: int) -> float:
        tables = ("project_figures", "project_priority_figures", "project_country_figures",
                  "project_organisation_figures", "budget_lines", "transactions", "project_priorities",
                  "project_countries", "project_activity_types", "project_rcps", "project_organisations")
        return self._tx([(f"DELETE FROM {t} WHERE project_id = %s", (pid,)) for t in tables] +
                        [("DELETE FROM projects WHERE id = %s", (pid,))])


def measure_writes(engine: Engine, client: Client, conn, token: str, args, tag: str) -> dict:
    out = {"statement_counts": {}}
    try:
        out["statement_counts"] = inprocess(engine, "counts", {"token": token, "tag": tag})
    except Exception as exc:
        out["statement_counts"] = {"error": str(exc)[-600:]}
    if engine.name != "postgresql":
        return out
    from portfolio import etags

    n = args.write_repeat + 2
    # Projects with 10 budget lines through the write path: the API adds a line to some and deletes others;
    # the bare side deletes its own (taken out of the rollups first, so bare SQL leaves them exact).
    api_line = list(inprocess(engine, "setup", {"codes": [f"BW-{tag}-L{i}" for i in range(n)], "lines": 10}).items())
    api_delete = list(inprocess(engine, "setup", {"codes": [f"BW-{tag}-D{i}" for i in range(n)], "lines": 10}).items())
    bare_delete = list(inprocess(engine, "setup", {"codes": [f"BW-{tag}-X{i}" for i in range(n)], "lines": 10,
                                                   "unrolled": True}).items())
    bare = Bare(conn)
    state = {"i": 0, "bare_ids": []}
    samples: dict = {k: [] for k in ("api_post", "bare_post", "api_patch", "bare_patch", "api_line", "bare_line",
                                     "api_delete", "bare_delete")}
    try:
        for i in range(n):
            code = f"BW-{tag}-P{i}"
            body = json.dumps({**WRITE_BODY, "code": code}).encode()
            elapsed, _, _ = client.request("POST", "/api/v1/projects", body)
            samples["api_post"].append(elapsed)
            elapsed, pid = bare.create(f"BW-{tag}-R{i}")
            state["bare_ids"].append(pid)
            samples["bare_post"].append(elapsed)
            samples["api_patch"].append(client.request(
                "PATCH", f"/api/v1/projects/{code}", json.dumps({"status": "implementation"}).encode(),
                headers={"If-Match": etags.quoted(code, 1)})[0])
            samples["bare_patch"].append(bare.patch(pid, "implementation"))
            line_code, line_p = api_line[i]
            samples["api_line"].append(client.request(
                "POST", f"/api/v1/projects/{line_code}/budget-lines", json.dumps({
                    "period_start": "2020-01-01", "period_end": "2020-12-31", "amount": "125000.00",
                    "currency": "USD", "donor": "DEMO-DONOR-01", "status": "committed"}).encode())[0])
            samples["bare_line"].append(bare.add_line(pid, 2020))
            delete_code, delete_p = api_delete[i]
            samples["api_delete"].append(client.request(
                "DELETE", f"/api/v1/projects/{delete_code}",
                headers={"If-Match": etags.quoted(delete_code, delete_p["version"])}, ok=(204,))[0])
            samples["bare_delete"].append(bare.delete(bare_delete[i][1]["id"]))
    finally:
        for pid in state["bare_ids"]:
            bare.delete(pid)
    warm = {k: v[2:] for k, v in samples.items()}  # the first two of each are warm-ups
    out["timings"] = {k: summary(v) for k, v in warm.items()}
    for name in ("post", "patch", "line", "delete"):
        out["timings"][f"{name}_ratio"] = ratio(out["timings"][f"api_{name}"]["median_ms"],
                                                out["timings"][f"bare_{name}"]["median_ms"])
    return out


# ---------------------------------------------------------------------------------------------------------
# bulk: projects (create, changed upsert, no-op upsert) and transactions


def bulk_items(prefix: str, n: int) -> list[dict]:
    regions = ["africa-middle-east", "asia-oceania", "americas", "europe"]
    return [{"code": f"{prefix}-{i:06d}", "title": f"Bulk benchmark project {i}", "region": regions[i % 4],
             "countries": ["AL", "BA"] if i % 2 else ["EC"], "status": "pipeline",
             "priorities": [{"code": "cooperation", "share": "60"}, {"code": "harmonization", "share": "40"}],
             "activity_types": ["training-hrd"], "start_date": "2004-01-01", "end_date": "2005-12-31"}
            for i in range(n)]


def changed(items: list[dict]) -> list[dict]:
    return [{"code": item["code"], "title": item["title"] + " (revised)", "status": "implementation"}
            for item in items]


def post_batches(client: Client, path: str, items: list[dict], per_request: int = 5000) -> tuple[float, dict]:
    total, counts = 0.0, {}
    for start in range(0, len(items), per_request):
        body = json.dumps({"items": items[start:start + per_request]}).encode()
        elapsed, data, _ = client.request("POST", path, body)
        total += elapsed
        for key in ("created", "updated", "unchanged"):
            counts[key] = counts.get(key, 0) + json.loads(data).get(key, 0)
    return total, counts


def raw_projects(engine: Engine, conn, items: list[dict]) -> float:
    """The same rows (projects with their search text, priorities, countries, activity types) by plain
    executemany, in one transaction."""
    marker = "%s" if engine.name == "postgresql" else "?"
    regions = dict(conn.execute("SELECT code, id FROM regions").fetchall())
    priorities = dict(conn.execute("SELECT code, id FROM priorities").fetchall())
    activities = dict(conn.execute("SELECT code, id FROM activity_types").fetchall())
    first_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM projects").fetchone()[0] + 1000
    now = datetime.now(UTC)
    now_value = now if engine.name == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    false = False if engine.name == "postgresql" else 0
    projects, links_p, links_c, links_a = [], [], [], []
    for offset, item in enumerate(items):
        pid = first_id + offset
        projects.append((pid, item["code"], item["title"], regions[item["region"]], item["status"],
                         item["start_date"], item["end_date"], false, "api", false, false,
                         f"{item['code'].lower()} {item['title'].lower()}", 1, now_value, now_value))
        links_p += [(pid, priorities[p["code"]], int(p["share"]) * 100) for p in item["priorities"]]
        links_c += [(pid, c) for c in item["countries"]]
        links_a += [(pid, activities[a]) for a in item["activity_types"]]
    cursor = conn.cursor()
    start = time.perf_counter()
    cursor.execute("BEGIN")
    cursor.executemany(
        "INSERT INTO projects (id, code, title, region_id, status, start_date, end_date, post_emergency, source, "
        f"synthetic, actuals_known, search_text, version, created_at, updated_at) VALUES ({', '.join([marker] * 15)})",
        projects)
    cursor.executemany(f"INSERT INTO project_priorities (project_id, priority_id, share) VALUES ({marker}, {marker}, "
                       f"{marker})", links_p)
    cursor.executemany(f"INSERT INTO project_countries (project_id, country_code) VALUES ({marker}, {marker})",
                       links_c)
    cursor.executemany(f"INSERT INTO project_activity_types (project_id, activity_type_id) VALUES ({marker}, "
                       f"{marker})", links_a)
    cursor.execute("COMMIT")
    elapsed = time.perf_counter() - start
    cursor.close()
    return elapsed


def raw_project_updates(engine: Engine, conn, rows: list[dict]) -> float:
    marker = "%s" if engine.name == "postgresql" else "?"
    now = datetime.now(UTC)
    now_value = now if engine.name == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    params = [(r["title"], r["status"], f"{r['code'].lower()} {r['title'].lower()}", now_value, r["code"])
              for r in rows]
    cursor = conn.cursor()
    start = time.perf_counter()
    cursor.execute("BEGIN")
    cursor.executemany(f"UPDATE projects SET title = {marker}, status = {marker}, search_text = {marker}, version = "
                       f"version + 1, updated_at = {marker} WHERE code = {marker}", params)
    cursor.execute("COMMIT")
    elapsed = time.perf_counter() - start
    cursor.close()
    return elapsed


def raw_cleanup(conn, where: str) -> None:
    """Remove rows written by raw SQL (they bypassed the figures, rollups and audit trail). On SQLite the
    foreign-key checks are off for it: its rows have no children but the link rows deleted here first, and
    with the checks on every deleted project scans three figures tables whole (no index leads with project_id)."""
    cursor = conn.cursor()
    if isinstance(conn, sqlite3.Connection):
        cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.execute("BEGIN")
    for table in ("project_priorities", "project_countries", "project_activity_types"):
        cursor.execute(f"DELETE FROM {table} WHERE project_id IN (SELECT id FROM projects WHERE {where})")
    cursor.execute(f"DELETE FROM projects WHERE {where}")
    cursor.execute("COMMIT")
    if isinstance(conn, sqlite3.Connection):
        cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def measure_bulk(engine: Engine, client: Client, conn, n: int, tag: str) -> dict:
    items = bulk_items(f"BULK{tag}", n)
    raw_items = bulk_items(f"RAW{tag}", n)
    out = {"projects": n}
    try:
        out["api_create_s"], out["api_create_counts"] = post_batches(client, "/api/v1/projects/bulk?mode=create", items)
        out["raw_create_s"] = raw_projects(engine, conn, raw_items)
        out["api_upsert_changed_s"], out["api_upsert_changed_counts"] = post_batches(
            client, "/api/v1/projects/bulk?mode=upsert", changed(items))
        out["raw_update_s"] = raw_project_updates(engine, conn, changed(raw_items))
        out["api_upsert_noop_s"], out["api_upsert_noop_counts"] = post_batches(
            client, "/api/v1/projects/bulk?mode=upsert", changed(items))
        out["create_ratio"] = ratio(out["api_create_s"], out["raw_create_s"])
        out["upsert_changed_ratio"] = ratio(out["api_upsert_changed_s"], out["raw_update_s"])
        out["upsert_noop_vs_raw_update"] = ratio(out["api_upsert_noop_s"], out["raw_update_s"])
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"[:600]
    finally:
        raw_cleanup(conn, f"code LIKE 'RAW{tag}-%'")
    return out


def transaction_items(codes: list[str], per_project: int, prefix: str) -> list[dict]:
    types = sql.TX_TYPES
    return [{"project": code, "reference": f"{prefix}-{j:03d}", "type": types[(i + j) % 5],
             "date": f"{2004 + j % 6}-06-30", "amount": f"{1000 + (i * 7 + j) % 9000}.{j % 100:02d}",
             "currency": "USD", "description": "Bulk benchmark transaction"}
            for i, code in enumerate(codes) for j in range(per_project)]


def raw_transactions(engine: Engine, conn, items: list[dict]) -> float:
    marker = "%s" if engine.name == "postgresql" else "?"
    ids = {}
    codes = sorted({i["project"] for i in items})
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        ids.update(conn.execute(f"SELECT code, id FROM projects WHERE code IN ({', '.join([marker] * len(chunk))})",
                                chunk).fetchall())
    now = datetime.now(UTC)
    now_value = now if engine.name == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = []
    for item in items:
        whole, _, cents = item["amount"].partition(".")
        usd = int(whole) * 100 + int(cents or 0)
        rows.append((ids[item["project"]], item["reference"], item["type"], item["date"], usd * 10, "USD", usd,
                     item["description"], now_value, now_value))
    cursor = conn.cursor()
    start = time.perf_counter()
    cursor.execute("BEGIN")
    cursor.executemany("INSERT INTO transactions (project_id, reference, type, date, amount, currency, usd_amount, "
                       f"description, created_at, updated_at) VALUES ({', '.join([marker] * 10)})", rows)
    cursor.execute("COMMIT")
    elapsed = time.perf_counter() - start
    cursor.execute("BEGIN")
    cursor.execute("DELETE FROM transactions WHERE reference LIKE 'RAWTX-%'")
    cursor.execute("COMMIT")
    cursor.close()
    return elapsed


def measure_bulk_transactions(engine: Engine, client: Client, conn, projects: int, n: int) -> dict:
    per_project = 10
    step = max(1, (projects * 8 // 10) // (n // per_project))  # in the first 80% of codes (the last were deleted)
    codes = [f"DEMO-{i:06d}" for i in range(2, projects, step)][:n // per_project]
    items = transaction_items(codes, per_project, "BULKTX")
    out = {"transactions": len(items), "projects": len(codes)}
    try:
        out["api_s"], out["api_counts"] = post_batches(client, "/api/v1/transactions/bulk", items)
        out["raw_s"] = raw_transactions(engine, conn, transaction_items(codes, per_project, "RAWTX"))
        out["ratio"] = ratio(out["api_s"], out["raw_s"])
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"[:600]
    return out


# ---------------------------------------------------------------------------------------------------------


# The sections that change the data set (deletions, writes): after them it cannot be reused.
WRITING_SECTIONS = {"growth", "writes", "bulk", "bulk_transactions"}
SECTIONS = ("aggregates", "crossed", "floor", "throughput", "exports", "iati", "growth", "profiles", "writes", "bulk",
            "bulk_transactions")


def section(report: dict, name: str, fn):
    if name not in report["sections"]:
        return
    print(f"[{report['engine']}] {name} ...", flush=True)
    started = time.perf_counter()
    try:
        report[name] = fn()
    except Exception as exc:
        report[name] = {"error": f"{type(exc).__name__}: {exc}"[:800]}
        traceback.print_exc()
    print(f"[{report['engine']}] {name} done in {time.perf_counter() - started:.0f} s", flush=True)


def run_engine(name: str, args) -> dict:
    large = Engine(name, args.db)
    small = Engine(name, args.db + "_growth")
    small_stamp = build(small, args.small_projects, args.markers, args.reuse)
    large_stamp = build(large, args.projects, args.markers, args.reuse)
    report: dict = {"engine": name, "data": large_stamp["counts"], "generate_s": large_stamp["generate_s"],
                    "growth_data": small_stamp["counts"], "growth_generate_s": small_stamp["generate_s"],
                    "server": None, "sections": args.sections}
    token, small_token = large_stamp["token"], small_stamp["token"]
    conn = large.connect()
    servers = []
    try:
        server = Server(large)
        servers.append(server)
        small_server = Server(small)
        servers.append(small_server)
        report["server"] = server.description
        client = Client(server.base, token)
        section(report, "aggregates", lambda: measure_aggregates(large, client, conn, token, args))
        section(report, "crossed", lambda: measure_crossed(large, client, conn, token, args))
        section(report, "floor", lambda: measure_floor(large, server, conn, token, args))
        if name == "sqlite":
            def throughput():
                region = inprocess(large, "capture", {"token": token, "paths": ["/api/v1/aggregates/region"]})
                return measure_throughput(large, server, token, region["/api/v1/aggregates/region"]["inlined"], args)
            section(report, "throughput", throughput)
        section(report, "exports", lambda: measure_exports(large, server, client, conn))
        section(report, "iati", lambda: measure_iati(large, server, client))
        if set(report["sections"]) & WRITING_SECTIONS:
            taint(large)
        section(report, "growth", lambda: measure_growth(
            (small, small_server, Client(small_server.base, small_token), small_stamp["counts"]["projects"]),
            (large, server, client, large_stamp["counts"]["projects"]), args))
        section(report, "profiles", lambda: inprocess(large, "profile", {"token": token, "repeat": args.profile_repeat,
            "paths": ["/api/v1/aggregates/region", "/api/v1/aggregates/country", "/api/v1/projects?page_size=25"]}))
        tag = datetime.now(UTC).strftime("%H%M%S")
        section(report, "writes", lambda: measure_writes(large, client, conn, token, args, tag))
        section(report, "bulk", lambda: measure_bulk(large, client, conn, args.bulk, tag))
        section(report, "bulk_transactions", lambda: measure_bulk_transactions(
            large, client, conn, large_stamp["projects_asked"], args.bulk_transactions))
        report["client_connections_opened"] = client.opened
    finally:
        for server in servers:
            server.stop()
        conn.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="2,000 and 500 projects, short runs (CI)")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--db", default="tcm_bench", help="PostgreSQL database (and SQLite file) name; the growth "
                                                          "data set gets _growth appended")
    parser.add_argument("--reuse", action="store_true", help="reuse data sets built and not measured since")
    parser.add_argument("--build-only", action="store_true", help="build the data sets and stop")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"the sections to run, comma-separated (default: all of {', '.join(SECTIONS)})")
    parser.add_argument("--projects", type=int, help="projects in the large data set (default 100,000; --small "
                                                     "2,000), e.g. 20,000 for issue #24's held-out ratio")
    parser.add_argument("--repeat", type=int, help="rounds per case (default 30, --small 3; a slow case runs fewer "
                                                   "within its time budget): 1 for GROUP BYs that take minutes")
    args = parser.parse_args()
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.sections = [name.strip() for name in args.sections.split(",")]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    args.projects = args.projects or (2000 if args.small else 100_000)
    args.small_projects = 500 if args.small else 2000
    args.markers = 100 if args.small else 1000
    args.deletions = 20 if args.small else 50
    args.repeat = args.repeat or (3 if args.small else 30)
    args.case_budget = 1.0 if args.small else 15.0
    args.floor_repeat = 30 if args.small else 500
    args.write_repeat = 3 if args.small else 30
    args.bulk = 1000 if args.small else 10_000
    args.bulk_transactions = 1000 if args.small else 10_000
    args.load_seconds = 1.0 if args.small else 5.0
    args.load_rounds = 1 if args.small else 3
    args.concurrency = 8
    args.profile_repeat = 5 if args.small else 30
    started = datetime.now(UTC)
    if args.build_only:
        for name in args.engines.split(","):
            build(Engine(name.strip(), args.db + "_growth"), args.small_projects, args.markers, args.reuse)
            build(Engine(name.strip(), args.db), args.projects, args.markers, args.reuse)
        return
    reports = [run_engine(name.strip(), args) for name in args.engines.split(",")]
    from table import print_table  # noqa: E402

    table = print_table(reports, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{'small' if args.small else 'full'}-{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"started": started.isoformat(), "small": args.small, "reports": reports,
                               "table": table}, indent=2, default=str))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
