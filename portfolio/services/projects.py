"""Creating, changing and deleting a project (one project: a bulk write of one).

Codes are unique regardless of case (migration 0008: HX-5045 and hx-5045 cannot both exist) and kept as
written; a project is looked up by its code exactly as stored."""
from sqlalchemy import String, func, select

from portfolio import dialect
from portfolio.errors import Conflict, Invalid, NotFound, field_error
from portfolio.extensions import db
from portfolio.models.project import PUT_DEFAULTS
from portfolio.rules import date_order_errors
from portfolio.services import state as states
from portfolio.services import storage
from portfolio.services.state import ProjectState
from portfolio.vocabulary import current


def get(code: str, *, lock: bool = False) -> ProjectState:
    found = states.load(codes=[code], lock=lock)
    if not found:
        other = taken_codes([code]).get(code.lower())
        hint = f" (codes are matched as written: did you mean {other!r}?)" if other else ""
        raise NotFound(f"No project with code {code!r}{hint}.")
    return next(iter(found.values()))


def taken_codes(codes) -> dict[str, str]:
    """{code lower-cased: the stored code} of the projects whose code is one of these, regardless of case."""
    folded = sorted({code.lower() for code in codes})
    if not folded:
        return {}
    rows = db.session.execute(select(states.PROJECTS.c.code).where(
        dialect.id_filter(func.lower(states.PROJECTS.c.code, type_=String), folded)))
    return {code.lower(): code for code in rows.scalars()}


def code_taken_message(stored: str) -> str:
    return f"A project with code {stored!r} already exists (codes are unique regardless of case)."


def merged_errors(state: ProjectState, prefix: str = "") -> list[dict]:
    """Rules over the merged state of a partial change (a new end date against the stored start date)."""
    return [field_error(f"{prefix}/end_date", message)
            for message in date_order_errors(state.row["start_date"], state.row["end_date"])]


def create(data: dict, actor: str) -> ProjectState:
    stored = taken_codes([data["code"]]).get(data["code"].lower())
    if stored is not None:
        raise Conflict(code_taken_message(stored), type_="duplicate-code",
                       errors=[field_error("/code", code_taken_message(stored))])
    new = storage.new_state(data["code"])
    storage.apply(new, data, current())
    storage.save([(None, new)], actor, current())
    return new


def update(before: ProjectState, data: dict, actor: str, *, replace: bool = False) -> tuple[ProjectState, bool]:
    """Apply `data` (every field with `replace`); returns the new state and whether anything changed."""
    after = before.copy()
    # PUT resets what the body leaves out (models/project.py PUT_DEFAULTS): nothing of the old values stays.
    storage.apply(after, {**PUT_DEFAULTS, **data} if replace else data, current())
    errors = merged_errors(after)
    if errors:
        raise Invalid(errors)
    saved = storage.save([(before, after)], actor, current())[0]
    return (after, True) if saved.action != "unchanged" else (before, False)


def delete(before: ProjectState, actor: str) -> None:
    storage.save([(before, None)], actor, current())
