"""Audit history: a project's (with its budget lines and transactions), an organisation's, an account's or a
token's (admin actions), and the feed of deleted projects that sync scripts read."""
from sqlalchemy import func, select

from portfolio.errors import NotFound
from portfolio.extensions import db
from portfolio.models import AuditEvent, Organisation, Project


def changed_fields(before: dict | None, after: dict | None) -> list[str]:
    before, after = before or {}, after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _present(e: AuditEvent) -> dict:
    return {"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "entity": e.entity,
            "entity_id": e.entity_id, "changed": changed_fields(e.before, e.after), "before": e.before,
            "after": e.after}


def _page(where, page: int, page_size: int, order) -> tuple[list[AuditEvent], int]:
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*where))
    events = db.session.scalars(select(AuditEvent).where(*where).order_by(*order)
                                .offset((page - 1) * page_size).limit(page_size))
    return list(events), total


def project_history(code: str, page: int, page_size: int) -> tuple[list[dict], int]:
    events, total = _page([AuditEvent.project_code == code], page, page_size, [AuditEvent.id.desc()])
    if not total and db.session.scalar(select(Project.id).where(Project.code == code)) is None:
        raise NotFound(f"No project with code {code!r}, and no history for it.")
    return [_present(e) for e in events], total


def entity_events(entity: str, entity_id: str, page: int, page_size: int) -> tuple[list[dict], int]:
    """One entity's events, newest first (the caller has checked that it exists, or has history)."""
    events, total = _page([AuditEvent.entity == entity, AuditEvent.entity_id == entity_id], page, page_size,
                          [AuditEvent.id.desc()])
    return [_present(e) for e in events], total


def events_of(entity: str, entity_id: str, page: int, page_size: int) -> tuple[list[dict], int]:
    events, total = entity_events(entity, entity_id, page, page_size)
    if not total and db.session.scalar(select(Organisation.id).where(Organisation.code == entity_id)) is None:
        raise NotFound(f"No {entity} with code {entity_id!r}, and no history for it.")
    return events, total


def deleted_projects(since, page: int, page_size: int) -> tuple[list[dict], int]:
    """Codes of projects deleted at or after `since`, oldest first (tombstones from the audit trail)."""
    where = [AuditEvent.entity == "project", AuditEvent.action == "delete", AuditEvent.at >= since]
    events, total = _page(where, page, page_size, [AuditEvent.at, AuditEvent.id])
    return [{"code": e.project_code, "deleted_at": e.at, "actor": e.actor} for e in events], total
