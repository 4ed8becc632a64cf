"""projects.activity_scope: the geographical scope a project states (IATI ActivityScope)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 11:45:00

NULL for every existing project: the sources state none, and none is guessed from the countries. Nothing
derived depends on it: no figure or rollup changes.
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both engines: a batch (copy-and-move) of `projects` on SQLite would drop the triggers
# that keep its FTS5 index in step.


def upgrade():
    op.add_column("projects", sa.Column("activity_scope", sa.String(length=2), nullable=True))


def downgrade():
    op.execute("ALTER TABLE projects DROP COLUMN activity_scope")
