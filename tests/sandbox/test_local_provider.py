"""The local sandbox provider: real runtime processes (under bubblewrap where it works), their lifecycle.

Isolation itself (network, files, PID namespace, limits) is tested in `test_bubblewrap.py`.
"""

from __future__ import annotations

import os
import signal
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
from followlytics.errors import Conflict, InvalidInput, NoAudienceData, SandboxError
from followlytics.sandbox.base import SandboxProvider, SandboxState
from followlytics.sandbox.local import LocalSandboxProvider


def _import(user_root: Path, account_id: str, rows: list[dict[str, Any]]) -> None:
    table = pa.Table.from_pylist(rows, schema=FOLLOWER_SCHEMA)
    write_snapshot(account_dir(user_root, account_id), table, sources=["test"])


def _follower(id: str, followers: int, **values: Any) -> dict[str, Any]:
    return {"id": id, "username": f"user_{id}", "followers_count": followers, **values}


def _wait_dead(pid: int) -> None:
    """Until `pid` is gone or a zombie (it can no longer run)."""
    for _ in range(200):
        try:
            status = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
        except FileNotFoundError:
            return
        if status == "Z":
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} is still alive")


@pytest.fixture
def provider() -> Iterator[LocalSandboxProvider]:
    made = LocalSandboxProvider(timeout=20)
    yield made
    made.close()


@pytest.fixture
def user_root(tmp_path: Path) -> Path:
    root = tmp_path / "users" / "u1"
    _import(
        root, "acc_x", [_follower("small", 10), _follower("big", 90_000, verified=True, verified_type="blue")]
    )
    return root


def test_create_runs_the_sandbox_and_exec_returns_tool_results(
    provider: LocalSandboxProvider, user_root: Path
):
    typed: SandboxProvider = provider  # the protocol the control plane codes against
    assert typed.name == "local"

    assert provider.create("sbx_1", user_root) is SandboxState.RUNNING
    assert provider.state("sbx_1") is SandboxState.RUNNING
    # Under bubblewrap the user's folder is mounted at /data.
    root = "data" if provider.isolates else "u1"
    assert provider.exec("sbx_1", "ping", {}) == {"pong": True, "root": root, "cached_tables": 0}

    result = provider.exec("sbx_1", "top_followers", {"account_id": "acc_x", "limit": 5})
    assert [f["username"] for f in result["followers"]] == ["user_big", "user_small"]
    assert result["followers"][0]["reasons"][0] == "reach: 90K followers"
    assert result["verified_matched"] == 1
    assert result["evidence"]["rows_read"] == 2


def test_a_new_snapshot_is_seen_on_the_next_call(provider: LocalSandboxProvider, user_root: Path):
    provider.create("sbx_1", user_root)
    before = provider.exec("sbx_1", "top_followers", {"account_id": "acc_x"})
    _import(user_root, "acc_x", [_follower("fresh", 5)])
    after = provider.exec("sbx_1", "top_followers", {"account_id": "acc_x"})
    assert [f["id"] for f in after["followers"]] == ["fresh"]
    assert after["evidence"]["snapshot"] != before["evidence"]["snapshot"]


def test_runtime_errors_come_back_as_their_own_types(provider: LocalSandboxProvider, user_root: Path):
    provider.create("sbx_1", user_root)
    with pytest.raises(NoAudienceData, match="No followers imported for this account yet"):
        provider.exec("sbx_1", "top_followers", {"account_id": "acc_empty"})

    with pytest.raises(InvalidInput) as bad_limit:
        provider.exec("sbx_1", "top_followers", {"account_id": "acc_x", "limit": 0})
    assert bad_limit.value.field == "limit"

    with pytest.raises(InvalidInput) as escape:
        provider.exec("sbx_1", "top_followers", {"account_id": "../x"})
    assert escape.value.field == "account_id"

    # The sandbox is still usable after errors.
    assert provider.exec("sbx_1", "ping", {})["pong"] is True


def _status(pid: int) -> str:
    return next(
        line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State:")
    )


def test_pause_freezes_the_process_and_a_call_resumes_it(provider: LocalSandboxProvider, user_root: Path):
    provider.create("sbx_1", user_root)
    pid = provider.pid("sbx_1")
    assert pid is not None
    provider.exec("sbx_1", "top_followers", {"account_id": "acc_x"})  # loads the snapshot

    assert provider.pause("sbx_1") is SandboxState.PAUSED
    assert provider.state("sbx_1") is SandboxState.PAUSED
    assert "T (stopped)" in _status(pid)
    assert provider.pause("sbx_1") is SandboxState.PAUSED  # twice is fine

    result = provider.exec("sbx_1", "top_followers", {"account_id": "acc_x"})
    assert result["matched"] == 2
    assert provider.state("sbx_1") is SandboxState.RUNNING
    assert provider.pid("sbx_1") == pid  # the same process, memory kept
    assert "T (stopped)" not in _status(pid)

    provider.pause("sbx_1")
    assert provider.start("sbx_1") is SandboxState.RUNNING
    assert provider.pid("sbx_1") == pid
    assert provider.exec("sbx_1", "ping", {})["pong"] is True


def test_archive_ends_the_process_and_exec_starts_a_new_one(provider: LocalSandboxProvider, user_root: Path):
    provider.create("sbx_1", user_root)
    first_pid = provider.pid("sbx_1")
    scratch = provider.scratch("sbx_1")
    assert first_pid is not None and scratch is not None and scratch.is_dir()

    assert provider.archive("sbx_1") is SandboxState.ARCHIVED
    assert provider.state("sbx_1") is SandboxState.ARCHIVED
    assert provider.pid("sbx_1") is None
    _wait_dead(first_pid)
    assert not scratch.exists()  # scratch is wiped; the user's folder (the workspace) is kept
    assert user_root.is_dir()

    assert provider.exec("sbx_1", "top_followers", {"account_id": "acc_x"})["matched"] == 2
    assert provider.state("sbx_1") is SandboxState.RUNNING
    assert provider.pid("sbx_1") not in (None, first_pid)

    provider.archive("sbx_1")
    assert provider.start("sbx_1") is SandboxState.RUNNING
    assert provider.start("sbx_1") is SandboxState.RUNNING  # no-op when running


def test_a_paused_sandbox_can_be_archived_and_deleted(provider: LocalSandboxProvider, user_root: Path):
    provider.create("sbx_1", user_root)
    pid = provider.pid("sbx_1")
    assert pid is not None
    provider.pause("sbx_1")
    assert provider.archive("sbx_1") is SandboxState.ARCHIVED
    _wait_dead(pid)
    assert provider.pause("sbx_1") is SandboxState.ARCHIVED  # nothing to freeze
    assert provider.exec("sbx_1", "ping", {})["pong"] is True
    second = provider.pid("sbx_1")
    assert second is not None
    provider.pause("sbx_1")
    assert provider.delete("sbx_1") is SandboxState.DESTROYED
    _wait_dead(second)


def test_a_sandbox_outlives_the_thread_that_started_it(provider: LocalSandboxProvider, user_root: Path):
    # bwrap's --die-with-parent is tied to the thread that started it; servers call from pool threads.
    starter = threading.Thread(target=provider.create, args=("sbx_1", user_root))
    starter.start()
    starter.join(timeout=30)
    pid = provider.pid("sbx_1")
    time.sleep(0.3)
    assert provider.state("sbx_1") is SandboxState.RUNNING
    assert provider.exec("sbx_1", "ping", {})["pong"] is True
    assert provider.pid("sbx_1") == pid


def test_stop_then_exec_starts_a_new_child(provider: LocalSandboxProvider, user_root: Path):
    provider.create("sbx_1", user_root)
    first_pid = provider.pid("sbx_1")
    assert first_pid is not None

    assert provider.archive("sbx_1") is SandboxState.ARCHIVED
    _wait_dead(first_pid)

    assert provider.exec("sbx_1", "ping", {})["pong"] is True
    assert provider.state("sbx_1") is SandboxState.RUNNING
    assert provider.pid("sbx_1") not in (None, first_pid)


def test_delete_forgets_the_sandbox(provider: LocalSandboxProvider, user_root: Path):
    provider.create("sbx_1", user_root)
    pid = provider.pid("sbx_1")
    assert pid is not None

    assert provider.delete("sbx_1") is SandboxState.DESTROYED
    assert provider.state("sbx_1") is SandboxState.DESTROYED
    _wait_dead(pid)
    with pytest.raises(SandboxError, match="does not exist"):
        provider.exec("sbx_1", "ping", {})
    with pytest.raises(SandboxError):
        provider.start("sbx_1")
    assert provider.delete("sbx_1") is SandboxState.DESTROYED  # twice is fine
    assert provider.archive("sbx_never") is SandboxState.DESTROYED
    assert provider.pause("sbx_never") is SandboxState.DESTROYED
    assert provider.state("sbx_never") is SandboxState.DESTROYED
    assert user_root.is_dir()  # the user's data stays in the control plane


def test_create_twice_is_idempotent_but_not_for_another_folder(
    provider: LocalSandboxProvider, user_root: Path, tmp_path: Path
):
    provider.create("sbx_1", user_root)
    pid = provider.pid("sbx_1")
    assert provider.create("sbx_1", user_root) is SandboxState.RUNNING
    assert provider.pid("sbx_1") == pid
    with pytest.raises(Conflict):
        provider.create("sbx_1", tmp_path / "users" / "u2")
    with pytest.raises(InvalidInput):
        provider.create("../sbx", user_root)


def test_no_secret_of_the_parent_reaches_the_child(
    provider: LocalSandboxProvider, user_root: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("FOLLOWLYTICS_ADMIN_KEY", "sekrit")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("XAI_API_TOKEN", "xai-test")
    monkeypatch.setenv("DAYTONA_SECRET", "dt-test")
    provider.create("sbx_1", user_root)
    pid = provider.pid("sbx_1")

    raw = Path(f"/proc/{pid}/environ").read_bytes()
    child_env = dict(item.split("=", 1) for item in raw.decode().split("\0") if item)
    assert b"sekrit" not in raw and b"sk-test" not in raw and b"xai-test" not in raw and b"dt-test" not in raw
    assert not [name for name in child_env if name.startswith("FOLLOWLYTICS_")]
    assert not [name for name in child_env if name.endswith(("_KEY", "_TOKEN", "_SECRET"))]
    if provider.isolates:
        # bwrap's --chdir adds PWD.
        assert set(child_env) == {"PATH", "HOME", "TMPDIR", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "PWD"}
        assert child_env["HOME"] == child_env["TMPDIR"] == "/scratch"
    else:
        assert child_env["HOME"] == str(user_root.resolve())


def test_a_child_killed_between_calls_is_restarted_by_the_next_call(
    provider: LocalSandboxProvider, user_root: Path
):
    provider.create("sbx_1", user_root)
    pid = provider.pid("sbx_1")
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    # A killed multi-threaded process can show as a zombie before it can be reaped, so wait for the
    # provider to see it gone rather than for /proc.
    deadline = time.monotonic() + 5
    while provider.state("sbx_1") is not SandboxState.ARCHIVED and time.monotonic() < deadline:
        time.sleep(0.01)

    assert provider.state("sbx_1") is SandboxState.ARCHIVED  # a death is not an error
    result = provider.exec("sbx_1", "top_followers", {"account_id": "acc_x"})
    assert result["matched"] == 2
    assert provider.state("sbx_1") is SandboxState.RUNNING
    assert provider.pid("sbx_1") not in (None, pid)


def test_a_child_dying_during_a_call_fails_that_call_and_the_next_one_restarts(
    provider: LocalSandboxProvider, user_root: Path
):
    provider.create("sbx_1", user_root)
    pid = provider.pid("sbx_1")
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # the call below is then waiting on a child that cannot answer
    outcome: list[BaseException | dict[str, Any]] = []

    def call() -> None:
        try:
            outcome.append(provider.exec("sbx_1", "ping", {}))
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)
    caller.join(timeout=10)

    assert len(outcome) == 1 and isinstance(outcome[0], SandboxError)
    assert "stopped during ping" in str(outcome[0])
    assert provider.state("sbx_1") is SandboxState.ARCHIVED
    assert provider.exec("sbx_1", "ping", {})["pong"] is True


def test_a_call_past_the_timeout_kills_the_child(user_root: Path):
    provider = LocalSandboxProvider(timeout=2)
    try:
        provider.create("sbx_1", user_root)
        pid = provider.pid("sbx_1")
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(SandboxError, match="did not answer within 2 s"):
            provider.exec("sbx_1", "ping", {})
        assert time.monotonic() - started < 6
        _wait_dead(pid)
        assert provider.state("sbx_1") is SandboxState.ARCHIVED
    finally:
        provider.close()


def test_a_child_that_cannot_start_in_time_leaves_the_sandbox_in_error(user_root: Path):
    provider = LocalSandboxProvider(timeout=0.01)  # far less than a Python start-up
    try:
        with pytest.raises(SandboxError, match="did not answer"):
            provider.create("sbx_1", user_root)
        assert provider.state("sbx_1") is SandboxState.ERROR
        assert provider.pid("sbx_1") is None
        provider._timeout = 20  # the cause went away: the next call starts it
        assert provider.exec("sbx_1", "ping", {})["pong"] is True
        assert provider.state("sbx_1") is SandboxState.RUNNING
    finally:
        provider.close()


def test_calls_from_many_threads_are_serialised(provider: LocalSandboxProvider, user_root: Path):
    provider.create("sbx_1", user_root)
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(provider.exec("sbx_1", "top_followers", {"account_id": "acc_x"})["matched"])
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert results == [2] * 20


def test_close_ends_every_child_and_can_run_twice(tmp_path: Path, user_root: Path):
    provider = LocalSandboxProvider(log_dir=tmp_path / "logs")
    provider.create("sbx_1", user_root)
    provider.create("sbx_2", tmp_path / "users" / "u2")
    provider.pause("sbx_2")  # a frozen one is ended too
    pids = [provider.pid("sbx_1"), provider.pid("sbx_2")]

    provider.close()
    provider.close()
    for pid in pids:
        assert pid is not None
        _wait_dead(pid)
    assert provider.state("sbx_1") is SandboxState.ARCHIVED
    assert provider.state("sbx_2") is SandboxState.ARCHIVED
    assert (tmp_path / "logs" / "sbx_1.log").is_file()


def test_a_sandbox_cannot_choose_the_control_planes_error_status() -> None:
    from followlytics.errors import InvalidInput, NoAudienceData, ToolFailed
    from followlytics.sandbox.base import error_from_answer as _error_from

    assert type(_error_from({"type": "Unauthorized", "message": "log in again"})) is ToolFailed
    assert type(_error_from({"type": "Conflict", "message": "x"})) is ToolFailed
    assert type(_error_from({"type": "NoAudienceData", "message": "x"})) is NoAudienceData
    invalid = _error_from({"type": "InvalidInput", "message": "bad", "field": "limit"})
    assert type(invalid) is InvalidInput and invalid.field == "limit"


@pytest.fixture
def kept(tmp_path: Path) -> Iterator[LocalSandboxProvider]:
    """A provider whose sandboxes keep a workspace (the table cache), as the platform builds it."""
    made = LocalSandboxProvider(timeout=20, workspace_dir=tmp_path / "workspaces")
    yield made
    made.close()


def test_an_archived_sandbox_starts_again_with_the_tables_it_kept(
    kept: LocalSandboxProvider, user_root: Path, tmp_path: Path
):
    kept.create("sbx_1", user_root)
    first = kept.exec("sbx_1", "top_followers", {"account_id": "acc_x", "limit": 5})
    assert kept.pause("sbx_1") is SandboxState.PAUSED  # the pause copies the tables to the workspace
    assert (tmp_path / "workspaces" / "sbx_1" / "tables.duckdb").is_file()
    assert kept.archive("sbx_1") is SandboxState.ARCHIVED

    again = kept.exec("sbx_1", "top_followers", {"account_id": "acc_x", "limit": 5})
    assert again == first
    assert kept.exec("sbx_1", "ping", {})["cached_tables"] >= 2  # the snapshot and its scores


def test_archiving_a_running_sandbox_keeps_its_tables_too(kept: LocalSandboxProvider, user_root: Path):
    kept.create("sbx_1", user_root)
    kept.exec("sbx_1", "top_followers", {"account_id": "acc_x", "limit": 5})
    kept.archive("sbx_1")  # over capacity: archived straight from running
    assert kept.exec("sbx_1", "ping", {})["cached_tables"] >= 2


def test_delete_removes_the_workspace_even_after_a_restart(user_root: Path, tmp_path: Path):
    workspaces = tmp_path / "workspaces"
    before = LocalSandboxProvider(timeout=20, workspace_dir=workspaces)
    before.create("sbx_1", user_root)
    before.exec("sbx_1", "top_followers", {"account_id": "acc_x", "limit": 5})
    before.pause("sbx_1")
    before.close()  # the server stops; the workspace stays for the agent's next start
    assert (workspaces / "sbx_1").is_dir()

    after = LocalSandboxProvider(timeout=20, workspace_dir=workspaces)
    try:
        assert after.delete("sbx_1") is SandboxState.DESTROYED  # never started by this process
    finally:
        after.close()
    assert not (workspaces / "sbx_1").exists()
