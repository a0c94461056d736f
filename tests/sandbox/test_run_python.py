"""The `run_python` code tool: model-written Python in a fresh, limited process over one account's views."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from followlytics.agent.code_tool import RUN_PYTHON, RunPythonResult, code_tool, summarize
from followlytics.agent.tools import ToolRegistry
from followlytics.audience.datasets import Dataset
from followlytics.audience.paths import account_dir, snapshots_dir
from followlytics.audience.schema import FOLLOWER_SCHEMA, TWEET_SCHEMA
from followlytics.audience.snapshots import SnapshotInfo, write_snapshot
from followlytics.sandbox.local import LocalSandboxProvider
from followlytics.sandbox.runtime import Runtime


def _import(root: Path, account_id: str, usernames: list[str]) -> SnapshotInfo:
    rows = [
        {
            "id": str(i),
            "username": name,
            "followers_count": (i + 1) * 100,
            "location": "Paris" if i else "Lyon",
        }
        for i, name in enumerate(usernames)
    ]
    table = pa.Table.from_pylist(rows, schema=FOLLOWER_SCHEMA)
    return write_snapshot(account_dir(root, account_id), table, sources=["test"])


def _import_tweets(root: Path, account_id: str) -> SnapshotInfo:
    rows = [{"id": "t1", "author_id": "0", "text": "hello", "like_count": 7}]
    table = pa.Table.from_pylist(rows, schema=TWEET_SCHEMA)
    return write_snapshot(account_dir(root, account_id), table, sources=["test"], dataset=Dataset.TWEETS)


def _call(runtime: Runtime, args: dict[str, Any]) -> dict[str, Any]:
    return runtime.handle({"id": 1, "tool": "run_python", "args": args})


def _run(runtime: Runtime, code: str, account_id: str = "acc_x") -> dict[str, Any]:
    """The tool's result; the call itself must succeed, whatever the code does."""
    answer = _call(runtime, {"account_id": account_id, "code": code})
    assert answer["ok"] is True, answer
    return answer["result"]


def _wait_dead(pid: int) -> None:
    for _ in range(300):
        try:
            status = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
        except FileNotFoundError:
            return
        if status == "Z":
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} is still alive")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "users" / "u1"


@pytest.fixture
def runtime(root: Path) -> Runtime:
    _import(root, "acc_x", ["ada", "bob", "cy"])
    return Runtime(root)


def test_a_query_over_followers_returns_rows_and_the_snapshots_behind_them(root: Path, runtime: Runtime):
    tweets = _import_tweets(root, "acc_x")
    code = "result = con.sql('SELECT username, followers_count FROM followers ORDER BY followers_count DESC')"
    answer = _call(runtime, {"account_id": "acc_x", "code": code})
    result = answer["result"]

    assert result["ok"] is True and result["error"] is None and result["limit"] is None
    assert result["result"] == {
        "kind": "table",
        "columns": ["username", "followers_count"],
        "rows": [["cy", 300], ["bob", 200], ["ada", 100]],
        "row_count": None,
        "value": None,
        "truncated": False,
    }
    assert result["views"] == ["followers", "tweets"]
    sources = {s["dataset"]: s for s in result["evidence"]["sources"]}
    assert sources["followers"]["rows"] == 3 and sources["tweets"]["snapshot"] == tweets.id
    assert result["evidence"]["method"] == "run-python-v1" and result["evidence"]["rows_matched"] == 3
    assert result["duration_ms"] > 0
    assert str(root.parent.parent) not in json.dumps(answer)


def test_a_dataframe_result_comes_back_as_a_table_with_its_group_keys(runtime: Runtime):
    pytest.importorskip("pandas")  # a dev extra: the tool works without it, this result type does not
    code = (
        "import pandas as pd\n"
        "frame = con.sql('SELECT location, followers_count FROM followers').df()\n"
        "result = frame.groupby('location').followers_count.sum()\n"
    )
    result = _run(runtime, code)
    assert result["ok"] is True, result
    assert result["result"]["columns"] == ["location", "followers_count"]
    assert result["result"]["rows"] == [["Lyon", 100], ["Paris", 500]]
    assert result["result"]["row_count"] == 2


def test_a_plain_value_comes_back_as_json(runtime: Runtime):
    code = (
        "import datetime, math\n"
        "n = con.execute('SELECT count(*) FROM followers').fetchone()[0]\n"
        "result = {'followers': n, 'when': datetime.date(2026, 11, 1), 'nothing': math.nan, 'tags': ('a',)}\n"
    )
    result = _run(runtime, code)
    assert result["result"]["kind"] == "value"
    assert result["result"]["value"] == {"followers": 3, "when": "2026-11-01", "nothing": None, "tags": ["a"]}


def test_a_large_table_is_cut_at_the_row_limit(runtime: Runtime):
    result = _run(runtime, "result = con.sql('SELECT range AS n FROM range(1000)')")
    assert result["result"]["rows"] == [[n] for n in range(200)] and result["result"]["truncated"] is True
    assert result["limits"]["rows"] == 200


def test_print_output_is_returned_and_cut_at_the_output_limit(runtime: Runtime):
    big = _run(runtime, "print('x' * 100_000)\nresult = 1")
    assert big["ok"] is True and big["result"]["value"] == 1
    assert big["stdout"] == "x" * 16_384 and big["stdout_truncated"] is True


def test_an_error_in_the_code_comes_back_as_a_result_the_model_can_fix(runtime: Runtime, root: Path):
    result = _run(runtime, "print('before')\ntotal = undefined_name + 1\n")
    assert result["ok"] is False and result["limit"] is None
    assert result["error"] == "NameError: name 'undefined_name' is not defined (line 2)"
    assert result["stdout"] == "before\n" and result["stdout_truncated"] is False
    assert 'File "<code>", line 2' in result["stderr"] and "total = undefined_name + 1" in result["stderr"]
    assert "site-packages" not in result["stderr"] and str(root) not in json.dumps(result)
    summary = summarize(RunPythonResult.model_validate(result))
    assert summary == "Python over followers failed: NameError: name 'undefined_name' is not defined (line 2)"

    syntax = _run(runtime, "def broken(:\n")
    assert syntax["ok"] is False and syntax["error"].startswith("SyntaxError: ")

    missing_view = _run(runtime, "result = con.sql('SELECT * FROM tweets')")
    assert missing_view["error"].startswith("CatalogException: ")
    assert missing_view["error"].endswith("(views here: followers)")


def test_an_endless_loop_is_stopped_at_the_time_limit_with_what_it_started(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("FOLLOWLYTICS_RUN_PYTHON_WALL_SECONDS", "1")
    code = (
        "import os, time\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    time.sleep(60)\n"
        "    os._exit(0)\n"
        "print(pid, flush=True)\n"
        "while True:\n"
        "    pass\n"
    )
    started = time.monotonic()
    result = _run(runtime, code)
    assert time.monotonic() - started < 4
    assert result["ok"] is False and result["limit"] == "time"
    assert result["error"] == "TimeLimit: the code ran longer than 1 s and was stopped"
    _wait_dead(int(result["stdout"]))  # the process it forked went with it


def test_burning_cpu_is_stopped_at_the_cpu_limit(runtime: Runtime, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FOLLOWLYTICS_RUN_PYTHON_CPU_SECONDS", "1")
    result = _run(runtime, "while True:\n    pass\n")
    assert result["ok"] is False and result["limit"] == "cpu"
    assert result["duration_ms"] < 4_000


def test_allocating_beyond_the_memory_limit_fails_with_a_memory_error(runtime: Runtime):
    result = _run(runtime, "hoard = bytearray(3 * 1024**3)\n")
    assert result["ok"] is False and result["limit"] == "memory"
    assert result["error"] == "MemoryError (line 1) (memory limit: 1 GiB)"


def test_the_code_sees_an_empty_environment(runtime: Runtime, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FOLLOWLYTICS_ADMIN_KEY", "admin-secret-4711")
    monkeypatch.setenv("XAI_API_KEY", "xai-secret-4711")
    result = _run(runtime, "import os\nresult = dict(os.environ)")
    # Python itself may add LC_CTYPE when it coerces the C locale to UTF-8; nothing else may be there.
    assert set(result["result"]["value"]) <= {"LC_CTYPE"}
    assert "4711" not in json.dumps(result)


def test_the_views_show_only_the_checked_accounts_data(root: Path, runtime: Runtime):
    other = _import(root, "acc_other", ["secret_fan"])
    result = _run(runtime, "result = con.sql('SELECT username FROM followers ORDER BY username')")
    assert result["result"]["rows"] == [["ada"], ["bob"], ["cy"]]

    # The other account's file, named outright, is refused by DuckDB: it reads only the views' files.
    stolen = _run(runtime, f"result = con.sql(\"SELECT * FROM read_parquet('{other.path}')\")")
    assert stolen["ok"] is False and stolen["error"].startswith("PermissionException: ")
    assert "secret_fan" not in json.dumps(stolen) and str(root) not in json.dumps(stolen)


def test_bad_requests_are_refused_and_no_call_can_choose_its_limits(tmp_path: Path, runtime: Runtime):
    for bad in ("../acc_x", "a/b", ""):
        answer = _call(runtime, {"account_id": bad, "code": "result = 1"})
        assert answer["ok"] is False and answer["error"]["type"] == "InvalidInput"
        assert answer["error"]["field"] == "account_id"

    too_long = _call(runtime, {"account_id": "acc_x", "code": "x = 1\n" * 5_000})
    assert too_long["error"]["type"] == "InvalidInput" and too_long["error"]["field"] == "code"

    raised = _call(runtime, {"account_id": "acc_x", "code": "result = 1", "wall_seconds": 3600})
    assert raised["error"]["type"] == "InvalidInput" and raised["error"]["field"] == "wall_seconds"

    empty = _call(Runtime(tmp_path / "nobody"), {"account_id": "acc_x", "code": "result = 1"})
    assert empty["error"]["type"] == "NoAudienceData" and empty["error"]["dataset"] == "followers"


def test_a_broken_snapshot_is_a_tool_failure_not_the_codes_error(root: Path):
    folder = snapshots_dir(account_dir(root, "acc_x"), "followers")
    folder.mkdir(parents=True)
    (folder / "20260101T000000000000Z.parquet").write_bytes(b"not parquet at all")
    answer = _call(Runtime(root), {"account_id": "acc_x", "code": "result = 1"})
    assert answer["ok"] is False and answer["error"]["type"] == "ToolFailed"
    assert "Parquet" in answer["error"]["message"] and str(root) not in answer["error"]["message"]


def test_files_are_written_to_a_scratch_folder_that_is_removed_afterwards(root: Path, runtime: Runtime):
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    target = root / "copied.csv"
    code = (
        "import os\n"
        "with open('notes.txt', 'w') as f:\n"
        "    f.write('hi')\n"
        "con.sql(\"COPY (SELECT username FROM followers) TO 'out.csv'\")\n"
        "try:\n"
        f"    con.sql(\"COPY followers TO '{target}'\")\n"
        "    copied = True\n"
        "except duckdb.Error:\n"
        "    copied = False\n"
        # Reversed, so the answer's path scrubbing leaves it for the test to check.
        "result = {'cwd': os.getcwd(), 'reversed': os.getcwd()[::-1], 'files': sorted(os.listdir('.'))}\n"
        "result['copied'] = copied\n"
    )
    result = _run(runtime, code)
    value = result["result"]["value"]
    assert {"notes.txt", "out.csv"} <= set(value["files"])
    assert value["copied"] is False
    assert value["cwd"] == "."  # no host path in the answer
    scratch = Path(value["reversed"][::-1])
    assert scratch.name.startswith("followlytics-py-") and not scratch.exists()
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_the_local_provider_isolates_only_under_bubblewrap():
    # The control plane offers the code tool only to a provider that isolates (the registry's caller checks).
    plain = LocalSandboxProvider(timeout=5, isolation="none")
    assert plain.isolates is False
    plain.close()


@pytest.fixture
def provider() -> Iterator[LocalSandboxProvider]:
    made = LocalSandboxProvider(timeout=20)
    yield made
    made.close()


def test_the_registry_tool_runs_through_a_sandbox_and_types_the_result(
    root: Path, runtime: Runtime, provider: LocalSandboxProvider
):
    tool = code_tool([Dataset.FOLLOWERS])
    assert tool.name == RUN_PYTHON == "run_python"
    assert "account_id" not in tool.parameters["properties"] and tool.parameters["required"] == ["code"]
    assert "followers(id, username" in tool.description and "tweets" not in tool.description
    assert "tweets" in code_tool().description

    registry = ToolRegistry()
    registry.register(tool)
    provider.create("sb1", root)
    code = "result = con.sql('SELECT username FROM followers WHERE followers_count >= 200 ORDER BY 1')"
    record = registry.call(
        RUN_PYTHON,
        {"account_id": "acc_x", "code": code},
        lambda name, args: provider.exec("sb1", name, args),
    )
    assert isinstance(record.result, RunPythonResult)
    assert record.result.result is not None and record.result.result.rows == [["bob"], ["cy"]]
    assert record.summary == "ran Python over followers: 2 rows"
    assert record.evidence() is not None and record.evidence()["sources"][0]["dataset"] == "followers"
