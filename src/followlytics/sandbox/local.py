"""`LocalSandboxProvider`: each sandbox is one runtime process over one user's folder, confined by bubblewrap.

The process is `python -m followlytics.sandbox.runtime`, run under bubblewrap (`bubblewrap.py`: no network,
its own PID namespace, the user's folder read-only at /data, one writable scratch folder, resource limits,
killed with its parent) with an environment built from nothing, so no key or setting of the control plane
reaches it. Calls go over its stdin/stdout as JSON lines (see `runtime.py`), one at a time per sandbox.

Isolation (`isolation`): `bubblewrap` requires it (start fails without a working bwrap), `auto` uses it
when it works, `none` does not. Without it the provider logs a loud warning at start, runs the runtime as
a plain child process (rlimits still applied, but it can read what the server's user can and reach the
network), sets `isolates = False` and refuses `run_python`.

States, and what `exec` does in each:

    create  -> CREATING -> RUNNING once the runtime answers `ping`
    pause   -> PAUSED     the runtime copies new tables to its workspace (`persist`), then every process
                          of the sandbox gets SIGSTOP: memory (loaded tables) kept; `start`
                          or the next `exec` sends SIGCONT, which takes well under a millisecond
    archive -> ARCHIVED   (`persist` first, when running) the processes end and the scratch folder is
                          wiped; the user's folder and the sandbox's workspace (its table cache, with
                          `workspace_dir`) stay; `start` or the next `exec` starts a fresh process, which
                          reuses the cached tables of unchanged snapshots (without a workspace, it reloads
                          them on its first call)
    delete  -> DESTROYED  the sandbox is forgotten and its workspace removed; `exec`/`start` raise
                          SandboxError
    ERROR                 the process could not be started at all; the next `start`/`exec` tries again

A process that died between calls leaves the sandbox ARCHIVED, and the next `exec` starts a new one. A
process that dies during a call, or does not answer within `timeout` seconds (it is then killed), fails
that call with SandboxError and leaves the sandbox ARCHIVED. Errors the runtime reports are raised again
here as the `followlytics.errors` class of the same name when it is one a runtime may report
(`NoAudienceData`, `NotFound`, `InvalidInput`, `ToolFailed`), else as `ToolFailed`.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
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
    SandboxError,
    ToolFailed,
)
from followlytics.sandbox import bubblewrap
from followlytics.sandbox.base import SandboxState, error_from_answer

_log = logging.getLogger("followlytics.sandbox.local")

ISOLATIONS = ("auto", "bubblewrap", "none")
CODE_TOOLS = frozenset({"run_python"})
"""Tools that run model-written code: refused where the sandbox does not isolate."""

_STOP_GRACE_SECONDS = 2.0
_PERSIST_SECONDS = 600.0
_STOPPED_WAIT_SECONDS = 1.0  # how long pause() waits to see the runtime actually stopped
_READ_CHUNK = 1 << 16
_LIVE = (SandboxState.RUNNING, SandboxState.PAUSED)
# bwrap's --die-with-parent (PR_SET_PDEATHSIG) fires when the *thread* that started it ends, not the
# process, and servers call providers from pool threads that come and go. So every sandbox is started from
# this one thread, which lives as long as the process (a forked child, which has no copy of the thread,
# makes its own).
_spawner: tuple[int, ThreadPoolExecutor] | None = None
_spawner_lock = threading.Lock()


def _spawn_thread() -> ThreadPoolExecutor:
    global _spawner
    with _spawner_lock:
        if _spawner is None or _spawner[0] != os.getpid():
            _spawner = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-spawner"))
        return _spawner[1]


@dataclass
class _Sandbox:
    user_root: Path
    state: SandboxState = SandboxState.CREATING
    process: subprocess.Popen[bytes] | None = None  # bwrap (or the runtime itself without isolation)
    runtime_pid: int | None = None  # the runtime's host pid, inside bwrap's tree
    scratch: Path | None = None
    workspace: Path | None = None  # kept while archived: the runtime's table cache
    cgroup: Path | None = None
    pending: bytearray = field(default_factory=bytearray)  # bytes read past the last answer line
    next_id: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)


class LocalSandboxProvider:
    """Sandboxes as local, bubblewrap-confined processes. Safe to use from many threads."""

    name = "local"
    isolates = False
    """True once bubblewrap confines each sandbox (set per instance at construction)."""

    def __init__(
        self,
        *,
        isolation: str = "auto",
        memory_mb: int = 6144,
        cpu_seconds: int = 86400,
        max_processes: int = 256,
        max_file_mb: int = 4096,
        timeout: float = 60.0,
        log_dir: Path | None = None,
        scratch_dir: Path | None = None,
        workspace_dir: Path | None = None,
    ) -> None:
        """`isolation`: `auto`, `bubblewrap` or `none` (see the module docstring). `memory_mb`, `cpu_seconds`,
        `max_processes`, `max_file_mb`: each sandbox's limits. `timeout`: seconds one call may take.
        `log_dir`: where each sandbox's stderr goes (`<sandbox_id>.log`); None passes it through to this
        process's stderr. `scratch_dir`: where the per-sandbox scratch folders are made (default: the
        system's temporary folder). `workspace_dir`: where each sandbox keeps its workspace (`<id>/`, the
        runtime's table cache), which survives archiving and server restarts and is removed by `delete`;
        None: no workspace, so a resumed process rebuilds its tables."""
        if isolation not in ISOLATIONS:
            raise InvalidInput(
                f"sandbox isolation {isolation!r} is not one of {', '.join(ISOLATIONS)}", field="isolation"
            )
        self._timeout = timeout
        self._log_dir = log_dir
        self._scratch_dir = scratch_dir
        self._workspace_dir = workspace_dir
        self._limits = bubblewrap.Limits(memory_mb, cpu_seconds, max_processes, max_file_mb)
        self._sandboxes: dict[str, _Sandbox] = {}
        self._lock = threading.Lock()  # guards the dict; each sandbox's own lock guards its process
        self._bwrap: str | None = None
        if isolation != "none":
            found = bubblewrap.find_bwrap()
            problem = "bwrap is not installed" if found is None else _probe(found)
            if problem is None:
                self._bwrap = found
            elif isolation == "bubblewrap":
                raise SandboxError(
                    f"sandbox isolation is 'bubblewrap' but {problem}; install bubblewrap "
                    "(apt-get install bubblewrap) or set FOLLOWLYTICS_SANDBOX_ISOLATION=none"
                )
        self.isolates = self._bwrap is not None
        if not self.isolates:
            reason = "isolation is set to 'none'" if isolation == "none" else problem
            _log.warning(
                "SANDBOXES ARE NOT ISOLATED (%s): agents' runtimes run as plain child processes that can "
                "read this server's files and reach the network; run_python is refused. Install "
                "bubblewrap to confine them.",
                reason,
            )

    # --- the SandboxProvider protocol -------------------------------------------------------------------

    def create(self, sandbox_id: str, user_root: Path) -> SandboxState:
        checked_id(sandbox_id, "sandbox_id")
        user_root = Path(user_root).resolve()
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
            if sandbox is None:
                workspace = self._workspace_dir / sandbox_id if self._workspace_dir is not None else None
                sandbox = self._sandboxes[sandbox_id] = _Sandbox(user_root=user_root, workspace=workspace)
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

    def pause(self, sandbox_id: str) -> SandboxState:
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is None:
            return SandboxState.DESTROYED
        with sandbox.lock:
            self._persist(sandbox_id, sandbox)
            if sandbox.state is SandboxState.RUNNING and _alive(sandbox):
                assert sandbox.process is not None
                _signal_tree(sandbox.process.pid, signal.SIGSTOP)
                _wait_stopped(sandbox.runtime_pid)
                sandbox.state = SandboxState.PAUSED
            elif sandbox.state in _LIVE and not _alive(sandbox):
                self._end(sandbox, graceful=False)
                sandbox.state = SandboxState.ARCHIVED
            return sandbox.state

    def archive(self, sandbox_id: str) -> SandboxState:
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is None:
            return SandboxState.DESTROYED
        with sandbox.lock:
            self._persist(sandbox_id, sandbox)
            if sandbox.state is not SandboxState.DESTROYED:
                # A stopped process cannot take the graceful way out (EOF, SIGTERM): it is killed.
                self._end(sandbox, graceful=sandbox.state is SandboxState.RUNNING)
                sandbox.state = SandboxState.ARCHIVED
            return sandbox.state

    def delete(self, sandbox_id: str) -> SandboxState:
        checked_id(sandbox_id, "sandbox_id")
        with self._lock:
            sandbox = self._sandboxes.pop(sandbox_id, None)
        if sandbox is not None:
            with sandbox.lock:
                self._end(sandbox, graceful=False)
                sandbox.state = SandboxState.DESTROYED
        # Also when this process never knew the sandbox: a workspace left from before a restart.
        if self._workspace_dir is not None:
            shutil.rmtree(self._workspace_dir / sandbox_id, ignore_errors=True)
        return SandboxState.DESTROYED

    def state(self, sandbox_id: str) -> SandboxState:
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is None:
            return SandboxState.DESTROYED
        if sandbox.state in _LIVE and not _alive(sandbox):
            return SandboxState.ARCHIVED  # it died on its own; the next exec starts a new one
        return sandbox.state

    def exec(self, sandbox_id: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        sandbox = self._get(sandbox_id)
        if tool in CODE_TOOLS and not self.isolates:
            raise ToolFailed(
                f"{tool} needs an isolated sandbox, and this server runs sandboxes without bubblewrap"
            )
        with sandbox.lock:
            self._ensure_running(sandbox_id, sandbox)
            return self._call(sandbox_id, sandbox, tool, args)

    def close(self) -> None:
        """End every sandbox's processes (at shutdown). They stay known as ARCHIVED; safe to call again."""
        with self._lock:
            sandboxes = list(self._sandboxes.values())
        for sandbox in sandboxes:
            with sandbox.lock:
                if sandbox.process is not None:
                    self._end(sandbox, graceful=sandbox.state is SandboxState.RUNNING)
                    sandbox.state = SandboxState.ARCHIVED

    # --- for tests and benchmarks -----------------------------------------------------------------------

    def pid(self, sandbox_id: str) -> int | None:
        """The runtime's host process id (None when it is not running). Under bubblewrap it is a
        grandchild: bwrap, then bwrap's pid 1 in the new PID namespace, then the runtime."""
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
        return sandbox.runtime_pid if sandbox is not None and _alive(sandbox) else None

    def scratch(self, sandbox_id: str) -> Path | None:
        """The host folder behind the sandbox's writable /scratch (None when no process runs)."""
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
        return sandbox.scratch if sandbox is not None else None

    # --- internals --------------------------------------------------------------------------------------

    def _get(self, sandbox_id: str) -> _Sandbox:
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is None or sandbox.state is SandboxState.DESTROYED:
            raise SandboxError(f"sandbox {sandbox_id} does not exist (destroyed or never created)")
        return sandbox

    def _ensure_running(self, sandbox_id: str, sandbox: _Sandbox) -> None:
        """Resume a paused process or start one; called with the sandbox's lock held."""
        if sandbox.state is SandboxState.DESTROYED:
            raise SandboxError(f"sandbox {sandbox_id} was destroyed")
        if sandbox.state in _LIVE and _alive(sandbox):
            if sandbox.state is SandboxState.PAUSED:
                assert sandbox.process is not None
                _signal_tree(sandbox.process.pid, signal.SIGCONT)
                sandbox.state = SandboxState.RUNNING
            return
        self._end(sandbox, graceful=False)  # reap a process that died on its own
        sandbox.state = SandboxState.CREATING
        try:
            self._spawn(sandbox_id, sandbox)
        except OSError as exc:
            self._end(sandbox, graceful=False)
            sandbox.state = SandboxState.ERROR
            raise SandboxError(f"sandbox {sandbox_id} could not start: {exc}") from exc
        try:
            self._call(sandbox_id, sandbox, "ping", {})
        except FollowlyticsError:
            self._end(sandbox, graceful=False)
            sandbox.state = SandboxState.ERROR
            raise
        assert sandbox.process is not None
        sandbox.runtime_pid = _runtime_pid(sandbox) if self._bwrap else sandbox.process.pid
        sandbox.state = SandboxState.RUNNING

    def _spawn(self, sandbox_id: str, sandbox: _Sandbox) -> None:
        if self._scratch_dir is not None:
            self._scratch_dir.mkdir(parents=True, exist_ok=True)
        sandbox.scratch = Path(tempfile.mkdtemp(prefix=f"followlytics-{sandbox_id}-", dir=self._scratch_dir))
        sandbox.cgroup = bubblewrap.ProcessCgroup.make(
            f"{sandbox_id}-{uuid.uuid4().hex[:8]}", self._limits.max_processes
        )
        # DuckDB keeps to two thirds of the memory limit and spills past it, so the rlimit stays a backstop.
        duckdb_mb = self._limits.memory_mb * 2 // 3
        if sandbox.workspace is not None:
            sandbox.workspace.mkdir(parents=True, exist_ok=True)
        if self._bwrap is not None:
            argv = bubblewrap.command(
                self._bwrap,
                sandbox.user_root,
                sandbox.scratch,
                workspace=sandbox.workspace,
                duckdb_memory_mb=duckdb_mb,
            )
            cwd, env = None, {"PATH": "/usr/bin:/bin"}
        else:
            argv = [
                sys.executable,
                "-m",
                "followlytics.sandbox.runtime",
                "--root",
                str(sandbox.user_root),
                "--memory-limit",
                f"{max(64, duckdb_mb)}MB",
            ]
            if sandbox.workspace is not None:
                argv += ["--cache", str(sandbox.workspace / bubblewrap.TABLE_CACHE_FILE)]
            cwd, env = sandbox.user_root, _child_env(sandbox.user_root, sandbox.scratch)
        log = self._open_log(sandbox_id)
        try:
            sandbox.process = (
                _spawn_thread()
                .submit(
                    subprocess.Popen,
                    argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    cwd=cwd,
                    env=env,
                    bufsize=0,
                    # Its own session: a Ctrl-C aimed at the server does not kill sandboxes mid-call; the
                    # server stops them through close().
                    start_new_session=True,
                    preexec_fn=functools.partial(bubblewrap.preexec, self._limits, sandbox.cgroup),
                )
                .result()
            )
        finally:
            if log is not None:
                log.close()  # the child holds its own copy of the descriptor

    def _open_log(self, sandbox_id: str) -> IO[bytes] | None:
        if self._log_dir is None:
            return None
        self._log_dir.mkdir(parents=True, exist_ok=True)
        return (self._log_dir / f"{sandbox_id}.log").open("ab")

    def _call(
        self,
        sandbox_id: str,
        sandbox: _Sandbox,
        tool: str,
        args: dict[str, Any],
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """One request and its answer within `timeout` (default: the provider's); called with the
        sandbox's lock held and a process started."""
        timeout = timeout if timeout is not None else self._timeout
        process = sandbox.process
        assert process is not None and process.stdin is not None and process.stdout is not None
        request_id = sandbox.next_id
        sandbox.next_id += 1
        try:
            _write_all(
                process.stdin.fileno(), orjson.dumps({"id": request_id, "tool": tool, "args": args}) + b"\n"
            )
            line = _read_line(process, sandbox.pending, time.monotonic() + timeout)
        except TimeoutError:
            self._end(sandbox, graceful=False)
            sandbox.state = SandboxState.ARCHIVED
            raise SandboxError(
                f"sandbox {sandbox_id}: {tool} did not answer within {timeout:g} s, so it was stopped"
            ) from None
        except (BrokenPipeError, EOFError):
            code = self._end(sandbox, graceful=False)
            sandbox.state = SandboxState.ARCHIVED
            raise SandboxError(
                f"sandbox {sandbox_id} stopped during {tool} (exit code {code}); the next call restarts it"
            ) from None
        try:
            answer = orjson.loads(line)
            answer_id = answer.get("id")
        except (orjson.JSONDecodeError, AttributeError):
            answer_id = None
        if answer_id != request_id:
            self._end(sandbox, graceful=False)
            sandbox.state = SandboxState.ARCHIVED
            raise SandboxError(
                f"sandbox {sandbox_id} sent an answer that does not fit {tool}; it was stopped"
            )
        if answer.get("ok"):
            return answer["result"]
        raise error_from_answer(answer.get("error") or {})

    def _persist(self, sandbox_id: str, sandbox: _Sandbox) -> None:
        """Have the runtime copy its new tables to the workspace, so the next process starts with them.
        Done before a pause or an archive, when no question waits; a failure only costs that speed. Only a
        running process has anything new: a paused one copied its tables when it was paused."""
        if sandbox.workspace is None or sandbox.state is not SandboxState.RUNNING or not _alive(sandbox):
            return
        try:
            # Writing compresses: about 5 s for 1M followers' tables, a minute or more at 10M.
            self._call(sandbox_id, sandbox, "persist", {}, timeout=max(self._timeout, _PERSIST_SECONDS))
        except FollowlyticsError as exc:
            _log.warning("sandbox %s: its tables were not kept for the next start (%s)", sandbox_id, exc)

    def _end(self, sandbox: _Sandbox, *, graceful: bool = True) -> int | None:
        """End the sandbox's processes, reap them, wipe its scratch folder; return the exit code.

        Graceful: EOF on the runtime's stdin (it then exits 0, and bwrap with it), then SIGTERM, then
        SIGKILL, each given a moment. Otherwise SIGKILL at once, for a process that is stuck, stopped or no
        longer trusted. Whatever of its tree is left (a process run_python started, say) is killed too.
        """
        process, sandbox.process = sandbox.process, None
        sandbox.runtime_pid = None
        sandbox.pending.clear()
        code = None
        if process is not None:
            tree = _tree(process.pid) if process.poll() is None else []
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
                    code = process.wait(timeout=_STOP_GRACE_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    continue
            else:
                code = process.wait()
            # --die-with-parent ends the rest; this covers a tree whose bwrap was killed while stopped.
            for pid in [*tree[1:], *_cgroup_pids(sandbox.cgroup)]:
                _kill(pid, signal.SIGKILL)
        bubblewrap.ProcessCgroup.remove(sandbox.cgroup)
        sandbox.cgroup = None
        if sandbox.scratch is not None:
            shutil.rmtree(sandbox.scratch, ignore_errors=True)
            sandbox.scratch = None
        return code


def _probe(bwrap: str) -> str | None:
    """Why bubblewrap cannot confine a process here (no user namespaces, say), or None when it can."""
    argv = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--die-with-parent",
        "--ro-bind",
        "/",
        "/",
        "--",
        "true",
    ]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=10, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not run ({exc})"
    if done.returncode != 0:
        return f"bwrap does not work here ({done.stderr.decode(errors='replace').strip()[:200]})"
    return None


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


def _child_env(user_root: Path, scratch: Path) -> dict[str, str]:
    """The unconfined runtime's whole environment, built from nothing so no key or setting leaks in."""
    package_parent = Path(followlytics.__file__).resolve().parent.parent
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(user_root),
        "TMPDIR": str(scratch),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        # Where the followlytics code is (not an installed package when run from a source tree).
        "PYTHONPATH": str(package_parent),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _alive(sandbox: _Sandbox) -> bool:
    return sandbox.process is not None and sandbox.process.poll() is None


# --- process trees, read from /proc ---------------------------------------------------------------------


def _parents() -> dict[int, int]:
    """Every host process's parent pid."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                # The command name may hold spaces and parentheses; the fields after its last ')' do not.
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it ended while we looked
        parents[int(entry.name)] = int(fields[1])
    return parents


def _tree(root: int) -> list[int]:
    """`root` and its descendants, parents before children."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    order, queue = [], [root]
    while queue:
        pid = queue.pop(0)
        order.append(pid)
        queue.extend(sorted(children.get(pid, [])))
    return order


def _signal_tree(root: int, sig: signal.Signals) -> None:
    """Send `sig` to the whole tree. For SIGSTOP the tree is read again until no new process shows up, as
    one may have forked between reading /proc and being stopped (a stopped process cannot fork)."""
    seen: set[int] = set()
    while True:
        fresh = [pid for pid in _tree(root) if pid not in seen]
        if not fresh:
            return
        for pid in fresh:
            _kill(pid, sig)
        seen.update(fresh)
        if sig != signal.SIGSTOP:
            return


def _wait_stopped(pid: int | None) -> None:
    deadline = time.monotonic() + _STOPPED_WAIT_SECONDS
    while pid is not None and time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                if stat.read().rsplit(b")", 1)[1].split()[0] in (b"T", b"t", b"Z", b"X"):
                    return
        except (OSError, IndexError):
            return
        time.sleep(0.001)


def _runtime_pid(sandbox: _Sandbox) -> int | None:
    """The runtime's host pid: the first process of the bwrap tree that is not bwrap itself."""
    assert sandbox.process is not None
    for pid in _tree(sandbox.process.pid):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != "bwrap":
                return pid
        except OSError:
            continue
    return None


def _cgroup_pids(cgroup: Path | None) -> list[int]:
    if cgroup is None:
        return []
    try:
        return [int(line) for line in (cgroup / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _kill(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
