"""The web app in a real browser: how long a programme manager waits, and how much the first visit downloads.

    .venv/bin/python bench/web.py                 # 100,000 projects (the data set of bench/run.py), PostgreSQL
    .venv/bin/python bench/web.py --small         # 2,000 projects, a quick check
    .venv/bin/python bench/web.py --engines sqlite,postgresql --reuse

For each engine it builds (or, with --reuse, reuses) the data set exactly as bench/run.py does, serves it with
gunicorn as run.py does (2 threaded workers), signs a person in, and drives Debian's headless Chromium
(Playwright for Python) to:

- the dashboard, until its first screen is drawn (the app's performance mark `tcm:dashboard-charts`: the four
  charts drawn, their aggregates fetched and the chart library loaded, and the panel above them shown, the
  summary against the baseline or a funder's totals; the two tables below the charts are fetched after it);
- the project list, until its first page is shown (mark `tcm:projects-first-page`);

each 10 times (median, and the spread), both with an empty browser cache (a first visit: a new browser
context) and with a warm one (the same context, the page loaded again: assets revalidated, 304). The time is
the mark's `startTime`, from the navigation's start, as the browser measures it. The first visit's bytes are
every response's headers and body (Playwright's request sizes) until the page is drawn and the network is
idle. Figures and what they mean: bench/README.md ("The web app"). Prints a table and writes JSON to
bench/results/web-*.json. Asserts nothing about time.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from run import RESULTS, ROOT, Engine, Server, build  # noqa: E402

USER, PASSWORD = "bench-web", "bench web password, long enough"
PAGES = {
    "dashboard": ("/", "tcm:dashboard-charts"),
    "projects": ("/projects", "tcm:projects-first-page"),
}


def ensure_user(engine: Engine) -> None:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "users", "create", USER, "--role",
                             "admin", "--name", "Benchmark", "--password-stdin"], cwd=ROOT, env=engine.env(),
                            input=PASSWORD + "\n", capture_output=True, text=True)
    if result.returncode != 0 and "exists" not in (result.stdout + result.stderr):
        raise RuntimeError(result.stdout + result.stderr)


def signed_in_context(browser, base: str):
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    answer = context.request.post("/api/v1/session", data={"username": USER, "password": PASSWORD})
    if answer.status != 200:
        raise RuntimeError(f"sign-in: {answer.status} {answer.text()}")
    return context


def visit(page, path: str, mark: str, sizes: list | None = None) -> dict:
    """Navigate and wait for the app's mark; its time since the navigation started, and the API calls'."""
    page.goto(path, wait_until="commit")
    # Polled with evaluate (wait_for_function evaluates a string, which the page's policy refuses); the time
    # measured is the mark's own, not the poll's.
    deadline = time.monotonic() + 120
    while not page.evaluate(f"performance.getEntriesByName({json.dumps(mark)}).length"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path}: no {mark} after 120 s")
        page.wait_for_timeout(20)
    if sizes is not None:
        page.wait_for_load_state("networkidle")
    timing = page.evaluate(f"""() => ({{
        mark: performance.getEntriesByName({json.dumps(mark)})[0].startTime,
        api: performance.getEntriesByType('resource').filter(r => r.name.includes('/api/v1/'))
               .map(r => [new URL(r.name).pathname + new URL(r.name).search, r.responseEnd - r.startTime]),
    }})""")
    return timing


def measure(browser, base: str, repeat: int) -> dict:
    report = {}
    for name, (path, mark) in PAGES.items():
        cold, warm, api = [], [], {}
        first_bytes = None
        for run in range(repeat):
            context = signed_in_context(browser, base)
            page = context.new_page()
            responses = []
            if run == 0:
                page.on("requestfinished", lambda request, responses=responses: responses.append(request))
            timing = visit(page, path, mark, sizes=responses if run == 0 else None)
            cold.append(timing["mark"])
            for call, duration in timing["api"]:
                api.setdefault(call, []).append(duration)
            if run == 0:
                first_bytes = {"requests": len(responses), "bytes": 0, "by_kind": {}}
                for request in responses:
                    sizes = request.sizes()
                    size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
                    kind = ("api" if "/api/v1/" in request.url else "chart library" if "echarts" in request.url
                            else "app and other libraries")
                    first_bytes["bytes"] += size
                    first_bytes["by_kind"][kind] = first_bytes["by_kind"].get(kind, 0) + size
            page.close()
            page = context.new_page()  # the same context: its HTTP cache is warm
            warm.append(visit(page, path, mark)["mark"])
            context.close()
        report[name] = {
            "cold_ms": summary(cold), "warm_ms": summary(warm), "first_visit": first_bytes,
            "api_ms": {call: round(statistics.median(values), 1) for call, values in sorted(api.items())},
        }
    return report


def summary(values: list[float]) -> dict:
    values = sorted(values)
    return {"median": round(statistics.median(values), 1), "min": round(values[0], 1), "max": round(values[-1], 1),
            "runs": len(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="2,000 projects")
    parser.add_argument("--engines", default="postgresql")
    parser.add_argument("--db", default="tcm_bench_web", help="the data set's PostgreSQL database and SQLite file "
                                                              "name (bench/run.py --db); it is dropped and built anew "
                                                              "unless --reuse finds it pristine")
    parser.add_argument("--reuse", action="store_true", help="reuse a data set built by bench/run.py or this script")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    projects = 2000 if args.small else 100_000
    started = datetime.now(UTC)
    reports = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for name in args.engines.split(","):
            engine = Engine(name.strip(), args.db)
            stamp = build(engine, projects, 100 if args.small else 1000, args.reuse)
            ensure_user(engine)
            server = Server(engine)
            try:
                report = {"engine": engine.name, "projects": stamp["counts"]["projects"],
                          "counts": stamp["counts"], "pages": measure(browser, server.base, args.repeat)}
            finally:
                server.stop()
            reports.append(report)
            print_report(report)
        browser.close()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"web-{'small' if args.small else 'full'}-{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"started": started.isoformat(), "chromium": chromium_version(),
                               "reports": reports}, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


def chromium_version() -> str:
    return subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True).stdout.strip()


def print_report(report: dict) -> None:
    print(f"\n=== {report['engine']}: {report['projects']:,} projects ===")
    print(f"{'page':<11} {'first visit (empty cache) ms':>30} {'again (warm cache) ms':>24} {'first visit bytes':>18}")
    for name in PAGES:
        r = report["pages"][name]
        cold, warm = r["cold_ms"], r["warm_ms"]
        print(f"{name:<11} {cold['median']:>12} (min {cold['min']}, max {cold['max']}) "
              f"{warm['median']:>9} (min {warm['min']}, max {warm['max']}) "
              f"{r['first_visit']['bytes']:>12,} in {r['first_visit']['requests']} requests")
        for kind, size in sorted(r["first_visit"]["by_kind"].items()):
            print(f"{'':<11}   {kind}: {size:,} bytes")
        slowest = sorted(r["api_ms"].items(), key=lambda item: -item[1])[:3]
        print(f"{'':<11}   slowest API calls (median ms): " + "; ".join(f"{c} {v}" for c, v in slowest))


if __name__ == "__main__":
    main()
