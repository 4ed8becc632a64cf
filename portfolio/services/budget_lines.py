"""Budget lines: USD conversion, the project's budget and allocations kept in step, audit."""
from sqlalchemy import select

from portfolio.errors import ProblemError, field_error
from portfolio.extensions import db
from portfolio.models import BudgetLine, Project
from portfolio.money import convert_to_usd
from portfolio.schemas.budget_lines import one_year_after
from portfolio.services import rollups
from portfolio.services.allocation import apply_budget
from portfolio.services.audit import record, snapshot_line
from portfolio.services.projects import touch

LINE_FIELDS = ("period_start", "period_end", "amount", "currency", "fx_rate", "fx_value_date", "donor", "type",
               "status")


def get_line(project: Project, line_id: int) -> BudgetLine:
    line = db.session.scalars(select(BudgetLine).where(BudgetLine.id == line_id,
                                                       BudgetLine.project_id == project.id)).one_or_none()
    if line is None:
        raise ProblemError(404, f"Project {project.code!r} has no budget line {line_id}.")
    return line


def _price(line: BudgetLine) -> None:
    if line.currency == "USD":
        line.fx_rate = None
        line.fx_value_date = None
        line.usd_amount = line.amount
    else:
        line.usd_amount = convert_to_usd(line.amount, line.fx_rate)


def _validate_merged(line: BudgetLine) -> None:
    """Checks that need the merged state of a partial update."""
    errors = []
    if line.period_end < line.period_start:
        errors.append(field_error("/period_end", "period_end must not be before period_start."))
    elif line.period_end >= one_year_after(line.period_start):
        errors.append(field_error("/period_end", "A budget period may not be longer than one year."))
    if line.currency != "USD" and (line.fx_rate is None or line.fx_value_date is None):
        errors.append(field_error("/fx_rate", "A non-USD line needs fx_rate and fx_value_date."))
    if errors:
        raise ProblemError(422, "The request has invalid fields: " + ", ".join(e["pointer"] for e in errors),
                           type_="validation-error", errors=errors)


def _settle(project: Project) -> None:
    db.session.flush()
    db.session.refresh(project, ["budget_lines"])
    apply_budget(project)
    touch(project)


def create_line(project: Project, data: dict, actor: str) -> BudgetLine:
    with rollups.tracked([project.id]):
        line = BudgetLine(project=project, **{k: data.get(k) for k in LINE_FIELDS if k in data})
        line.type = line.type or "original"
        line.status = line.status or "indicative"
        _validate_merged(line)
        _price(line)
        db.session.add(line)
        _settle(project)
    record(actor, "create", "budget_line", line.id, project.code, None, snapshot_line(line))
    db.session.commit()
    return line


def update_line(project: Project, line: BudgetLine, data: dict, actor: str) -> BudgetLine:
    before = snapshot_line(line)
    with rollups.tracked([project.id]):
        with db.session.no_autoflush:
            for name in LINE_FIELDS:
                if name in data:
                    setattr(line, name, data[name])
            _validate_merged(line)
            _price(line)
        _settle(project)
    record(actor, "update", "budget_line", line.id, project.code, before, snapshot_line(line))
    db.session.commit()
    return line


def delete_line(project: Project, line: BudgetLine, actor: str) -> None:
    before = snapshot_line(line)
    with rollups.tracked([project.id]):
        db.session.delete(line)
        _settle(project)
    record(actor, "delete", "budget_line", before["id"], project.code, before, None)
    db.session.commit()
