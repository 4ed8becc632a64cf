"""Creating, changing and deleting projects: resolution of codes, shares, allocations, audit."""

from sqlalchemy import select

from portfolio.errors import ProblemError, field_error
from portfolio.extensions import db
from portfolio.models import (
    Project,
    ProjectActivityType,
    ProjectCountry,
    ProjectPriority,
    ProjectRcp,
)
from portfolio.services import rollups
from portfolio.services.allocation import apply_budget, with_shares
from portfolio.services.audit import record, snapshot_project
from portfolio.services.vocabulary import Vocabulary

SCALAR_FIELDS = ("title", "acronym", "description", "status", "start_date", "end_date", "post_emergency",
                 "source", "synthetic")


def _unknown(pointer: str, kind: str, code) -> dict:
    return field_error(pointer, f"Unknown {kind} code: {code!r}.")


def resolve_links(data: dict, vocab: Vocabulary, prefix: str = "") -> tuple[dict, list[dict]]:
    """Map the codes in `data` to rows. Returns the resolved parts and every unknown code as an error."""
    errors: list[dict] = []
    resolved: dict = {}
    if "region" in data:
        region = vocab.regions.get(data["region"])
        if region is None:
            errors.append(_unknown(f"{prefix}/region", "region", data["region"]))
        resolved["region"] = region
    for field, table, kind in (("countries", vocab.countries, "country"),
                               ("activity_types", vocab.activity_types, "activity type"),
                               ("rcps", vocab.rcps, "RCP")):
        if field in data:
            resolved[field] = []
            for i, code in enumerate(data[field]):
                row = table.get(code)
                if row is None:
                    errors.append(_unknown(f"{prefix}/{field}/{i}", kind, code))
                resolved[field].append(row)
    if "priorities" in data:
        resolved["priorities"] = []
        for i, item in enumerate(data["priorities"]):
            priority = vocab.priorities.get(item["code"])
            if priority is None:
                errors.append(_unknown(f"{prefix}/priorities/{i}/code", "priority", item["code"]))
            resolved["priorities"].append((priority, item.get("share")))
    return resolved, errors


def apply_fields(project: Project, data: dict, resolved: dict) -> None:
    """Write validated, resolved input onto a project (lists are replaced whole)."""
    for name in SCALAR_FIELDS:
        if name in data:
            setattr(project, name, data[name])
    if "region" in resolved:
        project.region = resolved["region"]
    if "countries" in resolved:
        project.countries = [ProjectCountry(country=c, country_code=c.code) for c in resolved["countries"]]
    if "priorities" in resolved:
        project.priorities = [ProjectPriority(priority=p, priority_id=p.id, share=share)
                              for p, share in with_shares(resolved["priorities"])]
    if "activity_types" in resolved:
        project.activity_types = [ProjectActivityType(activity_type=a, activity_type_id=a.id)
                                  for a in resolved["activity_types"]]
    if "rcps" in resolved:
        project.rcps = [ProjectRcp(rcp=r, rcp_id=r.id) for r in resolved["rcps"]]
    apply_budget(project)


def check_dates(project: Project, pointer_prefix: str = "") -> list[dict]:
    if project.start_date and project.end_date and project.end_date < project.start_date:
        return [field_error(f"{pointer_prefix}/end_date", "end_date must not be before start_date.")]
    return []


def get_project(code: str) -> Project:
    statement = select(Project).where(Project.code == code)
    project = db.session.scalars(statement).unique().one_or_none()
    if project is None:
        raise ProblemError(404, f"No project with code {code!r}.")
    return project


def code_taken(code: str) -> bool:
    return db.session.scalar(select(Project.id).where(Project.code == code)) is not None


def build_project(data: dict, vocab: Vocabulary, prefix: str = "") -> tuple[Project | None, list[dict]]:
    resolved, errors = resolve_links(data, vocab, prefix)
    if errors:
        return None, errors
    project = Project(code=data["code"], version=1)
    apply_fields(project, data, resolved)
    errors = check_dates(project, prefix)
    return (None, errors) if errors else (project, [])


def create_project(data: dict, actor: str, vocab: Vocabulary | None = None, *, commit: bool = True) -> Project:
    if code_taken(data["code"]):
        raise ProblemError(409, f"A project with code {data['code']!r} already exists.", type_="duplicate-code",
                           errors=[field_error("/code", "This code is already used by another project.")])
    project, errors = build_project(data, vocab or Vocabulary.load())
    if errors:
        raise ProblemError(422, "The request has invalid fields: " + ", ".join(e["pointer"] for e in errors),
                           type_="validation-error", errors=errors)
    with rollups.tracked() as touched:
        db.session.add(project)
        db.session.flush()
        touched.add(project.id)
    record(actor, "create", "project", project.code, project.code, None, snapshot_project(project))
    if commit:
        db.session.commit()
    return project


def update_project(project: Project, data: dict, actor: str) -> Project:
    before = snapshot_project(project)
    resolved, errors = resolve_links(data, Vocabulary.load())
    if errors:
        raise ProblemError(422, "The request has invalid fields: " + ", ".join(e["pointer"] for e in errors),
                           type_="validation-error", errors=errors)
    with rollups.tracked([project.id]):
        # One change, one UPDATE: without this, lazy loads inside apply_fields would autoflush a
        # first UPDATE and touch() a second, bumping the version twice.
        with db.session.no_autoflush:
            apply_fields(project, data, resolved)
            errors = check_dates(project)
            if errors:
                raise ProblemError(422, "The request has invalid fields: /end_date", type_="validation-error",
                                   errors=errors)
            touch(project)
    record(actor, "update", "project", project.code, project.code, before, snapshot_project(project))
    db.session.commit()
    return project


def touch(project: Project) -> None:
    """Force an UPDATE of the project row, so its version is checked and bumped even when only
    child rows (priorities, budget lines) changed."""
    from portfolio.models.base import utcnow

    project.updated_at = utcnow()


def delete_project(project: Project, actor: str) -> None:
    before = snapshot_project(project)
    record(actor, "delete", "project", project.code, project.code, before, None)
    with rollups.tracked([project.id]):
        db.session.delete(project)
    db.session.commit()
