"""The sandbox runtime: its JSON-lines protocol, its tools, and its snapshot cache."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from followlytics.audience.paths import account_dir, snapshots_dir
from followlytics.audience.schema import FOLLOWER_SCHEMA
from followlytics.audience.snapshots import write_snapshot
from followlytics.errors import InvalidInput
from followlytics.sandbox import runtime as runtime_module
from followlytics.sandbox.runtime import Runtime, serve


def _import(user_root: Path, account_id: str, rows: list[dict[str, Any]]) -> None:
    table = pa.Table.from_pylist(rows, schema=FOLLOWER_SCHEMA)
    write_snapshot(account_dir(user_root, account_id), table, sources=["test"])


def _follower(id: str, followers: int) -> dict[str, Any]:
    return {"id": id, "username": f"user_{id}", "followers_count": followers}


def _run(
    root: Path, *requests: dict[str, Any] | str
) -> tuple[list[dict[str, Any]], subprocess.CompletedProcess]:
    lines = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in requests)
    done = subprocess.run(
        [sys.executable, "-m", "followlytics.sandbox.runtime", "--root", str(root)],
        input=lines.encode(),
        capture_output=True,
        timeout=30,
    )
    return [json.loads(line) for line in done.stdout.splitlines()], done


def test_the_program_answers_each_line_and_exits_cleanly_at_eof(tmp_path: Path):
    root = tmp_path / "users" / "u1"
    _import(root, "acc_x", [_follower("1", 10), _follower("2", 5_000)])
    answers, done = _run(
        root,
        {"id": 1, "tool": "ping"},
        {"id": 2, "tool": "top_followers", "args": {"account_id": "acc_x", "limit": 1}},
        "this is not json",
        {"id": 3, "tool": "no_such_tool", "args": {}},
        {"id": 4, "tool": "top_followers", "args": {"account_id": "acc_x", "limit": "lots"}},
    )
    assert done.returncode == 0
    assert answers[0] == {"id": 1, "ok": True, "result": {"pong": True, "root": "u1", "cached_tables": 0}}
    assert answers[1]["ok"] is True
    assert [f["id"] for f in answers[1]["result"]["followers"]] == ["2"]
    assert answers[1]["result"]["evidence"]["account_id"] == "acc_x"
    assert answers[2]["id"] is None and answers[2]["error"]["type"] == "InvalidInput"
    assert answers[3]["error"]["type"] == "InvalidInput" and answers[3]["error"]["field"] == "tool"
    assert answers[3]["error"]["message"].startswith("unknown tool 'no_such_tool'; known: ")
    assert "top_followers" in answers[3]["error"]["message"]
    assert answers[4]["error"]["type"] == "InvalidInput" and answers[4]["error"]["field"] == "limit"


def test_a_broken_snapshot_is_reported_as_tool_failed_with_no_traceback_on_stdout(tmp_path: Path):
    root = tmp_path / "u1"
    folder = snapshots_dir(account_dir(root, "acc_x"), "followers")
    folder.mkdir(parents=True)
    (folder / "20260101T000000000000Z.parquet").write_bytes(b"not parquet at all")
    answers, done = _run(root, {"id": 7, "tool": "top_followers", "args": {"account_id": "acc_x"}})
    assert done.returncode == 0
    assert len(answers) == 1  # every stdout line parsed as JSON: nothing else was written there
    assert answers[0]["id"] == 7 and answers[0]["ok"] is False
    assert answers[0]["error"]["type"] == "ToolFailed"
    assert b"Traceback" in done.stderr


def test_no_data_and_paths_outside_the_root_are_typed_errors(tmp_path: Path):
    runtime = Runtime(tmp_path / "u1")
    missing = runtime.handle({"id": 1, "tool": "top_followers", "args": {"account_id": "acc_x"}})
    assert missing["ok"] is False and missing["error"]["type"] == "NoAudienceData"
    assert missing["error"]["dataset"] == "followers"
    assert "`followlytics import USER FILE`" in missing["error"]["message"]
    for bad in ("../x", "a/b", "", ".."):
        escaped = runtime.handle({"id": 2, "tool": "top_followers", "args": {"account_id": bad}})
        assert escaped["error"]["type"] == "InvalidInput"
        assert escaped["error"]["field"] == "account_id"


def test_unknown_arguments_are_refused_by_name(tmp_path: Path):
    answer = Runtime(tmp_path).handle(
        {"id": 1, "tool": "top_followers", "args": {"account_id": "acc_x", "sql": "DROP TABLE x"}}
    )
    assert answer["error"]["type"] == "InvalidInput" and answer["error"]["field"] == "sql"


def test_a_snapshot_is_loaded_once_and_a_newer_one_replaces_it(tmp_path: Path):
    runtime = Runtime(tmp_path)
    request = {"id": 1, "tool": "top_followers", "args": {"account_id": "acc_x"}}
    _import(tmp_path, "acc_x", [_follower("old", 10)])

    first = runtime.handle(request)["result"]
    again = runtime.handle(request)["result"]
    assert runtime.loads == 1
    assert first == again

    _import(tmp_path, "acc_x", [_follower("new", 20), _follower("newer", 30)])
    fresh = runtime.handle(request)["result"]
    assert runtime.loads == 2
    assert [f["id"] for f in fresh["followers"]] == ["newer", "new"]
    assert fresh["evidence"]["snapshot"] != first["evidence"]["snapshot"]
    # The old snapshot's table and everything derived from it are gone; only the newest source's remain.
    tables = [
        row[0]
        for row in runtime.connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
        ).fetchall()
    ]
    assert "followers_2" in tables
    assert all(name == "followers_2" or name.startswith("followers_2__") for name in tables), tables


def test_a_tool_that_raises_becomes_tool_failed_and_the_runtime_keeps_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def divide(runtime: Runtime, args: dict[str, Any]) -> dict[str, Any]:
        return {"value": 1 / args["by"]}

    monkeypatch.setitem(runtime_module.TOOLS, "divide", divide)
    requests = io.BytesIO(
        b'{"id": 1, "tool": "divide", "args": {"by": 0}}\n\n{"id": 2, "tool": "divide", "args": {"by": 4}}\n'
    )
    answers = io.BytesIO()
    serve(Runtime(tmp_path), requests, answers)
    first, second = (json.loads(line) for line in answers.getvalue().splitlines())
    assert first == {
        "id": 1,
        "ok": False,
        "error": {"type": "ToolFailed", "message": "ZeroDivisionError: division by zero"},
    }
    assert second == {"id": 2, "ok": True, "result": {"value": 0.25}}


def test_a_result_left_open_by_one_call_does_not_break_the_next(tmp_path: Path):
    """DuckDB 2 refuses register() while a fetchone() result is open; the runtime closes it after a call."""
    runtime = Runtime(tmp_path / "u1")
    runtime.connection.execute("CREATE TABLE t AS SELECT range AS i FROM range(10)")
    runtime.connection.execute("SELECT i FROM t").fetchone()
    runtime.handle({"id": 1, "tool": "ping"})
    runtime.connection.register("v", pa.table({"a": [1, 2]}))
    assert runtime.connection.execute("SELECT count(*) FROM v").fetchall() == [(2,)]


def test_duckdb_spills_beyond_the_memory_limit_instead_of_growing(tmp_path: Path):
    runtime = Runtime(tmp_path / "u1", memory_limit="256MB")
    limit = runtime.connection.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert limit.replace(" ", "") in {"256.0MB", "244.1MiB"}
    spill = runtime.connection.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    assert "followlytics-spill-" in spill and not spill.startswith(str(tmp_path))
    with pytest.raises(InvalidInput):
        Runtime(tmp_path / "u1", memory_limit="4GB'; DROP TABLE x; --")
