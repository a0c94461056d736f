"""End to end against a real server: `followlytics serve` on 127.0.0.1, a CLI-made key, a query over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import FIXTURES
from tests.served import served


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
    with served(env, tmp_path / "server.log") as base:
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
