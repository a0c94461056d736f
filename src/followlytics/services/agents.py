"""Agent lifecycle calls: create, status, destroy, "make sure it runs" for a question (`running_agent`,
`using_agent`), reconciliation at start, the per-user lifecycle lock; and the agent's profile (persona, brand
voice, preferences) the user gives it.

One live agent per user, bound to one sandbox. Every state change is recorded in `agent_transitions` with
its time, from, to and reason, so cost per state-hour can be computed (`AgentStatus.time_in_state`).

Serialisation. Lifecycle calls for one user run one at a time, across threads and processes (the API and a
huey worker running the sweep), under two locks per user:

- the *lifecycle lock* (exclusive): held while an agent is created, resumed, paused, archived or destroyed.
  It is an in-process `threading.Lock` (cheap, and keeps threads of one process off the database lock) plus
  a database-level lock: on PostgreSQL a transaction advisory lock `pg_advisory_xact_lock(17740,
  hashtext(user_id))`, released with the lifecycle transaction's commit, so it spans every control-plane
  host; on SQLite an exclusive `flock` on `<data_dir>/locks/<user_id>.lifecycle` (SQLite is one host, and a
  `BEGIN IMMEDIATE` would block every writer of the database, not just this user, during slow sandbox calls).
- the *use lock* (shared): held by every question for as long as it runs in the agent (`using_agent`), so
  any number of questions share the agent; the sweep only pauses or archives after taking it exclusively
  without waiting (PostgreSQL `pg_try_advisory_xact_lock(17741, ...)`, SQLite `flock(LOCK_EX | LOCK_NB)` on
  `<user_id>.inuse`) and skips the agent when it cannot: a question in flight is never paused under it.

A question takes the lifecycle lock, brings the agent to running, then takes the use lock shared before
releasing the lifecycle lock; the sweep takes the lifecycle lock, then tries the use lock. Both take the
lifecycle lock first, so they cannot deadlock. A question whose plan counts questions first takes the
*question lock* (exclusive; `pg_advisory_lock(17742, ...)`, `flock` on `<user_id>.questions`) for its whole
run (`one_question_at_a_time`), so the quota check and the recorded question cannot interleave with another
of the same user's; the sweep never takes it.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from followlytics.agent.prompts import AgentProfile
from followlytics.audience.paths import checked_id, user_dir
from followlytics.db.models import Agent, AgentTransition, User, new_id, utcnow
from followlytics.errors import Conflict, NotFound, SandboxUnavailable
from followlytics.sandbox.base import SandboxProvider, SandboxState
from followlytics.services.ledger import active_agents
from followlytics.services.plans import Feature, require_feature
from followlytics.services.platform import Platform

# An agent in one of these states is the user's agent; `destroyed` ones are history.
LIVE_STATES = (
    SandboxState.CREATING,
    SandboxState.RUNNING,
    SandboxState.PAUSED,
    SandboxState.ARCHIVED,
    SandboxState.ERROR,
)
_LIFECYCLE_LOCK_CLASS = 17740  # the first key of PostgreSQL advisory locks; 17741 is the use lock
_USE_LOCK_CLASS = 17741
_QUESTION_LOCK_CLASS = 17742
_user_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


class AgentStatus(BaseModel):
    id: str
    state: str
    sandbox_provider: str
    sandbox_id: str
    created_at: datetime
    last_active_at: datetime
    time_in_state: dict[str, float] = Field(
        description="Seconds spent in each state, from the recorded transitions up to now."
    )
    transitions: list[dict[str, str | None]] = Field(description="Each change: from, to, at, reason.")

    @classmethod
    def of(cls, agent: Agent, *, now: datetime | None = None) -> AgentStatus:
        return cls(
            id=agent.id,
            state=agent.state,
            sandbox_provider=agent.sandbox_provider,
            sandbox_id=agent.sandbox_id,
            created_at=agent.created_at,
            last_active_at=agent.last_active_at,
            time_in_state=time_in_state(agent.transitions, now=now or utcnow()),
            transitions=[
                {"from": t.from_state, "to": t.to_state, "at": t.at.isoformat(), "reason": t.reason}
                for t in agent.transitions
            ],
        )


def time_in_state(transitions: Iterable[AgentTransition], *, now: datetime) -> dict[str, float]:
    """Seconds per state: each transition's state lasts until the next one; the last lasts until `now`.
    Time after `destroyed` is not counted (nothing runs, nothing costs)."""
    ordered = sorted(transitions, key=lambda t: (t.at, t.id or 0))
    spent: dict[str, float] = {}
    for current, following in zip(ordered, [*ordered[1:], None], strict=True):
        if following is None and current.to_state == SandboxState.DESTROYED:
            break
        end = following.at if following is not None else now
        spent[current.to_state] = spent.get(current.to_state, 0.0) + max(
            0.0, (end - current.at).total_seconds()
        )
    return spent


def require_agent_plan(user: User) -> None:
    """The plan must include the agent (Starter does not): `PlanRequired` (403) naming the plan to take."""
    require_feature(user, Feature.AGENT)


def create_agent(platform: Platform, *, user_id: str) -> AgentStatus:
    with lifecycle_session(platform, user_id) as session:
        user = session.get_one(User, user_id)
        require_agent_plan(user)
        existing = live_agent(session, user_id=user_id)
        if existing is not None:
            raise Conflict(f"you already have an agent ({existing.id}, {existing.state})")
        if active_agents(session) >= platform.settings.max_active_agents:
            raise Conflict(
                f"no new persistent agents while {platform.settings.max_active_agents} or more are active; "
                "ask a question instead: it is answered in a sandbox made for it"
            )
        return AgentStatus.of(_create(platform, session, user=user, reason="created"))


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
    # A read: no lock needed, the row and its transitions are read in one transaction.
    with platform.db.session() as session:
        return AgentStatus.of(_require_live(session, user_id=user_id))


def reconcile_sandboxes(platform: Platform, *, reason: str = "server restart") -> int:
    """At control-plane start: bring the recorded state of every agent in line with its provider.

    A sandbox the provider no longer has (a local sandbox is a child of the process that served it, so
    after a restart none of them exists) is recorded as archived: the workspace is the user's folder, and
    the next question starts it again. A sandbox the provider paused or archived by itself (Daytona's
    auto-stop) is recorded as such. Returns how many agents changed.
    """
    changed = 0
    with platform.db.session() as session:
        candidates = session.execute(
            select(Agent.user_id, Agent.id).where(
                Agent.state.in_([SandboxState.CREATING, SandboxState.RUNNING, SandboxState.PAUSED])
            )
        ).all()
    for user_id, agent_id in candidates:
        with lifecycle_session(platform, user_id) as session:
            agent = session.get(Agent, agent_id)
            if agent is not None and reconcile_agent(platform, agent, reason=reason):
                changed += 1
    return changed


def reconcile_agent(platform: Platform, agent: Agent, *, reason: str) -> bool:
    """Record what the provider says of one agent's sandbox (call under the lifecycle lock). True if the
    recorded state changed; `reason` is used for a sandbox the provider lost."""
    if agent.state not in (SandboxState.CREATING, SandboxState.RUNNING, SandboxState.PAUSED):
        return False
    provider = _provider_or_none(platform, agent)
    if provider is None:
        return False  # another host's provider: not ours to judge
    try:
        actual = provider.state(agent.sandbox_id)
    except SandboxUnavailable:
        return False  # the provider is down: nothing to learn now; the next question or sweep asks again
    if actual in (SandboxState.DESTROYED, SandboxState.ERROR):
        record_transition(agent, SandboxState.ARCHIVED, reason=reason)
        return True
    if actual in (SandboxState.PAUSED, SandboxState.ARCHIVED) and actual != agent.state:
        record_transition(agent, actual, reason=f"{actual.value} by provider")
        return True
    return False


def destroy_agent(platform: Platform, *, user_id: str) -> AgentStatus:
    with lifecycle_session(platform, user_id) as session:
        agent = _require_live(session, user_id=user_id)
        provider = _provider_or_none(platform, agent)
        if provider is not None:
            provider.delete(agent.sandbox_id)
        record_transition(agent, SandboxState.DESTROYED, reason="user request")
        return AgentStatus.of(agent)


def running_agent(platform: Platform, *, user_id: str) -> Agent:
    """The user's agent with its sandbox running: created on first use, resumed if paused or archived,
    made again if the provider lost it. Prefer `using_agent` for a question: it also keeps the sweep from
    pausing the agent while the question runs."""
    with lifecycle_session(platform, user_id) as session:
        return _bring_up(platform, session, user_id=user_id)


@contextmanager
def using_agent(platform: Platform, *, user_id: str) -> Iterator[Agent]:
    """The user's running agent, held in use (the use lock, shared) for the block: the sweep does not pause,
    archive or destroy it meanwhile. The agent's last activity is the block's end."""
    with ExitStack() as stack:
        with lifecycle_session(platform, user_id) as session:
            agent = _bring_up(platform, session, user_id=user_id)
            # Taken under the lifecycle lock, so no sweep slips in between; released by the stack.
            stack.enter_context(_use_lock(platform, user_id))
        try:
            yield agent
        finally:
            with platform.db.session() as session:
                row = session.get(Agent, agent.id)
                if row is not None:
                    row.last_active_at = utcnow()


def live_agent(session: Session, *, user_id: str) -> Agent | None:
    return session.scalar(
        select(Agent)
        .where(Agent.user_id == user_id, Agent.state.in_(list(LIVE_STATES)))
        .order_by(Agent.created_at)
    )


def record_transition(agent: Agent, state: SandboxState, *, reason: str, at: datetime | None = None) -> None:
    """Move `agent` to `state`, recording from, to, time and why (nothing when it is already there)."""
    if agent.state == state:
        return
    now = at or utcnow()
    agent.transitions.append(AgentTransition(from_state=agent.state, to_state=state, at=now, reason=reason))
    agent.state = state
    agent.updated_at = now


@contextmanager
def lifecycle_session(platform: Platform, user_id: str) -> Iterator[Session]:
    """A unit of work holding the user's lifecycle lock (see the module docstring) until it commits."""
    with _user_locks[user_id]:
        if _is_postgres(platform):
            with platform.db.session() as session:
                session.execute(
                    text("SELECT pg_advisory_xact_lock(:cls, hashtext(:user_id))"),
                    {"cls": _LIFECYCLE_LOCK_CLASS, "user_id": user_id},
                )
                yield session
        else:
            # The file lock is released after the commit, so the next holder reads what this one wrote.
            with _file_lock(platform, user_id, "lifecycle", shared=False), platform.db.session() as session:
                yield session


def try_exclusive_use(
    platform: Platform, session: Session, user_id: str
) -> AbstractContextManager[None] | None:
    """Under the lifecycle lock: the use lock taken exclusively without waiting (a context manager to hold
    while changing the agent), or None when a question is using the agent."""
    if _is_postgres(platform):
        got = session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:cls, hashtext(:user_id))"),
            {"cls": _USE_LOCK_CLASS, "user_id": user_id},
        )
        return _nothing() if got else None  # held until the lifecycle transaction ends
    handle = _open_lock_file(platform, user_id, "inuse")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        return None
    return _release_file(handle)


def _bring_up(platform: Platform, session: Session, *, user_id: str) -> Agent:
    user = session.get_one(User, user_id)
    require_agent_plan(user)
    agent = live_agent(session, user_id=user_id)
    if agent is None:
        agent = _create(platform, session, user=user, reason="first question")
        if agent.state == SandboxState.RUNNING:
            return agent
    try:
        _resume(platform, agent, user)
    except SandboxUnavailable as down:
        _fail_over(platform, agent, user, down)
    agent.last_active_at = utcnow()
    return agent


def _resume(platform: Platform, agent: Agent, user: User) -> None:
    provider = platform.provider(agent.sandbox_provider)
    actual = provider.state(agent.sandbox_id)
    if actual in (SandboxState.PAUSED, SandboxState.ARCHIVED):
        provider.start(agent.sandbox_id)
    elif actual != SandboxState.RUNNING:
        # The provider lost it (a restart, or it was deleted behind our back): make it again.
        if agent.state in (SandboxState.RUNNING, SandboxState.PAUSED):
            record_transition(agent, SandboxState.ARCHIVED, reason="lost by provider")
        provider.create(agent.sandbox_id, _sandbox_root(platform, user))
    record_transition(agent, SandboxState.RUNNING, reason="resumed for a question")


def _fail_over(platform: Platform, agent: Agent, user: User, down: SandboxUnavailable) -> None:
    """Move the agent to the next provider that can run it (`FOLLOWLYTICS_SANDBOX_FAILOVER` order); the user's
    data lives in the control plane, so any provider can serve it. Raises the last `SandboxUnavailable`
    when none can: the caller queues the question."""
    failed = {agent.sandbox_provider}
    for provider in platform.providers:
        if provider.name in failed:
            continue
        try:
            provider.create(agent.sandbox_id, _sandbox_root(platform, user))
        except SandboxUnavailable as exc:
            failed.add(provider.name)
            down = exc
            continue
        if agent.state != SandboxState.ARCHIVED:
            record_transition(agent, SandboxState.ARCHIVED, reason=f"{agent.sandbox_provider} unavailable")
        agent.sandbox_provider = provider.name
        record_transition(agent, SandboxState.RUNNING, reason=f"failover to {provider.name}")
        return
    raise down  # the lifecycle session rolls back: nothing changed for an agent no provider can run


def _require_live(session: Session, *, user_id: str) -> Agent:
    agent = live_agent(session, user_id=user_id)
    if agent is None:
        raise NotFound("you have no agent; create one with POST /api/agents/create")
    return agent


def _create(platform: Platform, session: Session, *, user: User, reason: str) -> Agent:
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
    agent.transitions.append(
        AgentTransition(from_state=None, to_state=SandboxState.CREATING, at=now, reason=reason)
    )
    try:
        state = platform.sandboxes.create(agent.sandbox_id, _sandbox_root(platform, user))
    except SandboxUnavailable:
        # Left in `creating` on the primary; a question fails it over (`_fail_over`) or queues.
        session.flush()
        return agent
    record_transition(agent, state, reason=reason)
    session.flush()
    return agent


def _provider_or_none(platform: Platform, agent: Agent) -> SandboxProvider | None:
    for provider in platform.providers:
        if provider.name == agent.sandbox_provider:
            return provider
    return None


def _sandbox_root(platform: Platform, user: User) -> Path:
    root = user_dir(platform.users_dir, user.id)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _is_postgres(platform: Platform) -> bool:
    return platform.db.engine.dialect.name == "postgresql"


@contextmanager
def one_question_at_a_time(platform: Platform, user_id: str) -> Iterator[None]:
    """The user's *question lock*, exclusive, for the block: questions whose plan counts them run one after
    the other, so two at once cannot both take the last one of the month."""
    with _session_lock(platform, user_id, kind="questions", lock_class=_QUESTION_LOCK_CLASS, shared=False):
        yield


@contextmanager
def _use_lock(platform: Platform, user_id: str) -> Iterator[None]:
    """The use lock, shared, for as long as a question runs."""
    with _session_lock(platform, user_id, kind="inuse", lock_class=_USE_LOCK_CLASS, shared=True):
        yield


@contextmanager
def _session_lock(
    platform: Platform, user_id: str, *, kind: str, lock_class: int, shared: bool
) -> Iterator[None]:
    """A per-user lock held for the block: a file lock on SQLite, an advisory lock on PostgreSQL."""
    if not _is_postgres(platform):
        with _file_lock(platform, user_id, kind, shared=shared):
            yield
        return
    # A session-level advisory lock on a connection of its own: it must outlive any one transaction.
    mode = "_shared" if shared else ""
    key = {"cls": lock_class, "user_id": user_id}
    with platform.db.engine.connect() as connection:
        connection.execute(text(f"SELECT pg_advisory_lock{mode}(:cls, hashtext(:user_id))"), key)
        connection.commit()  # not idle in a transaction while the block runs
        try:
            yield
        finally:
            connection.execute(text(f"SELECT pg_advisory_unlock{mode}(:cls, hashtext(:user_id))"), key)
            connection.commit()


@contextmanager
def _file_lock(platform: Platform, user_id: str, kind: str, *, shared: bool) -> Iterator[None]:
    # flock locks belong to an open file description, so two opens conflict even within one process.
    handle = _open_lock_file(platform, user_id, kind)
    try:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _open_lock_file(platform: Platform, user_id: str, kind: str) -> int:
    folder = platform.settings.data_dir / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return os.open(folder / f"{checked_id(user_id, 'user_id')}.{kind}", os.O_RDWR | os.O_CREAT, 0o600)


@contextmanager
def _release_file(handle: int) -> Iterator[None]:
    try:
        yield
    finally:
        os.close(handle)


@contextmanager
def _nothing() -> Iterator[None]:
    yield
