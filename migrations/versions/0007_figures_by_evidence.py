"""figures by evidence: budget lines by donor, pro-rata years, paired budget and spending, the
priority x country x funder cube, the priority x funder rollup

Budget lines keep every row: the rule that decides which are current becomes "for each donor and period,
the revised line where there is one, else the original". A revised line whose period's original line has
another donor was, under the old rule, the revision of that line; under the new one it would stand beside
it and change the project's current budget. Such lines are reported and the upgrade stops, so that a person
decides (set the revised line's donor to the original's, or state that both stand), rather than a figure
changing silently.

Every figures and rollup table is derived data: they are dropped and created in their new shape (three
"paired" amount columns; funding figures attributed by evidence with organisation 0 for "no funder stated",
priority figures with priority 0 and country figures with country "" for a project that has none, hence no
foreign keys on those keys; the cube project_cross_figures; rollup_priority_funders). When projects exist the
derived data is marked stale and `flask rollups rebuild` recomputes and verifies it (the deploy step the
operations guide names); until then aggregates answer 503.

Revision ID: 0007
Revises: 0006
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_AMOUNTS = ("current_indicative", "current_committed", "original_indicative", "original_committed",
               "incoming_commitment", "incoming_funds", "outgoing_commitment", "disbursement", "expenditure")
PAIRED = ("paired_current_indicative", "paired_current_committed", "paired_expenditure")
COUNTS = ("project_count", "unknown_budget", "unknown_original", "unknown_actuals", "unknown_remaining")
FIGURES = ("project_figures", "project_priority_figures", "project_country_figures", "project_organisation_figures")
ROLLUPS = ("rollup_projects", "rollup_priorities", "rollup_organisations")


def _amounts(names):
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in names]


def _figures(name, *key, refers=(), indexed=(), amounts=OLD_AMOUNTS + PAIRED, project_index=True):
    foreign = [sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{name}_{column}_{target.split('.')[0]}"))
               for column, target in refers]
    op.create_table(
        name, *key,
        sa.Column("project_id", sa.Integer(), nullable=False), sa.Column("year", sa.Integer(), nullable=False),
        *_amounts(amounts), *foreign,
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f(f"fk_{name}_project_id_projects"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(*(c.name for c in key), "project_id", "year", name=op.f(f"pk_{name}")))
    op.create_index(op.f(f"ix_{name}_year"), name, ["year"])
    for column in indexed:
        op.create_index(op.f(f"ix_{name}_{column}"), name, [column])
    if key and project_index:
        op.create_index(f"ix_{name}_project_id", name, ["project_id"])


def _rollup(name, *group, amounts=OLD_AMOUNTS + PAIRED):
    keys = [sa.Column("filter_priority_id", sa.Integer(), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("synthetic", sa.Boolean(), nullable=False),
            sa.Column("kind", sa.Integer(), nullable=False), sa.Column("lo", sa.Integer(), nullable=False),
            sa.Column("hi", sa.Integer(), nullable=False)]
    op.create_table(name, *group, *keys, *(sa.Column(c, sa.BigInteger(), nullable=False) for c in COUNTS),
                    *_amounts(amounts), sa.PrimaryKeyConstraint(*(c.name for c in group), *(c.name for c in keys),
                                                                name=op.f(f"pk_{name}")))


def _create(amounts, evidence: bool):
    _figures("project_figures", amounts=amounts)
    _figures("project_priority_figures", sa.Column("priority_id", sa.Integer(), nullable=False),
             refers=[] if evidence else [("priority_id", "priorities.id")], indexed=["priority_id"], amounts=amounts)
    _figures("project_country_figures", sa.Column("country_code", sa.String(length=4), nullable=False),
             refers=[] if evidence else [("country_code", "countries.code")], indexed=["country_code"],
             amounts=amounts)
    _figures("project_organisation_figures", sa.Column("role", sa.String(length=20), nullable=False),
             sa.Column("organisation_id", sa.Integer(), nullable=False),
             refers=[] if evidence else [("organisation_id", "organisations.id")], indexed=["organisation_id"],
             amounts=amounts)
    _rollup("rollup_projects", amounts=amounts)
    _rollup("rollup_priorities", sa.Column("priority_id", sa.Integer(), nullable=False), amounts=amounts)
    _rollup("rollup_organisations", sa.Column("role", sa.String(length=20), nullable=False),
            sa.Column("organisation_id", sa.Integer(), nullable=False), amounts=amounts)


def _mark(bind, now):
    stale = bind.execute(sa.text("SELECT count(*) FROM projects")).scalar() > 0
    bind.execute(sa.text("UPDATE maintenance_flags SET value = :v, updated_at = :at WHERE name = 'derived'"),
                 {"v": "stale" if stale else "fresh", "at": now})


def upgrade():
    bind = op.get_bind()
    clashes = bind.execute(sa.text(
        "SELECT p.code, r.id, r.donor_organisation_id, o.id, o.donor_organisation_id FROM budget_lines r "
        "JOIN budget_lines o ON o.project_id = r.project_id AND o.type = 'original' AND r.type = 'revised' "
        "AND o.period_start = r.period_start AND o.period_end = r.period_end "
        "JOIN projects p ON p.id = r.project_id "
        "WHERE COALESCE(o.donor_organisation_id, 0) <> COALESCE(r.donor_organisation_id, 0) ORDER BY p.code, r.id"
    )).all()
    if clashes:
        listed = "; ".join(f"project {code}: revised line {r} (donor id {rd}) revises original line {o} (donor id "
                           f"{od})" for code, r, rd, o, od in clashes[:50])
        raise RuntimeError(
            f"{len(clashes)} revised budget line(s) revise an original line of another donor. Budget lines are now "
            f"kept by donor: give each such revised line its original's donor (or decide that both stand), then "
            f"upgrade again. {listed}")
    for name in (*FIGURES, *ROLLUPS):
        op.drop_table(name)
    _create(OLD_AMOUNTS + PAIRED, evidence=True)
    _figures("project_cross_figures", sa.Column("priority_id", sa.Integer(), nullable=False),
             sa.Column("country_code", sa.String(length=4), nullable=False),
             sa.Column("organisation_id", sa.Integer(), nullable=False))
    _rollup("rollup_priority_funders", sa.Column("priority_id", sa.Integer(), nullable=False),
            sa.Column("organisation_id", sa.Integer(), nullable=False))
    _mark(bind, datetime.now(timezone.utc))


def downgrade():
    bind = op.get_bind()
    for name in (*FIGURES, *ROLLUPS, "project_cross_figures", "rollup_priority_funders"):
        op.drop_table(name)
    _create(OLD_AMOUNTS, evidence=False)
    _mark(bind, datetime.now(timezone.utc))
