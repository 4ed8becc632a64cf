"""Fast raw inserts of already-validated rows (COPY on PostgreSQL, executemany on SQLite).

Values are given in storage form (integer cents, ISO strings are not needed): callers convert.
"""
from datetime import date, datetime

from sqlalchemy import text


def insert_rows(connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    dbapi = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with dbapi.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        placeholders = ", ".join("?" for _ in columns)
        cursor = dbapi.cursor()
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
                           [tuple(_sqlite(v) for v in row) for row in rows])
        cursor.close()


def update_rows(connection, table, columns: list[str], rows: list[tuple]) -> None:
    """UPDATE `table` SET columns by id; each row is (id, *values). PostgreSQL: one statement over
    unnest()ed arrays (an executemany would be a round trip per row); SQLite: executemany."""
    if not rows:
        return
    dbapi = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        types = [table.c[name].type.compile(connection.dialect) for name in ["id", *columns]]
        arrays = ", ".join(f"%s::{type_}[]" for type_ in types)
        names = ", ".join(["id", *columns])
        assignments = ", ".join(f"{name} = v.{name}" for name in columns)
        with dbapi.cursor() as cursor:
            cursor.execute(f"UPDATE {table.name} SET {assignments} FROM unnest({arrays}) AS v({names}) "
                           f"WHERE {table.name}.id = v.id", [list(column) for column in zip(*rows)])
    else:
        cursor = dbapi.cursor()
        cursor.executemany(f"UPDATE {table.name} SET {', '.join(f'{name} = ?' for name in columns)} WHERE id = ?",
                           [tuple(_sqlite(v) for v in (*row[1:], row[0])) for row in rows])
        cursor.close()


def _sqlite(value):
    # The formats SQLAlchemy's SQLite dialect itself writes, so ORM reads parse them back.
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def next_id(connection, table: str) -> int:
    return (connection.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar() or 0) + 1


def sync_sequence(connection, table: str) -> None:
    """After inserting explicit ids, move PostgreSQL's identity sequence past them."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}), (SELECT COUNT(*) > 0 FROM {table}))"))


def allocate_ids(connection, table: str, count: int) -> list[int]:
    """Ids for rows about to be inserted with explicit ids, safe against concurrent writers."""
    if count == 0:
        return []
    if connection.dialect.name == "postgresql":
        return list(connection.execute(text(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"), {"n": count})
            .scalars())
    # SQLite has one writer at a time: an (empty) write takes the lock before MAX(id) is read.
    connection.execute(text(f"DELETE FROM {table} WHERE 0"))
    first = next_id(connection, table)
    return list(range(first, first + count))
