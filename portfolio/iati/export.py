"""The filtered projects as an IATI 2.03 iati-activities document, streamed in constant memory.

Projects are read in keyset batches of BATCH (by id, with the project list's own filters); each activity is
built as a small element, written by lxml's incremental writer and sent when its batch is done, so memory
holds one batch whatever the number of projects. A project that cannot be a valid activity is left out and
listed, with why, by `report` (/api/v1/iati/report). The mapping is in docs/iati.md."""
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import pycountry
from lxml import etree
from sqlalchemy import select

from portfolio import filters
from portfolio.extensions import db
from portfolio.iati import codes
from portfolio.iati.codes import TCM, TCM_NS, XML_LANG
from portfolio.models import DAC_SECTORS, Organisation, Project
from portfolio.money import to_cents
from portfolio.services import state as states
from portfolio.services.state import ProjectState, amount_text, share_text
from portfolio.services.storage import equal_shares
from portfolio.vocabulary import Vocabulary, current

BATCH = 500
# Characters XML 1.0 cannot carry (most C0 controls, lone surrogates, U+FFFE/FFFF): a text holding one cannot be
# published as it is, and is not altered to fit.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
IATI_COUNTRIES = {country.alpha_2 for country in pycountry.countries} | {"XK"}  # IATI's Country codelist adds XK


@dataclass(frozen=True)
class Org:
    code: str
    name: str
    ref: str | None
    type: str
    synthetic: bool = False


def organisations() -> dict[int, Org]:
    return {row.id: Org(row.code, row.name, row.iati_identifier, row.type, row.synthetic)
            for row in db.session.execute(select(Organisation.id, Organisation.code, Organisation.name,
                                                 Organisation.iati_identifier, Organisation.type,
                                                 Organisation.synthetic))}


def cents_text(cents: int) -> str:
    whole, fraction = divmod(cents, 100)
    return f"{whole}.{fraction:02d}"


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def datetime_text(value: datetime) -> str:
    # Seconds, truncated: never later than the time it stands for (rule 11.1.1: not in the future).
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _texts(state: ProjectState, orgs: dict[int, Org]):
    row = state.row
    yield "title", row["title"]
    yield "description", row["description"]
    for record in state.transactions.values():
        yield f"transaction {record['reference']!r}", record["description"]
        yield f"transaction reference {record['reference']!r}", record["reference"]
    ids = {o for _, o, *_ in state.links["organisations"]} | {
        r[c] for r in (*state.lines.values(), *state.transactions.values())
        for c in ("donor_organisation_id", "provider_organisation_id", "receiver_organisation_id") if r.get(c)}
    for org_id in sorted(ids):
        yield f"organisation {orgs[org_id].code}'s name", orgs[org_id].name


def problems(state: ProjectState, today, orgs: dict[int, Org]) -> list[str]:
    """Why the project cannot be a valid IATI activity (empty: it can). Nothing is filled in to make it one."""
    row, found = state.row, []
    for what, text in _texts(state, orgs):
        bad = NOT_XML.search(text or "")
        if bad:
            found.append(f"{what} holds U+{ord(bad.group()):04X}, a character XML 1.0 cannot carry")
    if row["start_date"] is None:
        found.append("no start date: an activity needs a planned or actual start date (IATI rule 6.11.1)")
    if not (row["description"] or "").strip():
        found.append("no description: the IATI 2.03 schema requires a description")
    if not state.links["organisations"]:
        found.append("no participating organisation: the IATI 2.03 schema requires one")
    if not state.links["priorities"] and not row.get("dac_sector"):
        found.append("no sector: neither a TCM priority nor a DAC sector is stated (IATI rule 6.2.2)")
    if not state.links["countries"]:
        found.append("no country: an activity needs a recipient country or region (IATI rule 3.7.1)")
    for (country,) in state.links["countries"]:
        if country not in IATI_COUNTRIES:
            found.append(f"country {country} has no code in IATI's Country codelist (ISO 3166-1 alpha-2)")
    for record in sorted(state.transactions.values(), key=lambda r: r["reference"]):
        if record["date"] > today:
            found.append(f"transaction {record['reference']!r} is dated {record['date']}, in the future "
                         "(IATI rule 11.2.1)")
    return found


def _narrative(parent, text: str):
    etree.SubElement(parent, "narrative").text = text


def _org(parent, tag: str, org: Org, **attrs):
    element = etree.SubElement(parent, tag, attrs)
    if org.ref:
        element.set("ref", org.ref)
    element.set("type", org.type)
    element.set(TCM + "code", org.code)
    if org.synthetic:
        element.set(TCM + "synthetic", "true")
    _narrative(element, org.name)
    return element


def _value(parent, amount_text_: str, currency: str, value_date, record: dict | None = None):
    value = etree.SubElement(parent, "value", currency=currency, **{"value-date": value_date.isoformat()})
    value.text = amount_text_
    if record is not None:
        if record["fx_rate"] is not None:
            value.set(TCM + "usd-rate", format(record["fx_rate"], "f"))
        value.set(TCM + "usd-value", cents_text(to_cents(record["usd_amount"])))
    return value


def _period(parent, start, end):
    etree.SubElement(parent, "period-start", **{"iso-date": start.isoformat()})
    etree.SubElement(parent, "period-end", **{"iso-date": end.isoformat()})


def budgets(lines: list[dict]) -> list[tuple]:
    """(period_start, period_end, type, status, USD cents) per IATI budget: for each period, the original lines
    summed by status; where a line of the period is revised, its current budget (revised lines where there are
    some, else the originals: the write path's `current` flag) summed by status as the revised budget."""
    by_period: dict[tuple, list[dict]] = defaultdict(list)
    for line in lines:
        by_period[(line["period_start"], line["period_end"])].append(line)
    out = []
    for (start, end), members in sorted(by_period.items()):
        kinds = [("original", [m for m in members if m["type"] == "original"])]
        if any(m["type"] == "revised" for m in members):
            kinds.append(("revised", [m for m in members if m["current"]]))
        for kind, chosen in kinds:
            for status in codes.BUDGET_STATUS:
                of_status = [to_cents(m["usd_amount"]) for m in chosen if m["status"] == status]
                if of_status:
                    out.append((start, end, kind, status, sum(of_status)))
    return out


def line_order(line: dict, orgs: dict[int, Org]):
    donor = orgs[line["donor_organisation_id"]].code if line["donor_organisation_id"] else ""
    return (line["period_start"], line["period_end"], codes.BUDGET_TYPE[line["type"]], donor, line["status"],
            line["currency"], line["amount"], line["fx_rate"] or 0, line["fx_value_date"] or line["period_start"])


def activity(state: ProjectState, vocab: Vocabulary, orgs: dict[int, Org], pub: codes.Publisher):
    row = state.row
    attrs = {"last-updated-datetime": datetime_text(row["updated_at"]), XML_LANG: codes.LANGUAGE,
             "default-currency": codes.CURRENCY}
    if row["post_emergency"]:
        attrs["humanitarian"] = "1"
    element = etree.Element("iati-activity", attrs, nsmap={"tcm": TCM_NS})
    if row["synthetic"]:
        element.set(TCM + "synthetic", "true")
    etree.SubElement(element, "iati-identifier").text = pub.identifier(row["code"])
    reporting = etree.SubElement(element, "reporting-org", ref=pub.ref, type=pub.type)
    _narrative(reporting, pub.name)
    _narrative(etree.SubElement(element, "title"), row["title"])
    _narrative(etree.SubElement(element, "description", type="1"), row["description"])
    for role, org_id, share, *_ in sorted(state.links["organisations"],
                                          key=lambda p: (codes.ROLE[p[0]], orgs[p[1]].code)):
        _org(element, "participating-org", orgs[org_id], role=codes.ROLE[role]).set(TCM + "share", share_text(share))
    etree.SubElement(element, "activity-status", code=codes.ACTIVITY_STATUS[row["status"]])
    # The model keeps one start and one end date without saying whether they happened: published as planned.
    etree.SubElement(element, "activity-date", type=codes.PLANNED_START, **{"iso-date": row["start_date"].isoformat()})
    if row["end_date"] is not None:
        etree.SubElement(element, "activity-date", type=codes.PLANNED_END, **{"iso-date": row["end_date"].isoformat()})
    if row.get("activity_scope"):
        etree.SubElement(element, "activity-scope", code=row["activity_scope"])
    countries = sorted(code for (code,) in state.links["countries"])
    for code, share in zip(countries, equal_shares(len(countries))):  # the split the rollups use
        etree.SubElement(element, "recipient-country", code=code, percentage=share_text(share))
    if row.get("dac_sector"):
        sector = etree.SubElement(element, "sector", vocabulary="1", code=row["dac_sector"], percentage="100")
        _narrative(sector, DAC_SECTORS[row["dac_sector"]])
    for priority_id, share in sorted(state.links["priorities"], key=lambda p: vocab.term("priorities", p[0]).position):
        term = vocab.term("priorities", priority_id)
        sector = etree.SubElement(element, "sector", vocabulary="99", code=term.code, percentage=share_text(share),
                                  **{"vocabulary-uri": pub.uri(codes.PRIORITIES)})
        _narrative(sector, term.name)
    region = vocab.term("regions", row["region_id"])
    tags = [("regions", region)]
    tags += [("activity-types", vocab.term("activity_types", a)) for (a,) in state.links["activity_types"]]
    tags += [("rcps", vocab.term("rcps", r)) for (r,) in state.links["rcps"]]
    for vocabulary, term in sorted(tags, key=lambda t: (codes.TAGS.index(t[0]), t[1].position, t[1].code)):
        tag = etree.SubElement(element, "tag", vocabulary="99", code=term.code,
                               **{"vocabulary-uri": pub.uri(vocabulary)})
        _narrative(tag, term.name)
    lines = list(state.lines.values())
    for start, end, kind, status, cents in budgets(lines):
        budget = etree.SubElement(element, "budget", type=codes.BUDGET_TYPE[kind], status=codes.BUDGET_STATUS[status])
        _period(budget, start, end)
        _value(budget, cents_text(cents), codes.CURRENCY, start)
    for line in sorted(lines, key=lambda line: line_order(line, orgs)):
        # One per budget line, so that each donor's figures (and the line's own currency and rate) survive
        # the round trip; IATI budgets carry no donor.
        planned = etree.SubElement(element, "planned-disbursement", type=codes.BUDGET_TYPE[line["type"]])
        planned.set(TCM + "status", line["status"])
        _period(planned, line["period_start"], line["period_end"])
        _value(planned, amount_text(line["amount"], line["currency"]), line["currency"],
               line["fx_value_date"] or line["period_start"], line)
        if line["donor_organisation_id"]:
            _org(planned, "provider-org", orgs[line["donor_organisation_id"]])
    for record in sorted(state.transactions.values(), key=lambda r: (r["date"], r["reference"])):
        transaction = etree.SubElement(element, "transaction", ref=record["reference"])
        etree.SubElement(transaction, "transaction-type", code=codes.TRANSACTION_TYPE[record["type"]])
        etree.SubElement(transaction, "transaction-date", **{"iso-date": record["date"].isoformat()})
        _value(transaction, amount_text(record["amount"], record["currency"]), record["currency"],
               record["fx_value_date"] or record["date"], record)
        if record["description"]:
            _narrative(etree.SubElement(transaction, "description"), record["description"])
        for tag, column in (("provider-org", "provider_organisation_id"), ("receiver-org", "receiver_organisation_id")):
            if record[column]:
                _org(transaction, tag, orgs[record[column]])
    return element


def walk(args: dict):
    """The filtered projects, by id, in batches of BATCH (keyset: each batch is an index range after the last)."""
    clauses, params = filters.project_filters(args), filters.filter_params(args)
    last = 0
    while True:
        ids = list(db.session.scalars(select(Project.id).where(*clauses, Project.id > last)
                                      .order_by(Project.id).limit(BATCH), params))
        if not ids:
            return
        found = states.load(ids=ids)
        yield [found[i] for i in ids if i in found]
        last = ids[-1]


class _Sink:
    """What the incremental writer wrote since the last take()."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def take(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def stream(args: dict):
    """The document, in chunks of bytes (one per batch of projects)."""
    vocab, orgs, pub, today = current(), organisations(), codes.publisher(), datetime.now(UTC).date()
    sink = _Sink()
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("iati-activities", {"version": codes.VERSION, "generated-datetime": now_text()}):
            xf.write("\n")
            for batch in walk(args):
                for state in batch:
                    if not problems(state, today, orgs):
                        xf.write(activity(state, vocab, orgs, pub), pretty_print=True)
                xf.flush()
                yield sink.take()
    yield sink.take() + b"\n"


def report(args: dict) -> dict:
    """What the document holds and what it leaves out, with why."""
    today, published, left_out, orgs = datetime.now(UTC).date(), 0, [], organisations()
    for batch in walk(args):
        for state in batch:
            reasons = problems(state, today, orgs)
            if reasons:
                left_out.append({"code": state.code, "reasons": reasons})
            else:
                published += 1
    return {"published": published, "left_out_count": len(left_out), "left_out": left_out}
