"""Keyset (cursor) pagination over the project list: each page is an index range scan after the
previous page's last (sort key, id), so the last page costs what the first does."""
import base64
import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, literal, or_, tuple_

from portfolio.errors import ProblemError, field_error
from portfolio.models import Project

COLUMNS = {"title": Project.title, "code": Project.code, "start_date": Project.start_date,
           "budget": Project.budget_usd, "updated_at": Project.updated_at}
NULLABLE = {"start_date", "budget"}
PARSE = {"title": str, "code": str, "start_date": date.fromisoformat, "budget": Decimal,
         "updated_at": datetime.fromisoformat}


def encode(direction: str, sort: str, value, project_id: int) -> str:
    raw = json.dumps([direction, sort, None if value is None else str(value) if not isinstance(value, (date, datetime))
                      else value.isoformat(), project_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, sort: str):
    if cursor in ("first", "last"):
        return cursor, None, None
    try:
        direction, cursor_sort, value, project_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if direction not in ("next", "prev") or cursor_sort != sort or not isinstance(project_id, int):
            raise ValueError
        return direction, (None if value is None else PARSE[sort.lstrip("-")](value)), project_id
    except (ValueError, TypeError, KeyError) as exc:
        raise ProblemError(422, "The cursor is not valid for this sort order; start again from cursor=first.",
                           type_="validation-error", errors=[field_error("/cursor", "Invalid cursor.", "query")]) from exc


def order(sort: str, reverse: bool = False) -> list:
    key = sort.lstrip("-")
    descending = sort.startswith("-") != reverse
    column = COLUMNS[key]
    primary = column.desc() if descending else column.asc()
    if key in NULLABLE:
        # Unknown values last whichever the direction (first when walking backwards).
        primary = primary.nulls_first() if reverse else primary.nulls_last()
    return [primary, Project.id.desc() if descending else Project.id.asc()]


def after(sort: str, value, project_id: int, backwards: bool):
    """Rows strictly after (value, id) in the walking direction."""
    key = sort.lstrip("-")
    descending = sort.startswith("-") != backwards
    column = COLUMNS[key]
    # Bind through the column's own type (cents, UTC datetimes), as a plain comparison would.
    bound = tuple_(literal(value, column.type), literal(project_id, Project.id.type))
    beyond = tuple_(column, Project.id) < bound if descending else tuple_(column, Project.id) > bound
    if key not in NULLABLE:
        return beyond
    if value is None:
        # Among the trailing NULLs (or, backwards, into the known values).
        same_nulls = and_(column.is_(None), Project.id < project_id if descending else Project.id > project_id)
        return or_(same_nulls, column.is_not(None)) if backwards else same_nulls
    return and_(column.is_not(None), beyond) if backwards else or_(and_(column.is_not(None), beyond),
                                                                    column.is_(None))
