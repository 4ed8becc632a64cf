"""TCM Portfolio benchmark: one command, both engines, one table of figures and ratios.

    .venv/bin/python bench/run.py            # 100,000 projects, ~1,000,000 budget lines
    .venv/bin/python bench/run.py --small    # 2,000 projects: proves the harness works (used by CI)

For SQLite and PostgreSQL in turn it generates the data set with `flask demo-data`, starts the API
under gunicorn, and measures every figure against its baseline in the same run (see bench/README.md).
It prints the table and writes it as JSON to bench/results/. It asserts nothing about time.
"""
import argparse
import csv
import http.client
import io
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
PEER_VENV = ROOT / "bench" / ".peer-venv"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "tcm_bench"

# Aggregates answered from the rollups: target >= 10x faster than the raw GROUP BY.
ROLLUP_CASES = [
    ("region", "", "region"), ("priority", "", "priority"), ("region-priority", "", "region_priority"),
    ("year", "", "year"), ("region", "region=europe", "region"), ("priority", "status=closed", "priority"),
    ("year", "priority=cooperation", "year"), ("region", "synthetic=true&year_from=2003&year_to=2005", "region"),
]
# Aggregates that need the base tables: target <= 1.5x (PostgreSQL) / 2x (SQLite) the raw SQL.
BASE_CASES = [
    ("region", "q=project 01", "region"), ("priority", "country=AL", "priority"),
    ("region", "rcp=budapest-process", "region"), ("year", "country=EC", "year"),
]


def raw_sql(engine: str, dimension: str, query: str, source: str = "stored") -> str:
    """The GROUP BY a finance analyst would write by hand for the same figures.

    source="facts": over the budget lines themselves (what the rollups replace: "a raw by-region scan
    of 1,000,000 rows"); source="stored": over the per-project totals and per-priority attributions
    that the write path also keeps (the same tables the API's own base-table path reads)."""
    year = "extract(year from bl.period_start)" if engine == "postgresql" else "strftime('%Y', bl.period_start)"
    where = ["1=1"]
    for part in filter(None, query.split("&")):
        name, value = part.split("=", 1)
        if name == "region":
            where.append(f"p.region_id = (SELECT id FROM regions WHERE code = '{value}')")
        elif name == "status":
            where.append(f"p.status = '{value}'")
        elif name == "synthetic":
            where.append("p.synthetic = " + ("true" if engine == "postgresql" else "1"))
        elif name == "year_from":
            where.append(f"p.start_date IS NOT NULL AND (p.end_date IS NULL OR p.end_date >= '{value}-01-01')")
        elif name == "year_to":
            where.append(f"p.start_date IS NOT NULL AND p.start_date <= '{value}-12-31'")
        elif name == "priority":
            where.append("EXISTS (SELECT 1 FROM project_priorities f WHERE f.project_id = p.id AND f.priority_id = "
                         f"(SELECT id FROM priorities WHERE code = '{value}'))")
        elif name == "country":
            where.append(f"EXISTS (SELECT 1 FROM project_countries c WHERE c.project_id = p.id AND "
                         f"c.country_code = '{value}')")
        elif name == "rcp":
            where.append("EXISTS (SELECT 1 FROM project_rcps r WHERE r.project_id = p.id AND r.rcp_id = "
                         f"(SELECT id FROM rcps WHERE code = '{value}'))")
        elif name == "q":
            pattern = f"%{value.lower()}%"
            where.append("(" + " OR ".join(f"lower(p.{c}) LIKE '{pattern}'"
                                           for c in ("code", "title", "acronym", "description")) + ")")
    clause = " AND ".join(where)
    if source == "facts" and dimension == "region":
        return (f"SELECT p.region_id, count(DISTINCT p.id), sum(bl.usd_amount) FROM projects p "
                f"LEFT JOIN budget_lines bl ON bl.project_id = p.id WHERE {clause} GROUP BY p.region_id")
    if source == "facts" and dimension in ("priority", "region_priority"):
        keys = "pp.priority_id" if dimension == "priority" else "p.region_id, pp.priority_id"
        return (f"SELECT {keys}, count(DISTINCT pp.project_id), sum(bl.usd_amount * pp.share) / 10000 "
                f"FROM project_priorities pp JOIN projects p ON p.id = pp.project_id "
                f"LEFT JOIN budget_lines bl ON bl.project_id = pp.project_id WHERE {clause} GROUP BY {keys}")
    if dimension == "region":
        return (f"SELECT p.region_id, count(*), count(CASE WHEN p.budget_usd IS NULL THEN 1 END), sum(p.budget_usd) "
                f"FROM projects p WHERE {clause} GROUP BY p.region_id")
    if dimension == "priority":
        return (f"SELECT pp.priority_id, count(*), sum(pp.budget_usd) FROM project_priorities pp "
                f"JOIN projects p ON p.id = pp.project_id WHERE {clause} GROUP BY pp.priority_id")
    if dimension == "region_priority":
        return (f"SELECT p.region_id, pp.priority_id, count(*), sum(pp.budget_usd) FROM project_priorities pp "
                f"JOIN projects p ON p.id = pp.project_id WHERE {clause} GROUP BY p.region_id, pp.priority_id")
    return (f"SELECT {year}, count(DISTINCT bl.project_id), sum(bl.usd_amount) FROM budget_lines bl "
            f"JOIN projects p ON p.id = bl.project_id WHERE {clause} GROUP BY {year}")


class Engine:
    def __init__(self, name: str):
        self.name = name
        DATA.mkdir(parents=True, exist_ok=True)
        self.sqlite_path = DATA / "bench.sqlite"

    @property
    def url(self) -> str:
        if self.name == "sqlite":
            return f"sqlite:///{self.sqlite_path}"
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"

    def reset(self) -> None:
        if self.name == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.sqlite_path) + suffix).unlink(missing_ok=True)
            return
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")

    def connect(self):
        if self.name == "sqlite":
            conn = sqlite3.connect(self.sqlite_path)
            conn.execute("PRAGMA foreign_keys=ON")  # as the app's own connections
            return conn
        return psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{PG_DB}", autocommit=True)


def flask(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, seconds: float = 60) -> None:
    parts = urlsplit(url)
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
            conn.request("GET", parts.path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


class Server:
    """The API under gunicorn (2 sync workers: this machine has 2 cores)."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "300", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
        wait_http(self.base + "/readyz")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


class Client:
    def __init__(self, base: str, token: str):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json"):
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = content_type
        start = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - start
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:500]!r}")
        return elapsed, data, response


def timings(fns: dict, repeat: int, warmup: int = 2) -> dict:
    """Median and p95 of each function, run in turn (a, b, c, a, b, c, ...): whatever the noisy
    machine does meanwhile falls on all of them alike, so their ratios compare like with like."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            samples[name].append(fn())
    out = {}
    for name, values in samples.items():
        values.sort()
        out[name] = {"median_ms": round(statistics.median(values) * 1000, 2),
                     "p95_ms": round(values[min(len(values) - 1, int(len(values) * 0.95))] * 1000, 2)}
    return out


def timed_sql(conn, sql: str):
    def run():
        start = time.perf_counter()
        cursor = conn.cursor()
        cursor.execute(sql)
        cursor.fetchall()
        cursor.close()
        return time.perf_counter() - start
    return run


def measure_aggregates(engine: Engine, client: Client, conn, repeat: int) -> list[dict]:
    rows = []
    for cases, kind in ((ROLLUP_CASES, "rollup"), (BASE_CASES, "base")):
        for dimension, query, raw_dimension in cases:
            path = f"/api/v1/aggregates/{dimension}" + (f"?{quote(query, safe='=&')}" if query else "")
            fns = {"api": lambda: client.request("GET", path)[0],
                   "stored": timed_sql(conn, raw_sql(engine.name, raw_dimension, query))}
            if kind == "rollup":
                fns["facts"] = timed_sql(conn, raw_sql(engine.name, raw_dimension, query, "facts"))
            measured = timings(fns, repeat)
            api, stored = measured["api"], measured["stored"]
            raw = measured.get("facts", stored)
            rows.append({"case": f"aggregate {dimension}" + (f" ?{query}" if query else ""), "kind": kind,
                         "api": api, "raw_sql": raw, "raw_sql_stored_totals": stored,
                         "speedup_vs_stored_median": round(stored["median_ms"] / api["median_ms"], 2),
                         "speedup_median": round(raw["median_ms"] / api["median_ms"], 2),
                         "speedup_p95": round(raw["p95_ms"] / api["p95_ms"], 2),
                         "ratio_median": round(api["median_ms"] / raw["median_ms"], 2),
                         "ratio_p95": round(api["p95_ms"] / raw["p95_ms"], 2)})
    return rows


def measure_list(client: Client, repeat: int) -> dict:
    _, _, response = client.request("GET", "/api/v1/projects?sort=title&page_size=25")
    total = int(response.getheader("X-Total-Count"))
    last_page = max(1, (total + 24) // 25)

    def get(path):
        return lambda: client.request("GET", path)[0]

    measured = timings({
        "first": get("/api/v1/projects?sort=title&cursor=first&page_size=25"),
        "last": get("/api/v1/projects?sort=title&cursor=last&page_size=25"),
        "offset_last": get(f"/api/v1/projects?sort=title&page={last_page}&page_size=25"),
        "search": get("/api/v1/projects?region=europe&q=project%2001&sort=-budget&page_size=25"),
    }, repeat)
    first, last, offset_last_page, search = (measured[k] for k in ("first", "last", "offset_last", "search"))
    return {"first_page": first, "last_page_keyset": last, "last_page_offset": offset_last_page,
            "filtered_search_page": search,
            "last_vs_first_median": round(last["median_ms"] / first["median_ms"], 2),
            "offset_last_vs_first_median": round(offset_last_page["median_ms"] / first["median_ms"], 2)}


def bulk_items(prefix: str, n: int) -> list[dict]:
    regions = ["africa-middle-east", "asia-oceania", "americas", "europe"]
    return [{"code": f"{prefix}-{i:06d}", "title": f"Bulk benchmark project {i}", "region": regions[i % 4],
             "countries": ["AL", "BA"] if i % 2 else ["EC"], "status": "pipeline",
             "priorities": [{"code": "cooperation", "share": "60"}, {"code": "harmonization", "share": "40"}],
             "activity_types": ["training-hrd"], "start_date": "2004-01-01", "end_date": "2005-12-31"}
            for i in range(n)]


def measure_bulk(engine: Engine, client: Client, conn, n: int) -> dict:
    per_request = 5000
    items = bulk_items("BENCH", n)

    def post_all(mode: str) -> float:
        total = 0.0
        for start in range(0, n, per_request):
            body = json.dumps({"items": items[start:start + per_request]}).encode()
            elapsed, data, _ = client.request("POST", f"/api/v1/projects/bulk?mode={mode}", body)
            total += elapsed
        return total

    api_create = post_all("create")
    api_upsert = post_all("upsert")
    raw = raw_executemany(engine, conn, bulk_items("RAW", n))
    return {"projects": n, "api_create_s": round(api_create, 3), "api_upsert_s": round(api_upsert, 3),
            "raw_executemany_s": round(raw, 3), "create_vs_raw": round(api_create / raw, 2),
            "upsert_vs_raw": round(api_upsert / raw, 2)}


def raw_executemany(engine: Engine, conn, items: list[dict]) -> float:
    """The same rows (projects, priorities, countries, activity types) by plain executemany."""
    marker = "%s" if engine.name == "postgresql" else "?"
    cursor = conn.cursor()
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM projects")
    first_id = cursor.fetchone()[0] + 1
    cursor.execute("SELECT code, id FROM regions")
    regions = dict(cursor.fetchall())
    cursor.execute("SELECT code, id FROM priorities")
    priorities = dict(cursor.fetchall())
    cursor.execute("SELECT code, id FROM activity_types")
    activities = dict(cursor.fetchall())
    now = datetime.now(timezone.utc)
    now_value = now if engine.name == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    false = False if engine.name == "postgresql" else 0
    projects, links_p, links_c, links_a = [], [], [], []
    for offset, item in enumerate(items):
        pid = first_id + offset
        projects.append((pid, item["code"], item["title"], regions[item["region"]], item["status"],
                         item["start_date"], item["end_date"], false, "api", false, 1, now_value, now_value))
        links_p += [(pid, priorities[p["code"]], int(p["share"]) * 100) for p in item["priorities"]]
        links_c += [(pid, c) for c in item["countries"]]
        links_a += [(pid, activities[a]) for a in item["activity_types"]]
    start = time.perf_counter()
    if engine.name == "postgresql":
        cursor.execute("BEGIN")  # one transaction, as the API uses
    cursor.executemany(
        "INSERT INTO projects (id, code, title, region_id, status, start_date, end_date, post_emergency, source, "
        f"synthetic, version, created_at, updated_at) VALUES ({', '.join([marker] * 13)})", projects)
    cursor.executemany(f"INSERT INTO project_priorities (project_id, priority_id, share) VALUES ({marker}, {marker}, "
                       f"{marker})", links_p)
    cursor.executemany(f"INSERT INTO project_countries (project_id, country_code) VALUES ({marker}, {marker})",
                       links_c)
    cursor.executemany(f"INSERT INTO project_activity_types (project_id, activity_type_id) VALUES ({marker}, "
                       f"{marker})", links_a)
    if engine.name == "postgresql":
        cursor.execute("COMMIT")
    else:
        conn.commit()
    elapsed = time.perf_counter() - start
    # Leave the data set as it was (the raw rows bypass the rollups and the audit trail).
    for table in ("project_priorities", "project_countries", "project_activity_types"):
        cursor.execute(f"DELETE FROM {table} WHERE project_id >= {first_id}")
    cursor.execute(f"DELETE FROM projects WHERE id >= {first_id} AND code LIKE 'RAW-%'")
    if engine.name == "sqlite":
        conn.commit()
    cursor.close()
    return elapsed


class RssSampler(threading.Thread):
    """Peak resident memory of the gunicorn workers while a request runs (from /proc)."""

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


def measure_export(engine: Engine, server: Server, client: Client, conn) -> dict:
    sampler = RssSampler(server.worker_pids())
    sampler.start()
    start = time.perf_counter()
    client.conn.request("GET", "/api/v1/exports/budget-lines", headers=client.headers)
    response = client.conn.getresponse()
    lines = 0
    while True:
        chunk = response.read(1 << 20)
        if not chunk:
            break
        lines += chunk.count(b"\n")
    api_s = time.perf_counter() - start
    sampler.stopped.set()
    sampler.join()
    baseline_name, baseline_s = raw_export(engine, conn)
    return {"lines": lines - 1, "api_s": round(api_s, 3), "baseline": baseline_name,
            "baseline_s": round(baseline_s, 3), "api_vs_baseline": round(api_s / baseline_s, 2),
            "server_peak_rss_mb": round(sampler.peak_kb / 1024, 1)}


EXPORT_SELECT = ("SELECT p.code, bl.id, bl.period_start, bl.period_end, bl.amount, bl.currency, bl.fx_rate, "
                 "bl.fx_value_date, bl.usd_amount, bl.donor, bl.type, bl.status, p.synthetic FROM budget_lines bl "
                 "JOIN projects p ON p.id = bl.project_id ORDER BY bl.id")


def raw_export(engine: Engine, conn) -> tuple[str, float]:
    start = time.perf_counter()
    if engine.name == "postgresql":
        with conn.cursor() as cursor:
            with cursor.copy(f"COPY ({EXPORT_SELECT}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for _ in copy:
                    pass
        return "COPY ... TO STDOUT", time.perf_counter() - start
    out = io.StringIO()
    writer = csv.writer(out)
    for row in conn.execute(EXPORT_SELECT):
        writer.writerow(row)
        if out.tell() > 1 << 20:
            out.seek(0)
            out.truncate()
    return "sqlite3 cursor + csv.writer (no COPY in SQLite)", time.perf_counter() - start


def peer_datasette(engine: Engine, server: Server, token: str, seconds: float, concurrency: int) -> dict:
    """Datasette serving the same SQLite file, with a canned query equal to the by-region aggregate."""
    datasette = PEER_VENV / "bin" / "datasette"
    if not datasette.exists():
        if PEER_VENV.is_symlink():  # left pointing at a peer venv that is gone (e.g. under /tmp)
            PEER_VENV.unlink()
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "--quiet", "datasette>=0.64"], check=True)
    metadata = DATA / "datasette-metadata.json"
    metadata.write_text(json.dumps({"databases": {"bench": {"queries": {
        "by_region": raw_sql("sqlite", "region", "")}}}}))
    port = free_port()
    process = subprocess.Popen([str(datasette), "serve", str(engine.sqlite_path), "--port", str(port),
                                "--metadata", str(metadata), "--setting", "sql_time_limit_ms", "60000",
                                "--setting", "default_cache_ttl", "0"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        peer_url = f"http://127.0.0.1:{port}/bench/by_region.json?_shape=array"
        wait_http(f"http://127.0.0.1:{port}/-/versions.json")
        ours = load.run(f"{server.base}/api/v1/aggregates/region", headers={"Authorization": f"Bearer {token}"},
                        concurrency=concurrency, seconds=seconds)
        theirs = load.run(peer_url, concurrency=concurrency, seconds=seconds)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"concurrency": concurrency, "seconds": seconds, "api": ours, "datasette": theirs,
            "throughput_ratio": round(ours["rps"] / theirs["rps"], 2) if theirs["rps"] else None}


def run_engine(name: str, args) -> dict:
    engine = Engine(name)
    engine.reset()
    env = {**os.environ, "DATABASE_URL": engine.url, "RATELIMIT_DISABLED": "1", "FLASK_APP": "wsgi",
           "LOG_LEVEL": "WARNING"}  # one JSON line per request would flood the table
    report: dict = {"engine": name}
    flask(env, "db", "upgrade")
    flask(env, "seed")
    start = time.perf_counter()
    flask(env, "demo-data", "--projects", str(args.projects), "--lines-per-project", "10")
    report["generate_s"] = round(time.perf_counter() - start, 1)
    token = flask(env, "tokens", "create", "--name", "bench", "--role", "admin").strip()
    conn = engine.connect()
    cursor = conn.cursor()
    cursor.execute("SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM budget_lines)")
    report["projects"], report["budget_lines"] = cursor.fetchone()
    cursor.close()
    if name == "postgresql":
        conn.execute("ANALYZE")
    server = Server(env)
    try:
        client = Client(server.base, token)
        report["aggregates"] = measure_aggregates(engine, client, conn, args.repeat)
        report["list"] = measure_list(client, args.repeat)
        report["bulk"] = measure_bulk(engine, client, conn, args.bulk)
        report["export"] = measure_export(engine, server, client, conn)
        if name == "sqlite":
            report["peer"] = peer_datasette(engine, server, token, args.load_seconds, args.concurrency)
    finally:
        server.stop()
        conn.close()
    return report


def print_table(reports: list[dict]) -> str:
    lines = []
    add = lines.append
    for r in reports:
        add(f"\n=== {r['engine']}: {r['projects']:,} projects, {r['budget_lines']:,} budget lines "
            f"(generated in {r['generate_s']} s) ===")
        add("aggregates: rollup cases vs the raw GROUP BY over the budget lines (target >= 10x faster; in brackets "
            "the speed-up over a GROUP BY of the stored per-project totals); base cases vs the raw GROUP BY over the "
            "same tables (target <= 1.5x PostgreSQL, 2x SQLite). Milliseconds.")
        add(f"{'case':58} {'api med':>9} {'api p95':>9} {'raw med':>9} {'raw p95':>9}  ratio")
        for a in r["aggregates"]:
            ratio = (f"{a['speedup_median']:>6}x faster (p95 {a['speedup_p95']}x) [{a['speedup_vs_stored_median']}x]"
                     if a["kind"] == "rollup" else f"{a['ratio_median']:>6}x raw (p95 {a['ratio_p95']}x)")
            add(f"{a['case'][:58]:58} {a['api']['median_ms']:>9} {a['api']['p95_ms']:>9} "
                f"{a['raw_sql']['median_ms']:>9} {a['raw_sql']['p95_ms']:>9}  {ratio}")
        li = r["list"]
        add(f"list first page (keyset) {li['first_page']['median_ms']} ms; last page keyset "
            f"{li['last_page_keyset']['median_ms']} ms ({li['last_vs_first_median']}x first); last page by offset "
            f"{li['last_page_offset']['median_ms']} ms ({li['offset_last_vs_first_median']}x); filtered search "
            f"{li['filtered_search_page']['median_ms']} ms")
        b = r["bulk"]
        add(f"bulk {b['projects']:,} projects: API create {b['api_create_s']} s ({b['create_vs_raw']}x raw), "
            f"upsert {b['api_upsert_s']} s ({b['upsert_vs_raw']}x raw); raw executemany {b['raw_executemany_s']} s")
        e = r["export"]
        add(f"CSV export {e['lines']:,} lines: API {e['api_s']} s vs {e['baseline']} {e['baseline_s']} s "
            f"({e['api_vs_baseline']}x); server peak RSS {e['server_peak_rss_mb']} MB")
        if "peer" in r:
            p = r["peer"]
            add(f"by-region throughput, {p['concurrency']} clients x {p['seconds']} s: API {p['api']['rps']} req/s "
                f"({p['api']['errors']} errors) vs Datasette {p['datasette']['rps']} req/s "
                f"({p['datasette']['errors']} errors): {p['throughput_ratio']}x")
    text = "\n".join(lines)
    print(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="2,000 projects and short runs (CI)")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    args.projects = 2000 if args.small else 100_000
    args.repeat = 5 if args.small else 30
    args.bulk = 1000 if args.small else 10_000
    args.load_seconds = 2.0 if args.small else 10.0
    args.concurrency = 8
    started = datetime.now(timezone.utc)
    reports = [run_engine(name.strip(), args) for name in args.engines.split(",")]
    table = print_table(reports)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{'small' if args.small else 'full'}-{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"started": started.isoformat(), "small": args.small, "reports": reports,
                               "table": table}, indent=2, default=str))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
