"""The many-row write helpers of portfolio/dialect.py, on the engine under test (one statement over arrays
on PostgreSQL, executemany on SQLite): the same result either way."""
import pytest
from helpers import create_project
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portfolio import dialect
from portfolio.extensions import db
from portfolio.models import Project, RollupPriority, RollupProject
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


def _cells_of(table):
    names = columns(table)
    key_count = len([c for c in names if c in {k.name for k in table.__table__.primary_key.columns}])
    return table.__table__, names, key_count


def _read(table) -> dict:
    table, names, key_count = _cells_of(table)
    return {tuple(row[:key_count]): (row[key_count], row[-1])
            for row in db.session.execute(select(*(table.c[n] for n in names))).all()}


def _cell(key, amount, width):
    return (*key, amount, *(0,) * (width - 2), -amount)


def _region(in_app):
    return in_app(lambda: db.session.execute(select(db.text("min(id)")).select_from(db.text("regions"))).scalar())


def test_add_to_tables_adds_to_existing_cells_and_inserts_new_ones(app, in_app):
    table, names, key_count = _cells_of(RollupProject)
    keys, values = names[:key_count], names[key_count:]
    region = _region(in_app)
    first, second = (0, region, "pipeline", False, 0, 0, 0), (0, region, "closed", False, 0, 0, 0)

    def write(rows):
        dialect.add_to_tables([(table, keys, values, rows)])
        db.session.commit()
        return _read(RollupProject)

    assert in_app(lambda: write([_cell(first, 5, len(values))])) == {first: (5, -5)}
    assert in_app(lambda: write([_cell(second, 7, len(values)), _cell(first, 3, len(values))])) == {
        first: (8, -8), second: (7, -7)}


def test_add_to_tables_writes_every_table_or_none_and_the_connection_stays_usable(app, in_app):
    """On PostgreSQL the tables' statements go in one pipeline: an error in a later one is raised as SQLAlchemy
    raises an INSERT's (here an IntegrityError: a key left empty), the earlier tables' rows go with the
    rollback, and the connection takes the next write in the normal way."""
    region = _region(in_app)
    projects, priorities = _cells_of(RollupProject), _cells_of(RollupPriority)

    def batch(table, key_count, names, rows):
        return (table, names[:key_count], names[key_count:], rows)

    def write(priority_key):
        p_table, p_names, p_keys = projects
        q_table, q_names, q_keys = priorities
        width = len(p_names) - p_keys
        dialect.add_to_tables([
            batch(p_table, p_keys, p_names, [_cell((0, region, "pipeline", False, 0, 0, 0), 5, width)]),
            batch(q_table, q_keys, q_names, [_cell((0, region, "pipeline", False, priority_key, 0, 0, 0), 5, width)]),
        ])
        db.session.commit()

    def refused():
        with pytest.raises(IntegrityError):
            write(None)
        db.session.rollback()
        return _read(RollupProject), _read(RollupPriority)

    assert in_app(refused) == ({}, {})

    def accepted():
        write(1)
        return _read(RollupProject), _read(RollupPriority)

    cells = in_app(accepted)
    assert cells == ({(0, region, "pipeline", False, 0, 0, 0): (5, -5)},
                     {(0, region, "pipeline", False, 1, 0, 0, 0): (5, -5)})
