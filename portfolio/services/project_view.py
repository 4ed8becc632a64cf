"""A project as the API shows it: its state with codes and names, derived RCP links, and its money
attributed to each priority, country and organisation (from the same figures the rollups sum)."""
import re

from portfolio.figure_columns import TRANSACTION_COLUMN, budget_columns
from portfolio.models import ORGANISATION_ROLES
from portfolio.models.project import PROJECT_COLUMNS
from portfolio.money import from_cents
from portfolio.services import figures, finance
from portfolio.services.state import ProjectState, org_code, share_text
from portfolio.vocabulary import Vocabulary

CURRENT = budget_columns("current", None)
DONOR_FIGURES = ("organisation", "name", "budget_usd", "original_budget_usd", "incoming_funds_usd", "expenditure_usd",
                 "remaining_usd", "spent_percent")


def judged_fields(judgement: str | None) -> list[str]:
    """The fields a seed judgement names: "priorities (...), activity_types, status" -> [...]."""
    if not judgement:
        return []
    top_level = re.sub(r"\([^()]*\)", "", judgement)
    return [part.strip().split()[0] for part in top_level.split(",") if part.strip()]


def _budget(totals: dict, key, known: bool):
    sums = totals.get(key)
    return from_cents(sum(sums[c] for c in CURRENT) if sums else 0) if known else None


def _rcp_links(state: ProjectState, vocab: Vocabulary) -> list[dict]:
    stated = sorted((vocab.term("rcps", r) for (r,) in state.links["rcps"]), key=lambda t: t.position)
    links = [{"code": t.code, "short_name": t.name, "link": "stated", "via_countries": []} for t in stated]
    stated_ids = {t.id for t in stated}
    derived: dict[int, dict] = {}
    for (country,) in state.links["countries"]:
        for rcp_id, role in vocab.rcp_roles.get(country, []):
            if role == "member" and rcp_id not in stated_ids:
                term = vocab.term("rcps", rcp_id)
                derived.setdefault(rcp_id, {"code": term.code, "short_name": term.name, "link": "derived",
                                            "via_countries": []})["via_countries"].append(country)
    links += [derived[i] for i in sorted(derived, key=lambda i: vocab.term("rcps", i).position)]
    return links


def present(state: ProjectState, vocab: Vocabulary) -> dict:
    row = state.row
    d = figures.derive(state, vocab, cube=False)
    project_t, priority_t, country_t, organisation_t, _ = figures.FIGURE_TABLES
    known = row["budget_usd"] is not None
    by_priority = figures.link_totals(d.figures[priority_t], "priority_id")
    by_country = figures.link_totals(d.figures[country_t], "country_code")
    by_organisation = figures.link_totals(d.figures[organisation_t], ("role", "organisation_id"))
    project_totals = figures.link_totals(d.figures[project_t], "project_id").get(state.id)
    region = vocab.term("regions", row["region_id"])
    priorities = sorted(state.links["priorities"], key=lambda p: vocab.term("priorities", p[0]).position)
    participations = sorted(state.links["organisations"], key=lambda p: (ORGANISATION_ROLES.index(p[0]), p[1]))
    actuals_known = bool(row["actuals_known"])
    return {
        **{k: row[k] for k in ("code", *PROJECT_COLUMNS, "version", "created_at", "updated_at")},
        "region": {"code": region.code, "name": region.name},
        "countries": [{"code": c, "name": vocab.countries.get(c, c), "budget_usd": _budget(by_country, c, known)}
                      for (c,) in state.links["countries"]],
        "priorities": [{"code": vocab.term("priorities", p).code, "name": vocab.term("priorities", p).name,
                        "share": share_text(s), "budget_usd": _budget(by_priority, p, known)} for p, s in priorities],
        "activity_types": [{"code": t.code, "name": t.name} for t in sorted(
            (vocab.term("activity_types", a) for (a,) in state.links["activity_types"]), key=lambda t: t.position)],
        "rcps": _rcp_links(state, vocab),
        "participating_organisations": [
            {"organisation": org_code(vocab, o), "name": vocab.term("organisations", o).name, "role": role,
             "share": share_text(s), "budget_usd": _budget(by_organisation, (role, o), known), "source": source,
             "judgement": judgement}
            for role, o, s, source, judgement in participations],
        "donors": [{k: donor[k] for k in DONOR_FIGURES} for donor in finance.by_donor(state, d, vocab)],
        "judged_fields": judged_fields(row["judgement"]),
        "budget": {"known": known, "total_usd": row["budget_usd"], "original_usd": row["original_budget_usd"],
                   "line_count": len(state.lines)},
        "actuals": {"known": actuals_known, "transaction_count": len(state.transactions),
                    **{f"{column}_usd": (from_cents(project_totals[column] if project_totals else 0)
                                         if actuals_known else None) for column in TRANSACTION_COLUMN.values()}},
    }
