"""The sandbox credit: what is spent of it, how fast, when it runs out, and the triggers it drives.

The credit (`FOLLOWLYTICS_CREDIT_USD`, default $20,000) pays for sandboxes only, so the ledger is sandbox
spend (metering's intervals priced by the rate table, every user, persistent agents and stateless
sandboxes); model tokens and X API reads are paid in cash and show in the per-user economics instead.

- burn rate: spend over the last `FOLLOWLYTICS_BURN_WINDOW_DAYS` (or since the first spend, if sooner, at
  least one day) per day; run-out date: today + remaining / burn rate (None while nothing burns);
- active agents: agents `creating`, `running` or `paused` (what costs by the hour); at
  `FOLLOWLYTICS_MAX_ACTIVE_AGENTS` or more, a user with no live agent is answered in a stateless
  per-question sandbox instead of getting a persistent one (`services/queries.py`), and
  `POST /api/agents/create` is refused;
- alerts: each share of the credit in `FOLLOWLYTICS_CREDIT_ALERT_THRESHOLDS`, once crossed, is logged as a
  warning and recorded in `credit_alerts` once (`record_alerts`: the admin endpoint, the CLI and the periodic
  lifecycle sweep call it).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from followlytics.config import Settings
from followlytics.db.models import Agent, AgentTransition, CreditAlert, Query, utcnow
from followlytics.errors import InvalidInput
from followlytics.sandbox.base import SandboxState
from followlytics.services.metering import sandbox_usage, spend_by_day
from followlytics.services.platform import Platform
from followlytics.services.rates import sandbox_rates

log = logging.getLogger(__name__)

ACTIVE_STATES = (SandboxState.CREATING, SandboxState.RUNNING, SandboxState.PAUSED)
_ZERO = Decimal("0")


class DaySpend(BaseModel):
    day: date
    spent_usd: Decimal


class Alert(BaseModel):
    threshold: Decimal
    spent_usd: Decimal
    credit_usd: Decimal
    message: str
    at: datetime


class CreditStatus(BaseModel):
    credit_usd: Decimal
    spent_usd: Decimal
    remaining_usd: Decimal
    burn_rate_usd_per_day: Decimal
    run_out_date: date | None
    spend_by_day: list[DaySpend]
    active_agents: int
    max_active_agents: int
    new_users_stateless: bool
    """True when the active-agent cap is reached: users without a live agent get stateless sandboxes."""
    rates: str
    alerts: list[Alert] = []


def credit_status(session: Session, settings: Settings, *, now: datetime | None = None) -> CreditStatus:
    now = now or utcnow()
    rates = sandbox_rates(settings)
    days = spend_by_day(session, rates, now=now)
    spent = sum((spent for _day, spent in days), _ZERO)
    remaining = settings.credit_usd - spent
    burn = _burn_rate(session, settings, now=now)
    if burn > 0:
        run_out = now.date() + timedelta(days=int(max(_ZERO, remaining) / burn))
    else:
        run_out = None
    active = active_agents(session)
    alerts = session.scalars(select(CreditAlert).order_by(CreditAlert.threshold)).all()
    return CreditStatus(
        credit_usd=settings.credit_usd,
        spent_usd=spent,
        remaining_usd=remaining,
        burn_rate_usd_per_day=burn.quantize(Decimal("0.0001")),
        run_out_date=run_out,
        spend_by_day=[DaySpend(day=day, spent_usd=amount) for day, amount in days],
        active_agents=active,
        max_active_agents=settings.max_active_agents,
        new_users_stateless=active >= settings.max_active_agents,
        rates=rates.name,
        alerts=[
            Alert(
                threshold=a.threshold,
                spent_usd=a.spent_usd,
                credit_usd=a.credit_usd,
                message=a.message,
                at=a.at,
            )
            for a in alerts
        ],
    )


def active_agents(session: Session) -> int:
    return session.scalar(select(func.count(Agent.id)).where(Agent.state.in_(list(ACTIVE_STATES)))) or 0


def agents_by_state(session: Session) -> dict[str, int]:
    """How many agents are in each state (destroyed ones included: they are the history)."""
    rows = session.execute(select(Agent.state, func.count(Agent.id)).group_by(Agent.state)).all()
    return {state: count for state, count in sorted(rows)}


def agent_cap_reached(session: Session, settings: Settings) -> bool:
    return active_agents(session) >= settings.max_active_agents


def alert_thresholds(settings: Settings) -> list[Decimal]:
    try:
        values = sorted(
            Decimal(part.strip()) for part in settings.credit_alert_thresholds.split(",") if part.strip()
        )
    except ArithmeticError:
        raise InvalidInput(
            "credit_alert_thresholds must be shares such as 0.5,0.9, "
            f"got {settings.credit_alert_thresholds!r}",
            field="credit_alert_thresholds",
        ) from None
    if any(not 0 < value <= 1 for value in values):
        raise InvalidInput("credit_alert_thresholds must lie in (0, 1]", field="credit_alert_thresholds")
    return values


def record_alerts(
    session: Session, settings: Settings, status: CreditStatus, *, now: datetime | None = None
) -> list[Alert]:
    """Record (and log) every threshold the spend has crossed that has no alert yet; returns the new ones."""
    seen = set(session.scalars(select(CreditAlert.threshold)))
    new = []
    for threshold in alert_thresholds(settings):
        if (
            Decimal(threshold) in {Decimal(s) for s in seen}
            or status.spent_usd < threshold * status.credit_usd
        ):
            continue
        message = (
            f"sandbox credit: {threshold:.0%} spent (${status.spent_usd:,.2f} of ${status.credit_usd:,.2f}); "
            f"burn ${status.burn_rate_usd_per_day:,.2f}/day, run-out {status.run_out_date or 'not projected'}"
        )
        log.warning(message)
        row = CreditAlert(
            threshold=threshold,
            spent_usd=status.spent_usd,
            credit_usd=status.credit_usd,
            message=message,
            at=now or utcnow(),
        )
        session.add(row)
        new.append(
            Alert(
                threshold=threshold,
                spent_usd=status.spent_usd,
                credit_usd=status.credit_usd,
                message=message,
                at=row.at,
            )
        )
    session.flush()
    return new


def _burn_rate(session: Session, settings: Settings, *, now: datetime) -> Decimal:
    first = _first_spend(session)
    if first is None or first >= now:
        return _ZERO
    window = timedelta(days=settings.burn_window_days)
    start = max(now - window, first)
    days = max(Decimal((now - start).total_seconds()) / Decimal(86400), Decimal(1))
    rates = sandbox_rates(settings)
    spent = sum(
        (usage.cost(rates) for usage in sandbox_usage(session, start=start, end=now, now=now).values()), _ZERO
    )
    return spent / days


def _first_spend(session: Session) -> datetime | None:
    firsts = [
        session.scalar(select(func.min(AgentTransition.at))),
        session.scalar(select(func.min(Query.created_at)).where(Query.agent_id.is_(None))),
    ]
    known = [value for value in firsts if value is not None]  # min() keeps the column's type: aware UTC
    return min(known) if known else None


def credit_report(platform: Platform, *, now: datetime | None = None) -> CreditStatus:
    """The credit status with any newly crossed alert recorded (the admin endpoint, CLI and sweep)."""
    with platform.db.session() as session:
        status = credit_status(session, platform.settings, now=now)
        if record_alerts(session, platform.settings, status, now=now):
            status = credit_status(session, platform.settings, now=now)
        return status
