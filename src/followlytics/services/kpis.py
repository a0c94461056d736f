"""The KPIs that decide whether to scale, for one calendar month (UTC), read from the event log.

The event log is the platform's own records, not a table of copies: a question is a `queries` row
(answered or queued), a plan change a `plan_changes` row, an import an `x_api_reads` row, a sign-up a
`users.created_at`. Definitions (a rate is None when its denominator is 0):

- agent engagement rate: of users on Pro or Agency at the month's end (or now), the share who asked at
  least one question in the month;
- questions per active user: questions in the month / users who asked at least one;
- cost per question: what the month cost us (model + sandbox + X API, every user) / its questions;
- Starter-to-Pro conversion: of users on Starter at the month's start (or sign-up, if later), the share who
  moved to Pro or Agency during the month;
- month-over-month retention: of users active in the previous month (a question or an import), the share
  active again this month, split into those who used the agent last month (asked at least once) and those
  who did not.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from followlytics.config import Settings, get_settings
from followlytics.db.models import Plan, PlanChange, Query, User, XApiRead, utcnow
from followlytics.services.metering import COUNTED_STATUSES, month_economics, plan_from_changes
from followlytics.services.periods import month_bounds, previous_month
from followlytics.services.platform import Platform


class Retention(BaseModel):
    cohort: int = Field(description="Users active last month in this group.")
    retained: int = Field(description="Of them, active this month.")
    rate: float | None


class Kpis(BaseModel):
    month: date
    agent_users: int = Field(description="Users on Pro or Agency at the month's end.")
    engaged_agent_users: int
    engagement_rate: float | None
    questions: int
    active_users: int = Field(description="Users who asked at least one question.")
    questions_per_active_user: float | None
    cost_usd: Decimal
    cost_per_question_usd: Decimal | None
    starters: int = Field(description="Users on Starter at the month's start (or sign-up).")
    starter_conversions: int
    starter_to_pro_conversion: float | None
    retention_with_agent: Retention
    retention_without_agent: Retention


def kpis(
    session: Session,
    *,
    month: date | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> Kpis:
    now = now or utcnow()
    start, end = month_bounds(month, now=now)
    prev_start = previous_month(start)
    users = session.scalars(select(User).where(User.created_at < end)).all()
    changes: dict[str, list[PlanChange]] = defaultdict(list)
    for change in session.scalars(select(PlanChange).order_by(PlanChange.at, PlanChange.id)):
        changes[change.user_id].append(change)
    asked = _askers(session, start, end)
    asked_before = _askers(session, prev_start, start)
    active = set(asked) | _importers(session, start, end)
    active_before = set(asked_before) | _importers(session, prev_start, start)

    at_end = min(end, now) - timedelta(microseconds=1)
    agent_users = [
        u for u in users if plan_from_changes(u.plan, changes[u.id], at_end) in (Plan.PRO, Plan.AGENCY)
    ]
    engaged = [u for u in agent_users if u.id in asked]
    questions = sum(asked.values())

    starters, converted = 0, 0
    for user in users:
        since = max(start, user.created_at)
        if plan_from_changes(user.plan, changes[user.id], since) != Plan.STARTER:
            continue
        starters += 1
        if any(
            c.from_plan == Plan.STARTER and c.to_plan in (Plan.PRO, Plan.AGENCY) and since <= c.at < end
            for c in changes[user.id]
        ):
            converted += 1

    cost = sum(
        (
            row.cost_usd
            for row in month_economics(session, settings or get_settings(), month=start.date(), now=now)
        ),
        Decimal("0"),
    )
    with_agent = {u for u in active_before if u in asked_before}
    without_agent = active_before - with_agent
    return Kpis(
        month=start.date(),
        agent_users=len(agent_users),
        engaged_agent_users=len(engaged),
        engagement_rate=_rate(len(engaged), len(agent_users)),
        questions=questions,
        active_users=len(asked),
        questions_per_active_user=_rate(questions, len(asked)),
        cost_usd=cost,
        cost_per_question_usd=(cost / questions).quantize(Decimal("0.00000001")) if questions else None,
        starters=starters,
        starter_conversions=converted,
        starter_to_pro_conversion=_rate(converted, starters),
        retention_with_agent=_retention(with_agent, active),
        retention_without_agent=_retention(without_agent, active),
    )


def _askers(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(Query.user_id).where(
            Query.status.in_(COUNTED_STATUSES), Query.created_at >= start, Query.created_at < end
        )
    )
    for (user_id,) in rows:
        counts[user_id] += 1
    return dict(counts)


def _importers(session: Session, start: datetime, end: datetime) -> set[str]:
    return set(session.scalars(select(XApiRead.user_id).where(XApiRead.at >= start, XApiRead.at < end)))


def _retention(cohort: set[str], active: set[str]) -> Retention:
    retained = len(cohort & active)
    return Retention(cohort=len(cohort), retained=retained, rate=_rate(retained, len(cohort)))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def kpi_report(platform: Platform, *, month: date | None = None, now: datetime | None = None) -> Kpis:
    with platform.db.session() as session:
        return kpis(session, month=month, now=now, settings=platform.settings)
