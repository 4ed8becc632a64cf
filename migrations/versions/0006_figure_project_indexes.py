"""An index on project_id of each attribution figures table

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 08:10:00

Their primary keys lead with another column, so replacing one project's figures (every write) and the
ON DELETE CASCADE of a project read the tables whole on PostgreSQL.
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("project_priority_figures", "project_country_figures", "project_organisation_figures")


def upgrade():
    for table in TABLES:
        op.create_index(f"ix_{table}_project_id", table, ["project_id"], unique=False)


def downgrade():
    for table in TABLES:
        op.drop_index(f"ix_{table}_project_id", table_name=table)
