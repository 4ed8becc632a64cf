"""Budget lines and transactions of a project: validated input turned into storage form, priced in
USD, checked against the project's other records, and stored through the project's own write path
(so every change is in the project's version, history and rollups)."""
from dataclasses import dataclass
from decimal import Decimal

from portfolio import dialect
from portfolio.errors import Invalid, NotFound, field_error
from portfolio.figure_columns import AMOUNT_COLUMNS, TRANSACTION_COLUMN, budget_columns
from portfolio.models.base import utcnow
from portfolio.money import MAX_PROJECT_USD, from_cents
from portfolio.rules import amount_errors, period_errors
from portfolio.services import exchange_rates, figures, storage
from portfolio.services.state import RECORDS, ProjectState, amount_text
from portfolio.vocabulary import current

ORG_FIELDS = {"donor": "donor_organisation_id", "provider": "provider_organisation_id",
              "receiver": "receiver_organisation_id"}


@dataclass(frozen=True)
class Kind:
    name: str  # the ProjectState attribute
    label: str
    fields: tuple[str, ...]  # storage columns taken from input (organisations by code, see ORG_FIELDS)
    value_date: str  # the column whose date prices the amount when no fx_value_date is given


LINES = Kind("lines", "budget line", ("period_start", "period_end", "amount", "currency", "fx_rate", "fx_value_date",
                                      "donor", "type", "status"), "period_start")
TRANSACTIONS = Kind("transactions", "transaction", ("reference", "type", "date", "amount", "currency", "fx_rate",
                                                    "fx_value_date", "provider", "receiver", "description"), "date")


def get(state: ProjectState, kind: Kind, record_id: int) -> dict:
    record = getattr(state, kind.name).get(record_id)
    if record is None:
        raise NotFound(f"Project {state.code!r} has no {kind.label} {record_id}.")
    return record


def stored_form(record: dict, kind: Kind) -> None:
    """Decimals in the places the database keeps, so the state a write leaves (its ETag, its history
    snapshot, the unchanged-row check) is the one a read gives back: "100" is stored and read as 100.000."""
    table = RECORDS[kind.name]
    for name in ("amount", "fx_rate"):
        if record.get(name) is not None:
            record[name] = record[name].quantize(Decimal(1).scaleb(-table.c[name].type.scale))


def needs_lookup(record: dict, before: dict, data: dict, kind: Kind) -> bool:
    """Whether the rate is taken from the table again. A rate belongs to a currency and a value date, so
    it is looked up when either moves (a table rate's value date follows the record's date unless one is
    given), when the record has none, or when the caller withdraws a stated one (fx_rate: null); an
    edit of anything else keeps it, so fixing a description never re-prices a record."""
    if data.get("fx_rate") is not None:
        record["fx_rate_id"] = None  # stated by the caller, kept as given
        return False
    if record.get("fx_rate") is None or "fx_rate" in data or record["currency"] != before["currency"]:
        if record.get("fx_rate_id") is not None and "fx_value_date" not in data:
            record["fx_value_date"] = None
        return True
    if record.get("fx_rate_id") is not None and "fx_value_date" not in data \
            and record[kind.value_date] != before[kind.value_date]:
        record["fx_value_date"] = None  # it was the old date's: the new date's rate is looked up
    return record.get("fx_value_date") != before["fx_value_date"]


def merge(record: dict, data: dict, kind: Kind, prefix: str = "") -> list[dict]:
    """Write input onto a record in storage form, and price it. Returns errors (empty: valid)."""
    vocab = current()
    before = {name: record.get(name) for name in ("currency", "fx_value_date", kind.value_date)}
    for name in kind.fields:
        if name in data:
            value = data[name]
            if name in ORG_FIELDS:
                record[ORG_FIELDS[name]] = None if value is None else vocab.organisations[value].id
            else:
                record[name] = value
    if data.get("currency") == "USD":  # the rate went with the old currency (given with USD, the schema refuses it)
        record.update({name: None for name in ("fx_rate", "fx_value_date", "fx_rate_id") if name not in data})
    errors = [field_error(f"{prefix}/{name}", message) for name, messages in amount_errors(record).items()
              for message in messages]
    if kind is LINES:
        errors += [field_error(f"{prefix}/period_end", m) for m in period_errors(record["period_start"],
                                                                                 record["period_end"])]
    if errors:
        return errors
    stored_form(record, kind)
    lookup = needs_lookup(record, before, data, kind)
    return exchange_rates.price(record, lookup=lookup, default_value_date=record[kind.value_date], prefix=prefix)


def _overlap(a: dict, b: dict) -> bool:
    return a["period_start"] <= b["period_end"] and b["period_start"] <= a["period_end"]


def revision_errors(lines: dict[int, dict], record_id: int, prefix: str = "",
                    names: dict[int, str] | None = None) -> list[dict]:
    """Lines are kept by donor (a line without a donor is a donor group of its own): within one donor,
    original lines may not overlap in period, nor revised ones, and a revised line covers exactly the
    period of an original line (which it replaces) or overlaps none. Lines of different donors may share
    a period. `names`: how to name a line that exists only in this request (a bulk row: "line of item 3"),
    whose id would name nothing once the request is refused."""
    line = lines[record_id]
    donor = figures.donor_key(line)
    errors = []
    for other_id, other in lines.items():
        if other_id == record_id or figures.donor_key(other) != donor or not _overlap(line, other):
            continue
        same_period = (line["period_start"], line["period_end"]) == (other["period_start"], other["period_end"])
        whose = "of the same donor" if donor else "without a donor, as this one"
        named = (names or {}).get(other_id) or f"line {other_id}"
        if other["type"] == line["type"]:
            errors.append(f"Its period overlaps {other['type']} {named} {whose} "
                          f"({other['period_start']}..{other['period_end']}).")
        elif not same_period:
            errors.append(f"A revised line replaces the original line of the same donor and period; {named} "
                          f"({other['period_start']}..{other['period_end']}) overlaps it only in part.")
    return [field_error(f"{prefix}/period_start", message) for message in errors]


def limit_errors(state: ProjectState, prefix: str = "") -> list[dict]:
    """One project's total of any measure is at most MAX_PROJECT_USD (a budget measure: both budget statuses)."""
    if any(record["usd_amount"] is None for record in (*state.lines.values(), *state.transactions.values())):
        return []  # an amount that could not be priced has its own error; the total is checked once all are
    years = figures.by_year(state, figures.current_flags(state.lines))
    if not years:
        return []
    sums = dict(zip(AMOUNT_COLUMNS, (sum(column) for column in zip(*years.values()))))
    totals = [sum(sums[c] for c in budget_columns(kind, None)) for kind in ("current", "original")] + \
        [sums[c] for c in TRANSACTION_COLUMN.values()]
    if any(total > MAX_PROJECT_USD * 100 for total in totals):
        return [field_error(f"{prefix}/amount", f"The project's total would reach USD {from_cents(max(totals)):,}; a "
                                                f"project's total may be at most USD {MAX_PROJECT_USD:,}.")]
    return []


def duplicate_reference_errors(state: ProjectState, record_id: int, prefix: str = "") -> list[dict]:
    reference = state.transactions[record_id]["reference"]
    if any(other_id != record_id and row["reference"] == reference for other_id, row in state.transactions.items()):
        return [field_error(f"{prefix}/reference", f"The project already has a transaction {reference!r}.")]
    return []


def checked(state: ProjectState, kind: Kind, record_id: int, prefix: str = "",
            names: dict[int, str] | None = None) -> list[dict]:
    """The record's rules against the project's other records (`names`: see revision_errors)."""
    if kind is LINES:
        errors = revision_errors(state.lines, record_id, prefix, names)
    else:
        errors = duplicate_reference_errors(state, record_id, prefix)
    return errors + limit_errors(state, prefix)


def apply_row(after: ProjectState, kind: Kind, record_id: int, existing: bool, data: dict, prefix: str,
              now) -> list[dict]:
    """A bulk import's row merged into its record (a new one added beforehand). With problems the record is put
    back as it was (a new one removed): nothing will be written, and the other rows are checked without it."""
    stored = getattr(after, kind.name)
    record = stored[record_id]
    before = dict(record)
    problems = merge(record, data, kind, prefix)
    if problems:
        if existing:
            stored[record_id] = before
        else:
            del stored[record_id]
    elif existing and record != before:
        record["updated_at"] = now
    return problems


def save_import(kind: Kind, plan: list[tuple[int, str, int, dict]], projects: dict[str, ProjectState],
                afters: dict[str, ProjectState], errors: list[dict], actor: str, now,
                names: dict[int, str] | None = None) -> dict:
    """A bulk import's rows checked against their projects and saved, all or nothing, and each row's action.
    `plan`: (item index, project code, record id, the item's identity in the answer) of every applied row."""
    for code, after in afters.items():
        for index, _, record_id, _ in [p for p in plan if p[1] == code]:
            errors.extend(checked(after, kind, record_id, f"/items/{index}", names))
    if errors:
        rows = len({e["pointer"].split("/")[2] for e in errors if e["pointer"].count("/") >= 2})
        raise Invalid(errors, f"{rows} row(s) are invalid; nothing was written.")
    codes = list(afters)
    saved = storage.save([(projects[c], afters[c]) for c in codes], actor, current(), now)
    changed_projects = {c for c, s in zip(codes, saved) if s.action != "unchanged"}
    items = []
    for index, code, record_id, identity in plan:
        before = getattr(projects[code], kind.name).get(record_id)
        if before is None:
            action = "created"
        elif code in changed_projects and before != getattr(afters[code], kind.name)[record_id]:
            action = "updated"
        else:
            action = "unchanged"
        items.append({"index": index, "project": code, **identity, "action": action})
    return {**{a: sum(i["action"] == a for i in items) for a in ("created", "updated", "unchanged")}, "items": items}


def new_record(state: ProjectState, kind: Kind, record_id: int, now) -> dict:
    table = RECORDS[kind.name]
    record = {column.name: None for column in table.columns}
    record.update(id=record_id, project_id=state.id, created_at=now, updated_at=now)
    if kind is LINES:
        record.update(type="original", status="indicative", current=True)
    return record


def add(before: ProjectState, kind: Kind, data: dict, actor: str, now=None) -> tuple[ProjectState, dict]:
    now = now or utcnow()
    after = before.copy()
    record_id = dialect.allocate_ids(RECORDS[kind.name], 1)[0]
    record = new_record(after, kind, record_id, now)
    getattr(after, kind.name)[record_id] = record
    errors = merge(record, data, kind) or checked(after, kind, record_id)
    if errors:
        raise Invalid(errors)
    storage.save([(before, after)], actor, current(), now)
    return after, record


def change(before: ProjectState, kind: Kind, record_id: int, data: dict, actor: str) -> tuple[ProjectState, dict, bool]:
    get(before, kind, record_id)
    after = before.copy()
    record = getattr(after, kind.name)[record_id]
    errors = merge(record, data, kind) or checked(after, kind, record_id)
    if errors:
        raise Invalid(errors)
    if record == getattr(before, kind.name)[record_id]:
        return before, getattr(before, kind.name)[record_id], False
    record["updated_at"] = utcnow()
    storage.save([(before, after)], actor, current())
    return after, record, True


def remove(before: ProjectState, kind: Kind, record_id: int, actor: str) -> ProjectState:
    get(before, kind, record_id)
    after = before.copy()
    del getattr(after, kind.name)[record_id]
    storage.save([(before, after)], actor, current())
    return after


def present(record: dict) -> dict:
    """A record as the API shows it: organisations by code, the amount in its currency's minor units."""
    vocab = current()
    out = dict(record)
    out["amount"] = amount_text(record["amount"], record["currency"])
    for name, column in ORG_FIELDS.items():
        if column in record:
            out[name] = None if record[column] is None else vocab.term("organisations", record[column]).code
    return out
