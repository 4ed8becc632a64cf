"""`flask iati validate FILE`: the IATI 2.03 XSD (shipped in schemas/2.03, read offline) and the IATI
Validator's data-quality rules that apply to what a file holds, each reported with the rule's published ID
and severity (IATI-Rulesets `standard.json`, version-2.03, as IATI Validator v2 runs them; schema and file
errors as the Validator numbers them: 0.1.1, 0.2.1, 0.3.1, 0.6.1) and an XPath into the file.

The file is read as a stream (xmlsafe.records): each activity is checked against the schema on its own,
inside an `iati-activities` element of the file's version (as the IATI Validator does), then against the
rules, then cleared. The rules implemented are listed in RULES; docs/iati.md says which are left out."""
import copy
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import pycountry
from lxml import etree

from portfolio.iati import codes
from portfolio.iati.codes import XML_LANG
from portfolio.iati.xmlsafe import NotWellFormed, records
from portfolio.rules import MINOR_UNITS

SCHEMAS = Path(__file__).parent / "schemas" / codes.VERSION
ACTIVITIES, ORGANISATIONS = "iati-activities", "iati-organisations"
CURRENCIES = set(MINOR_UNITS) | {"XDR"}
LANGUAGES = {language.alpha_2 for language in pycountry.languages if hasattr(language, "alpha_2")}
COUNTRIES = {country.alpha_2 for country in pycountry.countries} | {"XK"}
HUNDRED = Decimal(100)

# id: (severity, message), as the ruleset publishes them.
RULES = {
    "0.1.1": ("critical", "The file is not well-formed XML."),
    "0.2.1": ("critical", "The file is not an IATI file."),
    "0.3.1": ("critical", "The file does not follow the IATI schema."),
    "0.6.1": ("critical", "This version of the IATI Standard is no longer supported. Please use version 2."),
    "1.1.2": ("error", "The activity identifier must be unique for each activity."),
    "1.1.3": ("error", "The activity identifier must be different to the organisation identifier of the reporting "
                       "organisation."),
    "1.1.21": ("warning", "The activity identifier should begin with your IATI organisation identifier followed by a "
                          "unique string for the activity separated by a hyphen."),
    "1.3.1": ("warning", "The iati-identifier should not start or end with spaces or newlines."),
    "1.3.13": ("warning", "The iati-identifier must not contain any of the symbols /, &, | or ?."),
    "1.14.1": ("warning", "The reporting-org identifier should not start or end with spaces or newlines."),
    "1.14.13": ("warning", "The reporting-org identifier must not contain any of the symbols /, &, | or ?."),
    "2.1.1": ("error", "When multiple sectors, within a vocabulary (e.g. 1 - OECD DAC) are declared, each must have a "
                       "percentage."),
    "2.1.2": ("error", "Percentage values for sectors, within a vocabulary (e.g. 1 - OECD DAC), must add up to 100%."),
    "2.1.4": ("error", "When a single sector is declared, the percentage must either be omitted, or set to 100."),
    "2.2.1": ("error", "When using a reporting organisation sector code (vocabulary 98 or 99), it must include a "
                       "narrative."),
    "3.1.1": ("error", "When multiple recipient countries are declared, each must have a percentage."),
    "3.1.2": ("error", "Percentage values for recipient countries, must add up to 100%."),
    "3.1.4": ("error", "When a single recipient country is declared, the percentage must either be omitted, or set "
                       "to 100."),
    "3.4.1": ("error", "When multiple recipient countries or regions are declared, each must have a percentage."),
    "3.4.2": ("error", "Percentage values for recipient countries or regions, must add up to 100%."),
    "3.6.2": ("error", "Recipient countries or regions must only be declared at activity level OR for all "
                       "transactions."),
    "3.7.1": ("error", "Recipient country or recipient region should be declared for either the activity or for all "
                       "transactions."),
    "3.7.2": ("error", "Recipient country or recipient region should be declared for either the activity or for all "
                       "transactions."),
    "4.1.1": ("error", "The activity should specify a default language OR the language must be specified for each "
                       "narrative element."),
    "4.3.1": ("error", "The title must contain narrative content."),
    "4.4.1": ("error", "The description must contain narrative content."),
    "4.5.1": ("error", "The organisation should specify a default language, or the language should be specified for "
                       "each narrative element."),
    "6.2.2": ("error", "Each activity must have a specified sector, either at activity level OR for all "
                       "transactions."),
    "6.6.2": ("error", "Sectors must only be declared at activity level OR for all transactions."),
    "6.7.2": ("error", "If sector is declared at transaction level, a sector must be declared for all transactions."),
    "6.9.1": ("error", "The provider organisation must have an organisation identifier or a narrative."),
    "6.9.2": ("error", "The receiver organisation must have an organisation identifier or a narrative."),
    "6.10.1": ("error", "The participating organisation must have an identifier or a narrative."),
    "6.11.1": ("error", "The activity must have a planned start date or an actual start date."),
    "7.5.3": ("error", "Budget Period must not be longer than one year."),
    "7.8.1": ("error", "The activity should specify a default currency OR the currency must be specified for each "
                       "monetary value."),
    "7.8.2": ("error", "The financial value must have a specified currency, or the organisation must declare a "
                       "default currency."),
    "8.6.3": ("error", "The start of the period must be before the end of the period."),
    "11.1.1": ("error", "The last updated datetime of the activity must not be in the future."),
    "11.1.2": ("error", "The planned start date of the activity must be before the planned end date."),
    "11.1.3": ("error", "The actual start date of the activity must be before the actual end date."),
    "11.1.4": ("error", "The actual start date of the activity must not be in the future."),
    "11.1.5": ("error", "The actual end date of the activity must not be in the future."),
    "11.2.1": ("error", "The transaction date must not be in the future."),
    "11.2.2": ("error", "The transaction value date must not be in the future."),
    "11.4.1": ("error", "The last updated datetime of the organisation must not be in the future."),
    "12.1.1": ("error", "The country/region percentage value must be between 0.0 and 100.0 (inclusive)."),
    "12.3.1": ("error", "The sector percentage value must be between 0.0 and 100.0 (inclusive)."),
    "102.1.1": ("warning", "When a non OECD DAC sector vocabulary is used, sector vocabulary 1 - OECD DAC should also "
                           "be used."),
    # Codelist rules: (severity, message); the codes are checked against codes.CODELISTS, ISO 4217, ISO 3166-1
    # and ISO 639-1.
    "9.1.1": ("error", "The IATI version of the dataset is not a valid version number."),
    "9.3.1": ("error", "The default currency code is invalid."),
    "9.4.1": ("error", "The activity date type is invalid."),
    "9.5.1": ("error", "The activity status code is invalid."),
    "9.7.1": ("error", "The budget status is invalid."),
    "9.8.1": ("error", "The budget type is invalid."),
    "9.9.1": ("error", "The currency code is invalid."),
    "9.26.1": ("error", "The description type is invalid."),
    "9.41.1": ("error", "The organisation role is invalid."),
    "9.42.1": ("error", "The organisation type is invalid."),
    "9.43.1": ("error", "The planned disbursement budget type is invalid."),
    "9.44.1": ("error", "The organisation type is invalid."),
    "9.46.1": ("error", "The currency code is invalid."),
    "9.50.1": ("error", "The recipient country code is invalid."),
    "9.54.1": ("error", "The organisation type is invalid."),
    "9.78.1": ("error", "The sector vocabulary is invalid."),
    "9.79.1": ("error", "The tag vocabulary is invalid."),
    "9.88.1": ("error", "The organisation type is invalid."),
    "9.89.1": ("error", "The organisation type is invalid."),
    "9.93.1": ("error", "The transaction type is invalid."),
    "9.94.1": ("error", "The currency code is invalid."),
    "9.95.1": ("error", "The language code is invalid."),
    "9.96.1": ("error", "The currency code is invalid."),
    "9.97.1": ("error", "The IATI version of the dataset is not a valid version number."),
    "9.112.1": ("error", "The organisation type is invalid."),
    "9.113.1": ("error", "The budget status is invalid."),
    "9.114.1": ("error", "The currency code is invalid."),
}


@dataclass
class Finding:
    id: str
    severity: str
    message: str
    xpath: str
    identifier: str | None = None
    line: int | None = None
    detail: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Report:
    kind: str | None = None
    records: int = 0
    findings: list[Finding] | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity in ("critical", "error")]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def as_dict(self) -> dict:
        return {"kind": self.kind, "records": self.records, "error_count": len(self.errors),
                "warning_count": len(self.warnings), "findings": [f.as_dict() for f in self.findings]}


@cache
def schema(kind: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    name = "iati-activities-schema.xsd" if kind == ACTIVITIES else "iati-organisations-schema.xsd"
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), parser))


def path_in(record, element, base: str) -> str:
    """An XPath of `element` inside `record` (whose own XPath is `base`), with positions among same-named
    siblings: /iati-activities/iati-activity[3]/budget[2]/value."""
    steps = []
    while element is not None and element is not record:
        parent = element.getparent()
        same = [e for e in parent if e.tag == element.tag] if parent is not None else [element]
        name = element.tag if isinstance(element.tag, str) else "node()"
        steps.append(f"{name}[{same.index(element) + 1}]" if len(same) > 1 else name)
        element = parent
    return base + "".join("/" + step for step in reversed(steps))


class Checker:
    """The rules of one record, each finding located."""

    def __init__(self, record, base: str, identifier: str | None, today: date, now: datetime):
        self.record, self.base, self.identifier, self.today, self.now = record, base, identifier, today, now
        self.findings: list[Finding] = []

    def fail(self, rule: str, element=None, attribute: str | None = None, detail: str | None = None) -> None:
        severity, message = RULES[rule]
        target = element if element is not None else self.record
        xpath = path_in(self.record, target, self.base) + (f"/@{attribute}" if attribute else "")
        self.findings.append(Finding(rule, severity, message, xpath, self.identifier,
                                     getattr(target, "sourceline", None), detail))

    def code(self, rule: str, element, attribute: str, allowed, *, required: bool = False) -> None:
        value = element.get(attribute)
        if value is None and not required:
            return
        if value not in allowed:
            self.fail(rule, element, attribute, f"{value!r}")


def _date(text):
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def _datetime(text):
    try:
        value = datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _percent(text):
    try:
        return Decimal((text or "").strip())
    except InvalidOperation:
        return None


def _has_text(element) -> bool:
    return element is not None and any((n.text or "").strip() for n in element.findall("narrative"))


def _narratives_have_lang(record) -> bool:
    return all(n.get(XML_LANG) for n in record.iter("narrative"))


def _shares(checker: Checker, elements, single: str, each: str, total: str, vocabulary: str | None = None) -> None:
    """The percentage rules of one group (a sector vocabulary, the recipient countries)."""
    if len(elements) == 1:
        value = elements[0].get("percentage")
        if value is not None and _percent(value) != HUNDRED:
            checker.fail(single, elements[0], "percentage", f"{value}")
    elif len(elements) > 1:
        if any(e.get("percentage") is None for e in elements):
            checker.fail(each, elements[0])
        values = [_percent(e.get("percentage")) for e in elements if e.get("percentage") is not None]
        if values and None not in values and sum(values) != HUNDRED:
            checker.fail(total, elements[0], "percentage",
                         f"The sum is {sum(values)}" + (f" in vocabulary {vocabulary}" if vocabulary else ""))


def _period_rules(checker: Checker, element, one_year: bool) -> None:
    start = _date(element.find("period-start").get("iso-date")) if element.find("period-start") is not None else None
    end = _date(element.find("period-end").get("iso-date")) if element.find("period-end") is not None else None
    if start and end:
        if end < start:
            checker.fail("8.6.3", element.find("period-end"), "iso-date")
        elif one_year and (end - start).days > 365:
            checker.fail("7.5.3", element.find("period-end"), "iso-date", f"{(end - start).days} days")


def _org_rules(checker: Checker, element, rule: str, type_rule: str) -> None:
    if element is None:
        return
    if not (element.get("ref") or "").strip() and not _has_text(element):
        checker.fail(rule, element)
    checker.code(type_rule, element, "type", codes.CODELISTS["OrganisationType"])


def _values(checker: Checker, parent, rule: str, default_currency: str | None) -> None:
    for value in parent.findall("value"):
        checker.code(rule, value, "currency", CURRENCIES)
        if value.get("currency") is None and not default_currency:
            checker.fail("7.8.1" if checker.base.startswith("/" + ACTIVITIES) else "7.8.2", value)


def activity_rules(checker: Checker, a) -> None:
    ident_element = a.find("iati-identifier")
    reporting = a.find("reporting-org")
    ident = ident_element.text or "" if ident_element is not None else ""
    ref = reporting.get("ref", "") if reporting is not None else ""
    if ident_element is not None:
        if ident.strip() == ref.strip():
            checker.fail("1.1.3", ident_element)
        prefixes = [ref] + [o.get("ref", "") for o in a.findall("other-identifier[@type='B1']")]
        if not any(p and ident.startswith(p + "-") for p in prefixes):
            checker.fail("1.1.21", ident_element)
        if ident != ident.strip():
            checker.fail("1.3.1", ident_element)
        if any(symbol in ident for symbol in "/&|?"):
            checker.fail("1.3.13", ident_element)
    if reporting is not None:
        if ref != ref.strip():
            checker.fail("1.14.1", reporting, "ref")
        if any(symbol in ref for symbol in "/&|?"):
            checker.fail("1.14.13", reporting, "ref")
        checker.code("9.54.1", reporting, "type", codes.CODELISTS["OrganisationType"])
    if not a.get(XML_LANG) and not _narratives_have_lang(a):
        checker.fail("4.1.1")
    for element in a.iter():
        if element.get(XML_LANG) is not None and element.get(XML_LANG).lower() not in LANGUAGES:
            checker.fail("9.95.1", element, "xml:lang", element.get(XML_LANG))
    title = a.find("title")
    if title is not None and not _has_text(title):
        checker.fail("4.3.1", title)
    for description in a.findall("description"):
        if not _has_text(description):
            checker.fail("4.4.1", description)
        checker.code("9.26.1", description, "type", codes.CODELISTS["DescriptionType"])
    default_currency = a.get("default-currency")
    if default_currency is not None:
        checker.code("9.3.1", a, "default-currency", CURRENCIES)
    last_updated = a.get("last-updated-datetime")
    if last_updated and (_datetime(last_updated) or checker.now) > checker.now:
        checker.fail("11.1.1", a, "last-updated-datetime")
    for org in a.findall("participating-org"):
        if not (org.get("ref") or "").strip() and not _has_text(org):
            checker.fail("6.10.1", org)
        checker.code("9.41.1", org, "role", codes.CODELISTS["OrganisationRole"], required=True)
        checker.code("9.42.1", org, "type", codes.CODELISTS["OrganisationType"])
    status = a.find("activity-status")
    if status is not None:
        checker.code("9.5.1", status, "code", codes.CODELISTS["ActivityStatus"], required=True)
    dates = {}
    for element in a.findall("activity-date"):
        checker.code("9.4.1", element, "type", codes.CODELISTS["ActivityDateType"], required=True)
        dates.setdefault(element.get("type"), (_date(element.get("iso-date")), element))
    if not (dates.get(codes.PLANNED_START) or dates.get(codes.ACTUAL_START)):
        checker.fail("6.11.1")
    for rule, less, more in (("11.1.2", codes.PLANNED_START, codes.PLANNED_END),
                             ("11.1.3", codes.ACTUAL_START, codes.ACTUAL_END)):
        if less in dates and more in dates and dates[less][0] and dates[more][0] and dates[less][0] > dates[more][0]:
            checker.fail(rule, dates[more][1], "iso-date")
    for rule, kind in (("11.1.4", codes.ACTUAL_START), ("11.1.5", codes.ACTUAL_END)):
        if kind in dates and dates[kind][0] and dates[kind][0] > checker.today:
            checker.fail(rule, dates[kind][1], "iso-date")
    countries, regions = a.findall("recipient-country"), a.findall("recipient-region")
    for country in countries:
        checker.code("9.50.1", country, "code", COUNTRIES, required=True)
        value = country.get("percentage")
        if value is not None and not (_percent(value) is not None and 0 <= _percent(value) <= HUNDRED):
            checker.fail("12.1.1", country, "percentage", value)
    if not regions:
        _shares(checker, countries, "3.1.4", "3.1.1", "3.1.2")
    else:
        by_vocabulary = defaultdict(list)
        for region in regions:
            by_vocabulary[region.get("vocabulary", "1")].append(region)
        for members in by_vocabulary.values():
            group = members + countries
            if len(group) > 1:
                if any(e.get("percentage") is None for e in group):
                    checker.fail("3.4.1", members[0])
                values = [_percent(e.get("percentage")) for e in group if e.get("percentage") is not None]
                if values and None not in values and sum(values) != HUNDRED:
                    checker.fail("3.4.2", members[0], "percentage", f"The sum is {sum(values)}")
    transactions = a.findall("transaction")
    located = [t for t in transactions if t.find("recipient-country") is not None
               or t.find("recipient-region") is not None]
    if (countries or regions) and located:
        checker.fail("3.6.2", located[0])
    if not (countries or regions):
        if not located:
            checker.fail("3.7.1")
        elif len(located) != len(transactions):
            checker.fail("3.7.2", next(t for t in transactions if t not in located))
    sectors = a.findall("sector")
    by_vocabulary = defaultdict(list)
    for sector in sectors:
        vocabulary = sector.get("vocabulary") or "1"
        by_vocabulary[vocabulary].append(sector)
        checker.code("9.78.1", sector, "vocabulary", codes.CODELISTS["SectorVocabulary"])
        value = sector.get("percentage")
        if value is not None and not (_percent(value) is not None and 0 <= _percent(value) <= HUNDRED):
            checker.fail("12.3.1", sector, "percentage", value)
        if vocabulary in ("98", "99") and sector.find("narrative") is None:
            checker.fail("2.2.1", sector)
    for vocabulary, members in by_vocabulary.items():
        _shares(checker, members, "2.1.4", "2.1.1", "2.1.2", vocabulary)
    if any(v != "1" for v in by_vocabulary) and "1" not in by_vocabulary:
        checker.fail("102.1.1", sectors[0])
    sectored = [t for t in transactions if t.find("sector") is not None]
    if not sectors and not sectored:
        checker.fail("6.2.2")
    if sectors and sectored:
        checker.fail("6.6.2", sectored[0])
    if sectored and len(sectored) != len(transactions):
        checker.fail("6.7.2", next(t for t in transactions if t not in sectored))
    for tag in a.findall("tag"):
        checker.code("9.79.1", tag, "vocabulary", codes.CODELISTS["TagVocabulary"], required=True)
    for budget in a.findall("budget"):
        checker.code("9.8.1", budget, "type", codes.CODELISTS["BudgetType"])
        checker.code("9.7.1", budget, "status", codes.CODELISTS["BudgetStatus"])
        _period_rules(checker, budget, one_year=True)
        _values(checker, budget, "9.9.1", default_currency)
    for planned in a.findall("planned-disbursement"):
        checker.code("9.43.1", planned, "type", codes.CODELISTS["BudgetType"])
        if planned.find("period-end") is not None:
            _period_rules(checker, planned, one_year=False)
        _values(checker, planned, "9.46.1", default_currency)
        _org_rules(checker, planned.find("provider-org"), "6.9.1", "9.44.1")
        _org_rules(checker, planned.find("receiver-org"), "6.9.2", "9.44.1")
    for transaction in transactions:
        kind = transaction.find("transaction-type")
        if kind is not None:
            checker.code("9.93.1", kind, "code", codes.CODELISTS["TransactionType"], required=True)
        when = transaction.find("transaction-date")
        if when is not None and (_date(when.get("iso-date")) or checker.today) > checker.today:
            checker.fail("11.2.1", when, "iso-date")
        for value in transaction.findall("value"):
            if (_date(value.get("value-date")) or checker.today) > checker.today:
                checker.fail("11.2.2", value, "value-date")
        _values(checker, transaction, "9.94.1", default_currency)
        _org_rules(checker, transaction.find("provider-org"), "6.9.1", "9.88.1")
        _org_rules(checker, transaction.find("receiver-org"), "6.9.2", "9.89.1")


def organisation_rules(checker: Checker, o) -> None:
    if not o.get(XML_LANG) and not _narratives_have_lang(o):
        checker.fail("4.5.1")
    if o.get("default-currency") is not None:
        checker.code("9.96.1", o, "default-currency", CURRENCIES)
    last_updated = o.get("last-updated-datetime")
    if last_updated and (_datetime(last_updated) or checker.now) > checker.now:
        checker.fail("11.4.1", o, "last-updated-datetime")
    reporting = o.find("reporting-org")
    if reporting is not None:
        checker.code("9.112.1", reporting, "type", codes.CODELISTS["OrganisationType"])
    for budget in o.findall("total-budget"):
        checker.code("9.113.1", budget, "status", codes.CODELISTS["BudgetStatus"])
        _period_rules(checker, budget, one_year=True)
        for value in budget.findall("value"):
            checker.code("9.114.1", value, "currency", CURRENCIES)
            if value.get("currency") is None and not o.get("default-currency"):
                checker.fail("7.8.2", value)


def _schema_findings(root, record, base: str, identifier, kind: str) -> list[Finding]:
    """The record checked by the XSD on its own, inside a copy of its root element (as the IATI Validator does)."""
    wrapper = etree.Element(root.tag, dict(root.attrib), nsmap=root.nsmap)
    wrapper.append(copy.deepcopy(record))
    validator = schema(kind)
    if validator.validate(wrapper):
        return []
    severity, message = RULES["0.3.1"]
    return [Finding("0.3.1", severity, message, base, identifier, (error.line or None), error.message)
            for error in validator.error_log]


def _root_findings(root, kind: str) -> list[Finding]:
    findings = []
    version = root.get("version")
    if version is not None and version.startswith("1."):
        findings.append(Finding("0.6.1", *RULES["0.6.1"], f"/{kind}/@version", "file", root.sourceline))
    elif version is None or version not in codes.CODELISTS["Version"]:
        rule = "9.1.1" if kind == ACTIVITIES else "9.97.1"
        findings.append(Finding(rule, *RULES[rule], f"/{kind}/@version", "file", root.sourceline, repr(version)))
    return findings


def validate(source, *, today: date | None = None) -> Report:
    """Every finding of the file (an activities or an organisations file), streamed."""
    now = datetime.now(UTC)
    today = today or now.date()
    report = Report(findings=[])
    seen: dict[str, int] = {}
    try:
        for root, record, index in records(source):
            if report.kind is None:
                report.kind = etree.QName(root).localname
                if report.kind not in (ACTIVITIES, ORGANISATIONS):
                    report.findings.append(Finding("0.2.1", *RULES["0.2.1"], "/", "file", root.sourceline,
                                                   f"The root element is {report.kind!r}."))
                    return report
                report.findings += _root_findings(root, report.kind)
                if record is None:
                    report.findings.append(Finding("0.3.1", *RULES["0.3.1"], f"/{report.kind}", "file",
                                                   root.sourceline, "The file holds no record."))
            if record is None:
                continue
            report.records = index
            kind = report.kind
            single = "iati-activity" if kind == ACTIVITIES else "iati-organisation"
            base = f"/{kind}/{single}[{index}]"
            identifier = (record.findtext("iati-identifier" if kind == ACTIVITIES else "organisation-identifier")
                          or "").strip() or None
            report.findings += _schema_findings(root, record, base, identifier, kind)
            checker = Checker(record, base, identifier, today, now)
            if kind == ACTIVITIES:
                if identifier is not None and identifier in seen:
                    checker.fail("1.1.2", record.find("iati-identifier"),
                                 detail=f"Also activity {seen[identifier]}.")
                seen.setdefault(identifier, index)
                activity_rules(checker, record)
            else:
                organisation_rules(checker, record)
            report.findings += checker.findings
    except NotWellFormed as exc:
        report.findings.append(Finding("0.1.1", *RULES["0.1.1"], "/", "file", exc.line, exc.message))
    return report
