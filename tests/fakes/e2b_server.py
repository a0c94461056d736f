"""A loopback fake of E2B for the real `e2b` SDK: the control-plane REST API and each sandbox's envd.

Two HTTP/1.1 servers on 127.0.0.1, as in E2B two hosts:

control plane (`api_url`, the SDK's `api_url` option), `X-API-KEY` auth, the routes e2b 2.63 calls:
    POST   /v2/sandboxes                       create (body: templateID, timeout, metadata, autoPause, ...)
    GET    /v2/sandboxes?metadata=&state=      list running and paused, filtered by metadata (`k=v&k2=v2`)
    GET    /sandboxes/{id}                     detail (state running|paused)
    DELETE /sandboxes/{id}                     kill
    POST   /sandboxes/{id}/pause               pause (409 when already paused)
    POST   /v2/sandboxes/{id}/connect          resume a paused one (201), or extend a running one's life (200)
    POST   /sandboxes/{id}/timeout             set the time left
A sandbox whose timeout passes is paused when created with `autoPause`, else killed (checked lazily).

envd (`sandbox_url`, the SDK's `sandbox_url` option; the sandbox is named by the `E2b-Sandbox-Id` header and
authorised by its `X-Access-Token`, as E2B's shared sandbox proxy does):
    GET  /health                               204
    POST /files?path=                          upload: multipart `file` parts or an octet-stream body
    GET  /files?path=                          download
    POST /process.Process/Start                Connect-protocol server stream, JSON codec: envelopes of a
                                               flags byte and a big-endian length; events start{pid},
                                               data{stdout|stderr, base64}, end{exitCode, exited, status},
                                               then an end-stream frame (flags 2)
A request for a sandbox that is paused, killed or unknown gets the proxy's 502 "... was not found".

Each sandbox's file system is a folder under `root` mounted at /home/user; commands run for real under
bubblewrap (the host's files read-only, that folder at /home/user, no network), so a command line and the
absolute paths the SDK sends mean what they would in E2B. `python` resolves to `python_bin`'s folder first
(the fake template's `~/.profile` puts it first on the login shell's PATH).

Test controls: `api_status` (answer every control-plane call with that status, e.g. 503), `stop_api()`
(close the control-plane port: connection refused), `requests` (every request, both hosts), `commands` (argv
of every command started), `uploads` (path and bytes of every file written).
"""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

import followlytics
from tests.fakes.loopback import Recorded, read_body

ENVD_VERSION = "0.6.7"
HOME = "/home/user"


@dataclass
class FakeSandbox:
    id: str
    template: str
    metadata: dict[str, str]
    access_token: str
    folder: Path
    auto_pause: bool
    allow_internet_access: bool | None
    started_at: datetime
    end_at: datetime
    state: str = "running"  # running | paused | killed
    pauses: int = 0
    resumes: int = 0


@dataclass
class Upload:
    sandbox_id: str
    path: str
    data: bytes


@dataclass
class E2BFake:
    """`with E2BFake(tmp_path) as fake: ... fake.api_url, fake.sandbox_url`."""

    root: Path
    api_key: str = "e2b_test_key_0123456789abcdef"
    python_bin: Path = field(default_factory=lambda: Path(sys.executable).parent)
    api_status: int | None = None
    sandboxes: dict[str, FakeSandbox] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    commands: list[list[str]] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._api = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self, self._control_plane))
        self._envd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self, self._envd_api))
        self._threads: list[threading.Thread] = []
        self._api_stopped = False

    # --- lifecycle of the fake ------------------------------------------------------------------------

    def __enter__(self) -> E2BFake:
        for server in (self._api, self._envd):
            server.daemon_threads = True
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_api()
        self._envd.shutdown()
        self._envd.server_close()

    def stop_api(self) -> None:
        """Close the control-plane port, so the SDK's next API call is refused."""
        if not self._api_stopped:
            self._api_stopped = True
            self._api.shutdown()
            self._api.server_close()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._api.server_address[1]}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self._envd.server_address[1]}"

    # --- control plane --------------------------------------------------------------------------------

    def _control_plane(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        if self.api_status is not None:
            return _json(self.api_status, {"code": self.api_status, "message": "service unavailable"})
        if request.headers.get("x-api-key") != self.api_key:
            return _json(401, {"code": 401, "message": "Invalid API key"})
        url = urlsplit(request.path)
        parts = [p for p in url.path.split("/") if p]
        if parts and parts[0] == "v2":
            parts = parts[1:]
        with self._lock:
            for sandbox in self.sandboxes.values():
                _expire(sandbox)
            if parts == ["sandboxes"] and request.method == "POST":
                return self._create(request.json())
            if parts == ["sandboxes"] and request.method == "GET":
                return self._list(parse_qs(url.query))
            if len(parts) < 2 or parts[0] != "sandboxes":
                return _json(404, {"code": 404, "message": f"no route {request.method} {url.path}"})
            sandbox = self.sandboxes.get(parts[1])
            if sandbox is None or sandbox.state == "killed":
                return _json(404, {"code": 404, "message": f"sandbox {parts[1]} not found"})
            action = parts[2] if len(parts) > 2 else None
            body = request.json() if request.body else {}
            if action is None and request.method == "GET":
                return _json(200, _detail(sandbox))
            if action is None and request.method == "DELETE":
                sandbox.state = "killed"
                shutil.rmtree(sandbox.folder, ignore_errors=True)
                return 204, {}, b""
            if action == "pause" and request.method == "POST":
                if sandbox.state == "paused":
                    return _json(409, {"code": 409, "message": "sandbox is already paused"})
                sandbox.state = "paused"
                sandbox.pauses += 1
                return 204, {}, b""
            if action == "connect" and request.method == "POST":
                timeout = int(body.get("timeout") or 300)
                resumed = sandbox.state == "paused"
                if resumed:
                    sandbox.state = "running"
                    sandbox.resumes += 1
                    sandbox.end_at = _now() + timedelta(seconds=timeout)
                else:
                    sandbox.end_at = max(sandbox.end_at, _now() + timedelta(seconds=timeout))
                return _json(201 if resumed else 200, _created(sandbox))
            if action == "timeout" and request.method == "POST":
                sandbox.end_at = _now() + timedelta(seconds=int(body["timeout"]))
                return 204, {}, b""
        return _json(404, {"code": 404, "message": f"no route {request.method} {url.path}"})

    def _create(self, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        sandbox_id = "i" + secrets.token_hex(9)
        folder = self.root / sandbox_id
        (folder / "home").mkdir(parents=True)
        # What the template's image does: its Python (with followlytics) first on the PATH of login shells,
        # which is what `commands.run` starts (`/bin/bash -l -c CMD`).
        (folder / "home" / ".profile").write_text(f'export PATH="{self.python_bin}:$PATH"\n')
        now = _now()
        sandbox = FakeSandbox(
            id=sandbox_id,
            template=body["templateID"],
            metadata=dict(body.get("metadata") or {}),
            access_token=secrets.token_hex(16),
            folder=folder,
            auto_pause=bool(body.get("autoPause")),
            allow_internet_access=body.get("allow_internet_access"),
            started_at=now,
            end_at=now + timedelta(seconds=int(body.get("timeout") or 15)),
        )
        self.sandboxes[sandbox_id] = sandbox
        return _json(201, _created(sandbox))

    def _list(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        wanted = {unquote(k): unquote(v) for k, v in parse_qsl(query.get("metadata", [""])[0])}
        states = set(query["state"][0].split(",")) if "state" in query else {"running", "paused"}
        found = [
            _listed(s)
            for s in self.sandboxes.values()
            if s.state in states and all(s.metadata.get(k) == v for k, v in wanted.items())
        ]
        return _json(200, found)

    # --- envd -----------------------------------------------------------------------------------------

    def _envd_api(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(request.path)
        sandbox_id = request.headers.get("e2b-sandbox-id", "")
        with self._lock:
            sandbox = self.sandboxes.get(sandbox_id)
            if sandbox is not None:
                _expire(sandbox)
            if sandbox is None or sandbox.state != "running":
                # What E2B's sandbox proxy answers for a sandbox that is not running.
                return _json(502, {"code": 502, "message": f"The sandbox {sandbox_id} was not found"})
        if request.headers.get("x-access-token") != sandbox.access_token:
            return _json(401, {"code": 401, "message": "invalid access token"})
        if url.path == "/health":
            return 204, {}, b""
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/files" and request.method == "POST":
            return self._write_files(sandbox, request, query.get("path"))
        if url.path == "/files" and request.method == "GET":
            target = _local(sandbox, query.get("path", ""))
            if target is None or not target.is_file():
                return _json(404, {"code": 404, "message": f"path '{query.get('path')}' does not exist"})
            return 200, {"content-type": "application/octet-stream"}, target.read_bytes()
        if url.path == "/process.Process/Start" and request.method == "POST":
            return self._start(sandbox, request)
        return _json(404, {"code": 404, "message": f"no route {request.method} {url.path}"})

    def _write_files(
        self, sandbox: FakeSandbox, request: Recorded, path: str | None
    ) -> tuple[int, dict[str, str], bytes]:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                b"content-type: " + content_type.encode() + b"\r\n\r\n" + request.body
            )
            files = [
                (path or part.get_filename() or "", part.get_payload(decode=True) or b"")
                for part in message.iter_parts()
                if part.get_param("name", header="content-disposition") == "file"
            ]
        else:
            files = [(path or "", request.body)]
        written = []
        for name, data in files:
            target = _local(sandbox, name)
            if target is None:
                return _json(400, {"code": 400, "message": f"path '{name}' is outside the sandbox's home"})
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            self.uploads.append(Upload(sandbox.id, name, data))
            written.append({"name": Path(name).name, "type": "file", "path": name})
        return _json(200, written)

    def _start(self, sandbox: FakeSandbox, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        if not request.headers.get("content-type", "").startswith("application/connect+json"):
            return _json(415, {"code": "unimplemented", "message": "only application/connect+json is served"})
        body = request.body
        length = int.from_bytes(body[1:5], "big")
        start = json.loads(body[5 : 5 + length])
        process = start["process"]
        argv = [process["cmd"], *process.get("args", [])]
        cwd = process.get("cwd") or HOME
        timeout_ms = request.headers.get("connect-timeout-ms")
        self.commands.append(argv)
        popen = subprocess.Popen(
            _bwrap(sandbox.folder / "home", cwd) + argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={
                "PATH": f"{self.python_bin}:/usr/local/bin:/usr/bin:/bin",
                "HOME": HOME,
                "LANG": "C.UTF-8",
                **process.get("envs", {}),
            },
        )
        frames = [_frame({"event": {"start": {"pid": popen.pid}}})]
        try:
            stdout, stderr = popen.communicate(timeout=int(timeout_ms) / 1000 if timeout_ms else None)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.communicate()
            end_stream = {"error": {"code": "deadline_exceeded", "message": "command timed out"}}
            return 200, {"content-type": "application/connect+json"}, b"".join(frames) + _frame(end_stream, 2)
        for name, data in (("stdout", stdout), ("stderr", stderr)):
            if data:
                chunk = base64.b64encode(data).decode()
                frames.append(_frame({"event": {"data": {name: chunk}}}))
        code = popen.returncode
        end = {"exitCode": code, "exited": True, "status": f"exit status {code}"}
        frames.append(_frame({"event": {"end": end}}))
        frames.append(_frame({}, 2))
        return 200, {"content-type": "application/connect+json"}, b"".join(frames)


def _now() -> datetime:
    return datetime.now(UTC)


def _expire(sandbox: FakeSandbox) -> None:
    if sandbox.state == "running" and _now() >= sandbox.end_at:
        sandbox.state = "paused" if sandbox.auto_pause else "killed"


def _created(sandbox: FakeSandbox) -> dict[str, Any]:
    return {
        "templateID": sandbox.template,
        "sandboxID": sandbox.id,
        "clientID": "fake-client",
        "envdVersion": ENVD_VERSION,
        "envdAccessToken": sandbox.access_token,
        "domain": None,
    }


def _listed(sandbox: FakeSandbox) -> dict[str, Any]:
    return {
        "templateID": sandbox.template,
        "sandboxID": sandbox.id,
        "clientID": "fake-client",
        "startedAt": sandbox.started_at.isoformat(),
        "endAt": sandbox.end_at.isoformat(),
        "cpuCount": 2,
        "memoryMB": 1024,
        "diskSizeMB": 4096,
        "state": sandbox.state,
        "envdVersion": ENVD_VERSION,
        "metadata": sandbox.metadata,
    }


def _detail(sandbox: FakeSandbox) -> dict[str, Any]:
    return {**_listed(sandbox), "domain": None, "envdAccessToken": sandbox.access_token}


def _local(sandbox: FakeSandbox, path: str) -> Path | None:
    """The host path of an absolute sandbox path under /home/user (None outside it)."""
    parts = Path(path).parts
    home = Path(HOME).parts
    if tuple(parts[: len(home)]) != home or ".." in parts:
        return None
    return sandbox.folder.joinpath("home", *parts[len(home) :])


def _bwrap(home: Path, cwd: str) -> list[str]:
    # The "template's" Python and the followlytics source stay visible even when they live under /home or
    # /tmp (a CI checkout in /tmp), which the sandbox otherwise replaces with empty folders.
    keep = {Path(sys.prefix), Path(sys.base_prefix), Path(followlytics.__file__).resolve().parent.parent}
    binds = [arg for path in sorted(keep) for arg in ("--ro-bind", str(path), str(path))]
    return [
        "bwrap",
        "--ro-bind", "/", "/",
        "--tmpfs", "/home",
        "--bind", str(home), HOME,
        "--tmpfs", "/tmp",
        *binds,
        "--dev", "/dev",
        "--proc", "/proc",
        "--unshare-net",
        "--unshare-pid",
        "--die-with-parent",
        "--chdir", cwd,
        "--",
    ]  # fmt: skip


def _frame(message: dict[str, Any], flags: int = 0) -> bytes:
    data = json.dumps(message).encode()
    return bytes([flags]) + len(data).to_bytes(4, "big") + data


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json"}, json.dumps(body).encode()


def _handler(fake: E2BFake, route: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _handle(self) -> None:
            if route == fake._control_plane and fake._api_stopped:
                # A kept-alive connection outlives the closed port: drop it unanswered, as a dead host would.
                self.close_connection = True
                return
            request = Recorded(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, read_body(self)
            )
            with fake._lock:
                fake.requests.append(request)
            status, headers, body = route(request)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PUT = do_DELETE = _handle

    return Handler
