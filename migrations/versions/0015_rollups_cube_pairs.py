"""rollup_priority_countries and rollup_country_funders: the cube's other two pairs from rollups

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 06:00:00

At 100,000 projects priority x country and country x donor read the priority x country x funder cube (11-12 s);
their cells are kept exact by the write path like every other rollup (statistics/contributions.py). Derived data,
as in 0012: when projects exist the derived data is marked stale and `flask rollups rebuild` fills and verifies it.
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COUNTS = ("project_count", "unknown_budget", "unknown_original", "unknown_actuals", "unknown_remaining")
AMOUNTS = ("current_indicative", "current_committed", "original_indicative", "original_committed",
           "incoming_commitment", "incoming_funds", "outgoing_commitment", "disbursement", "expenditure",
           "paired_current_indicative", "paired_current_committed", "paired_expenditure")


def _rollup(name, *group):
    keys = [sa.Column("filter_priority_id", sa.Integer(), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("synthetic", sa.Boolean(), nullable=False),
            sa.Column("kind", sa.Integer(), nullable=False), sa.Column("lo", sa.Integer(), nullable=False),
            sa.Column("hi", sa.Integer(), nullable=False)]
    op.create_table(name, *group, *keys, *(sa.Column(c, sa.BigInteger(), nullable=False) for c in COUNTS + AMOUNTS),
                    sa.PrimaryKeyConstraint(*(c.name for c in group), *(c.name for c in keys),
                                            name=op.f(f"pk_{name}")))
    op.create_index(f"ix_{name}_cells", name, ["filter_priority_id", "kind", "lo", "hi"])


def upgrade():
    _rollup("rollup_priority_countries", sa.Column("priority_id", sa.Integer(), nullable=False),
            sa.Column("country_code", sa.String(length=4), nullable=False))
    _rollup("rollup_country_funders", sa.Column("country_code", sa.String(length=4), nullable=False),
            sa.Column("organisation_id", sa.Integer(), nullable=False))
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM projects")).scalar() > 0:
        bind.execute(sa.text("UPDATE maintenance_flags SET value = 'stale', updated_at = :at WHERE name = 'derived'"),
                     {"at": datetime.now(timezone.utc)})


def downgrade():
    op.drop_table("rollup_country_funders")
    op.drop_table("rollup_priority_countries")
