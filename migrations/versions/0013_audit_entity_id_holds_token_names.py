"""audit_events.entity_id: 64 -> 120 characters, so a token's history can name any token (names run to 120)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 12:00:00

Admin actions (tokens created and revoked, accounts created and changed) are now audited with the token's name
or the username as entity_id. Widening a varchar is a catalogue change on PostgreSQL (no rewrite); SQLite does
not enforce the length, and its batch copy only keeps the declared type in step with the model.
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("entity_id", existing_type=sa.String(length=64), type_=sa.String(length=120),
                           existing_nullable=False)


def downgrade():
    # Refused by PostgreSQL while an event names an entity longer than 64 characters (nothing is cut silently).
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("entity_id", existing_type=sa.String(length=120), type_=sa.String(length=64),
                           existing_nullable=False)
