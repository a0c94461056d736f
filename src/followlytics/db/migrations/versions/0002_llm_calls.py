"""Language-model calls per query, the user's agent profile, and cost to 8 decimals.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 22:10:00
"""

import sqlalchemy as sa
from alembic import op

import followlytics.db.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "llm_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("query_id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("failover", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.Column("raw_usage", sa.JSON(), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("cached_input_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_write_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("reasoning_tokens", sa.Integer(), nullable=False),
        sa.Column("computed_cost_usd", sa.Numeric(precision=14, scale=8), nullable=True),
        sa.Column("reported_cost_usd", sa.Numeric(precision=14, scale=8), nullable=True),
        sa.Column("cost_usd", sa.Numeric(precision=14, scale=8), nullable=False),
        sa.Column("price_version", sa.String(length=32), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", followlytics.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["query_id"], ["queries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_llm_calls_query_id"), "llm_calls", ["query_id"], unique=False)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("agent_profile", sa.JSON(), nullable=True))
    with op.batch_alter_table("queries") as batch:
        batch.alter_column(
            "cost_usd",
            existing_type=sa.Numeric(precision=12, scale=6),
            type_=sa.Numeric(precision=14, scale=8),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("queries") as batch:
        batch.alter_column(
            "cost_usd",
            existing_type=sa.Numeric(precision=14, scale=8),
            type_=sa.Numeric(precision=12, scale=6),
            existing_nullable=False,
        )
    with op.batch_alter_table("users") as batch:
        batch.drop_column("agent_profile")
    op.drop_index(op.f("ix_llm_calls_query_id"), table_name="llm_calls")
    op.drop_table("llm_calls")
