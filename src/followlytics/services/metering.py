"""What each user costs us and earns us, per calendar month, from the records the platform already keeps.

Nothing is estimated at question time; everything is summed from its source:

- model tokens: `llm_calls.cost_usd` of the user's questions asked in the month;
- sandbox time: each agent's `agent_transitions` give intervals in each state (the last one lasts until now,
  nothing after `destroyed`), clipped to the month and priced by the rate table (`services/rates.py`);
  a creation is a transition from nothing or a fail-over (the provider made a new sandbox); a stateless
  question (`agent_id` null: `/api/agent/ask`, or a new user past the active-agent cap) is one creation plus
  its latency running;
- X API: `x_api_reads` rows written at import time;
- revenue: the price of the plan held at the month's end (or now), no proration, plus the month's
  `usage_charges` (questions beyond the limit).

A question's own cost (`question_cost`) is its model cost plus an equal share of its month's sandbox and X
API cost: sandboxes and imports serve every question of the month, not one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from followlytics.config import Settings
from followlytics.db.models import (
    Agent,
    AgentTransition,
    LlmCall,
    PlanChange,
    Query,
    UsageCharge,
    User,
    XApiRead,
    utcnow,
)
from followlytics.errors import NotFound
from followlytics.sandbox.base import SandboxState
from followlytics.services.periods import month_bounds
from followlytics.services.plans import plan_spec
from followlytics.services.platform import Platform
from followlytics.services.rates import SandboxRates, sandbox_cost, sandbox_rates

COUNTED_STATUSES = ("answered", "queued")
"""Questions that count against a quota and as usage: answered, or waiting to be (failed ones do not)."""

_ZERO = Decimal("0")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Interval:
    state: str
    start: datetime
    end: datetime


@dataclass
class SandboxUsage:
    seconds_by_state: dict[str, float] = field(default_factory=dict)
    creations: int = 0

    def add(self, state: str, seconds: float) -> None:
        if seconds > 0:
            self.seconds_by_state[state] = self.seconds_by_state.get(state, 0.0) + seconds

    def cost(self, rates: SandboxRates) -> Decimal:
        return sandbox_cost(rates, seconds_by_state=self.seconds_by_state, creations=self.creations)


class UserMonth(BaseModel):
    """One user's month: what they used, what it cost us, what they paid."""

    user_id: str
    email: str
    month: date
    plan: str
    questions: int
    model_usd: Decimal
    sandbox_usd: Decimal
    sandbox_hours: dict[str, float]
    x_api_usd: Decimal
    cost_usd: Decimal
    revenue_usd: Decimal
    overage_usd: Decimal
    margin_usd: Decimal


class QuestionCost(BaseModel):
    query_id: str
    model_usd: Decimal
    sandbox_usd: Decimal
    x_api_usd: Decimal
    total_usd: Decimal
    basis: str = "model: this question's requests; sandbox and X API: the month's, shared equally"


def intervals(transitions: Iterable[AgentTransition], *, until: datetime) -> list[Interval]:
    """Each state an agent was in and for how long; the last state lasts until `until`, except `destroyed`."""
    ordered = sorted(transitions, key=lambda t: (t.at, t.id or 0))
    spans: list[Interval] = []
    for current, following in zip(ordered, [*ordered[1:], None], strict=True):
        if current.to_state == SandboxState.DESTROYED:
            continue
        end = following.at if following is not None else until
        if end > current.at:
            spans.append(Interval(current.to_state, current.at, end))
    return spans


def is_creation(transition: AgentTransition) -> bool:
    return transition.from_state is None or (transition.reason or "").startswith("failover to")


def sandbox_usage(
    session: Session, *, start: datetime, end: datetime, now: datetime, user_id: str | None = None
) -> dict[str, SandboxUsage]:
    """Per user: seconds in each state within [start, min(end, now)), creations, stateless questions."""
    until = min(end, now)
    usage: dict[str, SandboxUsage] = defaultdict(SandboxUsage)
    for owner, spans, transitions in _agents(session, until=until, user_id=user_id):
        for span in spans:
            usage[owner].add(span.state, _overlap(span.start, span.end, start, until))
        usage[owner].creations += sum(1 for t in transitions if is_creation(t) and start <= t.at < until)
    stateless = select(Query.user_id, Query.latency_ms).where(
        Query.agent_id.is_(None),
        Query.status == "answered",
        Query.created_at >= start,
        Query.created_at < until,
    )
    if user_id is not None:
        stateless = stateless.where(Query.user_id == user_id)
    for owner, latency_ms in session.execute(stateless):
        usage[owner].creations += 1
        usage[owner].add(SandboxState.RUNNING, latency_ms / 1000)
    return dict(usage)


def spend_by_day(session: Session, rates: SandboxRates, *, now: datetime) -> list[tuple[date, Decimal]]:
    """Sandbox spend of every user, per UTC day, from the first recorded day to today."""
    seconds: dict[date, SandboxUsage] = defaultdict(SandboxUsage)
    for _owner, spans, transitions in _agents(session, until=now, user_id=None):
        for span in spans:
            for day, part in _split_by_day(span.start, span.end):
                seconds[day].add(span.state, part)
        for t in transitions:
            if is_creation(t):
                seconds[t.at.date()].creations += 1
    stateless = select(Query.created_at, Query.latency_ms).where(
        Query.agent_id.is_(None), Query.status == "answered", Query.created_at < now
    )
    for at, latency_ms in session.execute(stateless):
        seconds[at.date()].creations += 1
        seconds[at.date()].add(SandboxState.RUNNING, latency_ms / 1000)
    if not seconds:
        return []
    first, last = min(seconds), now.date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [(day, seconds[day].cost(rates) if day in seconds else _ZERO) for day in days]


def plan_from_changes(current: str, changes: Sequence[PlanChange], at: datetime) -> str:
    """The plan held at `at`, given the user's current plan and their `plan_changes` (oldest first)."""
    held = changes[0].from_plan if changes else current
    for change in changes:
        if change.at <= at:
            held = change.to_plan
    return held


def user_month(
    session: Session, settings: Settings, *, user_id: str, month: date | None = None, now: datetime
) -> UserMonth:
    if session.get(User, user_id) is None:
        raise NotFound(f"no user {user_id!r}")
    rows = month_economics(session, settings, month=month, now=now, user_id=user_id)
    return rows[0]


def month_economics(
    session: Session,
    settings: Settings,
    *,
    month: date | None = None,
    now: datetime,
    user_id: str | None = None,
) -> list[UserMonth]:
    """Cost, revenue and margin of every user who existed by the month's end (or of one), by email."""
    start, end = month_bounds(month, now=now)
    rates = sandbox_rates(settings)
    users = select(User).where(User.created_at < end).order_by(User.email)
    if user_id is not None:
        users = users.where(User.id == user_id)
    sandboxes = sandbox_usage(session, start=start, end=end, now=now, user_id=user_id)
    models = _sum_by_user(session, LlmCall.cost_usd, start, end, user_id, join_query=True)
    questions = _questions_by_user(session, start, end, user_id)
    x_api = _sum_by_user(
        session, XApiRead.cost_usd, start, end, user_id, at=XApiRead.at, owner=XApiRead.user_id
    )
    overage = _sum_by_user(
        session, UsageCharge.amount_usd, start, end, user_id, at=UsageCharge.at, owner=UsageCharge.user_id
    )
    changes: dict[str, list[PlanChange]] = defaultdict(list)
    history = select(PlanChange).order_by(PlanChange.at, PlanChange.id)
    if user_id is not None:
        history = history.where(PlanChange.user_id == user_id)
    for change in session.scalars(history):
        changes[change.user_id].append(change)
    held_at = min(end, now) - timedelta(microseconds=1)
    result = []
    for user in session.scalars(users):
        sandbox = sandboxes.get(user.id, SandboxUsage())
        sandbox_usd = sandbox.cost(rates)
        cost = models.get(user.id, _ZERO) + sandbox_usd + x_api.get(user.id, _ZERO)
        plan = plan_from_changes(user.plan, changes[user.id], held_at)
        revenue = plan_spec(plan).price_usd + overage.get(user.id, _ZERO)
        result.append(
            UserMonth(
                user_id=user.id,
                email=user.email,
                month=start.date(),
                plan=plan,
                questions=questions.get(user.id, 0),
                model_usd=models.get(user.id, _ZERO),
                sandbox_usd=sandbox_usd,
                sandbox_hours={s: round(v / 3600, 4) for s, v in sorted(sandbox.seconds_by_state.items())},
                x_api_usd=x_api.get(user.id, _ZERO),
                cost_usd=cost,
                revenue_usd=revenue,
                overage_usd=overage.get(user.id, _ZERO),
                margin_usd=(revenue - cost).quantize(_CENT),
            )
        )
    return result


def question_cost(
    session: Session, settings: Settings, *, user_id: str, query_id: str, now: datetime
) -> QuestionCost:
    """One of the user's questions: its model cost plus its share of the month's sandbox and X API cost."""
    query = session.get(Query, query_id)
    if query is None or query.user_id != user_id:
        raise NotFound(f"no question {query_id!r}")
    month = user_month(session, settings, user_id=user_id, month=query.created_at.date(), now=now)
    model = session.scalar(
        select(func.coalesce(func.sum(LlmCall.cost_usd), 0)).where(LlmCall.query_id == query_id)
    )
    share = max(month.questions, 1)
    sandbox, x_api = month.sandbox_usd / share, month.x_api_usd / share
    model_usd = Decimal(model or 0)
    return QuestionCost(
        query_id=query_id,
        model_usd=model_usd,
        sandbox_usd=sandbox.quantize(Decimal("0.00000001")),
        x_api_usd=x_api.quantize(Decimal("0.00000001")),
        total_usd=(model_usd + sandbox + x_api).quantize(Decimal("0.00000001")),
    )


def _agents(
    session: Session, *, until: datetime, user_id: str | None
) -> list[tuple[str, list[Interval], list[AgentTransition]]]:
    query = select(Agent.id, Agent.user_id).where(Agent.created_at < until)
    if user_id is not None:
        query = query.where(Agent.user_id == user_id)
    owners = dict(session.execute(query).all())
    if not owners:
        return []
    by_agent: dict[str, list[AgentTransition]] = defaultdict(list)
    rows = session.scalars(
        select(AgentTransition).where(AgentTransition.agent_id.in_(list(owners)), AgentTransition.at < until)
    )
    for transition in rows:
        by_agent[transition.agent_id].append(transition)
    return [
        (owners[agent_id], intervals(transitions, until=until), transitions)
        for agent_id, transitions in by_agent.items()
    ]


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> float:
    return max(0.0, (min(a_end, b_end) - max(a_start, b_start)).total_seconds())


def _split_by_day(start: datetime, end: datetime) -> list[tuple[date, float]]:
    parts = []
    cursor = start
    while cursor < end:
        midnight = datetime.combine(
            cursor.date() + timedelta(days=1), datetime.min.time(), tzinfo=cursor.tzinfo
        )
        stop = min(midnight, end)
        parts.append((cursor.date(), (stop - cursor).total_seconds()))
        cursor = stop
    return parts


def _questions_by_user(
    session: Session, start: datetime, end: datetime, user_id: str | None
) -> dict[str, int]:
    query = (
        select(Query.user_id, func.count())
        .where(Query.status.in_(COUNTED_STATUSES), Query.created_at >= start, Query.created_at < end)
        .group_by(Query.user_id)
    )
    if user_id is not None:
        query = query.where(Query.user_id == user_id)
    return {owner: count for owner, count in session.execute(query)}


def _sum_by_user(
    session: Session,
    column: object,
    start: datetime,
    end: datetime,
    user_id: str | None,
    *,
    join_query: bool = False,
    at: object = None,
    owner: object = None,
) -> dict[str, Decimal]:
    if join_query:
        query = (
            select(Query.user_id, func.sum(column))
            .join(Query, Query.id == LlmCall.query_id)
            .where(Query.created_at >= start, Query.created_at < end)
            .group_by(Query.user_id)
        )
        if user_id is not None:
            query = query.where(Query.user_id == user_id)
    else:
        query = select(owner, func.sum(column)).where(at >= start, at < end).group_by(owner)
        if user_id is not None:
            query = query.where(owner == user_id)
    return {row_owner: Decimal(total or 0) for row_owner, total in session.execute(query)}


class MonthEconomics(BaseModel):
    month: date
    rates: str
    users: list[UserMonth]
    cost_usd: Decimal
    revenue_usd: Decimal
    margin_usd: Decimal


def economics(
    platform: Platform, *, month: date | None = None, now: datetime | None = None
) -> MonthEconomics:
    """Every user's cost, revenue and margin for a month, with the totals (admin endpoint and CLI)."""
    now = now or utcnow()
    with platform.db.session() as session:
        rows = month_economics(session, platform.settings, month=month, now=now)
    start, _end = month_bounds(month, now=now)
    cost = sum((r.cost_usd for r in rows), _ZERO)
    revenue = sum((r.revenue_usd for r in rows), _ZERO)
    return MonthEconomics(
        month=start.date(),
        rates=sandbox_rates(platform.settings).name,
        users=rows,
        cost_usd=cost,
        revenue_usd=revenue,
        margin_usd=(revenue - cost).quantize(_CENT),
    )
