"""A project's budget against actual: by year, per donor (attributed by evidence) and per participating
organisation."""
from portfolio.figure_columns import AMOUNT_COLUMNS, EVIDENCE_ROLE, NO_FUNDER, counts_of
from portfolio.models import ORGANISATION_ROLES
from portfolio.services import figures
from portfolio.services.state import ProjectState, share_text
from portfolio.statistics.measures import cell
from portfolio.vocabulary import current


def by_donor(state: ProjectState, derived, vocab) -> list[dict]:
    """The project's figures per funder (the funding role, by evidence): its donors in the order they were
    registered, then the money no funder is stated for."""
    counts = counts_of(state.row)
    organisation_t = figures.FIGURE_TABLES[3]
    money = figures.link_totals([r for r in derived.figures[organisation_t] if r["role"] == EVIDENCE_ROLE],
                                "organisation_id")
    return [{"organisation": None if key == NO_FUNDER else vocab.term("organisations", key).code,
             "name": "(no funder stated)" if key == NO_FUNDER else vocab.term("organisations", key).name,
             **cell(counts + tuple(money.get(key, {}).get(c, 0) for c in AMOUNT_COLUMNS))}
            for key in derived.members[EVIDENCE_ROLE]]


def view(state: ProjectState) -> dict:
    vocab = current()
    derived = figures.derive(state, vocab, cube=False)
    project_t, organisation_t = figures.FIGURE_TABLES[0], figures.FIGURE_TABLES[3]
    counts = counts_of(state.row)

    def figures_of(amounts: dict | None) -> dict:
        return cell(counts + tuple((amounts or {}).get(c, 0) for c in AMOUNT_COLUMNS))

    by_year = [{"year": row["year"], **figures_of(row)} for row in derived.figures[project_t]]
    by_organisation = figures.link_totals(derived.figures[organisation_t], ("role", "organisation_id"))
    participations = sorted(state.links["organisations"], key=lambda p: (ORGANISATION_ROLES.index(p[0]), p[1]))
    return {
        "code": state.code, "version": state.row["version"],
        "total": figures_of(figures.link_totals(derived.figures[project_t], "project_id").get(state.id)),
        "by_year": by_year,
        "by_donor": by_donor(state, derived, vocab),
        "by_organisation": [{"organisation": vocab.term("organisations", o).code,
                             "name": vocab.term("organisations", o).name, "role": role, "share": share_text(s),
                             **figures_of(by_organisation.get((role, o)))} for role, o, s, *_ in participations],
        "note": "Figures of this project alone, by calendar year (a budget period crossing a year end pro rata by "
                "days), by donor (budgets to the line's donor, incoming money to its provider, spending in proportion "
                "to the donors' current budget of the year) and by participating organisation (the funding role as "
                "by_donor, the other roles by their shares): the rules every aggregate uses.",
    }
