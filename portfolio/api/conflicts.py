"""A unique violation on the write path, answered as the conflict it is: 409 naming the project code.

The service checks codes before it writes, but two requests creating one code at the same moment both pass
that check; the database's unique index (case-insensitive, migration 0008) refuses the second at its INSERT
or COPY. That IntegrityError is caught here, the transaction rolled back, and the request's codes that now
exist are named with their pointers, as the check would have named them."""
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from portfolio.errors import Conflict, field_error
from portfolio.extensions import db
from portfolio.services import projects


@contextmanager
def project_codes(pointers: dict[str, str]):
    """Around a write creating projects: {code: its JSON pointer in the request}."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        stored = projects.taken_codes(pointers)
        db.session.rollback()
        taken = {code: stored[code.lower()] for code in pointers if code.lower() in stored}
        if not taken:
            raise
        raise Conflict(", ".join(projects.code_taken_message(s) for s in dict.fromkeys(taken.values())),
                       type_="duplicate-code",
                       errors=[field_error(pointers[code], projects.code_taken_message(s))
                               for code, s in taken.items()]) from None
