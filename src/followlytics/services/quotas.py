"""Monthly question quotas: how many a user has asked, how many are left, and what happens beyond.

A quota is the plan's `question_limit` per calendar month in UTC (it resets at 00:00 UTC on the 1st; a
billing anchor would need a billing system we do not have). A question counts when it is answered or
queued (`metering.COUNTED_STATUSES`), stateless ones included; a failed one does not, and a queued one that
later fails gives back its charge. Beyond the limit, `FOLLOWLYTICS_QUOTA_OVERAGE` decides: `block` refuses
with `QuotaExceeded` (402, the reset time and the plan to upgrade to), `pay_per_question` answers and
records a `usage_charges` row at `FOLLOWLYTICS_OVERAGE_QUESTION_USD`. A limited plan's questions run one at a
time (`counted_question`), so concurrent ones cannot both take the last included question. The plan is read
on every question, so a plan change applies to the very next one, and the questions already asked this month
still count.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from followlytics.config import Settings, get_settings
from followlytics.db.models import Query, UsageCharge, User, utcnow
from followlytics.errors import NotFound, QuotaExceeded
from followlytics.services.agents import one_question_at_a_time
from followlytics.services.metering import COUNTED_STATUSES, month_economics
from followlytics.services.periods import month_bounds
from followlytics.services.plans import PLANS, plan_spec, upgrade_from
from followlytics.services.platform import Platform

OVERAGE = "question_overage"


class MonthlyUsage(BaseModel):
    """A user's questions this month against their plan, and what the month cost us so far."""

    plan: str
    period_start: datetime
    period_end: datetime = Field(description="When the quota resets (exclusive end of the period).")
    questions_used: int
    question_limit: int | None = Field(description="None: unlimited.")
    questions_left: int | None = Field(description="None: unlimited.")
    overage_mode: str = Field(description="`block` or `pay_per_question`.")
    overage_questions: int
    overage_usd: Decimal
    cost_usd: Decimal = Field(
        description="What serving the user cost us this month: model + sandbox + X API."
    )
    model_usd: Decimal
    sandbox_usd: Decimal
    x_api_usd: Decimal
    upgrade_to: str | None = Field(description="The next plan up, or None on the top plan.")


def monthly_usage(
    session: Session, user_id: str, *, now: datetime | None = None, settings: Settings | None = None
) -> MonthlyUsage:
    settings = settings or get_settings()
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id!r}")
    start, end = month_bounds(None, now=now)
    spec = plan_spec(user.plan)
    used = questions_used(session, user_id, start=start, end=end)
    charges, charged = session.execute(
        select(func.count(UsageCharge.id), func.coalesce(func.sum(UsageCharge.amount_usd), 0)).where(
            UsageCharge.user_id == user_id, UsageCharge.at >= start, UsageCharge.at < end
        )
    ).one()
    month = month_economics(session, settings, now=now, user_id=user_id)[0]
    limit = spec.question_limit
    return MonthlyUsage(
        plan=spec.name,
        period_start=start,
        period_end=end,
        questions_used=used,
        question_limit=limit,
        questions_left=None if limit is None else max(0, limit - used),
        overage_mode=settings.quota_overage,
        overage_questions=charges,
        overage_usd=Decimal(charged),
        cost_usd=month.cost_usd,
        model_usd=month.model_usd,
        sandbox_usd=month.sandbox_usd,
        x_api_usd=month.x_api_usd,
        upgrade_to=upgrade_from(spec.name),
    )


def questions_used(session: Session, user_id: str, *, start: datetime, end: datetime) -> int:
    return (
        session.scalar(
            select(func.count(Query.id)).where(
                Query.user_id == user_id,
                Query.status.in_(COUNTED_STATUSES),
                Query.created_at >= start,
                Query.created_at < end,
            )
        )
        or 0
    )


@contextmanager
def counted_question(platform: Platform, user_id: str) -> Iterator[None]:
    """Around a whole question (check, answer, record): for a plan with a monthly limit, the user's question
    lock, so two questions at once cannot both pass `check_quota` for the last one; unlimited plans run
    their questions side by side."""
    with platform.db.session() as session:
        limited = plan_spec(session.get_one(User, user_id).plan).question_limit is not None
    with one_question_at_a_time(platform, user_id) if limited else nullcontext():
        yield


def check_quota(session: Session, settings: Settings, user: User, *, now: datetime | None = None) -> bool:
    """Before a question runs: True if it will be billed as overage; raises `QuotaExceeded` when blocked."""
    now = now or utcnow()
    spec = plan_spec(user.plan)
    if spec.question_limit is None:
        return False
    start, end = month_bounds(None, now=now)
    if questions_used(session, user.id, start=start, end=end) < spec.question_limit:
        return False
    if settings.quota_overage == "pay_per_question":
        return True
    upgrade = upgrade_from(spec.name)
    then = f"; upgrade to {upgrade.title()} ({_limit_text(upgrade)}) to ask more now" if upgrade else ""
    raise QuotaExceeded(
        f"you have used all {spec.question_limit} questions of the {spec.name.title()} plan this month; "
        f"the quota resets on {end:%Y-%m-%d} 00:00 UTC{then}",
        limit=spec.question_limit,
        resets_at=end.isoformat(),
        upgrade_to=upgrade,
    )


def bill_question(session: Session, settings: Settings, query: Query) -> UsageCharge | None:
    """After a question is recorded (answered or queued): a charge if it lies beyond the month's limit and
    the deployment bills overage. Counted from the records, so concurrent questions settle on one count."""
    user = session.get_one(User, query.user_id)
    limit = plan_spec(user.plan).question_limit
    if limit is None or settings.quota_overage != "pay_per_question":
        return None
    session.flush()
    start, end = month_bounds(None, now=query.created_at)
    earlier = (
        session.scalar(
            select(func.count(Query.id)).where(
                Query.user_id == query.user_id,
                Query.status.in_(COUNTED_STATUSES),
                Query.created_at >= start,
                Query.created_at < end,
                Query.id != query.id,
                Query.created_at <= query.created_at,
            )
        )
        or 0
    )
    if earlier < limit:
        return None
    charge = UsageCharge(
        user_id=user.id,
        query_id=query.id,
        kind=OVERAGE,
        amount_usd=settings.overage_question_usd,
        at=query.created_at,
    )
    session.add(charge)
    return charge


def refund_question(session: Session, query_id: str) -> None:
    """A queued question that failed is not billed."""
    session.execute(delete(UsageCharge).where(UsageCharge.query_id == query_id))


def _limit_text(plan: str) -> str:
    limit = PLANS[plan].question_limit
    return "unlimited questions" if limit is None else f"{limit} questions a month"


class Upgrade(BaseModel):
    plan: str
    price_usd: Decimal
    question_limit: int | None
    unlocks: list[str]
    message: str


class PlanUsage(BaseModel):
    """What `GET /api/usage` shows a user: their plan's features, this month's usage, the upgrade prompt."""

    plan: str
    price_usd: Decimal
    features: list[str]
    usage: MonthlyUsage
    upgrade: Upgrade | None


def plan_usage(platform: Platform, *, user_id: str, now: datetime | None = None) -> PlanUsage:
    with platform.db.session() as session:
        usage = monthly_usage(session, user_id, now=now, settings=platform.settings)
    spec = plan_spec(usage.plan)
    upgrade = None
    if usage.upgrade_to is not None:
        up = PLANS[usage.upgrade_to]
        unlocks = sorted(up.features - spec.features)
        upgrade = Upgrade(
            plan=up.name,
            price_usd=up.price_usd,
            question_limit=up.question_limit,
            unlocks=unlocks,
            message=f"Upgrade to {up.name.title()} (${up.price_usd}/month) for {_limit_text(up.name)}"
            + (f" and {', '.join(f.replace('_', ' ') for f in unlocks)}" if unlocks else ""),
        )
    return PlanUsage(
        plan=spec.name, price_usd=spec.price_usd, features=sorted(spec.features), usage=usage, upgrade=upgrade
    )


def user_usage(platform: Platform, *, user_id: str, now: datetime | None = None) -> MonthlyUsage:
    with platform.db.session() as session:
        return monthly_usage(session, user_id, now=now, settings=platform.settings)
