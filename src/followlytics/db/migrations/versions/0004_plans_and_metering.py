"""Plans and metering: plan changes, billable usage, X API reads, credit alerts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 02:30:00
"""

import sqlalchemy as sa
from alembic import op

from followlytics.db.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_plan", sa.String(16), nullable=False),
        sa.Column("to_plan", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_plan_changes_user_id", "plan_changes", ["user_id"])
    op.create_table(
        "usage_charges",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("query_id", sa.String(32), sa.ForeignKey("queries.id", ondelete="SET NULL"), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("amount_usd", sa.Numeric(14, 8), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("query_id"),
    )
    op.create_index("ix_usage_charges_user_at", "usage_charges", ["user_id", "at"])
    op.create_table(
        "x_api_reads",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "account_id", sa.String(32), sa.ForeignKey("x_accounts.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("dataset", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("unit_usd", sa.Numeric(14, 8), nullable=False),
        sa.Column("cost_usd", sa.Numeric(14, 8), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_x_api_reads_user_at", "x_api_reads", ["user_id", "at"])
    op.create_table(
        "credit_alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("threshold", sa.Numeric(6, 4), nullable=False, unique=True),
        sa.Column("spent_usd", sa.Numeric(14, 4), nullable=False),
        sa.Column("credit_usd", sa.Numeric(14, 4), nullable=False),
        sa.Column("message", sa.String(300), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("credit_alerts")
    op.drop_index("ix_x_api_reads_user_at", table_name="x_api_reads")
    op.drop_table("x_api_reads")
    op.drop_index("ix_usage_charges_user_at", table_name="usage_charges")
    op.drop_table("usage_charges")
    op.drop_index("ix_plan_changes_user_id", table_name="plan_changes")
    op.drop_table("plan_changes")
