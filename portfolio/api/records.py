"""What the routes of a project's money records do, one behaviour for both kinds (budget lines and
transactions); the routes themselves are view classes in api/budget_lines.py and api/transactions.py."""
from flask import url_for

from portfolio.api.auth import current_actor
from portfolio.services import projects, records
from portfolio.services.records import Kind
from portfolio.services.state import SNAPSHOTS
from portfolio.vocabulary import current


def etag_data(kind: Kind, record: dict) -> dict:
    return SNAPSHOTS[kind.name][1](record, current())


def listed(kind: Kind, code: str) -> list[dict]:
    """The project's records in order: budget lines by period start, transactions by date (then id)."""
    rows = getattr(projects.get(code), kind.name).values()
    order = (lambda r: (r["period_start"], r["id"])) if kind is records.LINES else (lambda r: (r["date"], r["id"]))
    return [records.present(r) for r in sorted(rows, key=order)]


def create(blp, kind: Kind, data: dict, code: str, endpoint: str, id_name: str) -> tuple[dict, dict]:
    """Add the record; its ETag, and its URL (the `endpoint` view's) in Location."""
    project = projects.get(code, lock=True)
    _, record = records.add(project, kind, data, current_actor())
    blp.set_etag(etag_data(kind, record))
    return records.present(record), {"Location": url_for(endpoint, code=code, **{id_name: record["id"]})}


def read(blp, kind: Kind, code: str, record_id: int) -> dict:
    record = records.get(projects.get(code), kind, record_id)
    blp.set_etag(etag_data(kind, record))
    return records.present(record)


def change(blp, kind: Kind, data: dict, code: str, record_id: int) -> dict:
    """Change the record if If-Match carries its current ETag."""
    project = projects.get(code, lock=True)
    blp.check_etag(etag_data(kind, records.get(project, kind, record_id)))
    _, record, _ = records.change(project, kind, record_id, data, current_actor())
    blp.set_etag(etag_data(kind, record))
    return records.present(record)


def remove(blp, kind: Kind, code: str, record_id: int) -> None:
    """Delete the record if If-Match carries its current ETag."""
    project = projects.get(code, lock=True)
    blp.check_etag(etag_data(kind, records.get(project, kind, record_id)))
    records.remove(project, kind, record_id, current_actor())
