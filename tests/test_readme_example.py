"""README, "Worked example: budget against actual": run the section as written (its rates file and command, each
request) on the database `make run` builds (the seed data with the annex projects), and check every answer and
file it shows, so that the example stays true."""
import csv
import io
import json
import re
import shlex
from pathlib import Path

from openpyxl import load_workbook

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Worked example: budget against actual"


def blocks() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
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


def test_the_readme_worked_example_is_true(client, runner, tmp_path, annex):
    parts = blocks()
    assert [kind for kind, _ in parts].count("http") == 16
    response = None
    for index, (kind, content) in enumerate(parts):
        if kind == "csv" and response is None:  # the rates file, loaded by the command that follows it
            command, _, said = parts[index + 1][1].partition("#")
            assert parts[index + 1][0] == "sh"
            (tmp_path / "rates.csv").write_text(content, encoding="utf-8")
            args = shlex.split(command)
            args = [str(tmp_path / a) if a == "rates.csv" else a for a in args[args.index("wsgi") + 1:]]
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
            assert said.strip() in result.output
        elif kind == "http":
            first, _, body = content.partition("\n")
            method, path = first.split()
            response = client.open(path, method=method, json=json.loads(body) if body.strip() else None)
            assert response.status_code in (200, 201), (first, response.json)
        elif kind == "json":
            contains(response.json, json.loads(content))
        elif kind == "csv":
            assert response.get_data(as_text=True).splitlines() == content.splitlines()
    # "and .xlsx": the same rows as numbers formatted #,##0.00, the filters and the generation time above them
    table = list(csv.reader(io.StringIO(client.get("/api/v1/aggregates/region.csv").get_data(as_text=True))))
    sheet = load_workbook(io.BytesIO(client.get("/api/v1/aggregates/region.xlsx").data)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert (cells[1][:2], cells[2][0]) == (["Filters", "none (whole portfolio)"], "Generated")
    assert cells[5] == table[0]
    europe = next(row for row in cells if row[0] == "europe")
    budget, spent = table[0].index("budget_usd"), table[0].index("expenditure_usd")
    assert (europe[budget], europe[spent]) == (230000, 35250.55)
    assert sheet.cell(row=cells.index(europe) + 1, column=spent + 1).number_format == "#,##0.00"
    assert cells[-1][0] == "TOTAL" and sheet.cell(row=len(cells), column=1).font.b
