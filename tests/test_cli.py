"""The CLI mirrors the services: create a user, import, ask (same JSON as the API), agent status, synth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followlytics.cli import app
from tests.conftest import FIXTURES

FOLLOWERS_PAGE = FIXTURES / "x-api-v2" / "followers_page_twittered.json"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FOLLOWLYTICS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FOLLOWLYTICS_DATABASE_URL", raising=False)
    from followlytics.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(app, list(args))
        if ok:
            assert result.exit_code == 0, result.output
        return result

    yield run
    get_settings.cache_clear()


def test_users_import_ask_and_status(cli, tmp_path: Path) -> None:
    created = json.loads(
        cli("users", "create", "--email", "cli@example.com", "--plan", "pro", "--json").stdout
    )
    assert created["api_key"].startswith("flk_")

    imported = json.loads(
        cli("import", "cli@example.com", str(FOLLOWERS_PAGE), "--account", "cli_creator", "--json").stdout
    )
    assert imported["rows"] == 100

    answer = json.loads(cli("ask", "cli@example.com", "top 3 verified followers", "--json").stdout)
    assert set(answer) >= {"query_id", "answer", "evidence", "tools", "latency_ms", "cost_usd", "provider"}
    assert answer["tools"][0]["arguments"] == {
        "account_id": answer["tools"][0]["arguments"]["account_id"],
        "limit": 3,
        "verified": True,
    }

    human = cli("ask", created["id"], "Who are my most valuable followers?").stdout
    assert "@" in human and "Evidence" in human

    status = json.loads(cli("agents", "status", "cli@example.com", "--json").stdout)
    assert status["state"] in {"running", "stopped"}
    assert status["transitions"][0]["to"] == "creating"


def test_errors_are_one_line_and_exit_1(cli, tmp_path: Path) -> None:
    cli("users", "create", "--email", "e@example.com")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,username,followers_count\n1,ok,5\n2,,7\n")
    result = cli("import", "e@example.com", str(bad), "--account", "me", ok=False)
    assert result.exit_code == 1
    assert "bad.csv" in result.output and "line 3" in result.output and "username" in result.output
    assert "Traceback" not in result.output
    missing = cli("ask", "nobody@example.com", "top followers", ok=False)
    assert missing.exit_code == 1 and "no user" in missing.output


def test_synth_writes_the_requested_audience(cli, tmp_path: Path) -> None:
    out = tmp_path / "audience.jsonl"
    cli("synth", "--followers", "500", "--seed", "7", "--out", str(out))
    lines = out.read_text().splitlines()
    assert len(lines) == 500
    assert all("username" in json.loads(line) for line in lines[:50])
