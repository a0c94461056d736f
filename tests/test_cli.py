"""The CLI mirrors the services: create a user, import, ask (same JSON as the API), agent status, synth."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import FIXTURES

FOLLOWERS_PAGE = FIXTURES / "x-api-v2" / "followers_page_twittered.json"


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

    rated = cli(
        "feedback", "cli@example.com", answer["query_id"], "--not-helpful", "--note", "too few", "--json"
    )
    assert json.loads(rated.stdout) | {"updated_at": None} == {
        "query_id": answer["query_id"], "helpful": False, "note": "too few", "updated_at": None,
    }  # fmt: skip

    human = cli("ask", created["id"], "Who are my most valuable followers?").stdout
    assert "@" in human and "Evidence" in human

    status = json.loads(cli("agents", "status", "cli@example.com", "--json").stdout)
    assert status["state"] in {"running", "archived"}
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


def test_bench_prints_json_medians_and_refuses_unknown_names(cli) -> None:
    result = json.loads(cli("bench", "rank", "--followers", "300", "--repeat", "2").stdout)
    assert result["benchmark"] == "rank" and result["followers"] == 300
    assert all(case["runs"] == 2 and case["median_ms"] > 0 for case in result["cases"].values())
    unknown = cli("bench", "nope", ok=False)
    assert unknown.exit_code == 1 and "synth, import, rank, ask" in unknown.output


def test_demo_seeds_both_users_prints_working_keys_and_rebuilds_only_its_own_folder(
    cli, tmp_path: Path
) -> None:
    demo_dir = tmp_path / "demo"
    output = cli("demo", "--data-dir", str(demo_dir), "--followers", "300", "--no-serve").stdout
    keys = re.findall(r"flk_[0-9a-f]{8}_[A-Za-z0-9_-]+", output)
    assert len(set(keys)) == 2
    examples = re.findall(r"-d '(\{.*?\})'", output)
    assert output.count("curl -s -X POST") == len(examples) == 5
    from followlytics.agent.llm.builtin import BuiltinEngine

    # Every question the demo suggests is one the built-in engine understands.
    assert all(BuiltinEngine().plan(json.loads(body)["question"]).intent for body in examples)
    assert "@pro_creator (own, 300 followers)" in output and "@rival_brand (competitor" in output
    assert "Dashboard: http://127.0.0.1:8000/login" in output
    from followlytics.config import Settings
    from followlytics.services.accounts import authenticate
    from followlytics.services.platform import Platform

    platform = Platform.from_settings(Settings(data_dir=demo_dir, database_url=None))
    with platform.db.session() as session:
        assert {authenticate(session, key).plan for key in keys} == {"pro", "agency"}
    platform.close()
    cli("demo", "--data-dir", str(demo_dir), "--followers", "300", "--no-serve")  # runs again from scratch
    precious = tmp_path / "precious"
    precious.mkdir()
    refused = cli("demo", "--data-dir", str(precious), "--no-serve", ok=False)
    assert refused.exit_code == 1 and precious.exists()
