"""Agent lifecycle: create, status, destroy, and "make sure it runs" before a question; the agent's profile
(persona, brand voice, preferences) the user gives it.

One live agent per user, bound to one sandbox. Every state change is recorded in
`agent_transitions` with its time. Lifecycle calls for one user are serialised by an
in-process lock (one control-plane process; cross-process locking comes with the job queue).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from followlytics.agent.prompts import AgentProfile
from followlytics.audience.paths import user_dir
from followlytics.db.models import Agent, AgentTransition, Plan, User, new_id, utcnow
from followlytics.errors import Conflict, Forbidden, NotFound
from followlytics.sandbox.base import SandboxState
from followlytics.services.platform import Platform

_LIVE = (SandboxState.CREATING, SandboxState.RUNNING, SandboxState.STOPPED)
_user_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


class AgentStatus(BaseModel):
    id: str
    state: str
    sandbox_provider: str
    sandbox_id: str
    created_at: datetime
    last_active_at: datetime
    transitions: list[dict[str, str | None]]

    @classmethod
    def of(cls, agent: Agent) -> AgentStatus:
        return cls(
            id=agent.id,
            state=agent.state,
            sandbox_provider=agent.sandbox_provider,
            sandbox_id=agent.sandbox_id,
            created_at=agent.created_at,
            last_active_at=agent.last_active_at,
            transitions=[
                {"from": t.from_state, "to": t.to_state, "at": t.at.isoformat()} for t in agent.transitions
            ],
        )


def require_agent_plan(user: User) -> None:
    if user.plan == Plan.STARTER:
        raise Forbidden("the Starter plan has no AI agent; upgrade to Pro or Agency to ask questions")


def create_agent(platform: Platform, *, user_id: str) -> AgentStatus:
    with _user_locks[user_id], platform.db.session() as session:
        user = session.get_one(User, user_id)
        require_agent_plan(user)
        existing = live_agent(session, user_id=user_id)
        if existing is not None:
            raise Conflict(f"you already have an agent ({existing.id}, {existing.state})")
        return AgentStatus.of(_create(platform, session, user=user))


def agent_profile(platform: Platform, *, user_id: str) -> AgentProfile:
    with platform.db.session() as session:
        user = session.get_one(User, user_id)
        require_agent_plan(user)
        return AgentProfile.from_json(user.agent_profile)


def set_agent_profile(platform: Platform, *, user_id: str, profile: AgentProfile) -> AgentProfile:
    """Replace the profile; an empty field clears it. It shapes every later answer and draft."""
    with platform.db.session() as session:
        user = session.get_one(User, user_id)
        require_agent_plan(user)
        user.agent_profile = profile.to_json() or None
        return AgentProfile.from_json(user.agent_profile)


def agent_status(platform: Platform, *, user_id: str) -> AgentStatus:
    with _user_locks[user_id], platform.db.session() as session:
        return AgentStatus.of(_require_live(session, user_id=user_id))


def reconcile_sandboxes(platform: Platform) -> int:
    """At control-plane start: record as stopped every agent whose sandbox no longer runs.

    A local sandbox is a child of the process that served it, so after a restart none of them runs;
    the next question starts it again. Returns how many agents changed.
    """
    with platform.db.session() as session:
        agents = session.scalars(
            select(Agent).where(
                Agent.sandbox_provider == platform.sandboxes.name,
                Agent.state.in_([SandboxState.CREATING, SandboxState.RUNNING]),
            )
        ).all()
        lost = [a for a in agents if platform.sandboxes.state(a.sandbox_id) != SandboxState.RUNNING]
        for agent in lost:
            _transition(agent, SandboxState.STOPPED)
        return len(lost)


def destroy_agent(platform: Platform, *, user_id: str) -> AgentStatus:
    with _user_locks[user_id], platform.db.session() as session:
        agent = _require_live(session, user_id=user_id)
        platform.sandboxes.delete(agent.sandbox_id)
        _transition(agent, SandboxState.DESTROYED)
        return AgentStatus.of(agent)


def running_agent(platform: Platform, *, user_id: str) -> Agent:
    """The user's agent with its sandbox running: created on first use, restarted if stopped."""
    with _user_locks[user_id], platform.db.session() as session:
        user = session.get_one(User, user_id)
        require_agent_plan(user)
        agent = live_agent(session, user_id=user_id)
        if agent is None:
            return _create(platform, session, user=user)
        actual = platform.sandboxes.state(agent.sandbox_id)
        if actual == SandboxState.STOPPED:
            platform.sandboxes.start(agent.sandbox_id)
        elif actual != SandboxState.RUNNING:  # the provider lost it (control plane restarted)
            platform.sandboxes.create(agent.sandbox_id, _sandbox_root(platform, user))
        if agent.state != SandboxState.RUNNING:
            _transition(agent, SandboxState.RUNNING)
        agent.last_active_at = utcnow()
        return agent


def live_agent(session: Session, *, user_id: str) -> Agent | None:
    return session.scalar(
        select(Agent).where(Agent.user_id == user_id, Agent.state.in_(list(_LIVE))).order_by(Agent.created_at)
    )


def _require_live(session: Session, *, user_id: str) -> Agent:
    agent = live_agent(session, user_id=user_id)
    if agent is None:
        raise NotFound("you have no agent; create one with POST /api/agents/create")
    return agent


def _create(platform: Platform, session: Session, *, user: User) -> Agent:
    agent_id, now = new_id("agt"), utcnow()
    agent = Agent(
        id=agent_id,
        user_id=user.id,
        state=SandboxState.CREATING,
        sandbox_provider=platform.sandboxes.name,
        sandbox_id=agent_id,
        created_at=now,
        updated_at=now,
        last_active_at=now,
    )
    session.add(agent)
    agent.transitions.append(AgentTransition(from_state=None, to_state=SandboxState.CREATING, at=now))
    state = platform.sandboxes.create(agent.sandbox_id, _sandbox_root(platform, user))
    _transition(agent, state)
    session.flush()
    return agent


def _sandbox_root(platform: Platform, user: User) -> Path:
    root = user_dir(platform.users_dir, user.id)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _transition(agent: Agent, state: SandboxState) -> None:
    if agent.state == state:
        return
    now = utcnow()
    agent.transitions.append(AgentTransition(from_state=agent.state, to_state=state, at=now))
    agent.state = state
    agent.updated_at = now
