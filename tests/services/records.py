"""Hand-built records for the billing tests: users, agents with their transitions, questions with their model
requests, imports' X API reads, plan changes, all at times the test chooses."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from followlytics.db.models import (
    Agent,
    AgentTransition,
    LlmCall,
    PlanChange,
    Query,
    User,
    XApiRead,
    new_id,
)


def user(session: Session, *, plan: str = "pro", created: datetime, email: str | None = None) -> User:
    row = User(email=email or f"{new_id('u')}@example.com", plan=plan, created_at=created)
    session.add(row)
    session.flush()
    return row


def agent(session: Session, owner: User, states: list[tuple[str, datetime, str | None]]) -> Agent:
    """An agent that went through `states` (state, at, reason), from nothing."""
    row = Agent(
        user_id=owner.id,
        state=states[-1][0],
        sandbox_provider="local",
        sandbox_id=new_id("agt"),
        created_at=states[0][1],
        updated_at=states[-1][1],
        last_active_at=states[-1][1],
    )
    session.add(row)
    previous = None
    for state, at, reason in states:
        row.transitions.append(AgentTransition(from_state=previous, to_state=state, at=at, reason=reason))
        previous = state
    session.flush()
    return row


def question(
    session: Session,
    owner: User,
    at: datetime,
    *,
    model_usd: str | None = None,
    status: str = "answered",
    agent: Agent | None = None,
    latency_ms: int = 0,
) -> Query:
    """A recorded question, asked of `agent` (None: a stateless one); `model_usd` adds one model request."""
    row = Query(
        user_id=owner.id,
        agent_id=agent.id if agent is not None else None,
        question="who are my top followers?",
        status=status,
        answer="",
        evidence=[],
        tools=[],
        provider="xai" if model_usd else "builtin",
        latency_ms=latency_ms,
        cost_usd=Decimal(model_usd or "0"),
        created_at=at,
    )
    if model_usd is not None:
        row.llm_calls = [LlmCall(provider="xai", model="grok", cost_usd=Decimal(model_usd), created_at=at)]
    session.add(row)
    session.flush()
    return row


def x_api_read(session: Session, owner: User, at: datetime, *, units: int, unit_usd: str, kind: str) -> None:
    session.add(
        XApiRead(
            user_id=owner.id,
            dataset="followers",
            kind=kind,
            units=units,
            unit_usd=Decimal(unit_usd),
            cost_usd=Decimal(unit_usd) * units,
            at=at,
        )
    )
    session.flush()


def plan_change(session: Session, owner: User, to: str, at: datetime) -> None:
    session.add(PlanChange(user_id=owner.id, from_plan=owner.plan, to_plan=to, at=at))
    owner.plan = to
    session.flush()
