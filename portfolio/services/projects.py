"""Creating, changing and deleting a project (one project: a bulk write of one)."""
from portfolio.errors import Conflict, Invalid, NotFound, field_error
from portfolio.rules import date_order_errors
from portfolio.services import state as states
from portfolio.services import storage
from portfolio.services.state import ProjectState
from portfolio.services.vocabulary import current

# What PUT resets when the body leaves it out: a replacement leaves nothing of the old values behind.
PUT_DEFAULTS = {"acronym": None, "description": None, "start_date": None, "end_date": None, "countries": [],
                "activity_types": [], "rcps": [], "participating_organisations": [], "status": "pipeline",
                "post_emergency": False}


def get(code: str, *, lock: bool = False) -> ProjectState:
    found = states.load(codes=[code], lock=lock)
    if not found:
        raise NotFound(f"No project with code {code!r}.")
    return next(iter(found.values()))


def merged_errors(state: ProjectState, prefix: str = "") -> list[dict]:
    """Rules over the merged state of a partial change (a new end date against the stored start date)."""
    return [field_error(f"{prefix}/end_date", message)
            for message in date_order_errors(state.row["start_date"], state.row["end_date"])]


def create(data: dict, actor: str) -> ProjectState:
    if states.load(codes=[data["code"]], records=False):
        raise Conflict(f"A project with code {data['code']!r} already exists.", type_="duplicate-code",
                       errors=[field_error("/code", "This code is already used by another project.")])
    new = storage.new_state(data["code"])
    storage.apply(new, data, current())
    storage.save([(None, new)], actor, current())
    return new


def update(before: ProjectState, data: dict, actor: str, *, replace: bool = False) -> tuple[ProjectState, bool]:
    """Apply `data` (every field with `replace`); returns the new state and whether anything changed."""
    after = before.copy()
    storage.apply(after, {**PUT_DEFAULTS, **data} if replace else data, current())
    errors = merged_errors(after)
    if errors:
        raise Invalid(errors)
    saved = storage.save([(before, after)], actor, current())[0]
    return (after, True) if saved.action != "unchanged" else (before, False)


def delete(before: ProjectState, actor: str) -> None:
    storage.save([(before, None)], actor, current())
