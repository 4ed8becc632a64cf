"""How long hostile bodies of about 10 MB (under the 16 MiB body limit) take to be answered (#21.6): the request
through the whole app (request checks, auth, idempotency, webargs, the schemas, the problem), in-process on a
throw-away SQLite database with the reference data. Prints one line per body: its size, the status, the answer's
size, the error count and the medians of the wall time and of the process's CPU time (on a shared machine the
CPU time is the cost; the wall time adds the waits for a core). It asserts nothing; bench/README.md has figures.

    .venv/bin/python bench/validation.py [--repeat 3]
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def project(code: str, **overrides) -> dict:
    return {"code": code, "title": f"Project {code}", "region": "europe", "countries": ["AL"],
            "priorities": [{"code": "cooperation"}], **overrides}


def bodies() -> dict[str, tuple[str, bytes]]:
    """name -> (path, body): each about 10 MB."""
    big = {
        "1.6 million country codes": ("/api/v1/projects", project("HUGE", countries=["AL"] * 1_600_000)),
        "60,000 bulk items (limit 5,000)": ("/api/v1/projects/bulk",
                                            {"items": [project(f"B-{i}") for i in range(60_000)]}),
        "5,000 bulk items, 2 errors each": ("/api/v1/projects/bulk",
                                            {"items": [project(f"B-{i}", region="mars", title="x" * 1900)
                                                       for i in range(5_000)]}),
        "300,000 unknown fields": ("/api/v1/projects", {**project("KEYS"), **{f"k{i:06d}": 1 for i in range(300_000)}}),
        "a 10 MB description": ("/api/v1/projects", project("LONG", description="d" * 10_000_000)),
        "control characters in 500,000 strings": ("/api/v1/projects/bulk",
                                                  {"items": [project(f"C-{i}", countries=["A\u0001"] * 95)
                                                             for i in range(5_000)]}),
    }
    return {name: (path, json.dumps(body).encode()) for name, (path, body) in big.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        os.environ["DATABASE_URL"] = f"sqlite:///{work}/validation.sqlite"
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        from conftest import seed_reference_data
        from flask_migrate import upgrade

        from portfolio import create_app
        from portfolio.auth import issue_token

        app = create_app({"RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            seed_reference_data()
            _, token = issue_token("bench", "admin", actor="bench")
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        print(f"{'body':42} {'MB':>6} {'status':>6} {'answer':>9} {'errors':>7} {'wall s':>7} {'cpu s':>6}")
        for name, (path, body) in bodies().items():
            times, cpu = [], []
            for _ in range(options.repeat):
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.post(path, data=body, headers=headers)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            answer = response.get_json(silent=True) or {}
            print(f"{name:42} {len(body) / 1e6:6.1f} {response.status_code:6d} {len(response.data):8,d}B "
                  f"{answer.get('error_count', 0):7,d} {statistics.median(times):7.3f} {statistics.median(cpu):6.3f}")


if __name__ == "__main__":
    main()
