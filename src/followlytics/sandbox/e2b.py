"""`E2BSandboxProvider`: agents' sandboxes as E2B microVMs, through E2B's Python SDK (optional extra `e2b`).

Only this module imports `e2b`, and only when a provider is made, so the extra is needed only by a
deployment that uses it.

One E2B sandbox per agent, made from `template` (an image with Python 3.11 and followlytics installed, so
`python -m followlytics.sandbox.runtime` runs), with metadata `{"user_id": ..., "sandbox_id": ...}`, no
internet access, and `lifecycle={"on_timeout": "pause"}`: when its `timeout_seconds` of life pass without a
call, E2B pauses it instead of killing it. A control plane that restarts finds its sandboxes again by that
metadata (`create` lists with a metadata filter before making one).

States, ours from E2B's:

    E2B running               RUNNING
    E2B paused                PAUSED     memory and disk kept; `Sandbox.connect` resumes it
    killed (by `archive`)     ARCHIVED   E2B has no archive; the closest is to kill the VM. The workspace
                                         is the user's data, which the control plane keeps, so the next
                                         `start`/`exec` makes a new sandbox and uploads the data again
    gone / never made         DESTROYED

ARCHIVED is remembered by this provider object. A sandbox E2B killed on its own (its timeout passed while
it could not be paused) reads ARCHIVED too, for the same reason: the next call makes it again.

`exec`: connect (which resumes a paused sandbox and extends a running one's life by `timeout_seconds`),
make a new sandbox if it was archived or is gone, upload the user's data files that changed since the last
upload (`accounts.json` and `accounts/**/*.parquet`, streamed with `files.write`; what was uploaded is kept
here and in `<workdir>/.followlytics-uploaded.json` in the sandbox, so a restarted control plane does not
upload everything again), then run

    python -m followlytics.sandbox.runtime --root <workdir> --request '<json>'

with `commands.run` and read the answer line it prints. Errors the runtime reports are raised as the
`followlytics.errors` class it names, exactly as `LocalSandboxProvider` does.

Errors: `SandboxUnavailable(provider="e2b")` when E2B itself is down or unreachable (connection refused or
dropped, timeouts, 429, 5xx) - the failover takes the call elsewhere or queues it; `SandboxError` for
anything else (a rejected API key, a sandbox that cannot be made, a command that fails). No message holds
the API key; none goes into a sandbox (the runtime gets no environment from us).
"""

from __future__ import annotations

import json
import logging
import shlex
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from followlytics.audience.paths import checked_id
from followlytics.errors import Conflict, FollowlyticsError, SandboxError, SandboxUnavailable
from followlytics.sandbox.base import SandboxState, error_from_answer

if TYPE_CHECKING:
    from e2b import Sandbox

_log = logging.getLogger(__name__)

PROVIDER = "e2b"
_MANIFEST = ".followlytics-uploaded.json"


@dataclass
class _Agent:
    user_root: Path | None  # None when found by metadata but not (re)created here since a restart
    remote_id: str | None = None  # E2B's sandbox id; None when archived or not made yet
    archived: bool = False
    uploaded: dict[str, list[int]] | None = None  # relative path -> [size, mtime_ns]; None: not known yet
    lock: threading.Lock = field(default_factory=threading.Lock)


class E2BSandboxProvider:
    """Sandboxes in E2B. Safe to use from many threads; calls for one sandbox are serialised."""

    name = PROVIDER
    # A microVM of its own holding only the user's data, made without internet access.
    isolates = True

    def __init__(
        self,
        *,
        api_key: str,
        domain: str = "e2b.app",
        template: str | None = None,
        timeout_seconds: int = 1800,
        call_timeout: float = 60.0,
        request_timeout: float = 30.0,
        retries: int | None = None,
        workdir: str = "/home/user/followlytics",
        python: str = "python",
        api_url: str | None = None,
        sandbox_url: str | None = None,
    ) -> None:
        """`timeout_seconds`: a sandbox's life without a call before E2B pauses it. `call_timeout`: seconds
        one tool call may take. `request_timeout`, `retries`: for each E2B API request (None: the SDK's 3
        retries of 429/502/503/504). `api_url`, `sandbox_url`: E2B's API and sandbox proxy, when not
        `https://api.<domain>` and the per-sandbox hosts (a self-hosted E2B, or a test's loopback fake)."""
        try:
            import e2b  # noqa: F401
        except ImportError as exc:
            raise SandboxError(
                "the e2b sandbox provider needs the optional extra: pip install 'followlytics[e2b]'"
            ) from exc
        if not api_key:
            raise SandboxError("the e2b sandbox provider needs an API key (setting e2b_api_key)")
        self._secret = api_key
        self._template = template
        self._timeout_seconds = timeout_seconds
        self._call_timeout = call_timeout
        self._workdir = workdir.rstrip("/")
        self._python = python
        self._opts: dict[str, Any] = {
            "api_key": api_key,
            "domain": domain,
            "request_timeout": request_timeout,
        }
        if retries is not None:
            self._opts["retries"] = retries
        if api_url is not None:
            self._opts["api_url"] = api_url
        if sandbox_url is not None:
            self._opts["sandbox_url"] = sandbox_url
        self._agents: dict[str, _Agent] = {}
        self._lock = threading.Lock()

    # --- the SandboxProvider protocol -----------------------------------------------------------------

    def create(self, sandbox_id: str, user_root: Path) -> SandboxState:
        checked_id(sandbox_id, "sandbox_id")
        user_root = Path(user_root).resolve()
        with self._lock:
            agent = self._agents.get(sandbox_id)
            if agent is None:
                agent = self._agents[sandbox_id] = _Agent(user_root=user_root)
            elif agent.user_root is None:
                agent.user_root = user_root
            elif agent.user_root != user_root:
                raise Conflict(f"sandbox {sandbox_id} already exists for another folder")
        with agent.lock:
            self._running(sandbox_id, agent)
            return SandboxState.RUNNING

    def start(self, sandbox_id: str) -> SandboxState:
        agent = self._agent(sandbox_id)
        with agent.lock:
            self._running(sandbox_id, agent)
            return SandboxState.RUNNING

    def pause(self, sandbox_id: str) -> SandboxState:
        from e2b import Sandbox, SandboxNotFoundException

        agent = self._agent(sandbox_id)
        with agent.lock:
            if agent.archived:
                return SandboxState.ARCHIVED
            if agent.remote_id is None:
                raise SandboxError(f"sandbox {sandbox_id} is not running, so it cannot be paused")
            try:
                Sandbox.pause(agent.remote_id, **self._opts)  # False when already paused: fine
            except SandboxNotFoundException:
                # E2B killed it (its timeout passed): nothing to pause; the next call makes it again.
                self._mark_archived(agent)
                return SandboxState.ARCHIVED
            except Exception as exc:
                raise self._error(exc, f"pausing sandbox {sandbox_id}") from None
            return SandboxState.PAUSED

    def archive(self, sandbox_id: str) -> SandboxState:
        agent = self._agent(sandbox_id)
        with agent.lock:
            if agent.remote_id is not None:
                self._kill(sandbox_id, agent.remote_id)
            self._mark_archived(agent)
            return SandboxState.ARCHIVED

    def delete(self, sandbox_id: str) -> SandboxState:
        checked_id(sandbox_id, "sandbox_id")
        with self._lock:
            agent = self._agents.pop(sandbox_id, None)
        if agent is not None:
            with agent.lock:
                if agent.remote_id is not None:
                    self._kill(sandbox_id, agent.remote_id)
                agent.remote_id = None
        # Any other sandbox E2B holds for this id (one made by a control plane before a restart) goes too.
        for info in self._find(sandbox_id):
            self._kill(sandbox_id, info.sandbox_id)
        return SandboxState.DESTROYED

    def state(self, sandbox_id: str) -> SandboxState:
        """Asks E2B; raises SandboxUnavailable when it cannot be reached."""
        from e2b import Sandbox, SandboxNotFoundException

        checked_id(sandbox_id, "sandbox_id")
        with self._lock:
            agent = self._agents.get(sandbox_id)
        if agent is None:
            found = self._find(sandbox_id)
            return _state_of(found[0].state) if found else SandboxState.DESTROYED
        if agent.archived:
            return SandboxState.ARCHIVED
        if agent.remote_id is None:
            return SandboxState.ERROR  # making it failed (E2B was down, say); the next call tries again
        try:
            info = Sandbox.get_info(agent.remote_id, **self._opts)
        except SandboxNotFoundException:
            return SandboxState.ARCHIVED  # killed by E2B; the next call makes it again
        except Exception as exc:
            raise self._error(exc, f"reading the state of sandbox {sandbox_id}") from None
        return _state_of(info.state)

    def exec(self, sandbox_id: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        from e2b import SandboxNotRunningException

        agent = self._agent(sandbox_id)
        if agent.user_root is None:
            raise SandboxError(
                f"sandbox {sandbox_id} was made before this process started; call create() to attach it"
            )
        with agent.lock:
            for attempt in (1, 2):
                sandbox = self._running(sandbox_id, agent)
                try:
                    self._upload(sandbox_id, agent, sandbox)
                    return self._run(sandbox_id, sandbox, tool, args)
                except SandboxNotRunningException:
                    # Paused or killed between connect and the call (its timeout passed): once more.
                    if attempt == 2:
                        raise SandboxError(f"sandbox {sandbox_id} stopped during {tool} twice") from None
                    agent.uploaded = None
                except FollowlyticsError:
                    raise  # ours: what the runtime reported, or a failure already explained
                except Exception as exc:
                    raise self._error(exc, f"running {tool} in sandbox {sandbox_id}") from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Nothing to release: E2B's sandboxes keep running (and pause on their own when idle)."""

    # --- internals ------------------------------------------------------------------------------------

    def _agent(self, sandbox_id: str) -> _Agent:
        """The agent, found again by metadata when this process has not seen it (after a restart)."""
        checked_id(sandbox_id, "sandbox_id")
        with self._lock:
            agent = self._agents.get(sandbox_id)
        if agent is not None:
            return agent
        found = self._find(sandbox_id)
        if not found:
            raise SandboxError(f"sandbox {sandbox_id} does not exist (destroyed or never created)")
        with self._lock:
            return self._agents.setdefault(sandbox_id, _Agent(user_root=None, remote_id=found[0].sandbox_id))

    def _find(self, sandbox_id: str) -> list[Any]:
        """E2B's running and paused sandboxes holding this id in their metadata."""
        from e2b import Sandbox, SandboxQuery

        try:
            paginator = Sandbox.list(query=SandboxQuery(metadata={"sandbox_id": sandbox_id}), **self._opts)
            found = []
            while paginator.has_next:
                found.extend(paginator.next_items())
            return found
        except Exception as exc:
            raise self._error(exc, f"looking up sandbox {sandbox_id}") from None

    def _running(self, sandbox_id: str, agent: _Agent) -> Sandbox:
        """A connected, running sandbox (resumed, found again or made); called with the agent's lock held."""
        from e2b import Sandbox, SandboxNotFoundException

        if agent.remote_id is None and not agent.archived:
            found = self._find(sandbox_id)  # made by this control plane before it restarted
            agent.remote_id = found[0].sandbox_id if found else None
        if agent.remote_id is not None:
            try:
                return Sandbox.connect(agent.remote_id, timeout=self._timeout_seconds, **self._opts)
            except SandboxNotFoundException:
                _log.info("e2b sandbox for %s is gone; making it again", sandbox_id)
            except Exception as exc:
                raise self._error(exc, f"resuming sandbox {sandbox_id}") from None
        return self._make(sandbox_id, agent)

    def _make(self, sandbox_id: str, agent: _Agent) -> Sandbox:
        from e2b import Sandbox

        if agent.user_root is None:
            raise SandboxError(
                f"sandbox {sandbox_id} must be made again but was found after a restart; call create() first"
            )
        try:
            sandbox = Sandbox.create(
                template=self._template,
                timeout=self._timeout_seconds,
                metadata={"user_id": agent.user_root.name, "sandbox_id": sandbox_id},
                allow_internet_access=False,
                lifecycle={"on_timeout": "pause"},
                **self._opts,
            )
        except Exception as exc:
            raise self._error(exc, f"creating sandbox {sandbox_id}") from None
        agent.remote_id = sandbox.sandbox_id
        agent.archived = False
        agent.uploaded = None  # the first upload finds no record there and sends everything
        return sandbox

    def _mark_archived(self, agent: _Agent) -> None:
        agent.remote_id = None
        agent.archived = True
        agent.uploaded = None

    def _kill(self, sandbox_id: str, remote_id: str) -> None:
        from e2b import Sandbox

        try:
            Sandbox.kill(remote_id, **self._opts)  # False when already gone: fine
        except Exception as exc:
            raise self._error(exc, f"ending sandbox {sandbox_id}") from None

    def _upload(self, sandbox_id: str, agent: _Agent, sandbox: Sandbox) -> None:
        """Upload the data files that changed since the last upload, then the record of what is there."""
        from e2b import FileNotFoundException

        assert agent.user_root is not None
        manifest_path = f"{self._workdir}/{_MANIFEST}"
        # Written at least once per sandbox, so the work folder exists even before the user has data.
        changed = False
        if agent.uploaded is None:
            try:
                agent.uploaded = json.loads(bytes(sandbox.files.read(manifest_path, format="bytes")))
            except FileNotFoundException:
                agent.uploaded, changed = {}, True
            except ValueError:
                agent.uploaded, changed = {}, True  # unreadable: upload everything again
        uploaded = agent.uploaded
        assert uploaded is not None
        for path in _data_files(agent.user_root):
            relative = path.relative_to(agent.user_root).as_posix()
            stat = path.stat()
            signature = [stat.st_size, stat.st_mtime_ns]
            if uploaded.get(relative) == signature:
                continue
            with path.open("rb") as data:  # a file object streams: a large snapshot is never held in memory
                sandbox.files.write(f"{self._workdir}/{relative}", data, request_timeout=self._call_timeout)
            uploaded[relative] = signature
            changed = True
        if changed:
            sandbox.files.write(manifest_path, json.dumps(uploaded).encode())

    def _run(self, sandbox_id: str, sandbox: Sandbox, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        from e2b import CommandExitException, TimeoutException

        request = json.dumps({"id": 1, "tool": tool, "args": args}, separators=(",", ":"))
        command = " ".join(
            [
                shlex.quote(self._python),
                "-m followlytics.sandbox.runtime --root",
                shlex.quote(self._workdir),
                "--request",
                shlex.quote(request),
            ]
        )
        try:
            done = sandbox.commands.run(command, cwd=self._workdir, envs={}, timeout=self._call_timeout)
        except CommandExitException as exc:
            _log.warning(
                "e2b sandbox %s: runtime exited %s: %s", sandbox_id, exc.exit_code, exc.stderr[-2000:]
            )
            raise SandboxError(
                f"sandbox {sandbox_id}: the runtime exited with status {exc.exit_code} during {tool}"
            ) from None
        except TimeoutException as exc:
            if type(exc).__name__ != "TimeoutException":
                raise  # SandboxNotRunningException / SandboxUnreachableException: the caller decides
            raise SandboxError(
                f"sandbox {sandbox_id}: {tool} did not answer within {self._call_timeout:g} s"
            ) from None
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        try:
            answer = json.loads(lines[-1])
            answer_id = answer.get("id")
        except (IndexError, ValueError, AttributeError):
            answer_id = None
        if answer_id != 1:
            raise SandboxError(f"sandbox {sandbox_id} sent an answer that does not fit {tool}")
        if answer.get("ok"):
            return answer["result"]
        raise error_from_answer(answer.get("error") or {})

    def _error(self, exc: Exception, doing: str) -> SandboxError:
        """The SDK's or the network's error as ours: SandboxUnavailable when E2B is down or unreachable."""
        import httpx
        from e2b import (
            AuthenticationException,
            RateLimitException,
            SandboxException,
            SandboxUnreachableException,
            ServiceBusyException,
            TimeoutException,
        )

        detail = self._redacted(f"{type(exc).__name__}: {exc}")
        status = getattr(exc, "status_code", None)
        if isinstance(exc, AuthenticationException):
            return SandboxError(f"E2B refused the API key while {doing}; check the e2b_api_key setting")
        down = (
            isinstance(exc, (httpx.TransportError, OSError, ServiceBusyException, RateLimitException))
            or isinstance(exc, SandboxUnreachableException)
            or (isinstance(exc, TimeoutException) and type(exc) is TimeoutException)
            or (isinstance(exc, SandboxException) and isinstance(status, int) and status >= 500)
            or type(exc).__name__ in {"ConnectError", "ReadError", "WriteError", "StreamError"}
        )
        if down:
            return SandboxUnavailable(f"E2B is unavailable ({doing}): {detail}", provider=PROVIDER)
        return SandboxError(f"E2B failed while {doing}: {detail}")

    def _redacted(self, text: str) -> str:
        text = text.replace(self._secret, "[redacted]")
        return text if len(text) <= 500 else text[:500] + "..."


def _data_files(user_root: Path) -> list[Path]:
    """The files the runtime reads: the account manifest and every Parquet snapshot."""
    files = [user_root / "accounts.json"] if (user_root / "accounts.json").is_file() else []
    accounts = user_root / "accounts"
    if accounts.is_dir():
        files.extend(sorted(p for p in accounts.rglob("*.parquet") if p.is_file() and not p.is_symlink()))
    return files


def _state_of(e2b_state: Any) -> SandboxState:
    value = getattr(e2b_state, "value", e2b_state)
    return {"running": SandboxState.RUNNING, "paused": SandboxState.PAUSED}.get(
        str(value), SandboxState.DESTROYED
    )
