"""The E2B provider through the real `e2b` SDK, against a loopback fake of E2B's API and envd
(`tests/fakes/e2b_server.py`).

Commands the SDK starts run for real in the fake (bubblewrap, one folder per sandbox at /home/user), so each
answer below comes from the real runtime reading the Parquet snapshots the provider uploaded.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from followlytics.audience.paths import account_dir
from followlytics.audience.schema import FOLLOWER_SCHEMA
from followlytics.audience.snapshots import write_snapshot
from followlytics.errors import NoAudienceData, SandboxError, SandboxUnavailable
from followlytics.sandbox.base import SandboxState
from followlytics.sandbox.e2b import E2BSandboxProvider
from tests.fakes.e2b_server import E2BFake

pytest.importorskip("e2b")
pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="the fake runs commands under bwrap")


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[E2BFake]:
    with E2BFake(tmp_path / "e2b") as fake:
        yield fake


def _provider(fake: E2BFake, **options: Any) -> E2BSandboxProvider:
    return E2BSandboxProvider(
        api_key=fake.api_key,
        template="followlytics-runtime",
        api_url=fake.api_url,
        sandbox_url=fake.sandbox_url,
        retries=0,
        **options,
    )


def _import(user_root: Path, account_id: str, followers: dict[str, int]) -> None:
    rows = [{"id": i, "username": f"user_{i}", "followers_count": n} for i, n in followers.items()]
    write_snapshot(
        account_dir(user_root, account_id), pa.Table.from_pylist(rows, schema=FOLLOWER_SCHEMA), sources=["t"]
    )


def _top(provider: E2BSandboxProvider, sandbox_id: str, limit: int = 2) -> list[str]:
    result = provider.exec(sandbox_id, "top_followers", {"account_id": "acc_x", "limit": limit})
    return [f["id"] for f in result["followers"]]


def _parquet_uploads(fake: E2BFake) -> list[str]:
    return [u.path for u in fake.uploads if u.path.endswith(".parquet")]


@pytest.fixture
def user_root(tmp_path: Path) -> Path:
    root = tmp_path / "users" / "u1"
    _import(root, "acc_x", {"1": 10, "2": 5_000, "3": 700})
    (root / "accounts.json").write_text("[]")
    return root


def test_create_makes_one_paused_on_idle_offline_sandbox_tagged_with_the_user(fake: E2BFake, user_root: Path):
    provider = _provider(fake, timeout_seconds=900)
    assert provider.create("agent_u1", user_root) is SandboxState.RUNNING
    assert provider.create("agent_u1", user_root) is SandboxState.RUNNING  # again: the same sandbox
    [sandbox] = fake.sandboxes.values()
    assert sandbox.metadata == {"user_id": "u1", "sandbox_id": "agent_u1"}
    assert sandbox.template == "followlytics-runtime"
    assert sandbox.auto_pause is True and sandbox.allow_internet_access is False
    [create] = [r for r in fake.requests if r.method == "POST" and r.path == "/v2/sandboxes"]
    assert create.json()["timeout"] == 900
    assert provider.state("agent_u1") is SandboxState.RUNNING
    assert provider.isolates is True and provider.name == "e2b"


def test_exec_uploads_the_data_once_and_answers_from_the_real_runtime(fake: E2BFake, user_root: Path):
    provider = _provider(fake)
    provider.create("agent_u1", user_root)
    assert _top(provider, "agent_u1") == ["2", "3"]
    [sandbox] = fake.sandboxes.values()
    uploaded = {u.path for u in fake.uploads}
    assert "/home/user/followlytics/accounts.json" in uploaded
    assert len(_parquet_uploads(fake)) == 1
    assert (sandbox.folder / "home" / "followlytics" / "accounts.json").read_text() == "[]"
    # The command is the runtime over the sandbox's copy, one request, exactly as documented.
    argv = fake.commands[-1]
    assert argv[:3] == ["/bin/bash", "-l", "-c"]
    assert argv[3].startswith(
        "python -m followlytics.sandbox.runtime --root /home/user/followlytics --request "
    )

    # Unchanged data is not sent again; a new snapshot is, and the answer follows it.
    uploads_before = len(fake.uploads)
    assert _top(provider, "agent_u1", limit=1) == ["2"]
    assert len(fake.uploads) == uploads_before
    time.sleep(0.002)  # a later snapshot id
    _import(user_root, "acc_x", {"9": 90_000})
    assert _top(provider, "agent_u1", limit=1) == ["9"]
    assert len(_parquet_uploads(fake)) == 2

    # An error the runtime reports comes back as the same followlytics error class.
    with pytest.raises(NoAudienceData):
        provider.exec("agent_u1", "top_followers", {"account_id": "acc_none"})


def test_a_paused_sandbox_is_resumed_by_the_next_call_with_its_files_kept(fake: E2BFake, user_root: Path):
    provider = _provider(fake)
    provider.create("agent_u1", user_root)
    _top(provider, "agent_u1")
    assert provider.pause("agent_u1") is SandboxState.PAUSED
    [sandbox] = fake.sandboxes.values()
    assert sandbox.state == "paused" and provider.state("agent_u1") is SandboxState.PAUSED
    assert provider.pause("agent_u1") is SandboxState.PAUSED  # E2B's 409 "already paused" is fine
    uploads_before = len(fake.uploads)
    assert _top(provider, "agent_u1") == ["2", "3"]
    assert sandbox.state == "running" and sandbox.resumes == 1
    assert len(fake.uploads) == uploads_before  # memory and disk were kept: nothing sent again
    assert len(fake.sandboxes) == 1


def test_an_archived_sandbox_is_made_again_with_the_data_uploaded_again(fake: E2BFake, user_root: Path):
    provider = _provider(fake)
    provider.create("agent_u1", user_root)
    _top(provider, "agent_u1")
    [first] = fake.sandboxes.values()
    assert provider.archive("agent_u1") is SandboxState.ARCHIVED
    assert first.state == "killed" and provider.state("agent_u1") is SandboxState.ARCHIVED
    assert _top(provider, "agent_u1") == ["2", "3"]
    [second] = [s for s in fake.sandboxes.values() if s.state == "running"]
    assert second.id != first.id
    assert second.metadata == {"user_id": "u1", "sandbox_id": "agent_u1"}
    assert [u.sandbox_id for u in fake.uploads if u.path.endswith(".parquet")] == [first.id, second.id]
    assert provider.state("agent_u1") is SandboxState.RUNNING


def test_a_sandbox_e2b_paused_at_its_timeout_resumes_on_the_next_call(fake: E2BFake, user_root: Path):
    provider = _provider(fake, timeout_seconds=1)
    provider.create("agent_u1", user_root)
    time.sleep(1.05)
    assert provider.state("agent_u1") is SandboxState.PAUSED
    assert _top(provider, "agent_u1") == ["2", "3"]
    assert [s.resumes for s in fake.sandboxes.values()] == [1]


def test_a_restarted_control_plane_finds_its_sandbox_by_metadata(fake: E2BFake, user_root: Path):
    first = _provider(fake)
    first.create("agent_u1", user_root)
    assert _top(first, "agent_u1") == ["2", "3"]
    parquet_before = len(_parquet_uploads(fake))

    # A new provider object (the server restarted): state by metadata, then create attaches, no new sandbox.
    restarted = _provider(fake)
    assert restarted.state("agent_u1") is SandboxState.RUNNING
    assert restarted.create("agent_u1", user_root) is SandboxState.RUNNING
    assert _top(restarted, "agent_u1") == ["2", "3"]
    assert len(fake.sandboxes) == 1
    assert len(_parquet_uploads(fake)) == parquet_before  # the record of uploads in the sandbox was read
    assert [r.method for r in fake.requests if r.path == "/v2/sandboxes"] == ["POST"]

    # It can also pause and delete what it did not make.
    another = _provider(fake)
    assert another.pause("agent_u1") is SandboxState.PAUSED
    assert another.delete("agent_u1") is SandboxState.DESTROYED
    assert [s.state for s in fake.sandboxes.values()] == ["killed"]
    assert _provider(fake).state("agent_u1") is SandboxState.DESTROYED
    with pytest.raises(SandboxError, match="does not exist"):
        _provider(fake).exec("agent_u1", "ping", {})


def test_concurrent_first_calls_make_one_sandbox_and_all_answer(fake: E2BFake, user_root: Path):
    provider = _provider(fake)
    answers: list[list[str]] = []

    def ask() -> None:
        provider.create("agent_u1", user_root)
        answers.append(_top(provider, "agent_u1"))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == [["2", "3"]] * 2
    assert len(fake.sandboxes) == 1 and len(_parquet_uploads(fake)) == 1


def test_delete_ends_the_sandbox_and_later_calls_fail(fake: E2BFake, user_root: Path):
    provider = _provider(fake)
    provider.create("agent_u1", user_root)
    assert provider.delete("agent_u1") is SandboxState.DESTROYED
    assert [s.state for s in fake.sandboxes.values()] == ["killed"]
    assert provider.state("agent_u1") is SandboxState.DESTROYED
    with pytest.raises(SandboxError, match="does not exist"):
        provider.exec("agent_u1", "ping", {})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_e2b_down_is_reported_as_unavailable_and_a_bad_key_is_not(fake: E2BFake, user_root: Path):
    provider = _provider(fake)
    errors: list[Exception] = []

    fake.api_status = 503
    with pytest.raises(SandboxUnavailable) as busy:
        provider.create("agent_u1", user_root)
    assert busy.value.provider == "e2b" and "503" in busy.value.message
    errors.append(busy.value)

    fake.api_status = 500
    with pytest.raises(SandboxUnavailable) as broken:
        provider.create("agent_u1", user_root)
    errors.append(broken.value)

    fake.api_status = None
    provider.create("agent_u1", user_root)
    fake.stop_api()  # the connection the SDK keeps open is dropped, new ones refused
    with pytest.raises(SandboxUnavailable) as dropped:
        provider.exec("agent_u1", "ping", {})
    errors.append(dropped.value)

    nowhere = E2BSandboxProvider(
        api_key=fake.api_key, api_url=f"http://127.0.0.1:{_free_port()}", sandbox_url=fake.sandbox_url
    )
    with pytest.raises(SandboxUnavailable) as refused:
        nowhere.create("agent_u2", user_root)
    assert "Connection refused" in refused.value.message
    errors.append(refused.value)

    for error in errors:
        assert fake.api_key not in str(error) and fake.api_key not in repr(error.__cause__)


def test_a_rejected_key_is_a_plain_sandbox_error_that_does_not_show_the_key(fake: E2BFake, user_root: Path):
    wrong = "e2b_wrong_key_fedcba9876543210"
    provider = E2BSandboxProvider(
        api_key=wrong, api_url=fake.api_url, sandbox_url=fake.sandbox_url, retries=0
    )
    with pytest.raises(SandboxError) as rejected:
        provider.create("agent_u1", user_root)
    assert not isinstance(rejected.value, SandboxUnavailable)
    assert "API key" in rejected.value.message and wrong not in rejected.value.message
    assert wrong not in str(rejected.value.__cause__ or "")


def test_the_api_key_goes_only_to_the_control_plane(fake: E2BFake, user_root: Path):
    provider = _provider(fake)
    provider.create("agent_u1", user_root)
    _top(provider, "agent_u1")
    envd = [r for r in fake.requests if "e2b-sandbox-id" in r.headers]
    assert envd and all("x-api-key" not in r.headers for r in envd)
    for request in envd:
        assert fake.api_key not in json.dumps(request.headers) and fake.api_key.encode() not in request.body
    assert all(fake.api_key not in " ".join(argv) for argv in fake.commands)
    assert all(fake.api_key.encode() not in u.data for u in fake.uploads)
    [sandbox] = fake.sandboxes.values()
    for path in (sandbox.folder / "home").rglob("*"):
        assert not path.is_file() or fake.api_key.encode() not in path.read_bytes()
