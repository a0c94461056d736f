"""`DaytonaSandboxProvider`: each sandbox is a Daytona sandbox, driven through the official `daytona` SDK.

`daytona` is an optional extra (`pip install 'followlytics[daytona]'`); only this module imports it, and only
when a provider is built, so the rest of the package imports without it.

Naming and labels. The sandbox for the control plane's `sandbox_id` is named `user-<sandbox_id>` (Daytona
finds a sandbox by id or name, so nothing has to be remembered across restarts) and labelled
`{"user_id": <user>}`, where the user is `create(..., user_id=...)` or else the name of the user's folder
(`<data_dir>/users/<user_id>`). It is made with `auto_stop_interval=30` (Daytona stops it after 30 idle
minutes), `auto_archive_interval=0` (Daytona's maximum, so an idle agent stays stopped, which resumes in
seconds, until our own sweeper archives or deletes it), auto-delete off, no environment variables and
`network_block_all=True` (the runtime needs no network; model-written code gets none).

States. Daytona's states map onto ours like this; the in-between ones go to where they are heading:

    started                                            RUNNING
    stopped, paused, stopping, pausing                 PAUSED    (disk kept: `start` takes seconds)
    archived, archiving                                ARCHIVED  (disk in object storage: slower start)
    destroyed, destroying, or no such sandbox          DESTROYED
    error, build_failed, unknown                       ERROR
    creating, pending_build, building_snapshot,
    pulling_snapshot, starting, restoring, resuming    CREATING  (on its way to running)
    resizing, snapshotting, forking                    RUNNING   (a passing operation; calls wait it out)

`pause` stops the sandbox, `archive` stops it if needed and archives it, `start` starts it (with the longer
`archived_start_timeout` from archived), `delete` deletes it.

A call (`exec`). Get the sandbox; start it if stopped or archived; refresh its activity (at most once per
`activity_refresh_seconds`, so a long turn keeps Daytona's auto-stop away); upload what changed of the user's
data (`accounts.json` and the Parquet snapshots, compared by name, size and mtime against a manifest kept in
memory and in the sandbox at `<remote_dir>/uploaded.json`, so a restarted control plane does not upload
everything again) with one `fs.upload_files` request; then run
`python -m followlytics.sandbox.runtime --root <remote_dir>/data --request '<json>'` with `process.exec`
(its stderr goes to `<remote_dir>/runtime.log` in the sandbox) and read the one answer line. Errors the
runtime reports are raised as the local provider raises them.

Daytona's own trouble: a 409 "state change in progress" is waited out (polling the sandbox, up to
`state_change_timeout`) and the action retried; a toolbox 502 or "Is the Sandbox started?" during a call is
taken as "not running": the sandbox is refreshed, started if it is not, and the call retried once.
Connection errors, timeouts, 429 and 5xx raise `SandboxUnavailable` (provider `daytona`) so the control plane
can fail over or queue; everything else raises `SandboxError`. No message ever holds the API key, and the key
never enters a sandbox (no environment is passed, nothing is uploaded but the user's data).
"""

from __future__ import annotations

import logging
import math
import shlex
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from followlytics.audience.paths import checked_id
from followlytics.errors import Conflict, FollowlyticsError, SandboxError, SandboxUnavailable
from followlytics.sandbox.base import SandboxState, error_from_answer

if TYPE_CHECKING:
    from daytona import Daytona, Sandbox

_log = logging.getLogger("followlytics.sandbox.daytona")
_T = TypeVar("_T")

NAME_PREFIX = "user-"
USER_LABEL = "user_id"
PROVIDER = "daytona"

_STATES: dict[str, SandboxState] = {
    "started": SandboxState.RUNNING,
    "resizing": SandboxState.RUNNING,
    "snapshotting": SandboxState.RUNNING,
    "forking": SandboxState.RUNNING,
    "stopped": SandboxState.PAUSED,
    "paused": SandboxState.PAUSED,
    "stopping": SandboxState.PAUSED,
    "pausing": SandboxState.PAUSED,
    "archived": SandboxState.ARCHIVED,
    "archiving": SandboxState.ARCHIVED,
    "destroyed": SandboxState.DESTROYED,
    "destroying": SandboxState.DESTROYED,
    "error": SandboxState.ERROR,
    "build_failed": SandboxState.ERROR,
    "creating": SandboxState.CREATING,
    "pending_build": SandboxState.CREATING,
    "building_snapshot": SandboxState.CREATING,
    "pulling_snapshot": SandboxState.CREATING,
    "starting": SandboxState.CREATING,
    "restoring": SandboxState.CREATING,
    "resuming": SandboxState.CREATING,
}
# States Daytona is moving out of on its own: wait, then look again.
_PASSING = frozenset(
    {
        "creating",
        "pending_build",
        "building_snapshot",
        "pulling_snapshot",
        "starting",
        "restoring",
        "resuming",
        "stopping",
        "pausing",
        "destroying",
        "resizing",
        "snapshotting",
        "forking",
    }
)
_STARTABLE = frozenset({"stopped", "paused", "archived", "archiving"})
_FROM_ARCHIVE = frozenset({"archived", "archiving"})
_GONE = frozenset({"destroyed", "destroying"})
_DATA_SUFFIXES = (".parquet",)
_DETAIL_LIMIT = 300


def sandbox_name(sandbox_id: str) -> str:
    """The Daytona sandbox name for a control-plane sandbox id."""
    return NAME_PREFIX + checked_id(sandbox_id, "sandbox_id")


def map_state(daytona_state: object) -> SandboxState:
    """Our state for a Daytona state (an enum member or its string value); unknown ones are ERROR."""
    return _STATES.get(_raw(daytona_state), SandboxState.ERROR)


@dataclass
class _Known:
    """What this process remembers of a sandbox: the user's folder and what was uploaded from it."""

    user_root: Path
    uploaded: dict[str, list[int]] | None = None  # relative path -> [size, mtime_ns]; None: not read yet
    activity_at: float = -math.inf


class DaytonaSandboxProvider:
    """Sandboxes on Daytona. Safe to use from many threads; calls for one sandbox are serialised."""

    name = PROVIDER
    # A Daytona sandbox is its own machine with no network (`network_block_all`), only its user's data and
    # Daytona's resource limits, so code tools may run there.
    isolates = True

    def __init__(
        self,
        *,
        api_key: str,
        api_url: str = "https://app.daytona.io/api",
        target: str | None = None,
        image_or_snapshot: str | None = None,
        users_dir: Path | None = None,
        remote_dir: str = "followlytics",
        python: str = "python",
        timeout: float = 120.0,
        create_timeout: float = 120.0,
        start_timeout: float = 60.0,
        archived_start_timeout: float = 300.0,
        state_change_timeout: float = 120.0,
        poll_interval: float = 0.5,
        activity_refresh_seconds: float = 60.0,
        use_deprecated_polling: bool = False,
    ) -> None:
        """`image_or_snapshot`: the Daytona snapshot sandboxes are made from (it must have `followlytics`
        installed); None uses Daytona's default. `users_dir`: where `<user_id>` folders are, to find a
        sandbox's data when this process did not create it (after a restart). `remote_dir`: the folder, under
        the sandbox's working directory, that holds the uploaded data. `timeout`: seconds one call may run.
        `use_deprecated_polling`: watch state changes by polling instead of Daytona's WebSocket events."""
        try:
            from daytona import Daytona, DaytonaConfig
        except ImportError as exc:  # the optional extra is not installed
            raise SandboxError(
                "the Daytona provider needs the `daytona` extra: pip install 'followlytics[daytona]'"
            ) from exc
        if not api_key:
            raise SandboxError("the Daytona provider needs an API key (FOLLOWLYTICS_DAYTONA_API_KEY)")
        self._secret = api_key
        self._snapshot = image_or_snapshot
        self._users_dir = users_dir
        self._remote = remote_dir.rstrip("/") or "followlytics"
        self._python = python
        self._timeout = timeout
        self._create_timeout = create_timeout
        self._start_timeout = start_timeout
        self._archived_start_timeout = archived_start_timeout
        self._state_change_timeout = state_change_timeout
        self._poll = poll_interval
        self._activity_every = activity_refresh_seconds
        config = DaytonaConfig(
            api_key=api_key, api_url=api_url, target=target, use_deprecated_polling=use_deprecated_polling
        )
        try:
            with warnings.catch_warnings():
                # Polling mode is announced as deprecated on every client; it is chosen on purpose here.
                warnings.simplefilter("ignore", DeprecationWarning)
                self._client: Daytona = Daytona(config)
        except Exception as exc:
            raise SandboxError(f"the Daytona client could not start: {self._scrub(str(exc))}") from None
        self._known: dict[str, _Known] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()  # guards the two dicts

    # --- the SandboxProvider protocol -------------------------------------------------------------------

    def create(self, sandbox_id: str, user_root: Path, *, user_id: str | None = None) -> SandboxState:
        """Create (or find) and start the sandbox, and upload the user's data to it."""
        name = sandbox_name(sandbox_id)
        root = Path(user_root).resolve()
        owner = checked_id(user_id or root.name, "user_id")
        with self._serialised(sandbox_id), self._translating(sandbox_id, "create"):
            known = self._known.get(sandbox_id)
            if known is not None and known.user_root != root:
                raise Conflict(f"sandbox {sandbox_id} already exists for another folder")
            known = self._known[sandbox_id] = known or _Known(user_root=root)
            sandbox = self._find(sandbox_id)
            if sandbox is not None and _raw(sandbox.state) in _GONE:
                self._wait_gone(sandbox_id, sandbox)  # Daytona frees the name once the old one is gone
                sandbox = None
            if sandbox is None:
                sandbox = self._client.create(self._params(name, owner), timeout=self._create_timeout)
            else:
                self._ensure_started(sandbox_id, sandbox)
            self._sync(sandbox, known)
            return map_state(sandbox.state)

    def start(self, sandbox_id: str) -> SandboxState:
        with self._serialised(sandbox_id), self._translating(sandbox_id, "start"):
            sandbox = self._require(sandbox_id)
            self._ensure_started(sandbox_id, sandbox)
            return map_state(sandbox.state)

    def pause(self, sandbox_id: str) -> SandboxState:
        """Stop the sandbox (Daytona keeps its disk, so `start` takes seconds)."""
        with self._serialised(sandbox_id), self._translating(sandbox_id, "pause"):
            sandbox = self._find(sandbox_id)
            if sandbox is None or _raw(sandbox.state) in _GONE:
                return SandboxState.DESTROYED
            self._stop(sandbox_id, sandbox, time.monotonic() + self._state_change_timeout)
            return map_state(sandbox.state)

    def archive(self, sandbox_id: str) -> SandboxState:
        """Stop the sandbox if needed and archive it (Daytona moves its disk to object storage)."""
        with self._serialised(sandbox_id), self._translating(sandbox_id, "archive"):
            sandbox = self._find(sandbox_id)
            if sandbox is None or _raw(sandbox.state) in _GONE:
                return SandboxState.DESTROYED
            deadline = time.monotonic() + self._state_change_timeout
            self._stop(sandbox_id, sandbox, deadline)  # Daytona archives only stopped sandboxes
            if _raw(sandbox.state) in ("stopped", "paused"):
                self._waiting_out_changes(sandbox_id, sandbox, sandbox.archive, deadline)
            return map_state(sandbox.state)

    def _stop(self, sandbox_id: str, sandbox: Any, deadline: float) -> None:
        """Let a passing state settle, then stop the sandbox if it is started."""
        while _raw(sandbox.state) in _PASSING:
            self._settle(sandbox_id, sandbox, deadline)
        if _raw(sandbox.state) == "started":
            self._waiting_out_changes(
                sandbox_id, sandbox, lambda: sandbox.stop(timeout=self._start_timeout), deadline
            )

    def delete(self, sandbox_id: str) -> SandboxState:
        with self._serialised(sandbox_id), self._translating(sandbox_id, "delete"):
            sandbox = self._find(sandbox_id)
            if sandbox is not None and _raw(sandbox.state) not in _GONE:
                deadline = time.monotonic() + self._state_change_timeout
                self._waiting_out_changes(sandbox_id, sandbox, sandbox.delete, deadline)
            self._known.pop(sandbox_id, None)
            return SandboxState.DESTROYED

    def state(self, sandbox_id: str) -> SandboxState:
        with self._translating(sandbox_id, "look up"):
            sandbox = self._find(sandbox_id)
            return SandboxState.DESTROYED if sandbox is None else map_state(sandbox.state)

    def exec(self, sandbox_id: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        request = orjson.dumps({"id": 1, "tool": tool, "args": args}).decode()
        with self._serialised(sandbox_id), self._translating(sandbox_id, f"run {tool} in"):
            sandbox = self._require(sandbox_id)
            self._ensure_started(sandbox_id, sandbox)
            known = self._known_for(sandbox_id, sandbox)
            try:
                output = self._run(sandbox, known, request)
            except Exception as exc:
                if not _not_running(exc):
                    raise
                # Daytona stopped it between our look and the call, or its proxy is not ready yet.
                _log.warning(
                    "sandbox %s did not answer as running (%s); starting it and retrying",
                    sandbox_id,
                    type(exc).__name__,
                )
                sandbox.refresh_data()
                self._ensure_started(sandbox_id, sandbox)
                output = self._run(sandbox, known, request)
        return self._answer(sandbox_id, tool, *output)

    def close(self) -> None:
        """Stop the SDK's background threads; the sandboxes keep running on Daytona."""
        manager = getattr(self._client, "_subscription_manager", None)
        dispatcher = getattr(self._client, "_event_dispatcher", None)
        for stop in (getattr(manager, "shutdown", None), getattr(dispatcher, "disconnect", None)):
            if stop is not None:
                try:
                    stop()
                except Exception:  # shutting down: nothing useful to do with a failure here
                    _log.debug("Daytona client shutdown step failed", exc_info=True)

    # --- beyond the protocol ----------------------------------------------------------------------------

    def sandboxes(self, user_id: str | None = None) -> dict[str, SandboxState]:
        """Our sandboxes on Daytona (by control-plane sandbox id), optionally only one user's."""
        from daytona import ListSandboxesQuery

        labels = {USER_LABEL: checked_id(user_id, "user_id")} if user_id is not None else None
        with self._translating("*", "list"):
            found = {}
            for sandbox in self._client.list(ListSandboxesQuery(labels=labels)):
                if sandbox.name.startswith(NAME_PREFIX):
                    found[sandbox.name[len(NAME_PREFIX) :]] = map_state(sandbox.state)
            return found

    # --- internals --------------------------------------------------------------------------------------

    def _params(self, name: str, owner: str) -> Any:
        from daytona import CreateSandboxFromSnapshotParams

        return CreateSandboxFromSnapshotParams(
            name=name,
            snapshot=self._snapshot,
            labels={USER_LABEL: owner},
            env_vars={},
            auto_stop_interval=30,
            auto_archive_interval=0,
            auto_delete_interval=-1,
            ephemeral=False,
            network_block_all=True,
        )

    def _find(self, sandbox_id: str) -> Sandbox | None:
        from daytona import DaytonaNotFoundError

        try:
            return self._client.get(sandbox_name(sandbox_id))
        except DaytonaNotFoundError:
            return None

    def _require(self, sandbox_id: str) -> Sandbox:
        sandbox = self._find(sandbox_id)
        if sandbox is None or _raw(sandbox.state) in _GONE:
            raise SandboxError(f"sandbox {sandbox_id} does not exist (destroyed or never created)")
        return sandbox

    def _known_for(self, sandbox_id: str, sandbox: Sandbox) -> _Known:
        known = self._known.get(sandbox_id)
        if known is not None:
            return known
        owner = (sandbox.labels or {}).get(USER_LABEL)
        if self._users_dir is None or not owner:
            raise SandboxError(
                f"sandbox {sandbox_id} was not created by this process and its data folder is unknown; "
                "create() it again"
            )
        known = self._known[sandbox_id] = _Known(user_root=(self._users_dir / checked_id(owner, "user_id")))
        return known

    def _ensure_started(self, sandbox_id: str, sandbox: Sandbox) -> None:
        """Bring the sandbox to `started`, starting it from stopped or archived and waiting out changes."""
        deadline = time.monotonic() + self._state_change_timeout
        while True:
            state = _raw(sandbox.state)
            if state == "started":
                return
            if state in _GONE:
                raise SandboxError(f"sandbox {sandbox_id} was destroyed")
            if state in _STARTABLE:
                timeout = self._archived_start_timeout if state in _FROM_ARCHIVE else self._start_timeout
                if self._try(sandbox, lambda t=timeout: sandbox.start(timeout=t)):
                    return
            elif state not in _PASSING:
                reason = self._scrub(str(getattr(sandbox, "error_reason", None) or "no reason given"))
                raise SandboxError(f"sandbox {sandbox_id} is in Daytona state '{state}': {reason}")
            self._settle(sandbox_id, sandbox, deadline)

    def _wait_gone(self, sandbox_id: str, sandbox: Sandbox) -> None:
        from daytona import DaytonaNotFoundError

        deadline = time.monotonic() + self._state_change_timeout
        try:
            while _raw(sandbox.state) == "destroying":
                self._settle(sandbox_id, sandbox, deadline)
        except DaytonaNotFoundError:
            pass

    def _waiting_out_changes(
        self, sandbox_id: str, sandbox: Sandbox, action: Callable[[], object], deadline: float
    ) -> None:
        """Do `action`; while Daytona answers 409 "state change in progress", wait for it and retry."""
        while not self._try(sandbox, action):
            self._settle(sandbox_id, sandbox, deadline)

    def _try(self, sandbox: Sandbox, action: Callable[[], object]) -> bool:
        """True when `action` ran; False when Daytona said a state change is in progress."""
        from daytona import DaytonaConflictError

        try:
            action()
        except DaytonaConflictError as exc:
            if "state change in progress" not in str(exc).lower():
                raise
            return False
        return True

    def _settle(self, sandbox_id: str, sandbox: Sandbox, deadline: float) -> None:
        """Wait one poll and look at the sandbox again; past the deadline, give up as unavailable."""
        if time.monotonic() >= deadline:
            raise SandboxUnavailable(
                f"Daytona kept sandbox {sandbox_id} in state '{_raw(sandbox.state)}' for more than "
                f"{self._state_change_timeout:g} s",
                provider=PROVIDER,
            )
        time.sleep(self._poll)
        sandbox.refresh_data()

    def _run(self, sandbox: Sandbox, known: _Known, request: str) -> tuple[int | None, str]:
        now = time.monotonic()
        if now - known.activity_at >= self._activity_every:
            sandbox.refresh_activity()
            known.activity_at = now
        self._sync(sandbox, known)
        remote = shlex.quote(self._remote)
        inner = (
            f"mkdir -p {remote} && exec {shlex.quote(self._python)} -m followlytics.sandbox.runtime"
            f" --root {shlex.quote(self._remote + '/data')} --request {shlex.quote(request)}"
            f" 2>>{shlex.quote(self._remote + '/runtime.log')}"
        )
        # `sh -c`: the redirection works whether the daemon hands the command to a shell or splits it itself.
        response = sandbox.process.exec(f"sh -c {shlex.quote(inner)}", timeout=math.ceil(self._timeout))
        return response.exit_code, response.result or ""

    def _sync(self, sandbox: Sandbox, known: _Known) -> None:
        """Upload the user's files that changed since the last upload, and delete the ones that went away."""
        from daytona import FileUpload

        uploaded = known.uploaded
        if uploaded is None:
            uploaded = self._remote_manifest(sandbox)
        local = _data_files(known.user_root)
        changed = [rel for rel, (_, signature) in local.items() if (uploaded or {}).get(rel) != signature]
        gone = [rel for rel in (uploaded or {}) if rel not in local]
        if uploaded is not None and not changed and not gone:
            known.uploaded = uploaded
            return
        data = self._remote + "/data/"
        if gone:
            paths = " ".join(shlex.quote(data + rel) for rel in gone)
            sandbox.process.exec(f"rm -f -- {paths}", timeout=60)
        manifest = {rel: signature for rel, (_, signature) in local.items()}
        files = [FileUpload(source=str(local[rel][0]), destination=data + rel) for rel in changed]
        # The manifest goes last in the same request: it is only there once the files are.
        files.append(FileUpload(source=orjson.dumps(manifest), destination=self._remote + "/uploaded.json"))
        sandbox.fs.upload_files(files)
        known.uploaded = manifest

    def _remote_manifest(self, sandbox: Sandbox) -> dict[str, list[int]] | None:
        """What an earlier upload (maybe by another control-plane process) left; None when there is none."""
        from daytona import DaytonaConnectionError, DaytonaError

        try:
            body = sandbox.fs.download_file(self._remote + "/uploaded.json")
        except DaytonaError as exc:
            if isinstance(exc, DaytonaConnectionError) or exc.status_code not in (None, 404):
                raise
            return None
        try:
            manifest = orjson.loads(body or b"")
        except orjson.JSONDecodeError:
            return None
        if not isinstance(manifest, dict):
            return None
        return {
            rel: sig
            for rel, sig in manifest.items()
            if isinstance(rel, str) and isinstance(sig, list) and all(isinstance(v, int) for v in sig)
        }

    def _answer(self, sandbox_id: str, tool: str, exit_code: int | None, output: str) -> dict[str, Any]:
        for line in reversed(output.splitlines()):
            if not line.startswith("{"):
                continue
            try:
                answer = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(answer, dict) and "ok" in answer:
                if answer.get("ok"):
                    return answer.get("result") or {}
                raise error_from_answer(answer.get("error") or {})
        tail = self._scrub(output.strip()[-200:])
        raise SandboxError(
            f"sandbox {sandbox_id}: {tool} ended (exit code {exit_code}) without an answer"
            + (f" ({tail})" if tail else "")
            + f"; the runtime's log is {self._remote}/runtime.log in the sandbox"
            + ("; is followlytics installed in the sandbox's image?" if exit_code in (1, 126, 127) else "")
        )

    @contextmanager
    def _serialised(self, sandbox_id: str) -> Iterator[None]:
        checked_id(sandbox_id, "sandbox_id")
        with self._lock:
            lock = self._locks.setdefault(sandbox_id, threading.Lock())
        with lock:
            yield

    @contextmanager
    def _translating(self, sandbox_id: str, doing: str) -> Iterator[None]:
        """Turn whatever the SDK raises into SandboxUnavailable or SandboxError, without the key."""
        try:
            yield
        except FollowlyticsError:
            raise
        except Exception as exc:
            raise self._translated(exc, sandbox_id, doing) from exc

    def _translated(self, exc: Exception, sandbox_id: str, doing: str) -> SandboxError:
        from daytona import (
            DaytonaAuthenticationError,
            DaytonaConnectionError,
            DaytonaError,
            DaytonaForbiddenError,
            DaytonaProcessExecutionTimeoutError,
            DaytonaTimeoutError,
        )

        what = f"Daytona could not {doing} sandbox {sandbox_id}"
        detail = self._scrub(getattr(exc, "message", None) or str(exc) or type(exc).__name__)
        status = getattr(exc, "status_code", None)
        if isinstance(exc, DaytonaProcessExecutionTimeoutError):
            return SandboxError(f"{what}: the call ran longer than {self._timeout:g} s")
        if isinstance(exc, DaytonaConnectionError) or _network_failure(exc):
            return SandboxUnavailable(f"{what}: Daytona did not answer ({detail})", provider=PROVIDER)
        if isinstance(exc, DaytonaTimeoutError):
            return SandboxUnavailable(f"{what}: Daytona did not finish in time ({detail})", provider=PROVIDER)
        if isinstance(status, int) and (status >= 500 or status == 429):
            return SandboxUnavailable(f"{what}: Daytona answered {status} ({detail})", provider=PROVIDER)
        if isinstance(exc, (DaytonaAuthenticationError, DaytonaForbiddenError)):
            return SandboxError(f"{what}: Daytona refused the API key ({status}); check the Daytona settings")
        if isinstance(exc, DaytonaError):
            return SandboxError(f"{what}: {detail}")
        return SandboxError(f"{what}: {type(exc).__name__}: {detail}")

    def _scrub(self, text: str) -> str:
        text = text.replace(self._secret, "***") if getattr(self, "_secret", "") else text
        return text if len(text) <= _DETAIL_LIMIT else text[:_DETAIL_LIMIT] + "…"


def _raw(state: object) -> str:
    return str(getattr(state, "value", state) or "").lower()


def _not_running(exc: BaseException) -> bool:
    """A toolbox answer that means the sandbox is not (yet) running behind Daytona's proxy."""
    text = str(exc).lower()
    return (
        getattr(exc, "status_code", None) == 502
        or "is the sandbox started" in text
        or "failed to resolve container ip" in text
    )


def _network_failure(exc: BaseException) -> bool:
    """A transport failure anywhere in the exception's chain (the SDK does not wrap every one)."""
    import urllib3.exceptions

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, (ConnectionError, TimeoutError, urllib3.exceptions.HTTPError)):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _data_files(user_root: Path) -> dict[str, tuple[Path, list[int]]]:
    """The files a sandbox needs: `accounts.json` and the snapshots, by path relative to the user root."""
    candidates = [user_root / "accounts.json"]
    accounts = user_root / "accounts"
    if accounts.is_dir():
        candidates += [
            path
            for path in accounts.glob("*/*/*")
            if path.suffix in _DATA_SUFFIXES and not path.name.startswith(".")  # skip files being written
        ]
    found: dict[str, tuple[Path, list[int]]] = {}
    for path in candidates:
        try:
            stat = path.stat()
        except FileNotFoundError:  # replaced or removed while we looked
            continue
        if path.is_file():
            found[path.relative_to(user_root).as_posix()] = (path, [stat.st_size, stat.st_mtime_ns])
    return found
