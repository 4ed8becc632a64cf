"""Reading an IATI 2.03 activities file into the portfolio: projects, organisations, budget lines and
transactions upserted by identifier and reference through the project write path (services/storage.py
save: figures, rollups, versions and history), all or nothing.

The file is read as a stream (xmlsafe.records), CHUNK activities at a time: each is checked against the
XSD, mapped onto the model (what the model does not hold is listed, per activity, in `not_taken`), and
written; the first error stops the writing but not the reading, so that every error of every activity is
reported (each with an XPath into the file and the activity's identifier) and the caller rolls the whole
transaction back. The mapping and its decisions are in docs/iati.md."""
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree
from sqlalchemy import select

from portfolio import dialect
from portfolio.errors import Invalid, field_error
from portfolio.extensions import db
from portfolio.iati import codes
from portfolio.iati.codes import TCM, XML_LANG
from portfolio.iati.export import budgets
from portfolio.iati.validation import ACTIVITIES, _schema_findings
from portfolio.iati.xmlsafe import NotWellFormed, records
from portfolio.models import ACTIVITY_SCOPES, DAC_SECTORS, ORGANISATION_TYPES, Organisation
from portfolio.models.base import utcnow
from portfolio.money import to_cents
from portfolio.rules import MINOR_UNITS
from portfolio.services import figures, organisations, storage
from portfolio.services import records as record_service
from portfolio.services import state as states
from portfolio.services.projects import merged_errors
from portfolio.services.state import RECORDS
from portfolio.services.storage import equal_shares
from portfolio.vocabulary import current, refresh

CHUNK = 1000
MAX_ERRORS = 1000
PROJECT_CODE = re.compile(r"^(?!bulk$)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ORGANISATION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
HUNDRED = Decimal(100)
# Elements of an activity this model holds (the rest is listed in not_taken).
TAKEN = {"iati-identifier", "reporting-org", "title", "description", "participating-org", "activity-status",
         "activity-date", "activity-scope", "recipient-country", "sector", "tag", "budget", "planned-disbursement",
         "transaction"}
TRANSACTION_TAKEN = {"transaction-type", "transaction-date", "value", "description", "provider-org", "receiver-org"}


@dataclass
class OrgRef:
    ref: str | None
    code: str | None  # tcm:code, this system's code when the file came from here
    type: str | None
    name: str | None
    pointer: str
    synthetic: bool = False


@dataclass
class Parsed:
    """One activity, read: what goes onto the project, its money, and what was left out."""

    index: int
    identifier: str
    pointer: str
    code: str | None = None
    data: dict = field(default_factory=dict)
    participations: list[tuple[OrgRef, str, Decimal | None]] = field(default_factory=list)
    budgets: list[dict] = field(default_factory=list)
    planned: list[dict] = field(default_factory=list)
    transactions: list[dict] = field(default_factory=list)
    not_taken: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def error(self, pointer: str, message: str) -> None:
        self.errors.append(field_error(pointer, message, "xml", identifier=self.identifier))

    def skip(self, pointer: str, reason: str) -> None:
        self.not_taken.append({"pointer": pointer, "reason": reason})


def _paths(record, base: str) -> dict:
    """The XPath of every element of the record, computed in one walk (positions among same-named siblings)."""
    paths = {record: base}
    for parent in record.iter():
        names: dict = defaultdict(int)
        children = [child for child in parent if isinstance(child.tag, str)]
        for child in children:
            names[child.tag] += 1
        seen: dict = defaultdict(int)
        for child in children:
            seen[child.tag] += 1
            step = f"{child.tag}[{seen[child.tag]}]" if names[child.tag] > 1 else child.tag
            paths[child] = f"{paths[parent]}/{step}"
    return paths


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _decimal(text: str | None):
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _date(text: str | None):
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _narrative(activity, element, parsed: Parsed, xpath) -> str | None:
    """The element's narrative in the activity's language (English by default); others are listed as not taken."""
    narratives = element.findall("narrative")
    if not narratives:
        return None
    default = activity.get(XML_LANG) or codes.LANGUAGE
    chosen = next((n for n in narratives if (n.get(XML_LANG) or default) == codes.LANGUAGE), narratives[0])
    for other in narratives:
        if other is not chosen:
            parsed.skip(xpath(other), "another language's narrative: the model holds one text")
    return _text(chosen) or None


def _org_ref(element, xpath) -> OrgRef:
    name = next((_text(n) for n in element.findall("narrative") if _text(n)), None)
    return OrgRef(element.get("ref") or None, element.get(TCM + "code") or None, element.get("type") or None,
                  name, xpath(element), element.get(TCM + "synthetic") == "true")


def _value(element, parsed: Parsed, xpath, default_currency: str | None) -> dict | None:
    """amount, currency, value date and this system's rate extension of a <value>, or None with an error."""
    value = element.find("value")
    pointer = xpath(value) if value is not None else xpath(element)
    amount = _decimal(value.text if value is not None else None)
    currency = (value.get("currency") if value is not None else None) or default_currency
    if amount is None:
        parsed.error(pointer, "A value must be a decimal amount.")
        return None
    if amount < 0:
        parsed.error(pointer, "A negative value: the model holds amounts of zero or more.")
        return None
    if currency not in MINOR_UNITS:
        parsed.error(pointer + "/@currency", f"Unknown currency {currency!r} (ISO 4217 codes this system prices).")
        return None
    out = {"amount": amount, "currency": currency, "value_date": _date(value.get("value-date")),
           "pointer": pointer}
    rate, usd = value.get(TCM + "usd-rate"), value.get(TCM + "usd-value")
    if rate is not None:
        out["fx_rate"] = _decimal(rate)
        if out["fx_rate"] is None or out["fx_rate"] <= 0 or currency == "USD":
            parsed.error(pointer + "/@tcm:usd-rate", "The USD rate must be a positive decimal, on a non-USD value.")
            return None
    if usd is not None:
        out["usd_value"] = _decimal(usd)
    return out


def parse(activity, index: int, pub: codes.Publisher, vocab, region: str | None) -> Parsed:
    base = f"/iati-activities/iati-activity[{index}]"
    paths = _paths(activity, base)

    def xpath(element):
        return paths[element]

    identifier = _text(activity.find("iati-identifier"))
    parsed = Parsed(index, identifier, base)
    prefix = pub.prefix + "-"
    code = identifier[len(prefix):] if identifier.startswith(prefix) else identifier
    if not PROJECT_CODE.fullmatch(code):
        parsed.error(base + "/iati-identifier", f"{code!r} cannot be a project code here (1-64 letters, digits, "
                                                "'.', '_' or '-', starting with a letter or digit).")
    parsed.code = code
    data = parsed.data
    default_currency = activity.get("default-currency")
    for child in activity:
        if not isinstance(child.tag, str):
            continue
        if child.tag not in TAKEN:
            parsed.skip(xpath(child), f"<{child.tag}> is not held by this model")
    title = _narrative(activity, activity.find("title"), parsed, xpath) if activity.find("title") is not None else None
    if not title:
        parsed.error(base + "/title", "A project needs a title.")
    elif len(title) > 300:
        parsed.error(base + "/title", "A title has at most 300 characters.")
    data["title"] = title
    descriptions = activity.findall("description")
    general = [d for d in descriptions if d.get("type", "1") == "1"]
    for other in descriptions:
        if other is not (general[0] if general else None):
            parsed.skip(xpath(other), "the model holds one general description (type 1)")
    data["description"] = _narrative(activity, general[0], parsed, xpath) if general else None
    if data["description"] and len(data["description"]) > 20000:
        parsed.error(xpath(general[0]), "A description has at most 20,000 characters.")
    status = activity.find("activity-status")
    if status is not None:
        if status.get("code") not in codes.ACTIVITY_STATUS_OF:
            parsed.error(xpath(status) + "/@code", f"Unknown activity status {status.get('code')!r}.")
        else:
            data["status"] = codes.ACTIVITY_STATUS_OF[status.get("code")]
    found_dates = {}
    for element in activity.findall("activity-date"):
        kind, value = element.get("type"), _date(element.get("iso-date"))
        if kind not in ("1", "2", "3", "4") or value is None:
            parsed.error(xpath(element), "An activity date needs a known type (1-4) and an ISO date.")
        elif kind in found_dates:
            parsed.skip(xpath(element), "a second date of the same type")
        else:
            found_dates[kind] = (value, element)
    for name, planned, actual in (("start_date", "1", "2"), ("end_date", "3", "4")):
        chosen = planned if planned in found_dates else actual if actual in found_dates else None
        data[name] = found_dates[chosen][0] if chosen else None
        if chosen == planned and actual in found_dates:
            parsed.skip(xpath(found_dates[actual][1]), "the model keeps one start and one end date (the planned one "
                                                       "is taken)")
    if data["start_date"] and data["end_date"] and data["end_date"] < data["start_date"]:
        parsed.error(base + "/activity-date", "The end date is before the start date.")
    scope = activity.find("activity-scope")
    data["activity_scope"] = None
    if scope is not None:
        if scope.get("code") not in ACTIVITY_SCOPES:
            parsed.error(xpath(scope) + "/@code", f"Unknown activity scope {scope.get('code')!r}.")
        else:
            data["activity_scope"] = scope.get("code")
    data["post_emergency"] = activity.get("humanitarian") in ("1", "true")
    data["synthetic"] = activity.get(TCM + "synthetic") == "true"
    countries, shares = [], []
    for element in activity.findall("recipient-country"):
        country = (element.get("code") or "").upper()
        if not vocab.knows("countries", country):
            parsed.error(xpath(element) + "/@code", f"Unknown country {element.get('code')!r}.")
        elif country in countries:
            parsed.skip(xpath(element), "the country is listed twice")
        else:
            countries.append(country)
            shares.append(element.get("percentage"))
    data["countries"] = sorted(countries)
    given = {c: _decimal(s) for c, s in zip(countries, shares) if s is not None}
    equal = dict(zip(sorted(countries), (Decimal(bp) / 100 for bp in equal_shares(len(countries))))) \
        if countries else {}
    if any(equal[c] != share for c, share in given.items()):
        parsed.skip(base + "/recipient-country", "its percentages: the model splits a project's money equally "
                                                 "between its countries")
    _sectors(activity, parsed, xpath, pub, vocab)
    _tags(activity, parsed, xpath, pub, vocab, region)
    for element in activity.findall("participating-org"):
        role = codes.ROLE_OF.get(element.get("role"))
        if role is None:
            parsed.error(xpath(element) + "/@role", f"Unknown organisation role {element.get('role')!r}.")
            continue
        share = element.get(TCM + "share")
        parsed.participations.append((_org_ref(element, xpath), role, _decimal(share) if share else None))
    for element in activity.findall("budget"):
        value = _value(element, parsed, xpath, default_currency)
        period = _period(element, parsed, xpath)
        kind = codes.BUDGET_TYPE_OF.get(element.get("type", "1"))
        status = codes.BUDGET_STATUS_OF.get(element.get("status", "1"))
        if kind is None or status is None:
            parsed.error(xpath(element), "Unknown budget type or status.")
        elif value and period:
            parsed.budgets.append({**value, **period, "type": kind, "status": status, "pointer": xpath(element)})
    for element in activity.findall("planned-disbursement"):
        value = _value(element, parsed, xpath, default_currency)
        period = _period(element, parsed, xpath, required_end=False)
        provider = element.find("provider-org")
        if element.find("receiver-org") is not None:
            parsed.skip(xpath(element.find("receiver-org")), "a planned disbursement's receiver is not held")
        if value and period:
            parsed.planned.append({**value, **period, "type": codes.BUDGET_TYPE_OF.get(element.get("type", "1")),
                                   "status": element.get(TCM + "status"), "pointer": xpath(element),
                                   "donor": _org_ref(provider, xpath) if provider is not None else None})
    references: dict[str, int] = defaultdict(int)
    for element in activity.findall("transaction"):
        _transaction(activity, element, parsed, xpath, default_currency, references)
    return parsed


def _period(element, parsed: Parsed, xpath, required_end: bool = True) -> dict | None:
    start = _date(element.find("period-start").get("iso-date")) if element.find("period-start") is not None else None
    end = _date(element.find("period-end").get("iso-date")) if element.find("period-end") is not None else None
    if start is None or (end is None and required_end):
        parsed.error(xpath(element), "A period needs an ISO start and end date.")
        return None
    return {"period_start": start, "period_end": end}


def _sectors(activity, parsed: Parsed, xpath, pub, vocab) -> None:
    dac = [s for s in activity.findall("sector") if (s.get("vocabulary") or "1") == "1"]
    ours = [s for s in activity.findall("sector")
            if s.get("vocabulary") == "99" and s.get("vocabulary-uri") == pub.uri(codes.PRIORITIES)]
    for element in activity.findall("sector"):
        if element not in dac and element not in ours:
            uri = f" ({element.get('vocabulary-uri')})" if element.get("vocabulary-uri") else ""
            parsed.skip(xpath(element), f"sector vocabulary {element.get('vocabulary')!r}{uri} is not held; TCM "
                                        "priorities are not guessed from it")
    parsed.data["dac_sector"] = None
    if len(dac) == 1 and dac[0].get("code") in DAC_SECTORS and \
            _decimal(dac[0].get("percentage") or "100") == HUNDRED:
        parsed.data["dac_sector"] = dac[0].get("code")
    else:
        for element in dac:
            parsed.skip(xpath(element), "DAC sectors are held only as one DAC sector the model knows "
                                        f"({', '.join(DAC_SECTORS)}) at 100%")
    if not ours:
        return  # not stated: unknown for a new project, unchanged for one that exists
    priorities = []
    for element in ours:
        code = element.get("code")
        if not vocab.knows("priorities", code):
            parsed.error(xpath(element) + "/@code", f"Unknown TCM priority {code!r}.")
            continue
        share = element.get("percentage")
        priorities.append({"code": code, "share": _decimal(share) if share is not None else None})
    shares = [p["share"] for p in priorities]
    if len({p["code"] for p in priorities}) != len(priorities):
        parsed.error(xpath(ours[0]), "A priority is listed twice.")
    elif len(priorities) > 5:
        parsed.error(xpath(ours[0]), "A project serves at most 5 priorities.")
    elif any(s is not None and (s <= 0 or s > HUNDRED or s != s.quantize(Decimal("0.01"))) for s in shares):
        parsed.error(xpath(ours[0]), "Priority percentages are between 0 and 100 with at most 2 decimals.")
    elif len(priorities) > 1 and (None in shares or sum(shares) != HUNDRED):
        parsed.error(xpath(ours[0]), "The priorities' percentages must be given for each and sum to 100.")
    if len(priorities) == 1:
        priorities[0]["share"] = None
    parsed.data["priorities"] = priorities


def _tags(activity, parsed: Parsed, xpath, pub, vocab, region: str | None) -> None:
    kinds = {pub.uri(name): name for name in codes.TAGS}
    found: dict[str, list[str]] = defaultdict(list)
    for element in activity.findall("tag"):
        name = kinds.get(element.get("vocabulary-uri")) if element.get("vocabulary") == "99" else None
        if name is None:
            parsed.skip(xpath(element), f"tag vocabulary {element.get('vocabulary')!r} is not held")
            continue
        kind = name.replace("-", "_")
        if not vocab.knows(kind, element.get("code")):
            parsed.error(xpath(element) + "/@code", f"Unknown {name[:-1].replace('-', ' ')} {element.get('code')!r}.")
        elif element.get("code") in found[name]:
            parsed.skip(xpath(element), "listed twice")
        else:
            found[name].append(element.get("code"))
    regions = found.get("regions", [])
    if len(regions) > 1:
        parsed.error(parsed.pointer + "/tag", "A project is in one IOM region; the file states several.")
    elif regions:
        parsed.data["region"] = regions[0]
    elif region:
        parsed.data["region"] = region
        parsed.data["_region_given"] = True
    for name in ("activity-types", "rcps"):
        if name in found:
            parsed.data[name.replace("-", "_")] = sorted(found[name])


def _transaction(activity, element, parsed: Parsed, xpath, default_currency, references) -> None:
    pointer = xpath(element)
    for child in element:
        if isinstance(child.tag, str) and child.tag not in TRANSACTION_TAKEN:
            parsed.skip(xpath(child), f"a transaction's <{child.tag}> is not held")
    code = element.find("transaction-type").get("code") if element.find("transaction-type") is not None else None
    kind = codes.TRANSACTION_TYPE_OF.get(code)
    if kind is None:
        if code in codes.CODELISTS["TransactionType"]:
            parsed.skip(pointer, f"transaction type {code} is not one of the five this model records")
        else:
            parsed.error(pointer + "/transaction-type/@code", f"Unknown transaction type {code!r}.")
        return
    when = _date(element.find("transaction-date").get("iso-date")) if element.find("transaction-date") is not None \
        else None
    value = _value(element, parsed, xpath, default_currency)
    if when is None or value is None:
        if when is None:
            parsed.error(pointer + "/transaction-date", "A transaction needs an ISO date.")
        return
    reference = element.get("ref")
    if reference is not None and reference in references:
        parsed.error(pointer + "/@ref", f"Another transaction of the activity has the reference {reference!r}.")
        return
    if reference is not None:
        references[reference] += 1
    if reference is None:
        # No reference in the file: one derived from the transaction's own content (stable, so the same file
        # twice upserts the same transaction), the n-th identical one numbered.
        digest = hashlib.sha256(etree.tostring(element, method="c14n")).hexdigest()[:16]
        references[digest] += 1
        reference = f"IATI-{digest}" + (f"-{references[digest]}" if references[digest] > 1 else "")
    elif len(reference) > 64 or not reference.strip():
        parsed.error(pointer + "/@ref", "A transaction reference has 1-64 characters.")
        return
    description = element.find("description")
    parsed.transactions.append({
        "reference": reference, "type": kind, "date": when, **value,
        "description": _narrative(activity, description, parsed, xpath) if description is not None else None,
        "provider": _org_ref(element.find("provider-org"), xpath) if element.find("provider-org") is not None else None,
        "receiver": _org_ref(element.find("receiver-org"), xpath) if element.find("receiver-org") is not None else None,
        "pointer": pointer})


def _org_refs(parsed: Parsed) -> list[OrgRef]:
    return [org for org, _, _ in parsed.participations] + [s["donor"] for s in parsed.planned if s["donor"]] + [
        s[k] for s in parsed.transactions for k in ("provider", "receiver") if s[k]]


class Organisations:
    """Organisations by IATI identifier and by code; one the file names by a ref the register lacks is created
    (its ref as code and IATI identifier, its type and name from the file)."""

    def __init__(self, actor: str, source: str):
        self.actor, self.source, self.created = actor, source, []
        self.by_ref, self.by_code = {}, {}
        for row in db.session.execute(select(Organisation.code, Organisation.iati_identifier)):
            self.by_code[row.code] = row.code
            if row.iati_identifier:
                self.by_ref[row.iati_identifier] = row.code

    def resolve(self, org: OrgRef, parsed: Parsed | None, what: str) -> str | None:
        """The organisation's code here, registering it when the file says enough; None (reported as not taken
        when `parsed` is given) when it cannot be."""
        if org.ref and org.ref in self.by_ref:
            return self.by_ref[org.ref]
        if org.code and org.code in self.by_code:
            return org.code
        if org.ref and org.ref in self.by_code and org.ref not in self.by_ref:
            return org.ref  # registered here under its IATI identifier as code, without the identifier
        code = org.code or org.ref
        if not code:
            if parsed is not None:
                parsed.skip(org.pointer, f"{what} without an organisation identifier (ref): the model holds "
                                         "organisations by identifier")
            return None
        if not ORGANISATION_CODE.fullmatch(code) or org.type not in ORGANISATION_TYPES or not org.name:
            if parsed is not None:
                    parsed.skip(org.pointer, f"{what} {code!r} is not registered here, and cannot be registered from "
                                         "the file (needs a ref of 1-20 capitals, digits or '-', a known type and a "
                                         "name)")
            return None
        identifier = org.ref if org.ref and org.ref not in self.by_ref else None
        organisations.create({"code": code, "name": org.name[:300], "iati_identifier": identifier, "type": org.type},
                             self.actor, source=self.source, synthetic=org.synthetic)
        self.by_code[code] = code
        if identifier:
            self.by_ref[identifier] = code
        self.created.append(code)
        return code


def _record_data(spec: dict, value_date_of: str) -> dict:
    """A budget line or transaction as the records service takes it (organisations by code)."""
    data = {"amount": spec["amount"], "currency": spec["currency"]}
    if spec["currency"] != "USD":
        if spec.get("fx_rate") is not None:
            data["fx_rate"] = spec["fx_rate"]
        if spec["value_date"] and spec["value_date"] != spec[value_date_of]:
            data["fx_value_date"] = spec["value_date"]
    return data


def _priced(spec: dict, kind: record_service.Kind, data: dict, parsed: Parsed, record: dict) -> bool:
    problems = record_service.merge(record, data, kind, spec["pointer"])
    if not problems and spec.get("usd_value") is not None and record["usd_amount"] != spec["usd_value"]:
        problems = [field_error(spec["pointer"] + "/@tcm:usd-value", f"States USD {spec['usd_value']}; the amount at "
                                f"its rate is USD {record['usd_amount']}.")]
    for problem in problems:
        parsed.error(problem["pointer"], problem["message"])
    return not problems


def _scratch(kind: record_service.Kind) -> dict:
    record = {column.name: None for column in RECORDS[kind.name].columns}
    if kind is record_service.LINES:
        record.update(type="original", status="indicative", current=True)
    return record


def _lines(parsed: Parsed, orgs: Organisations) -> list[dict]:
    """The project's budget lines: one per planned disbursement when they reconcile exactly, period by period,
    with the budgets (what this system publishes); else one per budget, saying why."""
    kind = record_service.LINES
    file_budgets = []
    for spec in parsed.budgets:
        record = _scratch(kind)
        data = {**_record_data(spec, "period_start"), "period_start": spec["period_start"],
                "period_end": spec["period_end"], "type": spec["type"], "status": spec["status"]}
        if not _priced(spec, kind, data, parsed, record):
            return []
        file_budgets.append((data, record))
    if not parsed.planned:
        return [data for data, _ in file_budgets]
    reason, candidates = None, []
    for spec in parsed.planned:
        if spec["type"] is None or spec["status"] not in codes.BUDGET_STATUS or spec["period_end"] is None:
            reason = f"{spec['pointer']} has no budget type, status or period end"
            break
        donor = orgs.resolve(spec["donor"], parsed, "donor") if spec["donor"] else None
        if spec["donor"] and donor is None:
            reason = f"{spec['pointer']}: its provider is not an organisation here"
            break
        data = {**_record_data(spec, "period_start"), "period_start": spec["period_start"],
                "period_end": spec["period_end"], "type": spec["type"], "status": spec["status"], "donor": donor}
        record = _scratch(kind)
        if record_service.merge(record, data, kind, spec["pointer"]):
            reason = f"{spec['pointer']} cannot be priced in USD"
            break
        candidates.append((data, record))
    if reason is None:
        records_by_id = {i: record for i, (_, record) in enumerate(candidates)}
        for i, flag in figures.current_flags(records_by_id).items():
            records_by_id[i]["current"] = flag
        expected = sorted(budgets(list(records_by_id.values())))
        stated = sorted((r["period_start"], r["period_end"], r["type"], r["status"], to_cents(r["usd_amount"]))
                        for _, r in file_budgets)
        if expected == stated:
            return [data for data, _ in candidates]
        reason = "their sums by period, type and status differ from the budgets"
    for spec in parsed.planned:
        parsed.skip(spec["pointer"], f"planned disbursements not taken ({reason}); the budget lines are the "
                                     "budgets, one line each, without a donor")
    return [data for data, _ in file_budgets]


def _participations(parsed: Parsed, orgs: Organisations) -> list[dict]:
    out, seen = [], set()
    for org, role, share in parsed.participations:
        code = orgs.resolve(org, parsed, "participating organisation")
        if code is None:
            continue
        if (code, role) in seen:
            parsed.skip(org.pointer, "the organisation is listed twice in this role")
            continue
        seen.add((code, role))
        out.append({"organisation": code, "role": role, "share": share})
    for role in {p["role"] for p in out}:
        members = [p for p in out if p["role"] == role]
        shares = [p["share"] for p in members]
        if None in shares or sum(shares) != HUNDRED:  # not all stated, or not a whole: the model's equal split
            for p in members:
                p["share"] = None
    return out


@dataclass
class Result:
    file: str
    activities: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    organisations_created: list[str] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    not_taken: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"file": self.file, "activities": self.activities, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "organisations_created": self.organisations_created,
                "items": self.items, "not_taken": self.not_taken}


class Importer:
    def __init__(self, filename: str, actor: str, region: str | None = None):
        self.filename = filename
        self.actor = f"{actor} (IATI import: {filename})"[:120]
        self.region = region
        self.pub, self.errors, self.seen = codes.publisher(), [], {}
        self.result = Result(filename)
        self.orgs = Organisations(self.actor, f"IATI import: {filename}")

    def run(self, source) -> Result:
        chunk = []
        try:
            for root, activity, index in records(source, ("iati-activity",)):
                if etree.QName(root).localname != ACTIVITIES or root.get("version") != codes.VERSION:
                    raise Invalid([field_error("/iati-activities", "Expected an IATI 2.03 iati-activities file "
                                               f"(found <{root.tag}> version {root.get('version')!r}).", "xml")],
                                  "The file is not an IATI 2.03 activities file.")
                if activity is None:
                    raise Invalid([field_error("/iati-activities", "The file holds no activity.", "xml")])
                chunk.append(self._read(root, activity, index))
                if len(chunk) == CHUNK:
                    self._write(chunk)
                    chunk = []
            self._write(chunk)
        except NotWellFormed as exc:
            where = {"line": exc.line} if exc.line else {}  # FieldError's line: an integer or absent
            raise Invalid([field_error("/", exc.message, "xml", **where)], exc.message) from exc
        if self.errors:
            count = len({e.get("identifier") for e in self.errors})
            more = f" (the first {MAX_ERRORS} errors are listed)" if len(self.errors) >= MAX_ERRORS else ""
            raise Invalid(self.errors[:MAX_ERRORS], f"{count} activit{'y is' if count == 1 else 'ies are'} invalid; "
                                                    f"nothing was written{more}.")
        self.result.organisations_created = self.orgs.created
        return self.result

    def _read(self, root, activity, index: int) -> Parsed:
        self.result.activities = index
        base = f"/iati-activities/iati-activity[{index}]"
        identifier = _text(activity.find("iati-identifier"))
        schema_errors = _schema_findings(root, activity, base, identifier, ACTIVITIES)
        parsed = parse(activity, index, self.pub, current(), self.region)
        for finding in schema_errors:
            parsed.error(base, f"Schema (rule 0.3.1), line {finding.line}: {finding.detail}")
        if identifier in self.seen:
            parsed.error(base + "/iati-identifier", f"The identifier of activity {self.seen[identifier]} too "
                                                    "(rule 1.1.2).")
        self.seen.setdefault(identifier, index)
        return parsed

    def _write(self, chunk: list[Parsed]) -> None:
        if not chunk:
            return
        # Organisations new here are registered in code order: registration order breaks the ties of a cent in
        # the attribution to organisations of equal shares, so a new database splits as the code order says.
        named = [org for p in chunk if not p.errors for org in _org_refs(p)]
        for org in sorted(named, key=lambda o: o.code or o.ref or ""):
            self.orgs.resolve(org, None, "organisation")
        codes_ = [p.code for p in chunk if p.code and PROJECT_CODE.fullmatch(p.code)]
        existing = {s.code: s for s in states.load(codes=sorted(set(codes_)), lock=True).values()} if codes_ else {}
        plans = []
        for parsed in chunk:
            if parsed.errors:
                self.errors += parsed.errors
                continue
            before = existing.get(parsed.code)
            data = dict(parsed.data)
            if data.pop("_region_given", False) and before is not None:
                data.pop("region")  # a region given for the file does not move a project that has one
            if before is None:
                if "region" not in data:
                    parsed.error(parsed.pointer, "No IOM region: the file states none (tag vocabulary 99, "
                                                 f"{self.pub.uri('regions')}); give one for the file (region=).")
                data.setdefault("priorities", [])
            data["participating_organisations"] = _participations(parsed, self.orgs)
            lines = _lines(parsed, self.orgs)
            transactions = []
            for spec in parsed.transactions:
                provider = self.orgs.resolve(spec["provider"], parsed, "provider") if spec["provider"] else None
                receiver = self.orgs.resolve(spec["receiver"], parsed, "receiver") if spec["receiver"] else None
                transactions.append((spec, {**_record_data(spec, "date"), "reference":
                                            spec["reference"], "type": spec["type"], "date": spec["date"],
                                            "description": spec["description"], "provider": provider,
                                            "receiver": receiver}))
            if parsed.errors:
                self.errors += parsed.errors
                continue
            plans.append((parsed, before, data, lines, transactions))
        refresh()  # organisations created above
        vocab = current()
        new_lines = sum(len(lines) for _, _, _, lines, _ in plans)
        new_transactions = sum(len(t) for _, _, _, _, t in plans)
        line_ids = iter(dialect.allocate_ids(RECORDS["lines"], new_lines))
        transaction_ids = iter(dialect.allocate_ids(RECORDS["transactions"], new_transactions))
        project_ids = iter(dialect.allocate_ids(storage.PROJECTS, sum(before is None for _, before, *_ in plans)))
        pairs, done = [], []
        now = utcnow()
        for parsed, before, data, lines, transactions in plans:
            after = storage.new_state(parsed.code, now) if before is None else before.copy()
            if before is None:
                after.row["id"] = next(project_ids)
            storage.apply(after, data, vocab)
            self._records(parsed, after, before, lines, transactions, line_ids, transaction_ids, now)
            parsed.errors += [field_error(parsed.pointer + e["pointer"], e["message"], "xml",
                                          identifier=parsed.identifier) for e in merged_errors(after)]
            if parsed.errors:
                self.errors += parsed.errors
                continue
            pairs.append((before, after))
            done.append(parsed)
        if self.errors or not pairs:
            return
        for parsed, saved in zip(done, storage.save(pairs, self.actor, vocab, now)):
            setattr(self.result, saved.action, getattr(self.result, saved.action) + 1)
            self.result.items.append({"index": parsed.index, "identifier": parsed.identifier, "code": parsed.code,
                                      "action": saved.action})
            self.result.not_taken += [{"identifier": parsed.identifier, **item} for item in parsed.not_taken]

    def _records(self, parsed, after, before, lines, transactions, line_ids, transaction_ids, now) -> None:
        kind = record_service.LINES
        old = dict(after.lines)
        after.lines = {}
        for data in lines:
            record = _scratch(kind)
            record.update(project_id=after.id, created_at=now, updated_at=now)
            spec = {"pointer": parsed.pointer + "/budget", **data}
            if not _priced(spec, kind, data, parsed, record):
                continue
            same = next((i for i, line in old.items() if _same_line(line, record)), None)
            if same is not None:
                after.lines[same] = old.pop(same)
            else:
                record["id"] = next(line_ids)
                after.lines[record["id"]] = record
        for line_id in after.lines:
            parsed.errors += [field_error(e["pointer"], e["message"], "xml", identifier=parsed.identifier)
                              for e in record_service.revision_errors(after.lines, line_id, parsed.pointer + "/budget")]
        kind = record_service.TRANSACTIONS
        for spec, data in transactions:
            existing = next((i for i, t in after.transactions.items() if t["reference"] == data["reference"]), None)
            if existing is None:
                record = _scratch(kind)
                record.update(id=next(transaction_ids), project_id=after.id, created_at=now, updated_at=now)
            else:
                record = dict(after.transactions[existing])
                if data.get("fx_rate") is not None and data["fx_rate"] == record["fx_rate"]:
                    # The rate it already has (from the rates table, say): kept with where it came from.
                    data = {k: v for k, v in data.items() if k != "fx_rate"}
            if not _priced(spec, kind, data, parsed, record):
                continue
            if existing is not None and record != after.transactions[existing]:
                record["updated_at"] = now
            after.transactions[record["id"]] = record
        parsed.errors += [field_error(e["pointer"], e["message"], "xml", identifier=parsed.identifier)
                          for e in record_service.limit_errors(after, parsed.pointer)]


SAME = ("period_start", "period_end", "type", "status", "donor_organisation_id", "amount", "currency", "fx_rate",
        "fx_value_date", "usd_amount")


def _same_line(stored: dict, new: dict) -> bool:
    return all(stored[name] == new[name] for name in SAME)


def import_file(source, *, filename: str, actor: str, region: str | None = None) -> dict:
    """Import the file (path, bytes or binary stream); raises Invalid (nothing to commit) on any error."""
    return Importer(filename, actor, region).run(source).as_dict()
