"""Read queries over the reference vocabularies."""
import unicodedata

from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from portfolio.errors import NotFound
from portfolio.extensions import db
from portfolio.models import Country, Rcp, RcpMember
from portfolio.vocabulary import current


def terms(kind: str) -> list:
    """A vocabulary in its documents' order, from the worker's cache (seed changes seen within a second)."""
    return list(getattr(current(), kind).values())


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def list_countries(historic: bool | None = None, q: str | None = None):
    """Countries by code; `q` matches a code whole or part of a name, case and accents ignored. The few
    hundred names are matched here, not in SQL: SQLite's lower() folds ASCII only, so "åland" found
    Åland Islands on PostgreSQL and not on SQLite."""
    statement = select(Country).order_by(Country.code)
    if historic is not None:
        statement = statement.where(Country.historic.is_(historic))
    countries = db.session.scalars(statement).all()
    if not q:
        return countries
    wanted = _folded(q)
    return [c for c in countries if _folded(c.code) == wanted or wanted in _folded(c.name)]


def list_rcps(country: str | None = None, kind: str | None = None, role: str = "member"):
    statement = select(Rcp).options(selectinload(Rcp.members)).order_by(Rcp.position, Rcp.id)
    if country:
        clauses = [RcpMember.country_code == country]
        if role != "any":
            clauses.append(RcpMember.role == role)
        statement = statement.where(Rcp.members.any(and_(*clauses)))
    if kind:
        statement = statement.where(Rcp.kind == kind)
    return db.session.scalars(statement).all()


def get_rcp(code: str) -> Rcp:
    rcp = db.session.scalars(select(Rcp).options(selectinload(Rcp.members)).where(Rcp.code == code)).one_or_none()
    if rcp is None:
        raise NotFound(f"No RCP with code {code!r}.")
    return rcp
