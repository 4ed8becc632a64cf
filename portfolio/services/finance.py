"""A project's budget against actual: by year, and per participating organisation (attributed by share)."""
from portfolio.measures import AMOUNT_COLUMNS, COUNT_COLUMNS
from portfolio.models import ORGANISATION_ROLES
from portfolio.services import figures
from portfolio.services.state import ProjectState, share_text
from portfolio.services.vocabulary import current
from portfolio.statistics.measures import cell


def _counts(state: ProjectState) -> tuple:
    row = state.row
    flags = {"project_count": 1, "unknown_budget": row["budget_usd"] is None,
             "unknown_original": row["original_budget_usd"] is None, "unknown_actuals": not row["actuals_known"],
             "unknown_remaining": row["budget_usd"] is None or not row["actuals_known"]}
    return tuple(int(flags[name]) for name in COUNT_COLUMNS)


def view(state: ProjectState) -> dict:
    vocab = current()
    derived = figures.derive(state, vocab)
    project_t, _, _, organisation_t = figures.FIGURE_TABLES
    counts = _counts(state)

    def figures_of(amounts: dict | None) -> dict:
        return cell(counts + tuple((amounts or {}).get(c, 0) for c in AMOUNT_COLUMNS))

    by_year = [{"year": row["year"], **figures_of(row)} for row in derived.figures[project_t]]
    by_organisation = figures.link_totals(derived.figures[organisation_t], ("role", "organisation_id"))
    participations = sorted(state.links["organisations"], key=lambda p: (ORGANISATION_ROLES.index(p[0]), p[1]))
    return {
        "code": state.code, "version": state.row["version"],
        "total": figures_of(figures.link_totals(derived.figures[project_t], "project_id").get(state.id)),
        "by_year": by_year,
        "by_organisation": [{"organisation": vocab.term("organisations", o).code,
                             "name": vocab.term("organisations", o).name, "role": role, "share": share_text(s),
                             **figures_of(by_organisation.get((role, o)))} for role, o, s, *_ in participations],
        "note": "Figures of this project alone, by the year of each budget period or transaction, and attributed to "
                "its organisations by their shares in each role (the rule every aggregate uses).",
    }
