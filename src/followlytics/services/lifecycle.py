"""The agent lifecycle policy: which agents to pause, archive or destroy, and applying it (`sweep`).

The rules, over every live agent (settings in brackets):

    running, idle >= [agent_pause_after_idle_minutes]          -> paused     reason `idle <N> min`
    paused for >= [agent_archive_after_paused_minutes]         -> archived   reason `paused <N> min`
    more than [agent_max_running] running                      -> the least recently active beyond the
                                                                  cap archived, reason `over capacity`
    no activity for >= [agent_destroy_after_idle_days]         -> destroyed  reason `inactive <N> days`
                                                                  (the user's data stays; a later
                                                                  question makes a new agent)

`decide` is a pure function of (agents, now, policy), so the rules are tested without sandboxes. `sweep`
first reconciles (a sandbox the provider lost while the database says running or paused is recorded
archived, reason `lost by provider`), then decides, then applies each decision under the user's lifecycle
lock (`services.agents.lifecycle_session`) after reading the agent again: a question that arrived since is
respected (the decision is made again on the fresh row), and an agent a question is using right now (its use
lock is held) is skipped. The huey periodic task in `followlytics.jobs.tasks` and `followlytics sweep`
call `sweep`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from followlytics.config import Settings
from followlytics.db.models import Agent, AgentTransition, utcnow
from followlytics.errors import FollowlyticsError
from followlytics.sandbox.base import SandboxState
from followlytics.services.agents import (
    LIVE_STATES,
    lifecycle_session,
    reconcile_agent,
    record_transition,
    try_exclusive_use,
)
from followlytics.services.platform import Platform

log = logging.getLogger(__name__)

PAUSE, ARCHIVE, DESTROY = "pause", "archive", "destroy"
_TARGET = {PAUSE: SandboxState.PAUSED, ARCHIVE: SandboxState.ARCHIVED, DESTROY: SandboxState.DESTROYED}


@dataclass(frozen=True)
class Policy:
    pause_after: timedelta
    archive_after: timedelta
    max_running: int
    destroy_after: timedelta

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(
            pause_after=timedelta(minutes=settings.agent_pause_after_idle_minutes),
            archive_after=timedelta(minutes=settings.agent_archive_after_paused_minutes),
            max_running=settings.agent_max_running,
            destroy_after=timedelta(days=settings.agent_destroy_after_idle_days),
        )


@dataclass(frozen=True)
class AgentView:
    """What the policy needs to know of one agent."""

    id: str
    user_id: str
    state: str
    last_active_at: datetime
    state_since: datetime
    """When the agent entered its current state (its last transition)."""
    sandbox_provider: str = ""
    sandbox_id: str = ""


@dataclass(frozen=True)
class Decision:
    agent_id: str
    user_id: str
    action: str
    """`pause`, `archive` or `destroy`."""
    reason: str


@dataclass
class Action:
    """What the sweep did to one agent: `done`, `skipped` (in use, or no longer due) or `failed`."""

    agent_id: str
    user_id: str
    action: str
    reason: str
    outcome: str
    detail: str | None = None


@dataclass
class SweepReport:
    at: datetime
    agents: int = 0
    paused: int = 0
    archived: int = 0
    destroyed: int = 0
    lost: int = 0
    skipped: int = 0
    failed: int = 0
    actions: list[Action] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


def decide(agents: Sequence[AgentView], now: datetime, policy: Policy) -> list[Decision]:
    """The decisions for `agents` at `now`: at most one per agent, destroy before the time rules, then the
    capacity rule over the agents still running."""
    decisions: list[Decision] = []
    still_running: list[AgentView] = []
    for agent in agents:
        decision = decide_one(agent, now, policy)
        if decision is not None:
            decisions.append(decision)
        elif agent.state == SandboxState.RUNNING:
            still_running.append(agent)
    over = len(still_running) - policy.max_running
    if over > 0:
        idlest = sorted(still_running, key=lambda a: (a.last_active_at, a.id))[:over]
        decisions += [Decision(a.id, a.user_id, ARCHIVE, "over capacity") for a in idlest]
    return decisions


def decide_one(agent: AgentView, now: datetime, policy: Policy) -> Decision | None:
    """The time rules for one agent (destroy, pause, archive), or None."""
    if agent.state not in LIVE_STATES or agent.state == SandboxState.CREATING:
        return None  # a creation in progress is left alone
    idle = now - agent.last_active_at
    if idle >= policy.destroy_after:
        return Decision(agent.id, agent.user_id, DESTROY, f"inactive {_whole(idle / timedelta(days=1))} days")
    if agent.state == SandboxState.RUNNING and idle >= policy.pause_after:
        return Decision(agent.id, agent.user_id, PAUSE, f"idle {_whole(idle / timedelta(minutes=1))} min")
    paused = now - agent.state_since
    if agent.state == SandboxState.PAUSED and paused >= policy.archive_after:
        return Decision(
            agent.id, agent.user_id, ARCHIVE, f"paused {_whole(paused / timedelta(minutes=1))} min"
        )
    return None


def sweep(
    platform: Platform, *, now: datetime | None = None, skip_providers: Collection[str] = ()
) -> SweepReport:
    """Reconcile, decide and apply the policy to every live agent; returns what was done.

    `skip_providers` leaves alone the agents on those providers (a worker process skips `local`: local
    sandboxes are children of the API process, invisible from another process, so they would look lost).
    """
    now = now or utcnow()
    policy = Policy.of(platform.settings)
    report = SweepReport(at=now)
    views = [view for view in _live_views(platform) if view.sandbox_provider not in skip_providers]
    report.agents = len(views)
    suspects = [view for view in views if _looks_lost(platform, view)]
    for view in suspects:
        _reconcile(platform, view.user_id, view.id, report)
    if suspects:
        views = [view for view in _live_views(platform) if view.sandbox_provider not in skip_providers]
    seen = {view.id: view for view in views}
    for decision in decide(views, now, policy):
        report.actions.append(_apply(platform, decision, seen[decision.agent_id], now, policy))
    for action in report.actions:
        if action.action == "reconcile":
            continue  # counted in `lost`
        if action.outcome == "done":
            if action.action == PAUSE:
                report.paused += 1
            elif action.action == DESTROY:
                report.destroyed += 1
            else:
                report.archived += 1
        elif action.outcome == "skipped":
            report.skipped += 1
        elif action.outcome == "failed":
            report.failed += 1
    return report


def _reconcile(platform: Platform, user_id: str, agent_id: str, report: SweepReport) -> None:
    try:
        with lifecycle_session(platform, user_id) as session:
            agent = session.get(Agent, agent_id)
            if agent is None or agent.state not in (SandboxState.RUNNING, SandboxState.PAUSED):
                return
            in_use = try_exclusive_use(platform, session, user_id)
            if in_use is None:
                return  # a question is running in it, so it exists
            with in_use:
                before = agent.state
                if reconcile_agent(platform, agent, reason="lost by provider"):
                    report.lost += agent.state == SandboxState.ARCHIVED
                    reason = agent.transitions[-1].reason or ""
                    report.actions.append(Action(agent.id, user_id, "reconcile", reason, "done", before))
    except FollowlyticsError as exc:
        log.warning("sweep: could not reconcile agent %s: %s", agent_id, exc.message)


def _apply(platform: Platform, decision: Decision, seen: AgentView, now: datetime, policy: Policy) -> Action:
    action = Action(decision.agent_id, decision.user_id, decision.action, decision.reason, "done")
    try:
        with lifecycle_session(platform, decision.user_id) as session:
            agent = session.get(Agent, decision.agent_id)
            if agent is None or agent.state not in LIVE_STATES:
                action.outcome, action.detail = "skipped", "gone"
                return action
            in_use = try_exclusive_use(platform, session, decision.user_id)
            if in_use is None:
                action.outcome, action.detail = "skipped", "in use"
                return action
            with in_use:
                if not _still_due(decision, seen, _view(agent), now, policy):
                    action.outcome, action.detail = "skipped", "no longer due"
                    return action
                provider = platform.provider(agent.sandbox_provider)
                if decision.action == PAUSE:
                    provider.pause(agent.sandbox_id)
                elif decision.action == ARCHIVE:
                    provider.archive(agent.sandbox_id)
                else:
                    provider.delete(agent.sandbox_id)
                record_transition(agent, _TARGET[decision.action], reason=decision.reason)
    except FollowlyticsError as exc:
        action.outcome, action.detail = "failed", f"{type(exc).__name__}: {exc.message}"
        log.warning("sweep: %s of agent %s failed: %s", decision.action, decision.agent_id, exc.message)
    return action


def _still_due(decision: Decision, seen: AgentView, fresh: AgentView, now: datetime, policy: Policy) -> bool:
    """The decision checked again on the row read under the lock: a question may have resumed or used the
    agent since the sweep looked (`now` is at least the real time, so that activity counts)."""
    if decision.reason == "over capacity":
        return fresh.state == SandboxState.RUNNING and fresh.last_active_at == seen.last_active_at
    again = decide_one(fresh, max(now, utcnow()), policy)
    return again is not None and again.action == decision.action


def _live_views(platform: Platform) -> list[AgentView]:
    """Every live agent with the time it entered its state, in one query."""
    entered = (
        select(AgentTransition.agent_id, func.max(AgentTransition.at).label("since"))
        .group_by(AgentTransition.agent_id)
        .subquery()
    )
    with platform.db.session() as session:
        rows = session.execute(
            select(
                Agent.id,
                Agent.user_id,
                Agent.state,
                Agent.last_active_at,
                Agent.updated_at,
                entered.c.since,
                Agent.sandbox_provider,
                Agent.sandbox_id,
            )
            .outerjoin(entered, entered.c.agent_id == Agent.id)
            .where(Agent.state.in_(list(LIVE_STATES)))
        ).all()
    return [
        AgentView(i, u, state, active, since or updated, provider, sandbox)
        for i, u, state, active, updated, since, provider, sandbox in rows
    ]


def _looks_lost(platform: Platform, view: AgentView) -> bool:
    """A cheap look without the lock: does the provider disagree with a running or paused agent? Only then
    does the sweep take the lock and reconcile (`services.agents.reconcile_agent` checks again)."""
    if view.state not in (SandboxState.RUNNING, SandboxState.PAUSED):
        return False
    provider = next((p for p in platform.providers if p.name == view.sandbox_provider), None)
    if provider is None:
        return False
    try:
        return provider.state(view.sandbox_id) != view.state
    except FollowlyticsError:
        return False


def _view(agent: Agent) -> AgentView:
    since = max((t.at for t in agent.transitions), default=agent.updated_at)
    return AgentView(
        agent.id,
        agent.user_id,
        agent.state,
        agent.last_active_at,
        since,
        agent.sandbox_provider,
        agent.sandbox_id,
    )


def _whole(value: float) -> int:
    return int(value)
