"""A project in storage form: its row, its link rows, its budget lines and transactions, as plain
dicts and tuples keyed by the tables' own column names.

Every read of a project for writing or display goes through `load` (one statement per table for any
number of projects), and every write through services/storage.py, so one project and 5,000 take the
same path. `snapshot` is the one audit form of a project, built from this state whether it was
read from the database or built from input.
"""
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portfolio import dialect
from portfolio.extensions import db
from portfolio.models import (
    BudgetLine,
    Project,
    ProjectActivityType,
    ProjectCountry,
    ProjectOrganisation,
    ProjectPriority,
    ProjectRcp,
    Transaction,
)
from portfolio.models.project import PROJECT_FIELDS
from portfolio.rules import MINOR_UNITS
from portfolio.vocabulary import Vocabulary

# state attribute -> (table, the columns besides project_id, in the order the tuples hold them)
LINKS = {
    "priorities": (ProjectPriority.__table__, ("priority_id", "share")),
    "countries": (ProjectCountry.__table__, ("country_code",)),
    "activity_types": (ProjectActivityType.__table__, ("activity_type_id",)),
    "rcps": (ProjectRcp.__table__, ("rcp_id",)),
    "organisations": (ProjectOrganisation.__table__, ("role", "organisation_id", "share", "source", "judgement")),
}
RECORDS = {"lines": BudgetLine.__table__, "transactions": Transaction.__table__}
PROJECTS = Project.__table__
# Columns derived by the write path, never taken from input.
DERIVED = ("budget_usd", "original_budget_usd", "actuals_known", "search_text")

# The Python type of each project column the audit snapshot records (it writes dates as text).
AUDIT_TYPES = {f.name: Project.__table__.c[f.name].type.python_type for f in PROJECT_FIELDS
               if f.kind in ("key", "column") and f.audit}

@dataclass
class ProjectState:
    row: dict
    links: dict[str, list[tuple]] = field(default_factory=lambda: {name: [] for name in LINKS})
    lines: dict[int, dict] = field(default_factory=dict)
    transactions: dict[int, dict] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.row["id"]

    @property
    def code(self) -> str:
        return self.row["code"]

    def copy(self) -> "ProjectState":
        return replace(self, row=dict(self.row), links={k: list(v) for k, v in self.links.items()},
                       lines={k: dict(v) for k, v in self.lines.items()},
                       transactions={k: dict(v) for k, v in self.transactions.items()})


def load(*, ids=None, codes=None, lock: bool = False, records: bool = True) -> dict[int, ProjectState]:
    """The projects with these ids or codes, by id. `lock`: the rows stay ours until commit."""
    if ids is None and codes is None:
        raise ValueError("give ids or codes")
    statement = select(PROJECTS)
    statement = statement.where(dialect.id_filter(PROJECTS.c.id, ids) if ids is not None
                                else dialect.id_filter(PROJECTS.c.code, codes))
    if lock:
        statement = dialect.lock_rows(statement.order_by(PROJECTS.c.id))
    states = {row["id"]: ProjectState(dict(row)) for row in db.session.execute(statement).mappings()}
    if not states:
        return states
    found = list(states)
    for name, (table, columns) in LINKS.items():
        rows = db.session.execute(select(table.c.project_id, *(table.c[c] for c in columns))
                                  .where(dialect.id_filter(table.c.project_id, found)))
        for project_id, *values in rows:
            states[project_id].links[name].append(tuple(values))
    if records:
        for name, table in RECORDS.items():
            for row in db.session.execute(select(table).where(dialect.id_filter(table.c.project_id, found))
                                          .order_by(table.c.id)).mappings():
                getattr(states[row["project_id"]], name)[row["id"]] = dict(row)
    for state in states.values():
        normalise_links(state)
    return states


def normalise_links(state: ProjectState) -> None:
    """Links in one canonical order, so two states compare equal when they hold the same links."""
    for name in LINKS:
        state.links[name] = sorted(set(state.links[name]))


def _s(value):
    return None if value is None else str(value)


def snapshot(state: ProjectState, vocab: Vocabulary) -> dict:
    """The project as history records it (codes, not ids; decimals as strings)."""
    row = state.row
    by = vocab.by_id
    priorities = sorted(state.links["priorities"], key=lambda p: by["priorities"][p[0]].position)
    links = {
        "countries": lambda: [c for (c,) in state.links["countries"]],
        "priorities": lambda: [{"code": by["priorities"][p].code, "share": share_text(s)} for p, s in priorities],
        "activity_types": lambda: sorted(by["activity_types"][a].code for (a,) in state.links["activity_types"]),
        "rcps": lambda: sorted(by["rcps"][r].code for (r,) in state.links["rcps"]),
        "participating_organisations": lambda: [
            {"organisation": by["organisations"][o].code, "role": role, "share": share_text(s)}
            for role, o, s, *_ in state.links["organisations"]],
    }
    out = {}
    for f in PROJECT_FIELDS:
        if not f.audit:
            continue
        if f.kind == "region":
            out[f.name] = by["regions"][row["region_id"]].code
        elif f.kind == "links":
            out[f.name] = links[f.name]()
        else:
            out[f.name] = _audit_value(f.name, row.get(f.name))
    out["budget_usd"] = _s(row["budget_usd"])
    return out


def _audit_value(name: str, value):
    """A column's value as history records it: booleans as booleans, dates (and decimals) as text."""
    python_type = AUDIT_TYPES[name]
    if python_type is bool:
        return bool(value)
    return _s(value) if python_type in (date, Decimal) else value


def share_text(basis_points: int) -> str:
    """A share stored in hundredths of a percent, as the API writes it ("33.34")."""
    whole, fraction = divmod(int(basis_points), 100)
    return f"{whole}.{fraction:02d}"


def amount_text(amount, currency: str) -> str:
    """An amount in its currency's minor units (USD 1250.00, JPY 1250, KWD 1250.000)."""
    places = min(MINOR_UNITS.get(currency, 2), 3)
    return format(amount.quantize(Decimal(1).scaleb(-places)), "f")


def org_code(vocab: Vocabulary, organisation_id):
    return None if organisation_id is None else vocab.term("organisations", organisation_id).code


def line_snapshot(line: dict, vocab: Vocabulary) -> dict:
    return {"id": line["id"], "period_start": _s(line["period_start"]), "period_end": _s(line["period_end"]),
            "amount": amount_text(line["amount"], line["currency"]), "currency": line["currency"],
            "fx_rate": _s(line["fx_rate"]),
            "fx_value_date": _s(line["fx_value_date"]), "fx_rate_id": line["fx_rate_id"],
            "usd_amount": _s(line["usd_amount"]), "donor": org_code(vocab, line["donor_organisation_id"]),
            "type": line["type"], "status": line["status"]}


def transaction_snapshot(row: dict, vocab: Vocabulary) -> dict:
    return {"id": row["id"], "reference": row["reference"], "type": row["type"], "date": _s(row["date"]),
            "amount": amount_text(row["amount"], row["currency"]), "currency": row["currency"],
            "fx_rate": _s(row["fx_rate"]),
            "fx_value_date": _s(row["fx_value_date"]), "fx_rate_id": row["fx_rate_id"],
            "usd_amount": _s(row["usd_amount"]), "provider": org_code(vocab, row["provider_organisation_id"]),
            "receiver": org_code(vocab, row["receiver_organisation_id"]), "description": row["description"]}


SNAPSHOTS = {"lines": ("budget_line", line_snapshot), "transactions": ("transaction", transaction_snapshot)}
