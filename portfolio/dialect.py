"""Where PostgreSQL and SQLite differ, in one place.

Measured fast paths (bench/README.md) stay PostgreSQL-only: COPY for many rows, one
`UPDATE ... FROM unnest(...)` for many updates, array parameters for id lists. On SQLite the same
work is SQLAlchemy Core `executemany`, so column types (cents, UTC datetimes) are applied by the
same TypeDecorators everywhere; on PostgreSQL the rows for COPY pass through the same bind processors.
"""
import re
import unicodedata
from contextlib import contextmanager

from sqlalchemy import Table, Text, any_, bindparam, delete, false, func, literal, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError

from portfolio.extensions import db

SQLITE_IDS_PER_STATEMENT = 30000  # below SQLite's 32,766 bound parameters


def name() -> str:
    return db.session.get_bind().dialect.name


def is_postgresql() -> bool:
    return name() == "postgresql"


def id_filter(column, ids):
    """`column IN ids`; on PostgreSQL one array parameter, so there is no limit on how many (and no
    statement with thousands of placeholders to parse)."""
    ids = list(ids)
    if is_postgresql():
        return column == any_(literal(ids, ARRAY(column.type)))
    return column.in_(ids)


def _processors(table: Table, columns: list[str], dialect):
    return [table.c[c].type._cached_bind_processor(dialect) for c in columns]


def _unnest(table: Table, columns: list[str], values: list[list], dialect, binary: bool = False) -> tuple[str, list]:
    """`unnest(%s::type[], ...)` over one list of values per column, and those lists as its parameters,
    each value passed through its column's bind processor (cents, UTC datetimes) as SQLAlchemy would. A list of
    plain integers is always sent as its text literal (below). binary: the other lists (text, booleans) sent in
    PostgreSQL's binary format (%b): psycopg writes text arrays by testing every element for quoting (a regular
    expression each)."""
    processors = _processors(table, columns, dialect)
    arrays = [[p(v) if p else v for v in column] for column, p in zip(values, processors)]
    casts, params = [], []
    for column, array in zip(columns, arrays):
        sql_type = table.c[column].type.compile(dialect)
        if all(type(v) is int for v in array):
            # An array of plain integers (cents, ids, years: most of a rollup delta's values) as its text literal,
            # joined in C, where psycopg's binary array dumper packs each element in Python: a status change of a
            # project with yearly lines moves ~2,900 cells of ~25 integers (at 100,000 projects, PATCH 76 -> 73 ms).
            casts.append(f"%s::{sql_type}[]")
            params.append("{" + ",".join(map(str, array)) + "}")
        else:
            casts.append(f"%{'b' if binary else 's'}::{sql_type}[]")
            params.append(array)
    return f"unnest({', '.join(casts)})", params


def insert_rows(table: Table, rows: list[dict]) -> None:
    """Insert rows (dicts keyed by column name, Python values) in as few round trips as the engine allows."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    processors = _processors(table, columns, connection.dialect)
    pairs = [(c, p) for c, p in zip(columns, processors)]
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with _driver_errors(connection, statement), connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([p(row[c]) if p else row[c] for c, p in pairs])


@contextmanager
def _driver_errors(connection, statement: str):
    """COPY and the unnest() statements run on the driver's cursor, past SQLAlchemy: their errors are wrapped as
    SQLAlchemy wraps an INSERT's (a unique violation is an IntegrityError, answered 409; a value out of range a
    DataError, 422), never psycopg's own exception (a 500)."""
    try:
        yield
    except connection.dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(statement, None, error, connection.dialect.loaded_dbapi.Error) from error


def update_rows(table: Table, rows: list[dict], key: str = "id", expect: dict[str, list] | None = None) -> int:
    """UPDATE the given columns of rows identified by `key`; every row names the same columns. `expect`
    ({column: one value per row}): a row is updated only while that column still holds its value. Returns
    how many rows were updated. PostgreSQL: one statement over unnest()ed arrays (an executemany is a round
    trip per row)."""
    if not rows:
        return 0
    expect = expect or {}
    connection = db.session.connection()
    columns = [c for c in rows[0] if c != key]
    if connection.dialect.name != "postgresql":
        statement = update(table).where(table.c[key] == bindparam("k_" + key, type_=table.c[key].type),
                                        *(table.c[c] == bindparam("e_" + c, type_=table.c[c].type) for c in expect)
                                        ).values({c: bindparam("v_" + c, type_=table.c[c].type) for c in columns})
        result = connection.execute(statement, [{"k_" + key: r[key], **{"v_" + c: r[c] for c in columns},
                                                 **{"e_" + c: values[i] for c, values in expect.items()}}
                                                for i, r in enumerate(rows)])
        return result.rowcount
    names = [key, *columns]
    source, arrays = _unnest(table, [*names, *expect], [[r[n] for r in rows] for n in names] + list(expect.values()),
                             connection.dialect)
    aliases = [*names, *(f"e_{c}" for c in expect)]
    assignments = ", ".join(f"{c} = v.{c}" for c in columns)
    guards = "".join(f" AND {table.name}.{c} = v.e_{c}" for c in expect)
    statement = (f"UPDATE {table.name} SET {assignments} FROM {source} AS v({', '.join(aliases)}) "
                 f"WHERE {table.name}.{key} = v.{key}{guards}")
    with _driver_errors(connection, statement), connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(statement, arrays)
        return cursor.rowcount


def delete_where_in(table: Table, column: str, ids) -> None:
    ids = sorted(set(ids))
    step = (len(ids) or 1) if is_postgresql() else SQLITE_IDS_PER_STATEMENT
    for start in range(0, len(ids), step):
        db.session.execute(delete(table).where(id_filter(table.c[column], ids[start:start + step])))


def allocate_ids(table: Table, count: int) -> list[int]:
    """Ids for rows about to be inserted with explicit ids, safe against concurrent writers."""
    if count == 0:
        return []
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return list(connection.execute(text(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, :n)"),
            {"n": count}).scalars())
    take_write_lock()  # one writer at a time: MAX(id) cannot move under us
    first = (connection.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}")).scalar() or 0) + 1
    return list(range(first, first + count))


def sync_sequence(table: Table) -> None:
    """After inserting explicit ids outside allocate_ids(), move PostgreSQL's sequence past them."""
    if is_postgresql():
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}), (SELECT COUNT(*) > 0 FROM {table.name}))"))


def take_write_lock() -> None:
    """SQLite: start the write transaction now (an empty write takes the database's write lock), so that
    what this unit of work reads next cannot change before it writes. PostgreSQL locks rows instead."""
    if not is_postgresql():
        db.session.execute(text("DELETE FROM alembic_version WHERE 0"))


def lock_rows(statement):
    """A SELECT whose rows stay ours until commit (FOR UPDATE on PostgreSQL; SQLite holds the write lock)."""
    if is_postgresql():
        return statement.with_for_update()
    take_write_lock()
    return statement


def for_whole_table_statements() -> None:
    """For the rest of this transaction, statements that group every project (the rollups' rebuild and verify):
    on PostgreSQL, room to sort in memory (the default 4 MB spilled to disk), and no nested loops: a statement
    over every project never wants one, and with the statistics of tables emptied and refilled since their last
    ANALYZE (autovacuum off, a test database) the planner re-ran a subquery of the RCP cells for every row
    (a rebuild of 126 projects ran for over 30 minutes). (Without JIT compilation, as every connection of the
    app: create_app. It took 9.4 of the 10.9 s of the RCP cells' GROUP BY at 1,065 projects.)"""
    if is_postgresql():
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
        db.session.execute(text("SET LOCAL enable_nestloop = off"))


def add_to_tables(batches: list[tuple[Table, list[str], list[str], list[tuple]]]) -> None:
    """For each (table, keys, values, rows): add each row's values to the row with the same keys, inserting it if
    there is none: a row is a tuple of its `keys` then its `values`, and keys must be distinct. Tables are written
    in the order given and rows in key order, so concurrent writers cannot deadlock.
    PostgreSQL: one INSERT ... SELECT FROM unnest(...) ON CONFLICT per table, whatever the number of rows (a
    status change of a project with ten yearly lines moves ~500 cells of a table: as an executemany they cost
    30-70 ms of a PATCH, as one statement a few), and the tables' statements in one psycopg pipeline: the server
    runs them in the order sent, without a round trip between them (a write moves nine tables: a status change of
    a project without lines 11.4-12.3 -> 10.1-11.1 ms in-process). An error in any of them is raised as SQLAlchemy
    raises an INSERT's, when the pipeline ends."""
    batches = [batch for batch in batches if batch[3]]
    if not batches:
        return
    connection = db.session.connection()
    statements = []
    for table, keys, values, rows in batches:
        names = [*keys, *values]
        listed = ", ".join(names)
        adding = (f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
                  + ", ".join(f"{v} = {table.name}.{v} + excluded.{v}" for v in values))
        if connection.dialect.name != "postgresql":
            # The driver's executemany of the tuples (keys first: sorted in key order), past SQLAlchemy, whose
            # parameter processing per row was a third of a status change's time (1,656 cells, 2026-12-05 profile).
            statement = f"INSERT INTO {table.name} ({listed}) VALUES ({', '.join('?' * len(names))}) {adding}"
            with _driver_errors(connection, statement):
                connection.connection.driver_connection.cursor().executemany(statement, sorted(rows))
            continue
        source, arrays = _unnest(table, names, [list(column) for column in zip(*rows)], connection.dialect,
                                 binary=True)
        statements.append((f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM {source} AS v({listed}) "
                           f"ORDER BY {', '.join(keys)} {adding}", arrays))
    if not statements:
        return
    driver = connection.connection.driver_connection
    with _driver_errors(connection, "; ".join(s for s, _ in statements)), driver.pipeline(), \
            driver.cursor() as cursor:
        for statement, arrays in statements:
            cursor.execute(statement, arrays)


def year_of(column):
    """The calendar year of a date column, as an integer, on both engines."""
    if is_postgresql():
        return func.cast(func.extract("year", column), db.Integer)
    return func.cast(func.strftime("%Y", column), db.Integer)


WORD = re.compile(r"[^\W_]+")  # a word, as word search reads text and queries alike


def search_words(q: str) -> list[tuple[str, bool]]:
    """The words of a search, normalised as projects.search_text is: (word, is a prefix)."""
    decomposed = unicodedata.normalize("NFKD", q.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return [(m.group(1), bool(m.group(2))) for m in re.finditer(rf"({WORD.pattern})(\*?)", plain)]


def search_params(q: str) -> dict:
    """The bound value of search(q): a tsquery (PostgreSQL) or an FTS5 MATCH expression (SQLite)."""
    words = search_words(q)
    if is_postgresql():
        return {"f_q": " & ".join(f"'{w}'{':*' if prefix else ''}" for w, prefix in words)}
    return {"f_q": " AND ".join(f'"{w}"{"*" if prefix else ""}' for w, prefix in words)}


def _document_and_query():
    from portfolio.models import Project

    return (func.to_tsvector(literal_column("'simple'"), Project.search_text),
            func.to_tsquery(literal_column("'simple'"), bindparam("f_q", type_=Text())))


def search_filter(q: str):
    """A condition: the project's words include every word of `q` (bound as f_q, see search_params).
    On PostgreSQL the match itself, not `id IN (matching ids)`: with the IN the planner walked the sort
    index probing each project (78 ms at 100,000 projects for a keyset page of 1,000 matches, 1.9 ms at
    2,000), with the match it takes the ~1,000 rows from the GIN index and sorts them."""
    from portfolio.models import Project

    if not search_words(q):
        return false()
    if is_postgresql():
        document, tsquery = _document_and_query()
        return document.op("@@")(tsquery)
    return Project.id.in_(select(search(q).c.id))


def search(q: str):
    """A subquery (id, relevance) of the projects whose words include every word of `q` (bound as f_q, see
    search_params), best first by ascending relevance. PostgreSQL: full-text search over a GIN index;
    SQLite: its FTS5 table."""
    from portfolio.models import Project

    if not search_words(q):
        return select(Project.id, literal(0).label("relevance")).where(false()).subquery("found")
    if is_postgresql():
        document, tsquery = _document_and_query()
        return (select(Project.id, (-func.ts_rank(document, tsquery)).label("relevance"))
                .where(document.op("@@")(tsquery)).subquery("found"))
    return (select(literal_column("rowid").label("id"), literal_column("rank").label("relevance"))
            .select_from(text("projects_fts")).where(text("projects_fts MATCH :f_q"))
            .subquery("found"))
