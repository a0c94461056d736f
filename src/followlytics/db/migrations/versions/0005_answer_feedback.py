"""Feedback on answers (helpful or not, with a note), read back into the agent's memory.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 02:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column(
            "query_id", sa.String(length=32), sa.ForeignKey("queries.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "user_id", sa.String(length=32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("query_id"),
    )
    op.create_index("ix_answer_feedback_user_updated", "answer_feedback", ["user_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_answer_feedback_user_updated", table_name="answer_feedback")
    op.drop_table("answer_feedback")
