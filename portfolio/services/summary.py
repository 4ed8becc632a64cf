"""What the database itemizes, against the declared baseline (mid-2003: 126 projects, USD 67 million)."""
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from portfolio.errors import ProblemError
from portfolio.extensions import db
from portfolio.models import PortfolioBaseline
from portfolio.services.aggregates import aggregate, totals


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def portfolio_summary(args: dict) -> dict:
    baseline = db.session.scalars(select(PortfolioBaseline).order_by(PortfolioBaseline.as_of.desc())).first()
    if baseline is None:
        raise ProblemError(404, "No portfolio baseline has been declared; run `flask seed`.")
    total = totals(args)
    known_budget = total["budget_usd"] or Decimal("0.00")
    # Synthetic projects among the filtered ones: the same totals with synthetic=true added.
    synthetic = 0 if args.get("synthetic") is False else totals({**args, "synthetic": True})["project_count"]
    by_region = [{"region": row["key"], "label": row["label"], "project_count": row["project_count"],
                  "known_budget_count": row["project_count"] - row["unknown_budget_count"],
                  "unknown_budget_count": row["unknown_budget_count"],
                  "budget_usd": row["budget_usd"] or Decimal("0.00")}
                 for row in aggregate("region", args)["rows"]]
    return {
        "baseline": baseline,
        "itemized": {"project_count": total["project_count"],
                     "known_budget_count": total["project_count"] - total["unknown_budget_count"],
                     "unknown_budget_count": total["unknown_budget_count"],
                     "synthetic_count": synthetic, "budget_usd": known_budget},
        "coverage": {"projects_percent": _percent(total["project_count"], baseline.project_count),
                     "budget_percent": _percent(known_budget, baseline.budget_usd)},
        "by_region": by_region,
        "note": f"The baseline ({baseline.as_of_label}: {baseline.project_count} projects, "
                f"{baseline.budget_qualifier + ' ' if baseline.budget_qualifier else ''}USD {baseline.budget_usd}) is "
                "declared by the source; itemized figures are what this database holds. Unknown budgets are "
                "counted, never taken as zero.",
    }
