"""The reporting organisation's IATI 2.03 organisation file: its total budget by calendar year, read from the
rollups (one GROUP BY over the year cells, whatever the number of projects). Synthetic projects are left
out: an organisation file states the publisher's own budget, and demo data is not."""
from datetime import date

from lxml import etree
from sqlalchemy import func, select

from portfolio.extensions import db
from portfolio.iati import codes
from portfolio.iati.codes import XML_LANG
from portfolio.iati.export import cents_text, datetime_text, now_text
from portfolio.models import Project, RollupProject
from portfolio.models.rollup import KIND_YEAR


def yearly_budgets() -> list[tuple[int, str, int]]:
    """(year, budget status, USD cents) of the current budget of non-synthetic projects, by year."""
    cells = RollupProject
    rows = db.session.execute(
        select(cells.lo, func.sum(cells.current_indicative), func.sum(cells.current_committed))
        .where(cells.filter_priority_id == 0, cells.kind == KIND_YEAR, cells.synthetic.is_(False))
        .group_by(cells.lo).order_by(cells.lo))
    out = []
    for year, indicative, committed in rows:
        for status, cents in (("indicative", indicative), ("committed", committed)):
            if cents:
                out.append((year, status, int(cents)))
    return out


def document() -> bytes:
    pub = codes.publisher()
    updated = db.session.scalar(select(func.max(Project.updated_at)).where(Project.synthetic.is_(False)))
    root = etree.Element("iati-organisations", {"version": codes.VERSION, "generated-datetime": now_text()})
    organisation = etree.SubElement(root, "iati-organisation", {
        "last-updated-datetime": datetime_text(updated) if updated else now_text(), XML_LANG: codes.LANGUAGE,
        "default-currency": codes.CURRENCY})
    etree.SubElement(organisation, "organisation-identifier").text = pub.ref
    etree.SubElement(etree.SubElement(organisation, "name"), "narrative").text = pub.name
    reporting = etree.SubElement(organisation, "reporting-org", ref=pub.ref, type=pub.type)
    etree.SubElement(reporting, "narrative").text = pub.name
    for year, status, cents in yearly_budgets():
        budget = etree.SubElement(organisation, "total-budget", status=codes.BUDGET_STATUS[status])
        etree.SubElement(budget, "period-start", {"iso-date": date(year, 1, 1).isoformat()})
        etree.SubElement(budget, "period-end", {"iso-date": date(year, 12, 31).isoformat()})
        value = etree.SubElement(budget, "value", {"currency": codes.CURRENCY,
                                                   "value-date": date(year, 1, 1).isoformat()})
        value.text = cents_text(cents)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)

