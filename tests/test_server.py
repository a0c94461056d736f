"""End to end against a real server: `followlytics serve` on 127.0.0.1, a CLI-made key, a query over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import FIXTURES


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_served_api_answers_a_query_with_a_cli_made_key(tmp_path: Path) -> None:
    env = {**os.environ, "FOLLOWLYTICS_DATA_DIR": str(tmp_path / "data")}
    env.pop("FOLLOWLYTICS_DATABASE_URL", None)
    cli = [sys.executable, "-m", "followlytics.cli"]
    created = subprocess.run(
        [*cli, "users", "create", "--email", "e2e@example.com", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    key = json.loads(created.stdout)["api_key"]
    port = _free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {key}"}
        page = FIXTURES / "x-api-v2" / "followers_page_twittered.json"
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            imported = client.post(
                "/api/followers/import",
                files={"files": ("page.json", page.read_bytes())},
                data={"account": "e2e"},
            )
            assert imported.status_code == 201, imported.text
            answer = client.post(
                "/api/agents/query", json={"question": "Who are my most valuable followers?"}
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["evidence"][0]["rows_read"] == 100
            assert client.get("/api/agents/status").json()["state"] == "running"
    finally:
        server.terminate()
        server.wait(timeout=20)
