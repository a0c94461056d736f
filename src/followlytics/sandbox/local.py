"""`LocalSandboxProvider`: each sandbox is one child process running the runtime over one user's folder.

The child is `python -m followlytics.sandbox.runtime --root <user_root>` with cwd and HOME set to the
user root and an environment built from scratch (no settings, keys or tokens of the control plane
reach it). Calls go over its stdin/stdout as JSON lines (see `runtime.py`), one at a time per sandbox.

Lifecycle, and what `exec` does in each state:

    create -> CREATING -> RUNNING (once the child answers `ping`)
    stop   -> STOPPED   the child is ended; `start` or the next `exec` starts a new one (it takes
                        about a quarter of a second, so a stopped sandbox is simply resumed)
    delete -> DESTROYED the sandbox is forgotten; `exec`/`start` raise SandboxError

A child that died between calls is restarted by the next `exec`. A child that dies during a call, or
does not answer within `timeout` seconds (it is then killed), fails that call with SandboxError and
leaves the sandbox STOPPED, so the call after it starts a fresh child. Errors the runtime reports are
raised again here as the `followlytics.errors` class of the same name when it is one a runtime may report
(`NoAudienceData`, `NotFound`, `InvalidInput`, `ToolFailed`), else as `ToolFailed`.
"""

from __future__ import annotations

import math
import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

import followlytics
from followlytics.audience.paths import checked_id
from followlytics.errors import (
    Conflict,
    FollowlyticsError,
    InvalidInput,
    NoAudienceData,
    NotFound,
    SandboxError,
    ToolFailed,
)
from followlytics.sandbox.base import SandboxState

_STOP_GRACE_SECONDS = 2.0
_READ_CHUNK = 1 << 16


@dataclass
class _Sandbox:
    user_root: Path
    state: SandboxState = SandboxState.CREATING
    process: subprocess.Popen[bytes] | None = None
    pending: bytearray = field(default_factory=bytearray)  # bytes read past the last answer line
    next_id: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)


class LocalSandboxProvider:
    """Sandboxes as local child processes. Safe to use from many threads."""

    name = "local"
    # A plain child process of the server's user is not a security boundary: it can read that user's files
    # and reach the network. It stays False until the bubblewrap provider confines it.
    isolates = False

    def __init__(self, *, timeout: float = 60.0, log_dir: Path | None = None) -> None:
        """`timeout`: seconds one call may take. `log_dir`: where each child's stderr goes
        (`<sandbox_id>.log`); None passes it through to this process's stderr."""
        self._timeout = timeout
        self._log_dir = log_dir
        self._sandboxes: dict[str, _Sandbox] = {}
        self._lock = threading.Lock()  # guards the dict; each sandbox's own lock guards its process

    def create(self, sandbox_id: str, user_root: Path) -> SandboxState:
        checked_id(sandbox_id, "sandbox_id")
        user_root = Path(user_root).resolve()
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
            if sandbox is None:
                sandbox = self._sandboxes[sandbox_id] = _Sandbox(user_root=user_root)
            elif sandbox.user_root != user_root:
                raise Conflict(f"sandbox {sandbox_id} already exists for another folder")
        with sandbox.lock:
            user_root.mkdir(parents=True, exist_ok=True)
            self._ensure_running(sandbox_id, sandbox)
            return sandbox.state

    def start(self, sandbox_id: str) -> SandboxState:
        sandbox = self._get(sandbox_id)
        with sandbox.lock:
            self._ensure_running(sandbox_id, sandbox)
            return sandbox.state

    def stop(self, sandbox_id: str) -> SandboxState:
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is None:
            return SandboxState.DESTROYED
        with sandbox.lock:
            if sandbox.state is not SandboxState.DESTROYED:
                _end(sandbox)
                sandbox.state = SandboxState.STOPPED
            return sandbox.state

    def delete(self, sandbox_id: str) -> SandboxState:
        with self._lock:
            sandbox = self._sandboxes.pop(sandbox_id, None)
        if sandbox is not None:
            with sandbox.lock:
                _end(sandbox)
                sandbox.state = SandboxState.DESTROYED
        return SandboxState.DESTROYED

    def state(self, sandbox_id: str) -> SandboxState:
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is None:
            return SandboxState.DESTROYED
        if sandbox.state is SandboxState.RUNNING and not _alive(sandbox):
            return SandboxState.STOPPED
        return sandbox.state

    def exec(self, sandbox_id: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        sandbox = self._get(sandbox_id)
        with sandbox.lock:
            self._ensure_running(sandbox_id, sandbox)
            return self._call(sandbox_id, sandbox, tool, args)

    def pid(self, sandbox_id: str) -> int | None:
        """The running child's process id (None when it is not running)."""
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
        return sandbox.process.pid if sandbox is not None and _alive(sandbox) else None

    def close(self) -> None:
        """Stop every child (at shutdown). The sandboxes stay known as STOPPED; safe to call again."""
        with self._lock:
            sandboxes = list(self._sandboxes.values())
        for sandbox in sandboxes:
            with sandbox.lock:
                if sandbox.process is not None:
                    _end(sandbox)
                    sandbox.state = SandboxState.STOPPED

    def _get(self, sandbox_id: str) -> _Sandbox:
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is None or sandbox.state is SandboxState.DESTROYED:
            raise SandboxError(f"sandbox {sandbox_id} does not exist (destroyed or never created)")
        return sandbox

    def _ensure_running(self, sandbox_id: str, sandbox: _Sandbox) -> None:
        """Start a child unless a live one is there; called with the sandbox's lock held."""
        if sandbox.state is SandboxState.DESTROYED:
            raise SandboxError(f"sandbox {sandbox_id} was destroyed")
        if sandbox.state is SandboxState.RUNNING and _alive(sandbox):
            return
        _end(sandbox, graceful=False)  # reap a child that died on its own
        sandbox.state = SandboxState.CREATING
        log = self._open_log(sandbox_id)
        try:
            sandbox.process = subprocess.Popen(
                [sys.executable, "-m", "followlytics.sandbox.runtime", "--root", str(sandbox.user_root)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=sandbox.user_root,
                env=_child_env(sandbox.user_root),
                bufsize=0,
                # Its own session: a Ctrl-C aimed at the server does not kill sandboxes mid-call; the
                # server stops them through close().
                start_new_session=True,
            )
        except OSError as exc:
            sandbox.state = SandboxState.STOPPED
            raise SandboxError(f"sandbox {sandbox_id} could not start: {exc}") from exc
        finally:
            if log is not None:
                log.close()  # the child holds its own copy of the descriptor
        try:
            self._call(sandbox_id, sandbox, "ping", {})
        except FollowlyticsError:
            _end(sandbox, graceful=False)
            sandbox.state = SandboxState.STOPPED
            raise
        sandbox.state = SandboxState.RUNNING

    def _open_log(self, sandbox_id: str) -> IO[bytes] | None:
        if self._log_dir is None:
            return None
        self._log_dir.mkdir(parents=True, exist_ok=True)
        return (self._log_dir / f"{sandbox_id}.log").open("ab")

    def _call(self, sandbox_id: str, sandbox: _Sandbox, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        """One request and its answer; called with the sandbox's lock held and a child started."""
        process = sandbox.process
        assert process is not None and process.stdin is not None and process.stdout is not None
        request_id = sandbox.next_id
        sandbox.next_id += 1
        try:
            _write_all(
                process.stdin.fileno(), orjson.dumps({"id": request_id, "tool": tool, "args": args}) + b"\n"
            )
            line = _read_line(process, sandbox.pending, time.monotonic() + self._timeout)
        except TimeoutError:
            _end(sandbox, graceful=False)
            sandbox.state = SandboxState.STOPPED
            raise SandboxError(
                f"sandbox {sandbox_id}: {tool} did not answer within {self._timeout:g} s, so it was stopped"
            ) from None
        except (BrokenPipeError, EOFError):
            code = _end(sandbox, graceful=False)
            sandbox.state = SandboxState.STOPPED
            raise SandboxError(
                f"sandbox {sandbox_id} stopped during {tool} (exit code {code}); the next call restarts it"
            ) from None
        try:
            answer = orjson.loads(line)
            answer_id = answer.get("id")
        except (orjson.JSONDecodeError, AttributeError):
            answer_id = None
        if answer_id != request_id:
            _end(sandbox, graceful=False)
            sandbox.state = SandboxState.STOPPED
            raise SandboxError(
                f"sandbox {sandbox_id} sent an answer that does not fit {tool}; it was stopped"
            )
        if answer.get("ok"):
            return answer["result"]
        raise _error_from(answer.get("error") or {})


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_line(process: subprocess.Popen[bytes], pending: bytearray, deadline: float) -> bytes:
    """The next answer line; poll() on the raw pipe keeps a silent child from blocking past the deadline."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    # poll, not select: a server with many sandboxes has descriptors above select's limit of 1024.
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while b"\n" not in pending:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        if not poller.poll(max(1, math.ceil(remaining * 1000))):
            continue
        chunk = os.read(fd, _READ_CHUNK)
        if not chunk:
            raise EOFError
        pending.extend(chunk)
    end = pending.index(b"\n")
    line = bytes(pending[:end])
    del pending[: end + 1]
    return line


# The errors a runtime may report. Anything else is a ToolFailed: code in a sandbox must not be able to
# choose, say, a 401 or a 409 for the control plane's answer.
_RUNTIME_ERRORS: dict[str, type[FollowlyticsError]] = {
    cls.__name__: cls for cls in (NoAudienceData, NotFound, ToolFailed)
}


def _error_from(error: dict[str, Any]) -> FollowlyticsError:
    """The runtime's error as the `followlytics.errors` class it names (ToolFailed if not an allowed one)."""
    message = str(error.get("message") or "the tool failed without a message")
    if error.get("type") == InvalidInput.__name__:
        field = error.get("field")
        return InvalidInput(message, field=field if isinstance(field, str) else None)
    if error.get("type") == NoAudienceData.__name__:
        dataset = error.get("dataset")
        return NoAudienceData(message, dataset=dataset if isinstance(dataset, str) else None)
    return _RUNTIME_ERRORS.get(str(error.get("type")), ToolFailed)(message)


def _child_env(user_root: Path) -> dict[str, str]:
    """The child's whole environment, built from nothing so no key or setting of this process leaks in."""
    package_parent = Path(followlytics.__file__).resolve().parent.parent
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(user_root),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        # Where the followlytics code is (not an installed package when run from a source tree).
        "PYTHONPATH": str(package_parent),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _alive(sandbox: _Sandbox) -> bool:
    return sandbox.process is not None and sandbox.process.poll() is None


def _end(sandbox: _Sandbox, *, graceful: bool = True) -> int | None:
    """End the child and reap it; return its exit code.

    Graceful: EOF on its stdin (the runtime then exits 0), then SIGTERM, then SIGKILL, each given a
    moment. Otherwise SIGKILL at once, for a child that is stuck or no longer trusted.
    """
    process, sandbox.process = sandbox.process, None
    sandbox.pending.clear()
    if process is None:
        return None
    for pipe in (process.stdin, process.stdout):
        try:
            if pipe is not None:
                pipe.close()
        except OSError:
            pass  # closing stdin to a dead child raises BrokenPipeError; there is nothing to flush
    endings = (None, process.terminate, process.kill) if graceful else (process.kill,)
    for ending in endings:
        if ending is not None:
            ending()
        try:
            return process.wait(timeout=_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            continue
    return process.wait()
