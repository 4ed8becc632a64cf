"""What the database itemizes, against the declared baseline (mid-2003: 126 projects, USD 67 million)."""
from decimal import Decimal

from sqlalchemy import select

from portfolio.errors import NotFound
from portfolio.extensions import db
from portfolio.models import PortfolioBaseline
from portfolio.money import round_percent
from portfolio.statistics.aggregates import aggregate, echo, filters_of, totals
from portfolio.statistics.basis import basis


def portfolio_summary(args: dict) -> dict:
    baseline = db.session.scalars(select(PortfolioBaseline).order_by(PortfolioBaseline.as_of.desc())).first()
    if baseline is None:
        raise NotFound("No portfolio baseline has been declared; run `flask seed`.")
    total = totals(args)
    # Synthetic projects among the filtered ones: the same totals with synthetic=true added.
    synthetic = 0 if args.get("synthetic") is False else totals({**args, "synthetic": True})["project_count"]
    known = total["budget_usd"] or Decimal("0.00")

    def counts(figures: dict) -> dict:
        return {"project_count": figures["project_count"],
                "known_budget_count": figures["project_count"] - figures["unknown_budget_count"],
                "unknown_budget_count": figures["unknown_budget_count"], "budget_usd": figures["budget_usd"]}

    return {
        "baseline": baseline,
        "itemized": {**counts(total), "synthetic_count": synthetic},
        "coverage": {"projects_percent": round_percent(Decimal(total["project_count"]) * 100 / baseline.project_count),
                     "budget_percent": round_percent(known * 100 / baseline.budget_usd)},
        "by_region": [{"region": row["key"], "label": row["label"], **counts(row)}
                      for row in aggregate("region", args)["rows"]],
        "basis": basis((), filters_of(args)),
        "filters": echo(filters_of(args)),
        "note": f"The baseline ({baseline.as_of_label}: {baseline.project_count} projects, "
                f"{baseline.budget_qualifier + ' ' if baseline.budget_qualifier else ''}USD {baseline.budget_usd}) is "
                "declared by the source; itemized figures are what this database holds. A budget is null when every "
                "project counted has an unknown budget, never 0.00; budget_percent is the known budgets' share of the "
                "baseline." + (f" With funder={args['funder']}: only its attributed money, in the projects it counts "
                               "for (see basis)." if args.get("funder") else ""),
    }
