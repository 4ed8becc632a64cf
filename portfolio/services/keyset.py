"""Keyset (cursor) pagination over the project list: each page is an index range scan after the
previous page's last (sort key, id), so the last page costs what the first does."""
import base64
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, func, literal, or_, tuple_

from portfolio.errors import Invalid, field_error
from portfolio.models import Project
from portfolio.models.base import MAX_ID

COLUMNS = {"title": func.lower(Project.title), "code": Project.code, "start_date": Project.start_date,
           "budget": Project.budget_usd, "updated_at": Project.updated_at}
NULLABLE = {"start_date", "budget"}


def _budget(value: str) -> Decimal:
    if not re.fullmatch(r"[0-9]{1,13}\.[0-9]{2}", value):
        raise ValueError(value)
    return Decimal(value)


PARSE = {"title": str, "code": str, "start_date": date.fromisoformat, "budget": _budget,
         "updated_at": datetime.fromisoformat}


def column(sort: str):
    return COLUMNS[sort.lstrip("-")]


def encode(direction: str, sort: str, value, project_id: int) -> str:
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    elif value is not None:
        value = format(value, "f") if isinstance(value, Decimal) else str(value)
    raw = json.dumps([direction, sort, value, project_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, sort: str):
    if cursor in ("first", "last"):
        return cursor, None, None
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        direction, cursor_sort, value, project_id = json.loads(decoded)
        if direction not in ("next", "prev") or cursor_sort != sort or type(project_id) is not int \
                or not 1 <= project_id <= MAX_ID or not (value is None or isinstance(value, str)):
            raise ValueError
        if value is not None and re.search("[\x00\ud800-\udfff]", value):
            raise ValueError  # no stored value has a NUL or a lone surrogate, and neither can be bound
        parsed = None if value is None else PARSE[sort.lstrip("-")](value)
        if isinstance(parsed, datetime):
            if parsed.tzinfo is None:
                raise ValueError
            parsed = parsed.astimezone(UTC)  # OverflowError (an ArithmeticError) at the calendar's edges
        return direction, parsed, project_id
    except (ValueError, TypeError, KeyError, ArithmeticError, InvalidOperation, UnicodeDecodeError) as exc:
        raise Invalid([field_error("/cursor", "Invalid cursor.", "query")],
                      "The cursor is not valid for this sort order; start again from cursor=first.") from exc


def order(sort: str, reverse: bool = False) -> list:
    key = sort.lstrip("-")
    descending = sort.startswith("-") != reverse
    primary = COLUMNS[key].desc() if descending else COLUMNS[key].asc()
    if key in NULLABLE:
        # Unknown values last whichever the direction (first when walking backwards).
        primary = primary.nulls_first() if reverse else primary.nulls_last()
    return [primary, Project.id.desc() if descending else Project.id.asc()]


def after(sort: str, value, project_id: int, backwards: bool):
    """Rows strictly after (value, id) in the walking direction."""
    key = sort.lstrip("-")
    descending = sort.startswith("-") != backwards
    col = COLUMNS[key]
    # Bind through the column's own type (cents, UTC datetimes), as a plain comparison would.
    # A title cursor holds the SQL lower() of the title, as read: compared as it is.
    bound = tuple_(literal(value, col.type), literal(project_id, Project.id.type))
    beyond = tuple_(col, Project.id) < bound if descending else tuple_(col, Project.id) > bound
    if key not in NULLABLE:
        return beyond
    if value is None:
        # Among the trailing NULLs (or, backwards, into the known values).
        same_nulls = and_(col.is_(None), Project.id < project_id if descending else Project.id > project_id)
        return or_(same_nulls, col.is_not(None)) if backwards else same_nulls
    return and_(col.is_not(None), beyond) if backwards else or_(and_(col.is_not(None), beyond), col.is_(None))
