"""What the Usage and Operator pages show, computed from the tables that exist today, behind the names the
plans issue (issue 6) provides. This is the ONE place to swap at merge time:

    usage_view(session, user_id, now=)            -> services.quotas.monthly_usage(session, user_id, now=)
    operator_view(session, settings, now=).credit -> services.ledger.credit_status(session, settings, now=)
    operator_view(session, settings, now=).kpis   -> services.kpis.kpis(session, month=)

Until then (and documented in docs/dashboard.md), from existing tables only:

- A month is the calendar month in UTC. Questions used = the user's `queries` rows with status `answered`
  created in it; cost = the sum of their `cost_usd` (language-model cost only: sandbox time and X API reads
  are not metered yet). Limits: Starter 0, Pro 10, Agency unlimited; overage = questions beyond the limit at
  $0.50 each (nothing blocks them yet).
- The credit: $20,000; spent = the sum of every query's `cost_usd`; burn rate = the last 7 days' spend / 7;
  run-out date = today + remaining / burn rate (None while nothing is spent, or if over a century away);
  spend by day = the last 30 days.
- Agents by state from `agents`; active agents = creating, running or paused.
- KPIs: users by plan; engagement = share of Pro and Agency users with at least one answered question this
  month; questions per active user; cost per question. Conversion and retention need the plans issue's
  event log and are shown as not measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from followlytics.config import Settings
from followlytics.db.models import Agent, Plan, Query, User, utcnow

QUESTION_LIMITS: dict[str, int | None] = {Plan.STARTER: 0, Plan.PRO: 10, Plan.AGENCY: None}
OVERAGE_USD = Decimal("0.50")
CREDIT_USD = Decimal("20000")
BURN_WINDOW_DAYS = 7
SPEND_DAYS = 30
MAX_RUN_OUT_DAYS = 36_500
ACTIVE_STATES = ("creating", "running", "paused")


@dataclass(frozen=True)
class MonthlyUsage:
    """Field for field what `services.quotas.monthly_usage` returns."""

    plan: str
    period_start: datetime
    period_end: datetime
    questions_used: int
    question_limit: int | None  # None: unlimited
    questions_left: int | None
    overage_questions: int
    overage_usd: Decimal
    cost_usd: Decimal


@dataclass(frozen=True)
class CreditStatus:
    """Field for field what `services.ledger.credit_status` returns."""

    credit_usd: Decimal
    spent_usd: Decimal
    remaining_usd: Decimal
    burn_rate_usd_per_day: Decimal
    run_out_date: date | None
    spend_by_day: list[tuple[date, Decimal]]
    active_agents: int


@dataclass(frozen=True)
class Kpis:
    month: str
    users_by_plan: dict[str, int]
    engagement_rate: float | None  # share of Pro/Agency users who asked at least once this month
    questions: int
    questions_per_active_user: float | None
    cost_per_question_usd: Decimal | None
    not_measured: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OperatorView:
    credit: CreditStatus
    kpis: Kpis
    agents_by_state: dict[str, int]


def usage_view(session: Session, user_id: str, *, now: datetime | None = None) -> MonthlyUsage:
    now = now or utcnow()
    start, end = month_bounds(now)
    user = session.get_one(User, user_id)
    used, cost = session.execute(
        select(func.count(Query.id), func.coalesce(func.sum(Query.cost_usd), 0)).where(
            Query.user_id == user_id,
            Query.status == "answered",
            Query.created_at >= start,
            Query.created_at < end,
        )
    ).one()
    limit = QUESTION_LIMITS.get(user.plan, 0)
    over = 0 if limit is None else max(0, used - limit)
    return MonthlyUsage(
        plan=user.plan,
        period_start=start,
        period_end=end,
        questions_used=used,
        question_limit=limit,
        questions_left=None if limit is None else max(0, limit - used),
        overage_questions=over,
        overage_usd=OVERAGE_USD * over,
        cost_usd=Decimal(cost),
    )


def operator_view(session: Session, settings: Settings, *, now: datetime | None = None) -> OperatorView:
    now = now or utcnow()
    states = dict(session.execute(select(Agent.state, func.count(Agent.id)).group_by(Agent.state)).all())
    return OperatorView(
        credit=_credit(session, now, active=sum(states.get(state, 0) for state in ACTIVE_STATES)),
        kpis=_kpis(session, now),
        agents_by_state=dict(sorted(states.items())),
    )


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    end = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def _credit(session: Session, now: datetime, *, active: int) -> CreditStatus:
    spent = Decimal(session.scalar(select(func.coalesce(func.sum(Query.cost_usd), 0))) or 0)
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=SPEND_DAYS - 1)
    rows = session.execute(
        select(Query.created_at, Query.cost_usd).where(
            Query.created_at >= datetime(first.year, first.month, first.day, tzinfo=UTC)
        )
    ).all()
    # Summed in Python: grouping by a date expression differs between SQLite and PostgreSQL.
    by_day = {first + timedelta(days=i): Decimal("0") for i in range(SPEND_DAYS)}
    for created_at, cost in rows:
        day = created_at.astimezone(UTC).date()
        if day in by_day:
            by_day[day] += Decimal(cost or 0)
    window = [cost for day, cost in by_day.items() if day > today - timedelta(days=BURN_WINDOW_DAYS)]
    burn = sum(window, Decimal("0")) / BURN_WINDOW_DAYS
    remaining = CREDIT_USD - spent
    days_left = remaining / burn if burn > 0 and remaining > 0 else None
    # A trickle of spend would put the date past year 9999; beyond a century it is "not at this rate".
    run_out = (
        today + timedelta(days=int(days_left))
        if days_left is not None and days_left < MAX_RUN_OUT_DAYS
        else None
    )
    return CreditStatus(
        credit_usd=CREDIT_USD,
        spent_usd=spent,
        remaining_usd=remaining,
        burn_rate_usd_per_day=burn,
        run_out_date=run_out,
        spend_by_day=sorted(by_day.items()),
        active_agents=active,
    )


def _kpis(session: Session, now: datetime) -> Kpis:
    start, end = month_bounds(now)
    plans = dict(session.execute(select(User.plan, func.count(User.id)).group_by(User.plan)).all())
    in_month = (Query.status == "answered", Query.created_at >= start, Query.created_at < end)
    questions, cost = session.execute(
        select(func.count(Query.id), func.coalesce(func.sum(Query.cost_usd), 0)).where(*in_month)
    ).one()
    askers = session.scalar(
        select(func.count(func.distinct(Query.user_id)))
        .join(User, User.id == Query.user_id)
        .where(*in_month, User.plan.in_([Plan.PRO, Plan.AGENCY]))
    )
    agent_users = plans.get(Plan.PRO, 0) + plans.get(Plan.AGENCY, 0)
    active = session.scalar(select(func.count(func.distinct(Query.user_id))).where(*in_month)) or 0
    return Kpis(
        month=start.strftime("%Y-%m"),
        users_by_plan={plan.value: plans.get(plan.value, 0) for plan in Plan},
        engagement_rate=askers / agent_users if agent_users else None,
        questions=questions,
        questions_per_active_user=questions / active if active else None,
        cost_per_question_usd=Decimal(cost) / questions if questions else None,
        not_measured=["Starter-to-Pro conversion", "month-over-month retention (with and without the agent)"],
    )
