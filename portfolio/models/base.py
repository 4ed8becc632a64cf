from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from portfolio.figure_columns import AMOUNT_COLUMNS, COUNT_COLUMNS

# Stable constraint names, so Alembic autogenerate and downgrades agree on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Ids are 32-bit on PostgreSQL (SERIAL): paths and bodies are bounded by this before they reach SQL.
MAX_ID = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both engines (SQLite drops the offset on its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _bigint_columns(class_name: str, names: tuple[str, ...]) -> type:
    """A mixin with one BIGINT column (default 0) per name, so that the lists of stored amounts and counts live
    in measures.py only; figures and rollup tables inherit them."""
    namespace: dict = {"__annotations__": {}}
    for name in names:
        namespace["__annotations__"][name] = Mapped[int]
        namespace[name] = mapped_column(BigInteger, default=0, nullable=False)
    return type(class_name, (), namespace)


AmountColumns = _bigint_columns("AmountColumns", AMOUNT_COLUMNS)  # integer cents
CountColumns = _bigint_columns("CountColumns", COUNT_COLUMNS)
