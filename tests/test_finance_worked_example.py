"""docs/finance.md, "Worked example: budget against actual": its blocks run as written, in one shell, against
a live server on the database `make run` builds (the seed data with the annex projects), and every answer and
file it shows is checked, so that the example stays true.

The one block not run is the first, the terminal that starts the server (`make run PORT=5001` on a database of
its own): the test's own server stands for it, on the "annex" snapshot, which is what `flask db upgrade` and
`flask seed` build. The second block reads `BASE` and `DATABASE_URL` from the environment where they are set,
so the rest runs as a reader runs it."""
import csv
import io
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from live import LiveServer
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "finance.md"
SECTION = "## Worked example: budget against actual"

pytestmark = pytest.mark.system  # a live server and a shell, as a reader has them


def blocks() -> list[tuple[str, str]]:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return re.findall(r"```(\w+)\n(.*?)```", text[start:end if end > 0 else None], re.S)


def contains(actual, expected, path: str = "") -> None:
    """`expected` is an excerpt of `actual`: its keys with equal values; a list's items in order (others between)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        for key, value in expected.items():
            assert key in actual, f"{path}/{key} is missing"
            contains(actual[key], value, f"{path}/{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: {actual!r} is not a list"
        position = 0
        for index, item in enumerate(expected):
            while position < len(actual) and not _matches(actual[position], item):
                position += 1
            assert position < len(actual), f"{path}/{index}: {item!r} is not in {actual!r} (in this order)"
            position += 1
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def _matches(actual, expected) -> bool:
    try:
        contains(actual, expected)
    except AssertionError:
        return False
    return True


def run_shell(parts: list[tuple[str, str]], cwd: Path, env: dict) -> list[str]:
    """Every sh block in one bash (set -e: a failing command or error status fails the run), each block's
    output apart."""
    marker = "@@block-{}@@"
    script = ["set -euo pipefail"]
    for index, (kind, content) in enumerate(parts):
        if kind == "sh":
            script += [f"echo {marker.format(index)}", content]
    result = subprocess.run(["bash", "-c", "\n".join(script)], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    outputs = [""] * len(parts)
    for chunk in result.stdout.split("@@block-")[1:]:
        index, _, output = chunk.partition("@@\n")
        outputs[int(index)] = output
    return outputs


def test_the_worked_example_runs_as_written_and_is_true(app, annex, client, tmp_path):
    parts = blocks()
    start = next(i for i, (kind, content) in enumerate(parts) if kind == "sh" and "make run" in content)
    assert "instance/example.sqlite" in parts[start][1] and "PORT=5001" in parts[start][1]
    parts = parts[start + 1:]
    assert sum(content.startswith("call ") for kind, content in parts if kind == "sh") == 22

    server = LiveServer(app.config["SQLALCHEMY_DATABASE_URI"], workers=1)
    try:
        # The reader's repository root, as far as the blocks see it: its .venv, and wsgi.py importable; the
        # files the blocks write (rates.csv) land in the test's own directory.
        (tmp_path / ".venv").symlink_to(ROOT / ".venv")
        env = {**os.environ, "BASE": f"http://127.0.0.1:{server.port}",
               "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
        outputs = run_shell(parts, tmp_path, env)
    finally:
        server.stop()

    checked = 0
    for index, (kind, content) in enumerate(parts):
        if kind == "sh" and "rates load" in content:
            said = content.rpartition("#")[2].strip()
            assert said in outputs[index], outputs[index]
        elif kind in ("json", "csv"):
            answer = outputs[index - 1]
            assert parts[index - 1][0] == "sh", "an answer follows the command that gives it"
            if kind == "json":
                contains(json.loads(answer), json.loads(content))
            else:
                assert answer.strip().splitlines() == content.strip().splitlines()
            checked += 1
    assert checked == 14, checked

    # "and .xlsx": the same rows as numbers formatted #,##0.00, the filters and the generation time above them
    table = list(csv.reader(io.StringIO(client.get("/api/v1/aggregates/region.csv").get_data(as_text=True))))
    sheet = load_workbook(io.BytesIO(client.get("/api/v1/aggregates/region.xlsx").data)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert (cells[1][:2], cells[2][0]) == (["Filters", "none (whole portfolio)"], "Generated")
    assert cells[5] == table[0]
    europe = next(row for row in cells if row[0] == "europe")
    budget, spent = table[0].index("budget_usd"), table[0].index("expenditure_usd")
    assert (europe[budget], europe[spent]) == (303000, 35250.55)
    assert sheet.cell(row=cells.index(europe) + 1, column=spent + 1).number_format == "#,##0.00"
    assert cells[-1][0] == "TOTAL" and sheet.cell(row=len(cells), column=1).font.b
