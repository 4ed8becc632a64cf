"""Project codes unique regardless of case

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 09:00:00

HX-5045 and hx-5045 were two projects. A unique index on lower(code) (both engines; codes are ASCII by their
grammar, so lower() is the same everywhere) makes them one code; the code keeps the spelling it was written
with. Codes that already differ only in case are not merged or renamed here: the upgrade stops, listing them,
and changes nothing, so that someone who knows the projects decides which stays.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEX = "uq_projects_code_lower"


def upgrade():
    clashes = op.get_bind().execute(sa.text(
        "SELECT code FROM projects WHERE lower(code) IN "
        "(SELECT lower(code) FROM projects GROUP BY lower(code) HAVING COUNT(*) > 1) ORDER BY lower(code), code"
    )).scalars().all()
    if clashes:
        groups: dict[str, list[str]] = {}
        for code in clashes:
            groups.setdefault(code.lower(), []).append(code)
        listed = "; ".join(" = ".join(group) for group in groups.values())
        raise RuntimeError(
            f"Migration 0008 makes project codes unique regardless of case, but {len(groups)} group(s) of stored "
            f"codes differ only in case: {listed}. Nothing was changed. Merge or delete the projects of each group "
            "until one code is left (DELETE /api/v1/projects/{code}, or rename one in the database), then run "
            "`flask db upgrade` again.")
    op.create_index(INDEX, "projects", [sa.text("lower(code)")], unique=True)


def downgrade():
    op.drop_index(INDEX, table_name="projects")
