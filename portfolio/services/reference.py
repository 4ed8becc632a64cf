"""Read queries over the reference vocabularies."""
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from portfolio.errors import NotFound
from portfolio.extensions import db
from portfolio.models import Country, Rcp, RcpMember
from portfolio.services.vocabulary import current


def terms(kind: str) -> list:
    """A vocabulary in its documents' order, from the worker's cache (seed changes seen within a second)."""
    return list(getattr(current(), kind).values())


def list_countries(historic: bool | None = None, q: str | None = None):
    statement = select(Country).order_by(Country.code)
    if historic is not None:
        statement = statement.where(Country.historic.is_(historic))
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(or_(func.lower(Country.code) == q.lower(),
                                        func.lower(Country.name).like(f"%{escaped}%", escape="\\")))
    return db.session.scalars(statement).all()


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
