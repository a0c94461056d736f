"""What bubblewrap keeps a sandbox's code from doing, seen from inside the sandbox through `run_python`."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
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
from followlytics.errors import SandboxError, ToolFailed
from followlytics.sandbox import bubblewrap
from followlytics.sandbox.base import SandboxState
from followlytics.sandbox.local import LocalSandboxProvider

pytestmark = pytest.mark.skipif(bubblewrap.find_bwrap() is None, reason="bubblewrap is not installed")


def _import(user_root: Path) -> None:
    rows = [{"id": "1", "username": "user_1", "followers_count": 10}]
    write_snapshot(
        account_dir(user_root, "acc_x"), pa.Table.from_pylist(rows, schema=FOLLOWER_SCHEMA), sources=["test"]
    )


@pytest.fixture
def user_root(tmp_path: Path) -> Path:
    root = tmp_path / "users" / "u1"
    _import(root)
    return root


@pytest.fixture
def provider() -> Iterator[LocalSandboxProvider]:
    made = LocalSandboxProvider(isolation="bubblewrap", timeout=30)
    yield made
    made.close()


def _run(provider: LocalSandboxProvider, code: str) -> Any:
    """Run `code` in the sandbox and return its `result` (failing the test if the code raised)."""
    answer = provider.exec("sbx_1", "run_python", {"account_id": "acc_x", "code": textwrap.dedent(code)})
    assert answer["ok"], answer["error"]
    return answer["result"]["value"]


def test_no_network_not_even_to_a_loopback_server(provider: LocalSandboxProvider, user_root: Path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted: list[Any] = []
    done = threading.Event()

    def accept() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not done.is_set():
            try:
                accepted.append(server.accept())
            except TimeoutError:
                continue

    listener = threading.Thread(target=accept)
    listener.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # the server is reachable from the host
        time.sleep(0.3)
        reached_from_host = len(accepted)
        provider.create("sbx_1", user_root)
        outcome = _run(
            provider,
            f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2)
                result = "connected"
            except OSError as exc:
                result = f"{{type(exc).__name__}}: {{exc}}"
            """,
        )
        time.sleep(0.3)  # a connection that got through would be accepted by now
    finally:
        done.set()
        listener.join()
        server.close()
    assert reached_from_host == 1
    assert outcome != "connected" and ("Errno" in outcome or "refused" in outcome.lower())
    assert len(accepted) == 1  # the sandbox's attempt never arrived


def test_the_user_folder_is_read_only_and_scratch_is_writable(
    provider: LocalSandboxProvider, user_root: Path
):
    provider.create("sbx_1", user_root)
    outcome = _run(
        provider,
        """
        import os
        def attempt(path):
            try:
                with open(path, "w") as file:
                    file.write("x")
                return "written"
            except OSError as exc:
                return exc.strerror
        result = {
            "data": attempt("/data/planted.txt"),
            "account": attempt("/data/accounts/acc_x/planted.txt"),
            "scratch": attempt("/scratch/note.txt"),
            "tmp": attempt("/tmp/note.txt"),
        }
        """,
    )
    assert outcome["data"] == outcome["account"] == "Read-only file system"
    assert outcome["scratch"] == "written" and outcome["tmp"] == "written"
    assert not list(user_root.rglob("planted.txt"))
    scratch = provider.scratch("sbx_1")
    assert scratch is not None and (scratch / "note.txt").read_text() == "x"


def test_the_hosts_other_files_are_invisible(provider: LocalSandboxProvider, user_root: Path, tmp_path: Path):
    other = tmp_path / "users" / "u2"
    _import(other)
    provider.create("sbx_1", user_root)
    outcome = _run(
        provider,
        f"""
        import os
        paths = ["/home", "/etc/passwd", "/etc/shadow", "/etc/hostname", "/root/.bashrc", "/work",
                 {str(_checkout() / "pyproject.toml")!r}, {str(other)!r}, {str(user_root)!r},
                 {str(tmp_path)!r}, "/var", "/sys", "/run"]
        result = {{
            "visible": [path for path in paths if os.path.exists(path)],
            "top": sorted(os.listdir("/")),
            "etc": sorted(os.listdir("/etc")),
            "uid": os.getuid(),
        }}
        """,
    )
    # Only the folders leading to Python and the package (bound read-only at their own paths) show.
    bound = bubblewrap.python_paths()
    assert [p for p in outcome["visible"] if not any(b == p or b.startswith(f"{p}/") for b in bound)] == []
    allowed_roots = {path.split("/")[1] for path in bound}
    system = {"bin", "sbin", "lib", "lib32", "lib64", "usr", "etc", "proc", "dev", "tmp", "data", "scratch"}
    assert set(outcome["top"]) <= system | allowed_roots
    assert set(outcome["etc"]) <= {"ld.so.cache", "localtime"}
    assert outcome["uid"] == bubblewrap.SANDBOX_UID


def _checkout() -> Path:
    return Path(bubblewrap.__file__).resolve().parents[3]


def test_own_pid_namespace(provider: LocalSandboxProvider, user_root: Path):
    provider.create("sbx_1", user_root)
    outcome = _run(
        provider,
        """
        import os
        result = {
            "pid1": open("/proc/1/comm").read().strip(),
            "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        }
        """,
    )
    assert outcome["pid1"] == "bwrap"
    # bwrap's init, the runtime and the code's process: not this test's process nor any other host one.
    assert len(outcome["pids"]) <= 4
    assert max(outcome["pids"]) < 100


def test_the_environment_holds_nothing_of_the_parent(
    provider: LocalSandboxProvider, user_root: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("FOLLOWLYTICS_ADMIN_KEY", "sekrit")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    provider.create("sbx_1", user_root)
    pid = provider.pid("sbx_1")
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    names = {item.split(b"=", 1)[0].decode() for item in raw.split(b"\0") if item}
    assert names == {"PATH", "HOME", "TMPDIR", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "PWD"}
    assert b"sekrit" not in raw and b"sk-test" not in raw


_PARENT = """
import sys, time
from pathlib import Path
from followlytics.sandbox.local import LocalSandboxProvider
# The scratch folder in the test's own tmp_path: a killed provider cannot remove it.
provider = LocalSandboxProvider(isolation="bubblewrap", timeout=30, scratch_dir=Path(sys.argv[2]))
provider.create("sbx_1", Path(sys.argv[1]))
print(provider.pid("sbx_1"), flush=True)
time.sleep(60)
"""


def _gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.02)
    return False


def test_killing_the_parent_kills_the_sandbox(user_root: Path, tmp_path: Path):
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, str(user_root), str(tmp_path / "scratch")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        runtime_pid = int(parent.stdout.readline())
        assert not _gone(runtime_pid, 0.2)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        assert _gone(runtime_pid, 5)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_the_memory_limit_is_enforced(user_root: Path):
    provider = LocalSandboxProvider(isolation="bubblewrap", memory_mb=700, timeout=30)
    try:
        provider.create("sbx_1", user_root)
        limits = Path(f"/proc/{provider.pid('sbx_1')}/limits").read_text()
        data_line = next(line for line in limits.splitlines() if line.startswith("Max data size"))
        assert data_line.split()[3:5] == [str(700 << 20)] * 2  # soft and hard
        answer = provider.exec(
            "sbx_1", "run_python", {"account_id": "acc_x", "code": "block = bytearray(900 << 20)"}
        )
        assert answer["ok"] is False and answer["limit"] == "memory", answer
        # A smaller allocation still works: the limit, not a broken sandbox, stopped the first.
        ok = provider.exec(
            "sbx_1", "run_python", {"account_id": "acc_x", "code": "result = len(bytearray(1 << 20))"}
        )
        assert ok["ok"] and ok["result"]["value"] == 1 << 20
    finally:
        provider.close()


@pytest.mark.skipif(
    bubblewrap.ProcessCgroup.make("probe", 10) is None, reason="no writable pids cgroup on this host"
)
def test_the_process_limit_is_enforced(user_root: Path):
    bubblewrap.ProcessCgroup.remove(Path("/sys/fs/cgroup/pids/followlytics/probe"))
    provider = LocalSandboxProvider(isolation="bubblewrap", max_processes=24, timeout=30)
    try:
        provider.create("sbx_1", user_root)
        forked = _run(
            provider,
            """
            import os, time
            made = 0
            for _ in range(60):
                try:
                    pid = os.fork()
                except OSError:
                    break
                if pid == 0:
                    time.sleep(3)
                    os._exit(0)
                made += 1
            result = made
            """,
        )
        assert 0 < forked < 24
        assert provider.exec("sbx_1", "ping", {})["pong"] is True
    finally:
        provider.close()


def test_without_bubblewrap_it_warns_and_refuses_code(user_root: Path, caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="followlytics.sandbox.local"):
        provider = LocalSandboxProvider(isolation="none", timeout=30)
    try:
        assert provider.isolates is False
        assert "NOT ISOLATED" in caplog.text
        provider.create("sbx_1", user_root)
        assert provider.exec("sbx_1", "top_followers", {"account_id": "acc_x"})["matched"] == 1
        with pytest.raises(ToolFailed, match="needs an isolated sandbox"):
            provider.exec("sbx_1", "run_python", {"account_id": "acc_x", "code": "result = 1"})
        assert provider.state("sbx_1") is SandboxState.RUNNING
    finally:
        provider.close()


def test_auto_falls_back_and_bubblewrap_refuses_when_bwrap_is_missing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    assert LocalSandboxProvider(isolation="auto").isolates is True  # bwrap is here
    monkeypatch.setattr(bubblewrap, "find_bwrap", lambda: None)
    with caplog.at_level(logging.WARNING, logger="followlytics.sandbox.local"):
        assert LocalSandboxProvider(isolation="auto").isolates is False
    assert "bwrap is not installed" in caplog.text
    with pytest.raises(SandboxError, match="bwrap is not installed"):
        LocalSandboxProvider(isolation="bubblewrap")


def test_model_code_cannot_read_or_change_the_table_cache(user_root: Path, tmp_path: Path):
    # The cache outlives the process: code that could write it could plant wrong tables for later answers.
    workspaces = tmp_path / "workspaces"
    provider = LocalSandboxProvider(isolation="bubblewrap", timeout=30, workspace_dir=workspaces)
    try:
        provider.create("sbx_1", user_root)
        before = provider.exec("sbx_1", "top_followers", {"account_id": "acc_x", "limit": 5})
        provider.pause("sbx_1")
        cache = workspaces / "sbx_1" / "tables.duckdb"
        stored = cache.read_bytes()
        seen = _run(
            provider,
            """
            import ctypes
            import os
            seen = {"listing": os.listdir("/workspace")}
            try:
                open("/workspace/tables.duckdb", "wb").write(b"planted")
                seen["write"] = "written"
            except OSError as exc:
                seen["write"] = type(exc).__name__
            # Nor can it lift the mask: the mount is locked in its namespace (MNT_DETACH = 2).
            seen["unmounted"] = ctypes.CDLL(None).umount2(b"/workspace", 2)
            seen["after"] = os.listdir("/workspace")
            result = seen
            """,
        )
        assert seen == {"listing": [], "write": "OSError", "unmounted": -1, "after": []}
        assert cache.read_bytes() == stored
        provider.archive("sbx_1")
        assert provider.exec("sbx_1", "top_followers", {"account_id": "acc_x", "limit": 5}) == before
        assert provider.exec("sbx_1", "ping", {})["cached_tables"] >= 2
    finally:
        provider.close()
