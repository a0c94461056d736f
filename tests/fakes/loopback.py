"""A scripted HTTP server on 127.0.0.1, the base of every fake provider (LLM, sandbox, X API).

A test gives the server a queue of `Step`s; each incoming request takes the next one and gets exactly that
answer: JSON with a status and headers, a Server-Sent-Events stream (chunks written and flushed one by one),
or a hang (for client timeouts). Every request is kept (`requests`: method, path, headers, parsed JSON body)
so a test can assert what the real client library put on the wire. A request with no step left gets a 500
that names the path, so a test that under-scripts fails loudly.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class JsonStep:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class BytesStep:
    """A body sent as is, with its own content type in `headers` (multipart, octet-stream, empty)."""

    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class SseStep:
    """`chunks` are already-framed SSE bytes (`data: ...\\n\\n`), written with `delay` seconds between them.
    `fail_after` cuts the connection after that many chunks (a stream that dies half way)."""

    chunks: list[bytes]
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    fail_after: int | None = None


@dataclass
class HangStep:
    seconds: float


Step = JsonStep | BytesStep | SseStep | HangStep
Responder = Callable[[Recorded], Step]


class LoopbackServer:
    """`with LoopbackServer() as server: server.push(step) ...; server.url`"""

    def __init__(self, responder: Responder | None = None) -> None:
        self.requests: list[Recorded] = []
        self._steps: deque[Step | Responder] = deque()
        self._default = responder
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval: shutdown() waits for the next poll, 0.5 s by default, on every test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def push(self, *steps: Step | Responder) -> None:
        """Queue steps; a callable step is called with the request and returns the step to use."""
        with self._lock:
            self._steps.extend(steps)

    @property
    def pending(self) -> int:
        return len(self._steps)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next_step(self, request: Recorded) -> Step:
        with self._lock:
            self.requests.append(request)
            step = self._steps.popleft() if self._steps else self._default
        if step is None:
            problem = f"unscripted request {request.method} {request.path}"
            return JsonStep({"error": {"message": problem}}, 500)
        return step(request) if callable(step) else step

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                request = Recorded(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, read_body(self)
                )
                step = server._next_step(request)
                try:
                    _write(self, step)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        return Handler


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body, whether sent with a length or chunked (SDKs stream uploads chunked)."""
    if "chunked" in (handler.headers.get("transfer-encoding") or "").lower():
        body = bytearray()
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(body)
            body.extend(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("content-length") or 0)
    return handler.rfile.read(length) if length else b""


def _write(handler: BaseHTTPRequestHandler, step: Step) -> None:
    if isinstance(step, BytesStep):
        handler.send_response(step.status)
        handler.send_header("content-length", str(len(step.body)))
        for name, value in step.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(step.body)
        return
    if isinstance(step, HangStep):
        time.sleep(step.seconds)
        handler.close_connection = True
        return
    if isinstance(step, JsonStep):
        data = step.body if isinstance(step.body, bytes) else json.dumps(step.body).encode()
        handler.send_response(step.status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        for name, value in step.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
        return
    handler.send_response(200)
    handler.send_header("content-type", "text/event-stream")
    handler.send_header("cache-control", "no-cache")
    handler.send_header("connection", "close")
    for name, value in step.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.close_connection = True
    for index, chunk in enumerate(step.chunks):
        if step.fail_after is not None and index >= step.fail_after:
            # Reset rather than close cleanly, as a dropped upstream connection looks to a client.
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        handler.wfile.write(chunk)
        handler.wfile.flush()
        if step.delay:
            time.sleep(step.delay)


def sse(events: Iterable[Any], *, event_names: Iterable[str | None] | None = None) -> list[bytes]:
    """Frame JSON payloads as SSE chunks (`event: NAME` lines when names are given)."""
    names = list(event_names) if event_names is not None else None
    chunks = []
    for index, payload in enumerate(events):
        data = payload if isinstance(payload, str) else json.dumps(payload)
        name = names[index] if names else None
        chunks.append((f"event: {name}\n" if name else "").encode() + f"data: {data}\n\n".encode())
    return chunks
