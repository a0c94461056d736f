"""The agent lifecycle policy: the pure rules at their thresholds, the sweep applying them to real local
sandboxes with reasons, time in each state, and questions racing the sweep (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from followlytics.config import Settings
from followlytics.db.models import Agent, AgentTransition, Query, User, utcnow
from followlytics.errors import QuotaExceeded
from followlytics.sandbox.base import SandboxState
from followlytics.services import queries
from followlytics.services.agents import agent_status, lifecycle_session, time_in_state
from followlytics.services.imports import import_files
from followlytics.services.lifecycle import AgentView, Decision, Policy, decide, sweep
from followlytics.services.platform import Platform
from tests.conftest import FIXTURES
from tests.services import records

FOLLOWERS_PAGE = FIXTURES / "x-api-v2" / "followers_page_twittered.json"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
POLICY = Policy(
    pause_after=timedelta(minutes=30),
    archive_after=timedelta(minutes=240),
    max_running=2,
    destroy_after=timedelta(days=30),
)


def _agent(
    state: str, *, idle: timedelta = timedelta(0), in_state: timedelta = timedelta(0), id: str = "agt_1"
) -> AgentView:
    return AgentView(id, f"usr_{id}", state, NOW - idle, NOW - in_state)


# --- the rules, pure -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("idle", "expected"),
    [
        (timedelta(minutes=29, seconds=59), []),
        (timedelta(minutes=30), [("pause", "idle 30 min")]),
        (timedelta(minutes=95), [("pause", "idle 95 min")]),
    ],
)
def test_a_running_agent_is_paused_once_idle_for_the_threshold(idle, expected) -> None:
    decisions = decide([_agent("running", idle=idle)], NOW, POLICY)
    assert [(d.action, d.reason) for d in decisions] == expected


@pytest.mark.parametrize(
    ("in_state", "expected"),
    [
        (timedelta(minutes=239, seconds=59), []),
        (timedelta(minutes=240), [("archive", "paused 240 min")]),
    ],
)
def test_a_paused_agent_is_archived_after_the_paused_threshold(in_state, expected) -> None:
    # Idle for hours, but what counts for archiving is the time spent paused.
    agent = _agent("paused", idle=timedelta(hours=9), in_state=in_state)
    assert [(d.action, d.reason) for d in decide([agent], NOW, POLICY)] == expected


@pytest.mark.parametrize("state", ["running", "paused", "archived", "error"])
def test_an_agent_inactive_for_the_destroy_threshold_is_destroyed_whatever_its_state(state) -> None:
    just_before = _agent(state, idle=timedelta(days=30) - timedelta(seconds=1), in_state=timedelta(days=1))
    at = _agent(state, idle=timedelta(days=30), in_state=timedelta(days=1))
    assert all(d.action != "destroy" for d in decide([just_before], NOW, POLICY))
    assert [(d.action, d.reason) for d in decide([at], NOW, POLICY)] == [("destroy", "inactive 30 days")]


def test_over_capacity_the_least_recently_active_running_agents_are_archived() -> None:
    running = [_agent("running", idle=timedelta(minutes=m), id=f"agt_{m}") for m in (1, 5, 3, 2)]
    assert decide(running[:2], NOW, POLICY) == []  # at the cap: nothing
    decisions = decide(running, NOW, POLICY)
    assert {(d.agent_id, d.action, d.reason) for d in decisions} == {
        ("agt_5", "archive", "over capacity"),
        ("agt_3", "archive", "over capacity"),
    }


def test_agents_the_time_rules_pause_do_not_count_towards_capacity() -> None:
    agents = [
        _agent("running", idle=timedelta(minutes=40), id="agt_idle"),
        _agent("running", idle=timedelta(minutes=1), id="agt_a"),
        _agent("running", idle=timedelta(minutes=2), id="agt_b"),
        _agent("paused", idle=timedelta(minutes=50), in_state=timedelta(minutes=10), id="agt_p"),
        _agent("creating", idle=timedelta(days=40), id="agt_c"),
    ]
    assert decide(agents, NOW, POLICY) == [Decision("agt_idle", "usr_agt_idle", "pause", "idle 40 min")]


def test_time_in_state_sums_each_state_up_to_now_and_stops_at_destroyed() -> None:
    def t(to: str, seconds: float, frm: str | None) -> AgentTransition:
        return AgentTransition(from_state=frm, to_state=to, at=NOW + timedelta(seconds=seconds), reason="x")

    history = [
        t("creating", 0, None),
        t("running", 1, "creating"),
        t("paused", 61, "running"),
        t("running", 361, "paused"),
    ]
    assert time_in_state(history, now=NOW + timedelta(seconds=400)) == {
        "creating": 1.0,
        "running": 60.0 + 39.0,
        "paused": 300.0,
    }
    ended = [*history, t("destroyed", 400, "running")]
    assert time_in_state(ended, now=NOW + timedelta(days=3)) == {
        "creating": 1.0,
        "running": 99.0,
        "paused": 300.0,
    }


# --- the sweep on real local sandboxes -------------------------------------------------------------------


def _user_with_data(platform: Platform) -> str:
    """An Agency user (no monthly question limit: the races ask many) with a small followers snapshot."""
    from followlytics.services.accounts import create_user

    with platform.db.session() as session:
        user_id = create_user(session, email=f"{uuid.uuid4().hex[:10]}@example.com", plan="agency").user.id
    import_files(platform, user_id=user_id, paths=[FOLLOWERS_PAGE], handle="creator")
    return user_id


def _agent_row(platform: Platform, user_id: str) -> Agent:
    with platform.db.session() as session:
        agent = session.scalars(
            select(Agent).where(Agent.user_id == user_id).order_by(Agent.created_at.desc())
        ).first()
        assert agent is not None
        agent.transitions  # noqa: B018 - loaded while the session is open
        return agent


def _ask(platform: Platform, user_id: str) -> queries.QueryAnswer:
    answer = queries.ask(platform, user_id=user_id, question="top followers")
    assert answer.status == "answered" and answer.evidence
    return answer


def test_an_idle_agent_is_paused_then_archived_then_resumed_by_a_question(platform) -> None:
    user_id = _user_with_data(platform)
    _ask(platform, user_id)
    agent = _agent_row(platform, user_id)
    start = datetime.now(UTC)

    assert sweep(platform, now=start).paused == 0  # just used
    report = sweep(platform, now=start + timedelta(minutes=31))
    assert report.paused == 1
    agent = _agent_row(platform, user_id)
    assert agent.state == "paused" and agent.transitions[-1].reason == "idle 31 min"
    assert platform.sandboxes.state(agent.sandbox_id) is SandboxState.PAUSED

    assert sweep(platform, now=start + timedelta(minutes=60)).archived == 0  # paused for < 240 min
    report = sweep(platform, now=datetime.now(UTC) + timedelta(minutes=241))
    assert report.archived == 1
    agent = _agent_row(platform, user_id)
    assert agent.state == "archived" and agent.transitions[-1].reason.startswith("paused 24")
    assert platform.sandboxes.state(agent.sandbox_id) is SandboxState.ARCHIVED

    _ask(platform, user_id)
    again = _agent_row(platform, user_id)
    assert again.id == agent.id and again.state == "running"
    assert [(t.to_state, t.reason) for t in again.transitions] == [
        ("creating", "first question"),
        ("running", "first question"),
        ("paused", "idle 31 min"),
        ("archived", agent.transitions[-1].reason),
        ("running", "resumed for a question"),
    ]
    status = agent_status(platform, user_id=user_id)
    assert set(status.time_in_state) == {"creating", "running", "paused", "archived"}
    assert status.transitions[-1]["reason"] == "resumed for a question"


def test_over_capacity_the_idlest_running_agent_is_archived(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "cap", database_url=None, agent_max_running=1)
    capped = Platform.from_settings(settings)
    try:
        first, second = (_user_with_data(capped) for _ in range(2))
        _ask(capped, first)
        _ask(capped, second)
        report = sweep(capped)
        assert (report.archived, report.paused) == (1, 0)
        assert _agent_row(capped, first).state == "archived"
        assert _agent_row(capped, first).transitions[-1].reason == "over capacity"
        assert _agent_row(capped, second).state == "running"
        assert capped.sandboxes.state(_agent_row(capped, first).sandbox_id) is SandboxState.ARCHIVED
    finally:
        capped.close()


def test_an_agent_inactive_for_30_days_is_destroyed_and_a_later_question_makes_a_new_one(
    platform: Platform,
) -> None:
    user_id = _user_with_data(platform)
    _ask(platform, user_id)
    old = _agent_row(platform, user_id)
    report = sweep(platform, now=datetime.now(UTC) + timedelta(days=30, minutes=1))
    assert report.destroyed == 1
    gone = _agent_row(platform, user_id)
    assert gone.state == "destroyed" and gone.transitions[-1].reason == "inactive 30 days"
    assert platform.sandboxes.state(old.sandbox_id) is SandboxState.DESTROYED
    assert (platform.users_dir / user_id / "accounts").is_dir()  # the user's data stays

    _ask(platform, user_id)
    new = _agent_row(platform, user_id)
    assert new.id != old.id and new.state == "running"
    assert new.transitions[0].reason == "first question"


def test_a_sandbox_the_provider_lost_is_recorded_archived(platform) -> None:
    user_id = _user_with_data(platform)
    _ask(platform, user_id)
    agent = _agent_row(platform, user_id)
    platform.sandboxes.delete(agent.sandbox_id)  # gone behind the control plane's back
    report = sweep(platform)
    assert report.lost == 1
    lost = _agent_row(platform, user_id)
    assert (lost.state, lost.transitions[-1].reason) == ("archived", "lost by provider")
    _ask(platform, user_id)  # the next question brings it back
    assert _agent_row(platform, user_id).state == "running"


# --- questions racing the sweep ---------------------------------------------------------------------------


def _race(platform: Platform, user_id: str, *, threads: int = 4, questions: int = 6) -> None:
    """Questions from several threads while a sweep with a zero idle threshold runs in a loop."""
    provider = platform.sandboxes
    real_exec = provider.exec
    seen: list[tuple[str, SandboxState]] = []

    def observed_exec(sandbox_id: str, tool: str, args: dict) -> dict:
        # What the control plane and the provider say while a question is mid-way, before the call.
        with platform.db.session() as session:
            state = session.scalar(select(Agent.state).where(Agent.sandbox_id == sandbox_id))
        seen.append((state, provider.state(sandbox_id)))
        return real_exec(sandbox_id, tool, args)

    provider.exec = observed_exec  # type: ignore[method-assign]
    answers: list[queries.QueryAnswer] = []
    errors: list[BaseException] = []
    done = threading.Event()
    sweeps = {"paused": 0}

    def asker(seed: int) -> None:
        gaps = random.Random(seed)
        try:
            for _ in range(questions):
                answers.append(queries.ask(platform, user_id=user_id, question="top followers"))
                time.sleep(gaps.uniform(0.0, 0.25))  # gaps, so the sweep finds the agent idle now and then
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def sweeper() -> None:
        try:
            while not done.is_set():
                sweeps["paused"] += sweep(platform).paused
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    try:
        sweep_thread = threading.Thread(target=sweeper)
        sweep_thread.start()
        askers = [threading.Thread(target=asker, args=(seed,)) for seed in range(threads)]
        for thread in askers:
            thread.start()
        for thread in askers:
            thread.join(timeout=60)
        done.set()
        sweep_thread.join(timeout=60)
    finally:
        provider.exec = real_exec  # type: ignore[method-assign]

    assert not errors, errors
    assert len(answers) == threads * questions
    assert all(a.status == "answered" and a.evidence for a in answers)
    with platform.db.session() as session:
        assert session.scalar(select(Query).where(Query.status != "answered")) is None
    # No question ever found its agent paused (in the database or in the provider) mid-way.
    assert seen and all(pair == ("running", SandboxState.RUNNING) for pair in seen), set(seen)
    agent = _agent_row(platform, user_id)
    chain = agent.transitions
    assert all(b.from_state == a.to_state for a, b in zip(chain, chain[1:], strict=False))
    assert all(t.reason for t in chain)
    # The sweep really did pause the agent between questions, and questions resumed it.
    assert sweeps["paused"] >= 1
    assert any(t.reason == "resumed for a question" for t in chain), [(t.to_state, t.reason) for t in chain]


def _racing_platform(tmp_path: Path, database_url: str | None) -> Platform:
    settings = Settings(
        data_dir=tmp_path / "race", database_url=database_url, agent_pause_after_idle_minutes=0
    )
    return Platform.from_settings(settings)


def test_concurrent_questions_and_sweeps_on_sqlite(tmp_path: Path) -> None:
    racing = _racing_platform(tmp_path, None)
    try:
        _race(racing, _user_with_data(racing))
    finally:
        racing.close()


def test_concurrent_questions_and_sweeps_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    racing = _racing_platform(tmp_path, postgres_url)
    try:
        _race(racing, _user_with_data(racing))
    finally:
        racing.close()


def test_two_questions_at_once_cannot_both_take_the_last_one_of_the_month(
    tmp_path: Path, database_url: str
) -> None:
    platform = Platform.from_settings(
        Settings(data_dir=tmp_path / "quota", database_url=database_url, queue_in_process=False)
    )
    try:
        user_id = _user_with_data(platform)
        with platform.db.session() as session:
            owner = session.get_one(User, user_id)
            owner.plan = "pro"  # 10 a month, and overage blocked (the default)
            for _ in range(9):
                records.question(session, owner, utcnow())
        start = threading.Barrier(2)
        outcomes: list[str] = []

        def asker() -> None:
            start.wait()
            try:
                outcomes.append(queries.ask(platform, user_id=user_id, question="top followers").status)
            except QuotaExceeded as exc:
                outcomes.append(type(exc).__name__)

        threads = [threading.Thread(target=asker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["QuotaExceeded", "answered"]
        with platform.db.session() as session:
            answered = session.scalar(
                select(func.count(Query.id)).where(Query.user_id == user_id, Query.status == "answered")
            )
        assert answered == 10
    finally:
        platform.close()


# --- the command line -------------------------------------------------------------------------------------


def test_followlytics_sweep_json_reports_what_it_did(cli) -> None:
    cli("users", "create", "--email", "sweep@example.com", "--plan", "pro")
    cli("import", "sweep@example.com", str(FOLLOWERS_PAGE), "--account", "creator")
    cli("ask", "sweep@example.com", "top followers")
    # Each command is its own process-like run: the local sandbox ended with the `ask` command.
    report = json.loads(cli("sweep", "--json").stdout)
    assert (report["agents"], report["lost"]) == (1, 1)
    assert report["actions"][0]["reason"] == "lost by provider"
    status = json.loads(cli("agents", "status", "sweep@example.com", "--json").stdout)
    assert status["state"] == "archived"
    assert status["transitions"][-1]["reason"] == "lost by provider"
    assert set(status["time_in_state"]) == {"creating", "running", "archived"}
    again = json.loads(cli("sweep", "--json").stdout)
    assert (again["agents"], again["lost"], again["actions"]) == (1, 0, [])
    human = cli("agents", "status", "sweep@example.com").stdout
    assert "lost by provider" in human and "time in state" in human


# --- the lifecycle lock across processes ----------------------------------------------------------------

_HOLD_LOCK = """
import sys, time
from pathlib import Path
from followlytics.config import Settings
from followlytics.services.agents import lifecycle_session
from followlytics.services.platform import Platform

data_dir, url, user_id, marker = sys.argv[1:5]
platform = Platform.from_settings(Settings(data_dir=Path(data_dir), database_url=url or None), migrate=False)
with lifecycle_session(platform, user_id):
    print("locked", flush=True)
    time.sleep(0.5)
    Path(marker).write_text("released")
platform.close()
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_lifecycle_lock_holds_across_processes(tmp_path: Path, backend: str, request) -> None:
    """Another process (a huey worker) holding a user's lifecycle lock makes this one wait for it."""
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    settings = Settings(data_dir=tmp_path / "lock", database_url=url)
    here = Platform.from_settings(settings)
    try:
        user_id = _user_with_data(here)
        marker = tmp_path / "released"
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLD_LOCK, str(settings.data_dir), url or "", user_id, str(marker)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
            with lifecycle_session(here, user_id):
                assert marker.exists()  # we only got in after the other process let go
        finally:
            assert holder.wait(timeout=30) == 0
    finally:
        here.close()


# --- huey ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "minutes"), [(1, 1), (60, 1), (61, 2), (300, 5)])
def test_the_sweep_period_is_whole_minutes(seconds: int, minutes: int) -> None:
    from followlytics.jobs.tasks import due_every, every_minutes

    assert every_minutes(seconds) == minutes
    due = due_every(5)
    assert due(datetime(2026, 11, 25, 12, 10)) and not due(datetime(2026, 11, 25, 12, 11))


def test_the_queue_is_redis_when_configured_else_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    from huey import RedisHuey, SqliteHuey

    from followlytics.jobs.queue import build_huey

    local = build_huey(Settings(data_dir=tmp_path, database_url=None))
    assert isinstance(local, SqliteHuey) and (tmp_path / "queue.db").exists()
    remote = build_huey(Settings(data_dir=tmp_path, queue_url="redis://127.0.0.1:6379/15"))
    assert isinstance(remote, RedisHuey)
    remote.storage.conn.ping()


def test_the_sweep_task_runs_on_a_real_huey_consumer(tmp_path: Path) -> None:
    from huey import signals

    from followlytics.jobs import tasks
    from followlytics.jobs.queue import build_huey, start_consumer

    settings = Settings(data_dir=tmp_path / "worker", database_url=None, agent_pause_after_idle_minutes=0)
    queue = build_huey(settings)
    lifecycle_sweep = tasks.register_sweep(queue, settings)
    platform = Platform.from_settings(settings)
    tasks.use_platform(platform)
    consumer = start_consumer(queue, workers=1, periodic=False)
    try:
        user_id = _user_with_data(platform)
        _ask(platform, user_id)
        finished = threading.Event()
        outcome: list[str] = []

        @queue.signal(signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR)
        def _heard(signal: str, task, exc=None) -> None:  # huey keeps no results of periodic tasks
            outcome.append(signal)
            finished.set()

        lifecycle_sweep()  # enqueue it now, as the scheduler does each period
        assert finished.wait(timeout=30) and outcome == [signals.SIGNAL_COMPLETE]
        agent = _agent_row(platform, user_id)
        assert (agent.state, agent.transitions[-1].reason) == ("paused", "idle 0 min")
    finally:
        consumer.stop(graceful=True)
        tasks.use_platform(None)
        platform.close()


def test_a_sweep_skipping_local_sandboxes_leaves_them_alone(platform: Platform) -> None:
    """A separate worker process cannot see the API's local sandboxes, so it must not call them lost."""
    user_id = _user_with_data(platform)
    _ask(platform, user_id)
    platform.sandboxes.close()  # as seen from another process: no such sandbox here
    report = sweep(platform, now=datetime.now(UTC) + timedelta(days=31), skip_providers=("local",))
    assert (report.agents, report.lost, report.destroyed, report.actions) == (0, 0, 0, [])
    assert _agent_row(platform, user_id).state == "running"
