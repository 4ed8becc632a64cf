"""The organisation register: create, change, delete, with versions and history like projects."""
from sqlalchemy import exists, or_, select

from portfolio import dialect, vocabulary
from portfolio.errors import Conflict, NotFound, field_error
from portfolio.extensions import db
from portfolio.models import ORGANISATION_TYPES, BudgetLine, Organisation, ProjectOrganisation, Transaction
from portfolio.models.base import utcnow
from portfolio.services.history import events_of
from portfolio.services.storage import AUDIT

FIELDS = ("name", "iati_identifier", "type", "country")


def get(code: str, *, lock: bool = False) -> Organisation:
    statement = select(Organisation).where(Organisation.code == code)
    found = db.session.scalars(dialect.lock_rows(statement) if lock else statement).one_or_none()
    if found is None:
        raise NotFound(f"No organisation with code {code!r}.")
    return found


def snapshot(organisation: Organisation) -> dict:
    return {"code": organisation.code, "name": organisation.name, "iati_identifier": organisation.iati_identifier,
            "type": organisation.type, "country": organisation.country_code, "source": organisation.source}


def present(organisation: Organisation) -> dict:
    return {**snapshot(organisation), "type_name": ORGANISATION_TYPES[organisation.type],
            "judgement": organisation.judgement, "synthetic": organisation.synthetic, "version": organisation.version,
            "created_at": organisation.created_at, "updated_at": organisation.updated_at}


def _record(actor: str, action: str, code: str, before, after) -> None:
    dialect.insert_rows(AUDIT, [{"at": utcnow(), "actor": actor, "action": action, "entity": "organisation",
                                 "entity_id": code, "project_code": None, "before": before, "after": after}])


def _identifier_taken(identifier, code) -> bool:
    return identifier is not None and db.session.scalar(select(Organisation.id).where(
        Organisation.iati_identifier == identifier, Organisation.code != code)) is not None


def create(data: dict, actor: str, **extra) -> Organisation:
    if db.session.scalar(select(Organisation.id).where(Organisation.code == data["code"])) is not None:
        raise Conflict(f"An organisation with code {data['code']!r} already exists.", type_="duplicate-code",
                       errors=[field_error("/code", "This code is already used.")])
    if _identifier_taken(data.get("iati_identifier"), data["code"]):
        raise Conflict("Another organisation has this IATI identifier.", errors=[field_error(
            "/iati_identifier", "Already used by another organisation.")])
    now = utcnow()
    organisation = Organisation(code=data["code"], name=data["name"], iati_identifier=data.get("iati_identifier"),
                                type=data["type"], country_code=data.get("country"), version=1, created_at=now,
                                updated_at=now, **extra)
    db.session.add(organisation)
    db.session.flush()
    _record(actor, "create", organisation.code, None, snapshot(organisation))
    vocabulary.refresh()
    return organisation


def update(organisation: Organisation, data: dict, actor: str) -> bool:
    before = snapshot(organisation)
    if "iati_identifier" in data and _identifier_taken(data["iati_identifier"], organisation.code):
        raise Conflict("Another organisation has this IATI identifier.", errors=[field_error(
            "/iati_identifier", "Already used by another organisation.")])
    for name in FIELDS:
        if name in data:
            setattr(organisation, "country_code" if name == "country" else name, data[name])
    if snapshot(organisation) == before:
        return False
    organisation.version += 1
    organisation.updated_at = utcnow()
    db.session.flush()
    _record(actor, "update", organisation.code, before, snapshot(organisation))
    vocabulary.refresh()
    return True


def delete(organisation: Organisation, actor: str) -> None:
    """Refused while a project, budget line or transaction names the organisation (nothing is orphaned)."""
    oid = organisation.id
    used = db.session.scalar(select(or_(
        exists().where(ProjectOrganisation.organisation_id == oid),
        exists().where(BudgetLine.donor_organisation_id == oid),
        exists().where(or_(Transaction.provider_organisation_id == oid, Transaction.receiver_organisation_id == oid)))))
    if used:
        raise Conflict(f"Organisation {organisation.code!r} is named by projects, budget lines or transactions; "
                       "change those first.", type_="in-use")
    _record(actor, "delete", organisation.code, snapshot(organisation), None)
    db.session.delete(organisation)
    db.session.flush()
    vocabulary.refresh()


def history(code: str, page: int, page_size: int):
    return events_of("organisation", code, page, page_size)
