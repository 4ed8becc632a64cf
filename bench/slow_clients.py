"""Slow clients against the production server (#21.5): N connections that send a header line every 5 s (or,
headers complete, a body byte every 2 s), reconnecting whenever they are dropped, while 4 normal clients
GET /api/v1/regions in a loop with a 20 s timeout. Printed per front (gunicorn alone, nginx in front of it) and
scenario: how many normal GETs succeeded and timed out, and their median and 95th-percentile latency.

    .venv/bin/python bench/slow_clients.py [--seconds 30] [--fronts gunicorn,nginx] [--slow 12,24]
    # an asynchronous worker instead of the front (gevent is not a dependency: a Python that has it)
    GUNICORN_WORKER_CLASS=gevent .venv/bin/python bench/slow_clients.py --fronts gunicorn --python /tmp/gv/bin/python

gunicorn runs as gunicorn.conf.py says, with 3 workers (the issue's 3 x 4 threads); DATABASE_URL from the
environment, else a throw-away SQLite database with the reference data. Everything binds 127.0.0.1; every
connection and process is closed at the end. It asserts nothing; bench/README.md has the figures.
"""
import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from live import SlowClient, free_port  # noqa: E402

GET_TIMEOUT = 20.0
NORMAL_CLIENTS = 4


def wait_ready(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing ready on port {port}")


def normal_gets(port: int, stop: threading.Event, results: list) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=GET_TIMEOUT)
            conn.request("GET", "/api/v1/regions")
            response = conn.getresponse()
            response.read()
            conn.close()
            results.append(("ok" if response.status == 200 else f"{response.status}", time.perf_counter() - started))
        except TimeoutError:
            results.append(("timeout", time.perf_counter() - started))
        except OSError as exc:
            results.append((type(exc).__name__, time.perf_counter() - started))


def scenario(port: int, kind: str, slow: int, seconds: float) -> dict:
    stop_slow, stop_normal = threading.Event(), threading.Event()
    clients = [SlowClient(port, kind, stop_slow) for _ in range(slow)]
    for client in clients:
        client.start()
    time.sleep(1.0)  # the slow connections are in
    results: list = []
    normal = [threading.Thread(target=normal_gets, args=(port, stop_normal, results), daemon=True)
              for _ in range(NORMAL_CLIENTS)]
    for thread in normal:
        thread.start()
    time.sleep(seconds)
    stop_normal.set()
    for thread in normal:
        thread.join(GET_TIMEOUT + 5)
    stop_slow.set()
    for client in clients:
        client.join(10)
    times = sorted(t for outcome, t in results if outcome == "ok")
    return {"ok": len(times), "timeout": sum(o == "timeout" for o, _ in results),
            "other": sum(o not in ("ok", "timeout") for o, _ in results),
            "p50": statistics.median(times) if times else None,
            "p95": times[int(0.95 * (len(times) - 1))] if times else None,
            "dropped": sum(c.dropped for c in clients)}


def start_gunicorn(database_url: str, port: int, work: str, python: str = sys.executable) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "OPEN_READS": "1", "RATELIMIT_DISABLED": "1",
           "LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": "3", "BIND": f"127.0.0.1:{port}"}
    if python != sys.executable:  # another interpreter (one with gevent) running this project's packages
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p.endswith("site-packages"))
    process = subprocess.Popen([python, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                               env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    wait_ready(port)
    return process


def start_nginx(listen: int, upstream: int, work: str) -> subprocess.Popen:
    process = subprocess.Popen([str(ROOT / "deploy" / "nginx" / "run"), f"127.0.0.1:{listen}",
                                f"127.0.0.1:{upstream}", str(Path(work) / "nginx")], start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(listen)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        process.wait(30)


def prepared_database(work: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    url = f"sqlite:///{work}/slow.sqlite"
    os.environ["DATABASE_URL"] = url
    from conftest import seed_reference_data
    from flask_migrate import upgrade

    from portfolio import create_app

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        seed_reference_data()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--fronts", default="gunicorn,nginx")
    parser.add_argument("--slow", default="12,24")
    parser.add_argument("--python", default=sys.executable, help="the Python that runs gunicorn")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        url = prepared_database(work)
        print(f"worker class: {os.environ.get('GUNICORN_WORKER_CLASS', 'gthread')}")
        print(f"{'front':9} {'slow clients':22} {'GETs ok':>8} {'timed out':>9} {'other':>6} {'p50 s':>7} "
              f"{'p95 s':>7} {'slow drops':>10}")
        for front in options.fronts.split(","):
            app_port = free_port()
            server = start_gunicorn(url, app_port, work, options.python)
            nginx = None
            port = app_port
            if front == "nginx":
                port = free_port()
                nginx = start_nginx(port, app_port, work)
            try:
                for kind in ("headers", "body"):
                    for slow in (int(n) for n in options.slow.split(",")):
                        figures = scenario(port, kind, slow, options.seconds)
                        label = f"{slow} x {'header line/5 s' if kind == 'headers' else 'body byte/2 s'}"
                        p50 = f"{figures['p50']:7.3f}" if figures["p50"] is not None else "      -"
                        p95 = f"{figures['p95']:7.3f}" if figures["p95"] is not None else "      -"
                        print(f"{front:9} {label:22} {figures['ok']:8d} {figures['timeout']:9d} {figures['other']:6d} "
                              f"{p50} {p95} {figures['dropped']:10d}", flush=True)
            finally:
                if nginx is not None:
                    stop(nginx)
                stop(server)


if __name__ == "__main__":
    main()
