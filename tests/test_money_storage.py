"""Amounts survive the database exactly, and SQL sums do not drift (the SQLite NUMERIC trap)."""
from datetime import date
from decimal import Decimal

import pytest
from helpers import example_count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portfolio.extensions import db
from portfolio.models import BudgetLine, Project, Region

amounts = st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False)


def _project() -> Project:
    region = db.session.scalars(select(Region)).first()
    project = Project(code="MONEY-1", title="Money", region_id=region.id, status="implementation")
    db.session.add(project)
    db.session.flush()
    return project


@settings(max_examples=example_count(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(amounts, min_size=1, max_size=30))
def test_budget_line_amounts_sum_exactly_in_sql(in_app, values):
    def run():
        project = _project()
        for value in values:
            db.session.add(BudgetLine(project_id=project.id, period_start=date(2003, 1, 1),
                                      period_end=date(2003, 12, 31), amount=value, currency="USD", usd_amount=value))
        db.session.flush()
        total = db.session.scalar(select(func.sum(BudgetLine.usd_amount)))
        stored = db.session.scalars(select(BudgetLine.usd_amount).order_by(BudgetLine.id)).all()
        db.session.rollback()
        return total, stored

    total, stored = in_app(run)
    assert total == sum(values)
    assert stored == [Decimal(v).quantize(Decimal("0.01")) for v in values]


def test_usd_amount_with_three_decimals_is_refused_not_rounded(in_app):
    def run():
        project = _project()
        db.session.add(BudgetLine(project_id=project.id, period_start=date(2003, 1, 1), period_end=date(2003, 12, 31),
                                  amount=Decimal("1.005"), currency="KWD", usd_amount=Decimal("3.275")))
        try:
            db.session.flush()
        finally:
            db.session.rollback()

    with pytest.raises(Exception, match="more than 2 decimal places"):
        in_app(run)
