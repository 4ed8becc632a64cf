"""PostgreSQL's JIT compilation against the aggregates: each case of bench/run.py's aggregate lists answered
in-process (statistics/aggregates.py, the same call the API makes) with `jit = on` (the server's default) and
`jit = off` (what create_app sets on every connection), the two timed in turn in the same run.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/tcm_big .venv/bin/python bench/jit.py [--repeat 3]

It prints the median milliseconds of each side and their ratio, and asserts nothing about time.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BASE_CASES, CROSSED_CASES, ROLLUP_CASES  # noqa: E402
from sqlalchemy import text  # noqa: E402

from portfolio import create_app  # noqa: E402
from portfolio.extensions import db  # noqa: E402
from portfolio.statistics import aggregates  # noqa: E402


def _call(case: str, query: str):
    args = {k: (int(v) if v.isdigit() else v == "true" if v in ("true", "false") else v)
            for k, v in parse_qsl(query)}
    if "/" in case:
        rows, columns = case.split("/")
        return lambda: aggregates.crossed(rows, columns, args)
    if case == "region-priority":
        return lambda: aggregates.region_priority(args)
    return lambda: aggregates.aggregate(case, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="the cases to run, comma-separated (as printed: case?query)")
    options = parser.parse_args()
    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            sys.exit("bench/jit.py measures PostgreSQL's JIT: set DATABASE_URL to a PostgreSQL database")
        print(f"{'case':<58} {'jit on':>10} {'jit off':>10} {'on/off':>7}")
        only = set(options.only.split(",")) if options.only else None
        for case, query in ROLLUP_CASES[:3] + BASE_CASES + CROSSED_CASES:
            if only is not None and case + ("?" + query if query else "") not in only:
                continue
            call = _call(case, query)
            call()  # builds the statement once (statistics/aggregates.py caches it) and warms the pages
            db.session.rollback()
            times: dict = {"on": [], "off": []}
            for _ in range(options.repeat):
                for setting in ("on", "off"):
                    db.session.execute(text(f"SET jit = {setting}"))
                    start = time.perf_counter()
                    call()
                    times[setting].append((time.perf_counter() - start) * 1000)
                    db.session.rollback()
            on, off = statistics.median(times["on"]), statistics.median(times["off"])
            print(f"{case + ('?' + query if query else ''):<58} {on:>10.1f} {off:>10.1f} {on / off:>6.2f}x", flush=True)


if __name__ == "__main__":
    main()
