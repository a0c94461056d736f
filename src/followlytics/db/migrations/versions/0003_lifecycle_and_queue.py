"""Why each agent transition happened; queued and failed questions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 22:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agent_transitions") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=64), nullable=True))
    with op.batch_alter_table("queries") as batch:
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="answered"))
        batch.add_column(sa.Column("error", sa.JSON(), nullable=True))
    op.execute("UPDATE agents SET state = 'archived' WHERE state = 'stopped'")
    op.execute("UPDATE agent_transitions SET to_state = 'archived' WHERE to_state = 'stopped'")
    op.execute("UPDATE agent_transitions SET from_state = 'archived' WHERE from_state = 'stopped'")


def downgrade() -> None:
    with op.batch_alter_table("queries") as batch:
        batch.drop_column("error")
        batch.drop_column("status")
    with op.batch_alter_table("agent_transitions") as batch:
        batch.drop_column("reason")
