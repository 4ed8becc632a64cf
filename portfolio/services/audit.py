"""Audit trail: a row per change, with JSON snapshots before and after."""
from portfolio.extensions import db
from portfolio.models import AuditEvent, BudgetLine, Project


def _s(value):
    return None if value is None else str(value)


def snapshot_project(project: Project) -> dict:
    return {
        "code": project.code,
        "title": project.title,
        "acronym": project.acronym,
        "description": project.description,
        "region": project.region.code if project.region else None,
        "status": project.status,
        "start_date": _s(project.start_date),
        "end_date": _s(project.end_date),
        "post_emergency": project.post_emergency,
        "synthetic": project.synthetic,
        "source": project.source,
        "countries": sorted(pc.country_code for pc in project.countries),
        "priorities": [{"code": pp.priority.code, "share": _s(pp.share)}
                       for pp in sorted(project.priorities, key=lambda pp: pp.priority.position)],
        "activity_types": sorted(pa.activity_type.code for pa in project.activity_types),
        "rcps": sorted(pr.rcp.code for pr in project.rcps),
        "budget_usd": _s(project.budget_usd),
    }


def snapshot_line(line: BudgetLine) -> dict:
    return {
        "id": line.id,
        "period_start": _s(line.period_start),
        "period_end": _s(line.period_end),
        "amount": _s(line.amount),
        "currency": line.currency,
        "fx_rate": _s(line.fx_rate),
        "fx_value_date": _s(line.fx_value_date),
        "usd_amount": _s(line.usd_amount),
        "donor": line.donor,
        "type": line.type,
        "status": line.status,
    }


def changed_fields(before: dict | None, after: dict | None) -> list[str]:
    before, after = before or {}, after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def record(actor: str, action: str, entity: str, entity_id: str, project_code: str,
           before: dict | None, after: dict | None) -> AuditEvent:
    event = AuditEvent(actor=actor, action=action, entity=entity, entity_id=str(entity_id),
                       project_code=project_code, before=before, after=after)
    db.session.add(event)
    return event
