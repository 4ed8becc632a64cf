"""The two readers of statistics/readers.py on the same questions: each aggregate answered in-process from the
rollup cells (what the API does when they can answer) and from the base tables (`use_rollups=False`: the
stored figures and links, as before a dimension had rollups), the two timed in turn in the same run, and their
answers compared (they must be equal).

    DATABASE_URL=sqlite:///bench/data/tcm_big.sqlite .venv/bin/python bench/readers.py [--repeat 3]

It prints the median milliseconds of each side and their ratio, and asserts nothing about time.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portfolio import create_app  # noqa: E402
from portfolio.extensions import db  # noqa: E402
from portfolio.statistics import aggregates  # noqa: E402

# The dimensions whose rollups came with migration 0014, alone, filtered and crossed (issue #24's table).
CASES = [
    ("activity-type", {}), ("activity-type", {"year_from": 2004, "year_to": 2006}),
    ("activity-type", {"region": "europe", "status": "closed"}), ("rcp", {}), ("rcp", {"rcp_link": "stated"}),
    ("rcp", {"rcp_link": "derived", "priority": "cooperation"}), ("rcp", {"year_from": 2004}),
    ("activity-type/status", {"year_from": 2004}), ("rcp/year", {}), ("rcp/region", {"rcp_link": "stated"}),
    # Filtered by one RCP or activity type, by a dimension that splits nothing: that value's cells.
    ("region", {"rcp": "budapest-process"}), ("year", {"rcp": "budapest-process", "rcp_link": "derived"}),
    ("status", {"activity_type": "training-hrd", "year_from": 2004}),
    ("region", {"activity_type": "policy-frameworks", "priority": "cooperation"}),
    # The cube's pairs (migration 0015): priority x country, country x funder.
    ("priority/country", {}), ("country/donor", {}), ("country", {"funder": "DEMO-DONOR-01"}),
    ("donor/country", {"region": "europe", "year_from": 2004}),
]


def _call(case: str, args: dict, use_rollups: bool):
    if "/" in case:
        rows, columns = case.split("/")
        return aggregates.crossed(rows, columns, args, use_rollups=use_rollups)
    return aggregates.aggregate(case, args, use_rollups=use_rollups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="the cases whose label contains this text")
    options = parser.parse_args()
    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        print(f"{db.engine.dialect.name}: {'case':<58} {'rollups':>9} {'base':>9} {'base/rollups':>12}")
        for case, args in CASES:
            label = case + ("?" + "&".join(f"{k}={v}" for k, v in args.items()) if args else "")
            if options.only and options.only not in label:
                continue
            times: dict = {True: [], False: []}
            answers = {}
            for _ in range(options.repeat):
                for use_rollups in (True, False):
                    start = time.perf_counter()
                    answers[use_rollups] = _call(case, args, use_rollups)
                    times[use_rollups].append((time.perf_counter() - start) * 1000)
                    db.session.rollback()
            rollups, base = statistics.median(times[True]), statistics.median(times[False])
            same = "" if answers[True] == answers[False] else "  ANSWERS DIFFER"
            print(f"{'':<{len(db.engine.dialect.name) + 2}}{label:<58} {rollups:>9.1f} {base:>9.1f} "
                  f"{base / rollups:>11.1f}x{same}", flush=True)


if __name__ == "__main__":
    main()
