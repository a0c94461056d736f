"""Every sandbox provider down: the question is queued (202, with the last answer marked stale), survives a
server restart, and is answered once a provider is back. Also: fail-over to a backup provider first.

The provider is Daytona, through its real SDK against the loopback fake (`tests/fakes/daytona_server.py`),
which can be taken down (every API call answers 503) and brought back.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

pytest.importorskip("daytona")

from followlytics.api.app import create_app  # noqa: E402
from followlytics.config import Settings  # noqa: E402
from followlytics.db.models import Query  # noqa: E402
from followlytics.db.session import Database  # noqa: E402
from followlytics.jobs.tasks import start_jobs, stop_jobs  # noqa: E402
from followlytics.sandbox.daytona import DaytonaSandboxProvider  # noqa: E402
from followlytics.sandbox.local import LocalSandboxProvider  # noqa: E402
from followlytics.services.accounts import create_user  # noqa: E402
from followlytics.services.imports import import_files  # noqa: E402
from followlytics.services.platform import Platform  # noqa: E402
from followlytics.services.queries import ask, get_query  # noqa: E402
from tests.conftest import FIXTURES  # noqa: E402
from tests.fakes.daytona_server import FakeDaytona  # noqa: E402

FOLLOWERS_PAGE = FIXTURES / "x-api-v2" / "followers_page_twittered.json"
QUESTION = "Who are my most valuable followers?"


@pytest.fixture
def fake() -> Iterator[FakeDaytona]:
    with FakeDaytona() as server:
        yield server


def _platform(settings: Settings, fake: FakeDaytona, *, backups: bool = False) -> Platform:
    """A control plane on Daytona (the fake), as `serve` would build it after a (re)start."""
    db = Database(settings.resolved_database_url)
    db.upgrade()
    daytona = DaytonaSandboxProvider(
        api_key=fake.api_key,
        api_url=fake.url,
        users_dir=settings.users_dir,
        use_deprecated_polling=True,
        poll_interval=0.05,
        state_change_timeout=10,
        timeout=60,
    )
    local = [LocalSandboxProvider(isolation="none", timeout=60)] if backups else []
    return Platform(settings=settings, db=db, sandboxes=daytona, backups=local)


def _user(platform: Platform) -> tuple[str, str]:
    with platform.db.session() as session:
        new = create_user(session, email="queued@example.com", plan="pro")
    import_files(platform, user_id=new.user.id, paths=[FOLLOWERS_PAGE], handle="creator")
    return new.user.id, new.api_key


def test_a_question_waits_out_an_outage_and_a_restart_and_is_answered(tmp_path: Path, fake) -> None:
    settings = Settings(data_dir=tmp_path / "data", queue_in_process=False, queue_retry_seconds=1)
    first = _platform(settings, fake)
    user_id, key = _user(first)
    answered = ask(first, user_id=user_id, question=QUESTION)
    assert answered.status == "answered" and answered.tools[0]["name"] == "top_followers"

    fake.down = 503
    with TestClient(create_app(platform=first)) as client:
        response = client.post(
            "/api/agents/query", headers={"Authorization": f"Bearer {key}"}, json={"question": QUESTION}
        )
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["status"] == "queued" and queued["answer"] == ""
    assert queued["stale"]["query_id"] == answered.query_id and queued["stale"]["stale"] is True
    assert queued["stale"]["answer"] == answered.answer and queued["stale"]["age_seconds"] >= 0
    first.close()  # the server goes away with the question still queued

    second = _platform(settings, fake)  # ... and comes back, Daytona still down
    jobs = start_jobs(second)
    try:
        time.sleep(2.5)  # at least one more attempt, refused
        assert get_query(second, user_id=user_id, query_id=queued["query_id"]).status == "queued"
        fake.down = None
        deadline = time.monotonic() + 60
        while (current := get_query(second, user_id=user_id, query_id=queued["query_id"])).status == "queued":
            assert time.monotonic() < deadline, "the queued question was never answered"
            time.sleep(0.3)
    finally:
        stop_jobs(jobs)
        second.close()

    assert current.status == "answered" and current.answer and current.stale is None
    assert [tool["name"] for tool in current.tools] == ["top_followers"]
    with second.db.session() as session:
        assert session.query(Query).filter_by(user_id=user_id).count() == 2  # nothing lost, nothing doubled


def test_with_a_backup_provider_the_question_fails_over_instead_of_queueing(tmp_path: Path, fake) -> None:
    settings = Settings(data_dir=tmp_path / "data", queue_in_process=False)
    platform = _platform(settings, fake, backups=True)
    try:
        user_id, _ = _user(platform)
        ask(platform, user_id=user_id, question=QUESTION)
        fake.down = 503

        answer = ask(platform, user_id=user_id, question="and the next 10?")

        assert answer.status == "answered" and answer.tools[0]["arguments"]["offset"] == 10
        from followlytics.services.agents import agent_status

        status = agent_status(platform, user_id=user_id)
        assert status.sandbox_provider == "local"
        assert status.transitions[-1]["reason"] == "failover to local"
        assert status.transitions[-2]["reason"] == "daytona unavailable"
    finally:
        platform.close()


def test_a_streamed_question_that_is_queued_waits_on_the_stream_for_its_answer(tmp_path: Path, fake) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        queue_in_process=False,
        queue_retry_seconds=1,
        queue_stream_wait_seconds=60,
    )
    platform = _platform(settings, fake)
    user_id, key = _user(platform)
    fake.down = 503
    jobs = start_jobs(platform)
    # Daytona comes back while the client is waiting on the stream.
    threading.Timer(3.0, lambda: setattr(fake, "down", None)).start()
    try:
        with TestClient(create_app(platform=platform)) as client:
            headers = {"Authorization": f"Bearer {key}", "Accept": "text/event-stream"}
            with client.stream(
                "POST", "/api/agents/query", headers=headers, json={"question": QUESTION}
            ) as r:
                assert r.status_code == 200
                lines = list(r.iter_lines())
    finally:
        stop_jobs(jobs)
        platform.close()

    events = [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]
    data = [json.loads(line.removeprefix("data: ")) for line in lines if line.startswith("data: ")]
    assert events == ["queued", "done"]
    assert data[0]["status"] == "queued" and data[1]["status"] == "answered"
    assert data[1]["query_id"] == data[0]["query_id"] and data[1]["tools"][0]["name"] == "top_followers"
    assert any(line.startswith(": waiting") for line in lines)  # keep-alives while it waited


def test_a_queued_question_past_the_limit_is_billed_once_it_is_asked(tmp_path: Path, fake) -> None:
    from decimal import Decimal

    from sqlalchemy import select

    from followlytics.db.models import UsageCharge, User, utcnow
    from followlytics.services.queries import answer_queued
    from followlytics.services.quotas import user_usage
    from tests.services import records

    settings = Settings(data_dir=tmp_path / "data", queue_in_process=False, quota_overage="pay_per_question")
    platform = _platform(settings, fake)
    try:
        user_id, _key = _user(platform)
        with platform.db.session() as session:  # the Pro plan's 10 included questions, asked before
            owner = session.get_one(User, user_id)
            for _ in range(10):
                records.question(session, owner, utcnow())
        fake.down = 503
        queued = ask(platform, user_id=user_id, question=QUESTION)
        assert queued.status == "queued"
        with platform.db.session() as session:
            [charge] = session.scalars(select(UsageCharge)).all()
            assert (charge.query_id, charge.amount_usd) == (queued.query_id, Decimal("0.5"))
        fake.down = None
        assert answer_queued(platform, queued.query_id).status == "answered"
        usage = user_usage(platform, user_id=user_id)
        assert (usage.questions_used, usage.overage_questions, usage.overage_usd) == (11, 1, Decimal("0.5"))
    finally:
        platform.close()
