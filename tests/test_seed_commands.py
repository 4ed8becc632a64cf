"""`flask seed` is idempotent; `flask demo-data` fills the portfolio up to the declared baseline."""
import shutil
from decimal import Decimal

from helpers import add_line, create_project
from sqlalchemy import func, select

from portfolio.extensions import db
from portfolio.models import BudgetLine, Country, Project, Rcp, RcpMember, Region
from portfolio.services.maintenance import figure_differences
from portfolio.services.seed import SEEDS_DIR, seed_all
from portfolio.statistics import aggregates, rollups


def row_counts():
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Country, Region, Rcp, RcpMember, Project, BudgetLine)}


def test_seed_twice_leaves_identical_row_counts(runner, in_app):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    counts = in_app(row_counts)
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0
    assert in_app(row_counts) == counts
    assert counts["projects"] == 15
    assert "projects               created    0" in second.output
    assert "rcp_members            created    0  updated    0  unchanged  374" in second.output
    assert "organisations          created    0  updated    0  unchanged   67" in second.output


def test_seed_projects_have_unknown_budgets_not_zero(annex, in_app):
    budgets = in_app(lambda: db.session.scalars(select(Project.budget_usd)).all())
    assert budgets == [None] * 15


def test_demo_data_fills_up_to_126_projects_and_67_million(runner, annex, in_app):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output

    def totals():
        return (db.session.scalar(select(func.count(Project.id))),
                db.session.scalar(select(func.count(Project.id)).where(Project.synthetic.is_(True))),
                db.session.scalar(select(func.sum(BudgetLine.usd_amount))),
                db.session.scalar(select(func.sum(Project.budget_usd))))

    count, synthetic, lines_total, projects_total = in_app(totals)
    assert (count, synthetic) == (126, 111)
    assert projects_total == Decimal("67000000.00")  # the current budget; revised lines replace originals
    assert lines_total > projects_total  # the originals that revisions replaced are kept
    again = runner.invoke(args=["demo-data"])
    assert "nothing generated" in again.output
    assert in_app(totals)[0] == 126


def test_demo_data_with_seed_is_reproducible(runner, in_app):
    def snapshot():
        return db.session.execute(select(Project.code, Project.region_id, Project.budget_usd)
                                  .order_by(Project.code)).all()

    assert runner.invoke(args=["demo-data", "--projects", "40", "--seed", "7"]).exit_code == 0
    first = in_app(snapshot)
    in_app(lambda: (db.session.execute(Project.__table__.delete()), db.session.commit()))
    assert runner.invoke(args=["demo-data", "--projects", "40", "--seed", "7"]).exit_code == 0
    assert in_app(snapshot) == first
    assert len(first) == 40


def test_demo_data_lines_reconcile_with_project_allocations(runner, in_app):
    assert runner.invoke(args=["demo-data", "--projects", "200"]).exit_code == 0

    def sums():
        from portfolio.models import (
            ProjectCountryFigure,
            ProjectFigure,
            ProjectOrganisationFigure,
            ProjectPriorityFigure,
        )
        current = db.session.scalar(select(func.sum(BudgetLine.usd_amount)).where(BudgetLine.current))
        figures = [db.session.scalar(select(func.sum(m.current_indicative + m.current_committed)).where(*where))
                   for m, where in ((ProjectFigure, ()), (ProjectPriorityFigure, ()), (ProjectCountryFigure, ()),
                                    (ProjectOrganisationFigure, (ProjectOrganisationFigure.role == "funding",)))]
        return current, db.session.scalar(select(func.sum(Project.budget_usd))), figures

    current, projects, figures = in_app(sums)
    assert current > 0
    assert current == projects
    assert {int(f) for f in figures} == {int(current * 100)}  # cents, attributed without a cent lost


def test_a_seed_that_reorders_the_priorities_derives_every_figure_again(client, tmp_path, in_app):
    """The priorities' order decides which takes a split's odd cent: a seed that changes it re-derives the
    stored figures and rollups (else they kept the old split, and the next edit moved the rollups by the new
    one)."""
    create_project(client, "P-1", priorities=[{"code": "cooperation"}, {"code": "harmonization"}])
    add_line(client, "P-1", amount="1000.01")
    by_priority = {r["key"]: r["budget_usd"] for r in client.get("/api/v1/aggregates/priority").json["rows"]}
    assert (by_priority["cooperation"], by_priority["harmonization"]) == ("500.01", "500.00")
    shutil.copytree(SEEDS_DIR, tmp_path / "seeds")
    reference = tmp_path / "seeds" / "reference.yaml"
    text = reference.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("  - {code: cooperation,"))
    last = next(i for i, line in enumerate(lines) if line.startswith("  - {code: harmonization,"))
    lines[first], lines[last] = lines[last], lines[first]
    reference.write_text("".join(lines), encoding="utf-8")

    report = in_app(lambda: seed_all(tmp_path / "seeds"))
    assert report["derived figures"]["updated"] == 1  # P-1 (the annex projects are seeded after, with no money)
    assert in_app(figure_differences) == []
    assert in_app(rollups.differences) == []
    by_priority = {r["key"]: r["budget_usd"] for r in client.get("/api/v1/aggregates/priority").json["rows"]}
    assert (by_priority["cooperation"], by_priority["harmonization"]) == ("500.00", "500.01")



def test_a_seed_that_changes_rcp_memberships_moves_the_rcp_cells(client, tmp_path, in_app):
    """A project's derived RCP links follow its countries' memberships: a seed that drops Albania from the
    Budapest Process takes the project's money out of that RCP's derived cells (else the next edit of the
    project moved the cells by links they never held)."""
    create_project(client, "P-1", countries=["AL"])
    add_line(client, "P-1", amount="1000.00")
    derived = "/api/v1/aggregates/rcp?rcp_link=derived"
    before = {r["key"]: r["budget_usd"] for r in client.get(derived).json["rows"]}
    assert before["budapest-process"] == "1000.00"
    shutil.copytree(SEEDS_DIR, tmp_path / "seeds")
    rcps = tmp_path / "seeds" / "rcps.yaml"
    text = rcps.read_text(encoding="utf-8")
    head, budapest = text.split("  - code: budapest-process\n")
    assert budapest.index("members: [[Albania, AL], ") < budapest.index("  - code:")
    budapest = budapest.replace("members: [[Albania, AL], ", "members: [", 1)
    rcps.write_text(head + "  - code: budapest-process\n" + budapest, encoding="utf-8")

    in_app(lambda: seed_all(tmp_path / "seeds"))
    assert in_app(rollups.differences) == []
    after = {r["key"]: r["budget_usd"] for r in client.get(derived).json["rows"]}
    assert after["budapest-process"] is None  # no project left in it: no figure, not zero
    args = {"rcp_link": "derived"}
    assert in_app(lambda: aggregates.aggregate("rcp", args)) == in_app(
        lambda: aggregates.aggregate("rcp", args, use_rollups=False))
    client.patch("/api/v1/projects/P-1", json={"title": "Renamed"},
                 headers={"If-Match": client.get("/api/v1/projects/P-1").headers["ETag"]})
    assert in_app(rollups.differences) == []
