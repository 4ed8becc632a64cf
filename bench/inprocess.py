"""The benchmark's in-process half: run inside the application (its own process, DATABASE_URL from the
environment), called by bench/run.py as

    python bench/inprocess.py ACTION IN.pickle OUT.pickle

Actions:
  mark       put a marker word in the titles of given projects, through the write path (word-search cases)
  capture    the SQL statement(s) each given API request runs, with their parameters, for raw replays, and the
             region aggregate's statement with its literals inlined (the Datasette canned query)
  capture_base  the same, with the rollups turned away: the statements the API's own base-table reader runs for
             the same request (the GROUP BY over the stored per-project figures), the crossed aggregates' baseline
  floor      per-request floor in-process: Flask test client GET /api/v1/regions vs SELECT 1 through db.session
             (with "path" and "baseline": that request against that statement, e.g. issue #24's held-out ratio)
  counts     statements each single write sends (SQLAlchemy before_cursor_execute, plus the COPY and raw
             cursor statements PostgreSQL's fast paths send beside SQLAlchemy), and a cProfile of each
  setup      projects with 10 budget lines made through the write path, for the write cases
It never asserts a time.
"""
import cProfile
import io
import pickle
import pstats
import re
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, text  # noqa: E402

from portfolio import create_app  # noqa: E402
from portfolio.extensions import db  # noqa: E402

AGGREGATE_TABLES = re.compile(r"\b(rollup_\w+|project_\w*figures)\b")


def _app():
    app = create_app({"RATELIMIT_ENABLED": False})
    return app


class Recorder:
    """Every statement the driver is asked to run: SQLAlchemy's (before_cursor_execute) and, on PostgreSQL,
    the COPY and raw-cursor statements of portfolio/dialect.py that bypass SQLAlchemy."""

    def __init__(self, engine, dry: bool = False):
        self.engine = engine
        self.on = False
        self.dry = dry
        self.statements: list[tuple[str, object, str]] = []
        event.listen(engine, "before_cursor_execute", self._sqlalchemy, retval=True)
        self._patched = []
        if engine.dialect.name == "postgresql":
            import psycopg

            recorder = self
            original_copy, original_execute = psycopg.Cursor.copy, psycopg.Cursor.execute

            def copy(cursor, statement, *args, **kwargs):
                if recorder.on:
                    recorder.statements.append((str(statement), None, "copy"))
                return original_copy(cursor, statement, *args, **kwargs)

            def execute(cursor, query, params=None, **kwargs):
                # SQLAlchemy's own executions are recorded by the event; these are dialect.py's raw ones
                if recorder.on and not getattr(recorder, "_inside", False):
                    recorder.statements.append((str(query), None, "raw"))
                return original_execute(cursor, query, params, **kwargs)

            psycopg.Cursor.copy, psycopg.Cursor.execute = copy, execute
            event.listen(engine, "before_cursor_execute", lambda *a, **k: setattr(self, "_inside", True))
            event.listen(engine, "after_cursor_execute", lambda *a, **k: setattr(self, "_inside", False))

    def _sqlalchemy(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.statements.append((statement, parameters, "executemany" if executemany else "execute"))
            if self.dry and AGGREGATE_TABLES.search(statement) and not executemany:
                # Recorded as it is, run as a query with no row: a constant-false WHERE, which both engines plan
                # without reading the subquery (minutes per base-table GROUP BY on SQLite at 100,000 projects).
                return f"SELECT * FROM ({statement}) AS dry WHERE 1 = 0", parameters
        return statement, parameters

    def __enter__(self):
        self.statements = []
        self.on = True
        return self

    def __exit__(self, *exc):
        self.on = False


def mark(app, data):
    """Append the marker word to the titles of the given projects, through the write path."""
    from portfolio.services import state as states
    from portfolio.services import storage
    from portfolio.vocabulary import current

    with app.app_context():
        codes = data["codes"]
        for start in range(0, len(codes), 1000):
            found = states.load(codes=codes[start:start + 1000], lock=True)
            pairs = []
            for before in found.values():
                after = before.copy()
                storage.apply(after, {"title": f"{before.row['title']} {data['word']}"}, current())
                pairs.append((before, after))
            storage.save(pairs, "bench-marker", current())
            db.session.commit()
    return {"marked": len(codes)}


def _inline(statement: str, parameters) -> str:
    """An SQLite statement with its ? parameters written as literals (for a Datasette canned query)."""
    values = list(parameters or ())
    out, index, quote = [], 0, None
    for ch in statement:
        if quote:
            out.append(ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            value = values[index]
            index += 1
            if value is None:
                out.append("NULL")
            elif isinstance(value, bool):
                out.append("1" if value else "0")
            elif isinstance(value, (int, float, Decimal)):
                out.append(str(value))
            else:
                out.append("'" + str(value).replace("'", "''") + "'")
        else:
            out.append(ch)
    if index != len(values):
        raise ValueError("parameter count mismatch")
    return "".join(out)


def capture(app, data):
    """For each path: the aggregate statement(s) the API ran for it (those reading rollups or figures)."""
    headers = {"Authorization": f"Bearer {data['token']}"}
    out = {}
    with app.app_context():
        recorder = Recorder(db.engine, dry=data.get("dry", False))
        client = app.test_client()
        # Warm the token and vocabulary caches once, with a cheap request: warming with each path itself ran every
        # base-table GROUP BY twice, minutes each on SQLite at 100,000 projects.
        for warm in ("/api/v1/regions", "/api/v1/aggregates/region"):
            client.get(warm, headers=headers)
        for path in data["paths"]:
            with recorder:
                response = client.get(path, headers=headers)
            if response.status_code != 200:
                out[path] = {"error": f"{response.status_code} {response.get_data(as_text=True)[:300]}"}
                continue
            found = [(s, p) for s, p, kind in recorder.statements if AGGREGATE_TABLES.search(s)]
            entry = {"statements": found, "all_statements": len(recorder.statements)}
            if db.engine.dialect.name == "sqlite" and len(found) == 1:
                entry["inlined"] = _inline(*found[0])
            out[path] = entry
    return out


def capture_base(app, data):
    """capture, with every question sent to the base tables: the GROUP BY over the stored per-project figures that
    answers the same request (the property tests hold it equal to the rollups' answer to the cent)."""
    from portfolio.statistics import readers

    serves = readers.RollupReader.__dict__["serves"]
    readers.RollupReader.serves = classmethod(lambda cls, args, dims: False)
    try:
        return capture(app, data)  # with "dry": recorded, not run (the caller times them)
    finally:
        readers.RollupReader.serves = serves


def _stats(values):
    values = sorted(values)
    return {"median_ms": round(statistics.median(values) * 1000, 3),
            "p95_ms": round(values[min(len(values) - 1, int(len(values) * 0.95))] * 1000, 3), "n": len(values)}


def floor(app, data):
    """GET /api/v1/regions through the Flask test client vs SELECT 1 through db.session (the same pool),
    timed in turn; then a cProfile of the request."""
    headers = {"Authorization": f"Bearer {data['token']}"}
    client = app.test_client()
    path = data.get("path", "/api/v1/regions")

    def request():
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        response.get_data()
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        return elapsed

    baseline = text(data.get("baseline", "SELECT 1"))

    def select_one():
        with app.app_context():
            start = time.perf_counter()
            db.session.execute(baseline).all()
            db.session.remove()  # the connection goes back to the pool, as at the end of a request
            return time.perf_counter() - start

    for _ in range(min(50, data.get("repeat", 500))):
        request()
        select_one()
    samples = {"request": [], "select_1": []}
    for _ in range(data.get("repeat", 500)):
        samples["request"].append(request())
        samples["select_1"].append(select_one())
    result = {name: _stats(values) for name, values in samples.items()}
    if "baseline" in data:  # the held-out ratio: no statement list or profile wanted
        return result
    with app.app_context():
        recorder = Recorder(db.engine)
    with recorder:
        request()
    result["statements_per_request"] = [s[:200] for s, _, _ in recorder.statements]
    result["profile"] = _profile(lambda: [request() for _ in range(min(200, data.get("repeat", 500)))])
    return result


def _profile(fn, lines: int = 30) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(lines)
    return stream.getvalue()


PROJECT_BODY = {
    "title": "Benchmark write project", "region": "europe", "countries": ["AL", "BA"],
    "priorities": [{"code": "cooperation", "share": "60"}, {"code": "harmonization", "share": "40"}],
    "activity_types": ["training-hrd"], "status": "pipeline", "start_date": "2004-01-01", "end_date": "2013-12-31",
    "participating_organisations": [{"organisation": "DEMO-DONOR-01", "role": "funding"},
                                    {"organisation": "IOM", "role": "implementing"}],
}


def line_body(year: int, amount: str = "125000.00") -> dict:
    return {"period_start": f"{year}-01-01", "period_end": f"{year}-12-31", "amount": amount, "currency": "USD",
            "donor": "DEMO-DONOR-01", "status": "committed"}


def setup(app, data):
    """Projects with `lines` budget lines each (2004, 2005, ...), made through the write path; with
    `unrolled`, their contributions are then taken out of the rollups, so that bare SQL may delete them
    without leaving the rollups different from the base tables."""
    from portfolio import dialect
    from portfolio.schemas.budget_lines import BudgetLineWriteSchema
    from portfolio.schemas.projects import ProjectCreateSchema
    from portfolio.services import records, storage
    from portfolio.vocabulary import current
    out = {}
    with app.test_request_context():
        vocab = current()
        line_schema, project_schema = BudgetLineWriteSchema(), ProjectCreateSchema()
        states = []
        for code in data["codes"]:
            state = storage.new_state(code)
            storage.apply(state, project_schema.load({**PROJECT_BODY, "code": code}), vocab)
            states.append(state)
        # "unrolled": projects the bare-SQL delete will remove, so they never enter the rollups (that delete
        # does not move them) and the rollups stay exact for the rest of the run.
        move = not data.get("unrolled")
        storage.save([(None, s) for s in states], "bench-setup", vocab, move_rollups=move)  # ids allocated
        pairs = []
        all_ids = dialect.allocate_ids(records.RECORDS["lines"], data["lines"] * len(states))
        for index, state in enumerate(states):
            after = state.copy()
            ids = all_ids[index * data["lines"]:(index + 1) * data["lines"]]
            for number, record_id in enumerate(ids):
                record = records.new_record(after, records.LINES, record_id, state.row["created_at"])
                after.lines[record_id] = record
                errors = records.merge(record, line_schema.load(line_body(2004 + number)), records.LINES)
                if errors:
                    raise RuntimeError(errors)
            pairs.append((state, after))
        saved = storage.save(pairs, "bench-setup", vocab, move_rollups=move)
        db.session.commit()
        for s in saved:
            out[s.state.code] = {"id": s.state.id, "version": s.state.row["version"]}
    return out


def counts(app, data):
    """Statements per single write, through the Flask test client, on projects made by `setup`."""
    from portfolio import etags

    headers = {"Authorization": f"Bearer {data['token']}", "Content-Type": "application/json"}
    client = app.test_client()
    with app.app_context():
        recorder = Recorder(db.engine)
    made = setup(app, {"codes": [f"BENCH-COUNT-{data['tag']}-{i}" for i in range(4)], "lines": 10})
    (line_code, line_p), (delete_code, delete_p), (patch_code, patch_p), _ = made.items()
    import json

    cases = {
        "POST /projects": ("POST", "/api/v1/projects", {**PROJECT_BODY, "code": f"BENCH-COUNT-{data['tag']}-NEW"},
                           {}),
        "PATCH /projects/{code}": ("PATCH", f"/api/v1/projects/{patch_code}", {"status": "implementation"},
                                   {"If-Match": etags.quoted(patch_code, patch_p["version"])}),
        "POST /projects/{code}/budget-lines (10 lines)": (
            "POST", f"/api/v1/projects/{line_code}/budget-lines", line_body(2020), {}),
        "DELETE /projects/{code} (10 lines)": ("DELETE", f"/api/v1/projects/{delete_code}", None,
                                               {"If-Match": etags.quoted(delete_code, delete_p["version"])}),
    }
    out = {}
    for name, (method, path, body, extra) in cases.items():
        with recorder:
            response = client.open(path, method=method, headers={**headers, **extra},
                                   data=None if body is None else json.dumps(body))
        if response.status_code >= 400:
            out[name] = {"error": f"{response.status_code} {response.get_data(as_text=True)[:300]}"}
            continue
        kinds = {}
        for _, _, kind in recorder.statements:
            kinds[kind] = kinds.get(kind, 0) + 1
        out[name] = {"statements": len(recorder.statements), "by_kind": kinds,
                     "list": [s[:160].replace("\n", " ") for s, _, _ in recorder.statements]}
    return out


def profile(app, data):
    """cProfile of `repeat` GET requests of each path through the Flask test client (after a warm-up)."""
    headers = {"Authorization": f"Bearer {data['token']}"}
    client = app.test_client()
    out = {}
    for path in data["paths"]:
        for _ in range(5):
            client.get(path, headers=headers)

        def run(path=path):
            for _ in range(data.get("repeat", 50)):
                response = client.get(path, headers=headers)
                response.get_data()
        out[path] = _profile(run, 40)
    return out


ACTIONS = {"profile": profile, "mark": mark, "capture": capture, "capture_base": capture_base, "floor": floor,
           "counts": counts, "setup": setup}


def main():
    action, source, target = sys.argv[1:4]
    data = pickle.loads(Path(source).read_bytes())
    app = _app()
    result = ACTIONS[action](app, data)
    Path(target).write_bytes(pickle.dumps(result))


if __name__ == "__main__":
    main()
