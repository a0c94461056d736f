"""A fake Daytona (control API + toolbox) on the loopback server, for the real `daytona` SDK to talk to.

`FakeDaytona()` is stateful: sandboxes are JSON records in Daytona's own shape (the fields of
`daytona_api_client.models.Sandbox`), moved between states by the API calls the SDK makes, with each change
taking a configurable time (`seconds[...]`) during which Daytona's in-between state is shown and any other
state change answers 409 "Sandbox state change in progress", as the real API does.

Control API (under `url`, which ends in `/api`), every call behind `Authorization: Bearer <api_key>` (401
otherwise):

    POST   /sandbox                      create (state `creating`, then `started`)
    GET    /sandbox/{idOrName}           one sandbox, by id or name (404 when gone)
    GET    /sandbox?labels=<json>&cursor&limit   paginated list `{items, nextCursor}`
    POST   /sandbox/{idOrName}/start     stopped -> starting -> started; archived -> restoring -> started
    POST   /sandbox/{idOrName}/stop      started -> stopping -> stopped
    POST   /sandbox/{idOrName}/archive   stopped -> archiving -> archived (400 unless stopped)
    DELETE /sandbox/{idOrName}           -> destroying -> gone
    POST   /sandbox/{id}/last-activity   recorded in `activity`

Toolbox (each sandbox's `toolboxProxyUrl` is `<base>/toolbox`; the SDK appends `/{id}/...`), answering 502
"Is the Sandbox started?" unless the sandbox is started:

    POST /toolbox/{id}/process/execute      runs the command for real (`sh -c`) in the sandbox's own temporary
                                            folder, with PATH leading to this interpreter's `python`, so
                                            `python -m followlytics.sandbox.runtime` really answers; recorded
                                            in `executed`
    POST /toolbox/{id}/files/bulk-upload    multipart `files[i].path` + `files[i].file`; written under the
                                            folder and recorded in `uploads`
    POST /toolbox/{id}/files/bulk-download  `{"paths": [...]}` -> multipart parts `file` (or `error`, JSON)

Paths in the sandbox map onto its folder: relative ones from the folder (the sandbox's working directory),
absolute ones as if the folder were `/`.

Scripting: `hold(id, state, then, seconds)` puts a sandbox in a passing state (actions get 409 meanwhile);
`fail_toolbox(status, times, stop=...)` makes the next toolbox calls fail (with `stop=True` the sandbox is
first stopped behind the client's back, as Daytona's auto-stop would); `down = 503` makes the whole control
API answer that status. `requests` holds every request as recorded by the loopback server.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.loopback import BytesStep, JsonStep, LoopbackServer, Recorded, Step

STATE_CHANGE_IN_PROGRESS = "Sandbox state change in progress"
_MAX_AUTO_ARCHIVE = 43200  # minutes: what Daytona stores when asked for 0 ("the maximum interval")


@dataclass
class Executed:
    sandbox_id: str
    command: str
    envs: dict[str, str] | None
    timeout: int | None
    exit_code: int
    output: str


@dataclass
class Upload:
    sandbox_id: str
    path: str
    data: bytes


@dataclass
class _Pending:
    then: str | None  # None: the sandbox is gone when the change ends
    until: float


@dataclass
class _Record:
    dto: dict[str, Any]
    folder: Path
    pending: _Pending | None = None


class FakeDaytona:
    """`with FakeDaytona() as fake: DaytonaSandboxProvider(api_key=fake.api_key, api_url=fake.url)`"""

    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key or f"dtn_{secrets.token_hex(16)}"
        self.seconds: dict[str, float] = {
            "create": 0.05,
            "start": 0.05,
            "restore": 0.05,
            "stop": 0.05,
            "archive": 0.05,
            "destroy": 0.0,
        }
        self.down: int | None = None
        self.executed: list[Executed] = []
        self.uploads: list[Upload] = []
        self.activity: list[str] = []
        self._records: dict[str, _Record] = {}
        self._faults: deque[tuple[int, bool]] = deque()
        self._lock = threading.RLock()
        self._tmp = Path(tempfile.mkdtemp(prefix="fake-daytona-"))
        self._server = LoopbackServer(self._respond)

    # --- test-facing ------------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return self._server.url

    @property
    def url(self) -> str:
        return self._server.url + "/api"

    @property
    def requests(self) -> list[Recorded]:
        return self._server.requests

    def __enter__(self) -> FakeDaytona:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def sandbox(self, name: str) -> dict[str, Any]:
        """The current JSON of the sandbox with this name or id."""
        with self._lock:
            record = self._lookup(name)
            assert record is not None, f"no sandbox {name}"
            return dict(record.dto)

    def folder(self, name: str) -> Path:
        with self._lock:
            record = self._lookup(name)
            assert record is not None, f"no sandbox {name}"
            return record.folder

    def set_state(self, name: str, state: str) -> None:
        """Put a sandbox in a state at once (what Daytona's auto-stop or auto-archive would do)."""
        with self._lock:
            record = self._lookup(name)
            assert record is not None, f"no sandbox {name}"
            record.pending = None
            self._set(record, state)

    def hold(self, name: str, state: str, then: str, seconds: float) -> None:
        """Show `state` for `seconds`, then `then`; state changes asked for meanwhile get a 409."""
        with self._lock:
            record = self._lookup(name)
            assert record is not None, f"no sandbox {name}"
            self._set(record, state)
            record.pending = _Pending(then, time.monotonic() + seconds)

    def fail_toolbox(self, status: int = 502, *, times: int = 1, stop: bool = False) -> None:
        """The next `times` toolbox calls answer `status`; `stop` first stops the sandbox behind our back."""
        with self._lock:
            self._faults.extend([(status, stop)] * times)

    def paths(self, method: str | None = None) -> list[str]:
        """The request paths (without query), in order, optionally only one method's."""
        return [urlsplit(r.path).path for r in self.requests if method is None or r.method == method]

    # --- the server -------------------------------------------------------------------------------------

    def _respond(self, request: Recorded) -> Step:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, "Unauthorized")
        parts = urlsplit(request.path)
        path = parts.path
        with self._lock:
            if path.startswith("/toolbox/"):
                return self._toolbox(request, path[len("/toolbox/") :])
            if not path.startswith("/api/"):
                return _error(404, f"Cannot {request.method} {path}")
            if self.down is not None:
                return _error(self.down, "Service Unavailable")
            return self._api(request, path[len("/api") :], parse_qs(parts.query))

    def _api(self, request: Recorded, path: str, query: dict[str, list[str]]) -> Step:
        segments = [unquote(s) for s in path.strip("/").split("/")]
        if segments[0] != "sandbox":
            return _error(404, f"Cannot {request.method} {path}")
        if len(segments) == 1:
            if request.method == "POST":
                return self._create(request.json())
            if request.method == "GET":
                return self._list(query)
        record = self._lookup(segments[1])
        if record is None:
            return _error(404, f"Sandbox with ID or name {segments[1]} not found")
        action = segments[2] if len(segments) > 2 else None
        if request.method == "GET" and action is None:
            return JsonStep(dict(record.dto))
        if request.method == "DELETE" and action is None:
            return self._change(record, "destroying", None, self.seconds["destroy"])
        if request.method == "POST" and action == "last-activity":
            self.activity.append(record.dto["id"])
            record.dto["lastActivityAt"] = _now()
            return BytesStep(b"", 201)
        if request.method == "POST" and action == "start":
            state = record.dto["state"]
            if state == "started":
                return JsonStep(dict(record.dto))
            if state in ("stopped", "paused"):
                return self._change(record, "starting", "started", self.seconds["start"])
            if state == "archived":
                return self._change(record, "restoring", "started", self.seconds["restore"])
            return self._refuse(record)
        if request.method == "POST" and action == "stop":
            if record.dto["state"] == "stopped":
                return JsonStep(dict(record.dto))
            if record.dto["state"] != "started":
                return self._refuse(record)
            return self._change(record, "stopping", "stopped", self.seconds["stop"])
        if request.method == "POST" and action == "archive":
            if record.pending is not None:
                return _error(409, STATE_CHANGE_IN_PROGRESS)
            if record.dto["state"] != "stopped":
                return _error(400, "Sandbox is not stopped")
            return self._change(record, "archiving", "archived", self.seconds["archive"])
        return _error(404, f"Cannot {request.method} {path}")

    def _create(self, body: dict[str, Any]) -> Step:
        name = body.get("name")
        if name and self._lookup(name) is not None:
            return _error(409, f"Sandbox with name {name} already exists")
        sandbox_id = str(uuid.uuid4())
        folder = self._tmp / sandbox_id
        folder.mkdir()
        now = _now()
        auto_archive = body.get("autoArchiveInterval")
        dto = {
            "id": sandbox_id,
            "organizationId": "org-fake",
            "name": name or sandbox_id,
            "snapshot": body.get("snapshot") or "daytonaio/sandbox:0.5.0",
            "user": body.get("user") or "daytona",
            "env": body.get("env") or {},
            "labels": body.get("labels") or {},
            "public": bool(body.get("public")),
            "networkBlockAll": bool(body.get("networkBlockAll")),
            "kvm": False,
            "networkAllowList": body.get("networkAllowList"),
            "target": body.get("target") or "us",
            "cpu": 1,
            "gpu": 0,
            "spot": False,
            "memory": 1,
            "disk": 3,
            "state": "creating",
            "desiredState": "started",
            "errorReason": None,
            "recoverable": False,
            "backupState": "None",
            "autoStopInterval": body.get("autoStopInterval", 15),
            "autoPauseInterval": body.get("autoPauseInterval") or 0,
            "autoArchiveInterval": _MAX_AUTO_ARCHIVE if auto_archive in (0, None) else auto_archive,
            "autoDeleteInterval": body.get("autoDeleteInterval", -1),
            "volumes": [],
            "createdAt": now,
            "updatedAt": now,
            "lastActivityAt": now,
            "sandboxClass": "small",
            "daemonVersion": "0.5.0",
            "runnerId": "runner-fake",
            "toolboxProxyUrl": self.base + "/toolbox",
        }
        record = self._records[sandbox_id] = _Record(dto=dto, folder=folder)
        record.pending = _Pending("started", time.monotonic() + self.seconds["create"])
        return JsonStep(dict(dto))

    def _list(self, query: dict[str, list[str]]) -> Step:
        labels = json.loads(query["labels"][0]) if "labels" in query else {}
        matching = [
            dict(r.dto)
            for r in self._records.values()
            if all(r.dto["labels"].get(k) == v for k, v in labels.items())
        ]
        start = int(query.get("cursor", ["0"])[0])
        limit = int(query.get("limit", ["100"])[0])
        page = matching[start : start + limit]
        more = start + limit < len(matching)
        return JsonStep({"items": page, "nextCursor": str(start + limit) if more else None})

    def _toolbox(self, request: Recorded, rest: str) -> Step:
        sandbox_id, _, action = rest.partition("/")
        record = self._records.get(sandbox_id)
        if record is None:
            return _error(404, f"sandbox {sandbox_id} not found")
        if self._faults:
            status, stop = self._faults.popleft()
            if stop:
                record.pending = None
                self._set(record, "stopped")
            return _error(
                status, "failed to resolve container IP: no IP address found. Is the Sandbox started?"
            )
        if self._state(record) != "started":
            return _error(502, "no IP address found. Is the Sandbox started?")
        if action == "process/execute":
            return self._execute(record, request.json())
        if action == "files/bulk-upload":
            return self._upload(record, request)
        if action == "files/bulk-download":
            return self._download(record, request.json())
        return _error(404, f"Cannot {request.method} /{action}")

    def _execute(self, record: _Record, body: dict[str, Any]) -> Step:
        folder = record.folder
        cwd = _inside(folder, body["cwd"]) if body.get("cwd") else folder
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(folder),
            "LANG": "C.UTF-8",
            **(body.get("envs") or {}),
        }
        timeout = body.get("timeout") or 10  # the daemon's default
        try:
            done = subprocess.run(
                ["sh", "-c", body["command"]],
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,  # the daemon returns both streams as one `result`
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return _error(
                408, "command execution timeout", code="PROCESS_EXECUTION_TIMEOUT", source="DAYTONA_DAEMON"
            )
        output = done.stdout.decode(errors="replace")
        self.executed.append(
            Executed(
                record.dto["id"],
                body["command"],
                body.get("envs"),
                body.get("timeout"),
                done.returncode,
                output,
            )
        )
        return JsonStep({"exitCode": done.returncode, "result": output})

    def _upload(self, record: _Record, request: Recorded) -> Step:
        head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + request.body)
        paths: dict[str, str] = {}
        data: dict[str, bytes] = {}
        for part in message.iter_parts():
            field_name = part.get_param("name", header="content-disposition") or ""
            index, _, kind = field_name.rpartition(".")
            payload = part.get_payload(decode=True) or b""
            if kind == "path":
                paths[index] = payload.decode()
            elif kind == "file":
                data[index] = payload
        for index, remote in paths.items():
            target = _inside(record.folder, remote)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.get(index, b""))
            self.uploads.append(Upload(record.dto["id"], remote, data.get(index, b"")))
        return BytesStep(b"", 200)

    def _download(self, record: _Record, body: dict[str, Any]) -> BytesStep:
        boundary = secrets.token_hex(12)
        out = bytearray()
        for remote in body.get("paths", []):
            local = _inside(record.folder, remote)
            out += f"--{boundary}\r\n".encode()
            if local.is_file():
                out += f'Content-Disposition: form-data; name="file"; filename="{remote}"\r\n'.encode()
                out += b"Content-Type: application/octet-stream\r\n\r\n" + local.read_bytes() + b"\r\n"
            else:
                error = {"message": f"file not found: {remote}", "statusCode": 404, "code": "FILE_NOT_FOUND"}
                out += f'Content-Disposition: form-data; name="error"; filename="{remote}"\r\n'.encode()
                out += b"Content-Type: application/json\r\n\r\n" + json.dumps(error).encode() + b"\r\n"
        out += f"--{boundary}--\r\n".encode()
        return BytesStep(bytes(out), 200, {"content-type": f"multipart/form-data; boundary={boundary}"})

    # --- state ------------------------------------------------------------------------------------------

    def _lookup(self, id_or_name: str) -> _Record | None:
        record = self._records.get(id_or_name) or next(
            (r for r in self._records.values() if r.dto["name"] == id_or_name), None
        )
        if record is not None and self._state(record) is None:
            return None
        return record

    def _state(self, record: _Record) -> str | None:
        """The state now, finishing a change whose time is up (None: the sandbox is gone)."""
        pending = record.pending
        if pending is not None and time.monotonic() >= pending.until:
            record.pending = None
            if pending.then is None:
                self._records.pop(record.dto["id"], None)
                return None
            self._set(record, pending.then)
        return record.dto["state"]

    def _set(self, record: _Record, state: str) -> None:
        record.dto["state"] = state
        record.dto["updatedAt"] = _now()

    def _change(self, record: _Record, passing: str, then: str | None, seconds: float) -> Step:
        if record.pending is not None:
            return _error(409, STATE_CHANGE_IN_PROGRESS)
        self._set(record, passing)
        record.dto["desiredState"] = then or "destroyed"
        record.pending = _Pending(then, time.monotonic() + seconds)
        answer = dict(record.dto)
        self._state(record)  # a change of zero seconds is over at once
        return JsonStep(answer)

    def _refuse(self, record: _Record) -> Step:
        if record.pending is not None:
            return _error(409, STATE_CHANGE_IN_PROGRESS)
        return _error(400, f"Sandbox is in state {record.dto['state']}")


def _error(status: int, message: str, *, code: str | None = None, source: str | None = None) -> JsonStep:
    """Daytona's error envelope (NestJS style: statusCode, message, error; the daemon adds code, source)."""
    body: dict[str, Any] = {"statusCode": status, "message": message, "error": _REASONS.get(status, "Error")}
    if code:
        body["code"] = code
    if source:
        body["source"] = source
    body["timestamp"] = _now()
    return JsonStep(body, status)


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _inside(folder: Path, remote: str) -> Path:
    """The local file for a sandbox path; refuses paths that leave the sandbox's folder."""
    relative = PurePosixPath(remote)
    if relative.is_absolute():
        relative = relative.relative_to("/")
    target = (folder / relative).resolve()
    if target != folder.resolve() and folder.resolve() not in target.parents:
        raise ValueError(f"{remote} leaves the sandbox")
    return target


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
