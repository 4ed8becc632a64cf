from sqlalchemy import func, select

from portfolio.errors import ProblemError
from portfolio.extensions import db
from portfolio.models import AuditEvent, Project
from portfolio.services.audit import changed_fields


def project_history(code: str, page: int, page_size: int) -> tuple[list[dict], int]:
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.project_code == code))
    if not total and db.session.scalar(select(Project.id).where(Project.code == code)) is None:
        raise ProblemError(404, f"No project with code {code!r}, and no history for it.")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.project_code == code)
                                .order_by(AuditEvent.id.desc()).offset((page - 1) * page_size).limit(page_size))
    return [{"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "entity": e.entity,
             "entity_id": e.entity_id, "changed": changed_fields(e.before, e.after), "before": e.before,
             "after": e.after} for e in events], total


def deleted_projects(since, page: int, page_size: int) -> tuple[list[dict], int]:
    """Codes of projects deleted at or after `since`, oldest first (tombstones from the audit trail)."""
    where = (AuditEvent.entity == "project", AuditEvent.action == "delete", AuditEvent.at >= since)
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*where))
    events = db.session.scalars(select(AuditEvent).where(*where).order_by(AuditEvent.at, AuditEvent.id)
                                .offset((page - 1) * page_size).limit(page_size))
    return [{"code": e.project_code, "deleted_at": e.at, "actor": e.actor} for e in events], total
