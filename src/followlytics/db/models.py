"""The control-plane tables, in one place: users, API keys, X accounts, agents, their state history, queries,
the language-model calls each query made, and the feedback users give on answers.

IDs are opaque strings with a type prefix (`usr_…`, `key_…`, `acc_…`, `agt_…`, `qry_…`); times are
timezone-aware UTC; money is `Decimal` USD.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back an aware datetime (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Plan(StrEnum):
    STARTER = "starter"
    PRO = "pro"
    AGENCY = "agency"


class AccountKind(StrEnum):
    OWN = "own"
    COMPETITOR = "competitor"


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("usr"))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    plan: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the user tells their agent about themselves: `persona`, `brand_voice`, `preferences` (texts).
    agent_profile: Mapped[dict[str, Any] | None]

    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="user", cascade="all, delete-orphan")
    accounts: Mapped[list[XAccount]] = relationship(back_populates="user", cascade="all, delete-orphan")


class ApiKey(Base):
    """A key is shown once; only its SHA-256 and a visible prefix (`flk_1a2b3c4d`) are kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("key"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="api_keys")


class XAccount(Base):
    """An X account whose audience the user imports: their own, or a competitor's."""

    __tablename__ = "x_accounts"
    __table_args__ = (UniqueConstraint("user_id", "handle"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("acc"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    handle: Mapped[str] = mapped_column(String(15))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_snapshot_id: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship(back_populates="accounts")


class Agent(Base):
    """A user's agent and the sandbox it is bound to. One live agent per user."""

    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("agt"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    sandbox_provider: Mapped[str] = mapped_column(String(32))
    sandbox_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_active_at: Mapped[datetime] = mapped_column(default=utcnow)

    transitions: Mapped[list[AgentTransition]] = relationship(
        back_populates="agent", cascade="all, delete-orphan", order_by="AgentTransition.id"
    )


class AgentTransition(Base):
    """Every state change of an agent, with its time, so state-hours can be costed."""

    __tablename__ = "agent_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # Why: `first question`, `idle 30 min`, `over capacity`, `server restart`, `user request`, ...
    reason: Mapped[str | None] = mapped_column(String(64))

    agent: Mapped[Agent] = relationship(back_populates="transitions")


class Query(Base):
    """One question and its answer, with what it cost and the evidence it showed."""

    __tablename__ = "queries"
    __table_args__ = (Index("ix_queries_user_created", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("qry"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("x_accounts.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    # `answered`, or `queued` while every sandbox provider is down (answer empty until a worker answers),
    # or `failed` (answer empty, `error` says why).
    status: Mapped[str] = mapped_column(String(16), default="answered", server_default="answered")
    error: Mapped[dict[str, Any] | None]
    answer: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[Any]]
    tools: Mapped[list[Any]]
    provider: Mapped[str] = mapped_column(String(32))
    latency_ms: Mapped[int]
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(14, 8))
    input_tokens: Mapped[int] = mapped_column(default=0)
    output_tokens: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    llm_calls: Mapped[list[LlmCall]] = relationship(cascade="all, delete-orphan", order_by="LlmCall.id")


class LlmCall(Base):
    """One request to a language model for a query, answered or failed, with its usage and cost.

    `raw_usage` is the provider's own usage object; the token columns are normalised (see
    `agent/llm/messages.py`); `cost_usd` is what is charged: the provider's `reported_cost_usd` when it
    sent one, else `computed_cost_usd` from the price table `price_version`.
    """

    __tablename__ = "llm_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    query_id: Mapped[str] = mapped_column(ForeignKey("queries.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(128))
    failover: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(String(64))  # the ModelError type of a failed request
    raw_usage: Mapped[dict[str, Any] | None]
    input_tokens: Mapped[int] = mapped_column(default=0)
    cached_input_tokens: Mapped[int] = mapped_column(default=0)
    cache_write_tokens: Mapped[int] = mapped_column(default=0)
    output_tokens: Mapped[int] = mapped_column(default=0)
    reasoning_tokens: Mapped[int] = mapped_column(default=0)
    computed_cost_usd: Mapped[Decimal | None] = mapped_column(Numeric(14, 8))
    reported_cost_usd: Mapped[Decimal | None] = mapped_column(Numeric(14, 8))
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(14, 8), default=Decimal("0"))
    price_version: Mapped[str | None] = mapped_column(String(32))
    latency_ms: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanChange(Base):
    """A user's plan changed (admin or CLI), effective at `at`. Conversions are read from here."""

    __tablename__ = "plan_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    from_plan: Mapped[str] = mapped_column(String(16))
    to_plan: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageCharge(Base):
    """Billable usage beyond the plan: a row per question past the monthly limit (pay-per-question)."""

    __tablename__ = "usage_charges"
    __table_args__ = (Index("ix_usage_charges_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    query_id: Mapped[str | None] = mapped_column(ForeignKey("queries.id", ondelete="SET NULL"), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # `question_overage`
    amount_usd: Mapped[Decimal] = mapped_column(Numeric(14, 8))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class XApiRead(Base):
    """X API usage an import stands for: `units` records of one `kind` (`user_object`, `own_data`,
    `post_created`) at `unit_usd` each."""

    __tablename__ = "x_api_reads"
    __table_args__ = (Index("ix_x_api_reads_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("x_accounts.id", ondelete="SET NULL"))
    dataset: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    units: Mapped[int]
    unit_usd: Mapped[Decimal] = mapped_column(Numeric(14, 8))
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(14, 8))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditAlert(Base):
    """A spend threshold of the sandbox credit was crossed (recorded once per threshold)."""

    __tablename__ = "credit_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    threshold: Mapped[Decimal] = mapped_column(Numeric(6, 4), unique=True)  # share of the credit spent
    spent_usd: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    credit_usd: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    message: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AnswerFeedback(Base):
    """What the user thought of one answer: helpful or not, and why in their words. One row per answer (a
    second rating replaces the first); the agent's system prompt reads the newest ones as memory."""

    __tablename__ = "answer_feedback"
    __table_args__ = (Index("ix_answer_feedback_user_updated", "user_id", "updated_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("fbk"))
    query_id: Mapped[str] = mapped_column(ForeignKey("queries.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    helpful: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
