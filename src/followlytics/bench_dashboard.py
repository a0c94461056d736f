"""`followlytics bench dashboard`: how long each dashboard page takes over HTTP on the demo data.

Seeds the demo (a Pro user with `followers` synthetic followers, an Agency user with 20,000 and a
competitor) in a temporary folder, serves the app with uvicorn on a free loopback port in this process,
logs in through the login form like a browser, asks one question through the chat's streaming endpoint,
then loads every page `repeat` times. Each page reports its first load (`first_ms`: the Audience page's
first load starts a sandbox and runs its analyses) and the median of the loads after it (`warm_median_ms`),
with the response size. Times are wall-clock from request to the last byte, measured by the client.
"""

from __future__ import annotations

import re
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from followlytics.config import Settings

PAGES = ("/login", "/chat", "/history", "/usage", "/audience", "/operator")
_ADMIN_KEY = "bench-admin-key"


def bench_dashboard(followers: int, repeat: int) -> dict[str, Any]:
    import uvicorn

    from followlytics.api.app import create_app
    from followlytics.services.demo import seed_demo
    from followlytics.services.platform import Platform

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "data", database_url=None, admin_key=_ADMIN_KEY, queue_in_process=False
        )
        platform = Platform.from_settings(settings)
        started = time.perf_counter()
        seeded = seed_demo(platform, pro_followers=followers)
        seed_s = time.perf_counter() - started
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(platform=platform), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            _wait_until_up(f"http://127.0.0.1:{port}")
            report = _measure(f"http://127.0.0.1:{port}", seeded[0].api_key, repeat)
        finally:
            server.should_exit = True
            thread.join(timeout=20)
            platform.close()
    return {"benchmark": "dashboard", "followers": followers, "seed_s": round(seed_s, 1), **report}


def _measure(base: str, api_key: str, repeat: int) -> dict[str, Any]:
    with httpx.Client(base_url=base, timeout=120, follow_redirects=False) as client:
        token = _csrf(client.get("/login").text)
        client.post("/login", data={"api_key": api_key, "csrf_token": token})
        client.post(
            "/operator/login", data={"admin_key": _ADMIN_KEY, "csrf_token": _csrf(client.get("/chat").text)}
        )
        token = _csrf(client.get("/chat").text)
        question = _streamed_question(client, token)
        pages = []
        anonymous = httpx.Client(base_url=base, timeout=120, follow_redirects=False)
        for path in PAGES:
            times, size = [], 0
            for _ in range(repeat + 1):
                began = time.perf_counter()
                # The login page as a logged-out browser sees it; the others logged in.
                response = (anonymous if path == "/login" else client).get(path)
                times.append(time.perf_counter() - began)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}")
                size = len(response.content)
            pages.append(
                {
                    "page": path,
                    "first_ms": round(times[0] * 1000, 1),
                    "warm_median_ms": round(statistics.median(times[1:]) * 1000, 1),
                    "bytes": size,
                    "runs": len(times),
                }
            )
        anonymous.close()
    return {"question": question, "pages": pages}


def _streamed_question(client: httpx.Client, token: str) -> dict[str, Any]:
    """The chat's question over Server-Sent Events: time to the first event, the first text, the end."""
    headers = {"X-CSRF-Token": token, "Accept": "text/event-stream"}
    body = {"question": "Who are my most valuable followers?"}
    began = time.perf_counter()
    first_event = first_token = None
    with client.stream("POST", "/api/agents/query", json=body, headers=headers) as response:
        if response.status_code != 200:
            raise RuntimeError(f"the question answered {response.status_code}")
        for line in response.iter_lines():
            now = time.perf_counter() - began
            if line.startswith("event:"):
                first_event = first_event if first_event is not None else now
                if line.strip() == "event: token" and first_token is None:
                    first_token = now
    total = time.perf_counter() - began
    return {
        "first_event_ms": round((first_event or 0) * 1000, 1),
        "first_token_ms": round((first_token or 0) * 1000, 1),
        "done_ms": round(total * 1000, 1),
        "note": "the first question creates the agent's sandbox and loads the snapshot",
    }


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    if found is None:
        raise RuntimeError("no CSRF token in the page")
    return found.group(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)
