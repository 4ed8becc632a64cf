"""The many-row write helpers of portfolio/dialect.py, on the engine under test (one statement over arrays
on PostgreSQL, executemany on SQLite): the same result either way."""
from helpers import create_project
from sqlalchemy import select

from portfolio import dialect
from portfolio.extensions import db
from portfolio.models import Project, RollupProject
from portfolio.statistics.rollups import columns


def test_update_rows_writes_only_the_rows_whose_expected_value_still_holds(app, client, in_app):
    for code in ("P-1", "P-2", "P-3"):
        create_project(client, code)

    def write():
        ids = dict(db.session.execute(select(Project.code, Project.id)).all())
        rows = [{"id": ids[code], "title": f"New {code}", "acronym": "N"} for code in ("P-1", "P-2", "P-3")]
        written = dialect.update_rows(Project.__table__, rows, expect={"version": [1, 99, 1]})  # P-2 is at 1
        db.session.commit()
        return written, dict(db.session.execute(select(Project.code, Project.title)).all())

    written, titles = in_app(write)
    assert written == 2
    assert titles == {"P-1": "New P-1", "P-2": "Project P-2", "P-3": "New P-3"}


def test_add_to_rows_adds_to_existing_cells_and_inserts_new_ones(app, in_app):
    table = RollupProject.__table__
    names = columns(RollupProject)
    key_count = len([c for c in names if c in {k.name for k in table.primary_key.columns}])
    keys, values = names[:key_count], names[key_count:]

    def cell(key, amount):
        return (*key, amount, *(0,) * (len(values) - 2), -amount)

    region = in_app(lambda: db.session.execute(select(db.text("min(id)")).select_from(db.text("regions"))).scalar())
    first, second = (0, region, "pipeline", False, 0, 0, 0), (0, region, "closed", False, 0, 0, 0)

    def write(rows):
        dialect.add_to_rows(table, keys, values, rows)
        db.session.commit()
        return {tuple(row[:key_count]): (row[key_count], row[-1])
                for row in db.session.execute(select(*(table.c[n] for n in names))).all()}

    assert in_app(lambda: write([cell(first, 5)])) == {first: (5, -5)}
    assert in_app(lambda: write([cell(second, 7), cell(first, 3)])) == {first: (8, -8), second: (7, -7)}
