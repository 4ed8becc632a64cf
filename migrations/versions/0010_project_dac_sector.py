"""projects.dac_sector: the OECD DAC purpose code a project states (IATI sector vocabulary 1)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 23:20:00

NULL for every existing project: none has stated one, and none is guessed (IATI publishing needs it only where
the project says so). Nothing derived depends on it: no figure or rollup changes.
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both engines: a batch (copy-and-move) of `projects` on SQLite would drop the triggers
# that keep its FTS5 index in step.


def upgrade():
    op.add_column("projects", sa.Column("dac_sector", sa.String(length=5), nullable=True))


def downgrade():
    op.execute("ALTER TABLE projects DROP COLUMN dac_sector")
