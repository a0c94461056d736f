"""The runtime's table cache: tables kept in a file outlive the process, only while they are still true."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from followlytics.analytics.catalog import CATALOG
from followlytics.audience.datasets import Dataset
from followlytics.audience.paths import account_dir
from followlytics.audience.schema import FOLLOWER_SCHEMA
from followlytics.audience.snapshots import latest_snapshot, write_snapshot
from followlytics.bench_analytics import OWN, prepare
from followlytics.sandbox.runtime import Runtime

TOP = {"id": 1, "tool": "top_followers", "args": {"account_id": "acc_x", "limit": 3}}


def _import(root: Path, rows: list[tuple[str, int]], account_id: str = "acc_x") -> None:
    followers = [{"id": i, "username": f"user_{i}", "followers_count": n} for i, n in rows]
    table = pa.Table.from_pylist(followers, schema=FOLLOWER_SCHEMA)
    write_snapshot(account_dir(root, account_id), table, sources=["test"])


def _top(runtime: Runtime) -> list[str]:
    answer = runtime.handle(TOP)
    assert answer["ok"], answer
    return [f["id"] for f in answer["result"]["followers"]]


def _data_tables(cache: Path) -> set[str]:
    con = duckdb.connect(str(cache), read_only=True)
    try:
        rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
    finally:
        con.close()
    return {row[0] for row in rows}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "user"
    _import(folder, [("a", 10), ("b", 30), ("c", 20)])
    return folder


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    (tmp_path / "workspace").mkdir()
    return tmp_path / "workspace" / "tables.duckdb"


def test_a_new_process_answers_from_the_persisted_tables_without_reading_the_snapshot(
    root: Path, cache: Path
):
    first = Runtime(root, cache=cache)
    answer = _top(first)
    assert first.loads == 1 and first.cached_tables == 0
    assert first.persist() >= 2  # the snapshot and its scores, at least
    assert first.persist() == 0  # nothing new since
    first.connection.close()

    second = Runtime(root, cache=cache)
    assert second.cached_tables >= 2
    assert _top(second) == answer == ["b", "c", "a"]
    assert second.loads == 0


def test_tables_not_persisted_are_not_kept(root: Path, cache: Path):
    first = Runtime(root, cache=cache)
    _top(first)
    first.connection.close()  # ended without `persist`: as if killed before its pause

    second = Runtime(root, cache=cache)
    assert second.cached_tables == 0
    assert _top(second) == ["b", "c", "a"] and second.loads == 1


def test_a_newer_snapshot_replaces_the_cached_tables_in_the_file_too(root: Path, cache: Path):
    first = Runtime(root, cache=cache)
    _top(first)
    first.persist()
    first.connection.close()
    old_tables = _data_tables(cache)

    _import(root, [("a", 10), ("z", 99)])
    second = Runtime(root, cache=cache)
    assert _top(second) == ["z", "a"] and second.loads == 1
    second.persist()
    second.connection.close()
    # The old snapshot's table and everything derived from it left the file with it.
    assert not (_data_tables(cache) & old_tables)

    third = Runtime(root, cache=cache)
    assert _top(third) == ["z", "a"] and third.loads == 0


def test_a_snapshot_file_that_changed_in_place_is_read_again(root: Path, cache: Path):
    first = Runtime(root, cache=cache)
    _top(first)
    first.persist()
    first.connection.close()

    # Same path, different content: size and modification time no longer match what was recorded.
    snapshot = latest_snapshot(account_dir(root, "acc_x"), Dataset.FOLLOWERS)
    assert snapshot is not None
    replacement = root.parent / "replacement"
    _import(replacement, [("q", 5), ("r", 7)])
    other = latest_snapshot(account_dir(replacement, "acc_x"), Dataset.FOLLOWERS)
    assert other is not None
    os.replace(other.path, snapshot.path)

    second = Runtime(root, cache=cache)
    assert _top(second) == ["r", "q"] and second.loads == 1


def test_a_cache_written_by_other_analytics_code_is_started_afresh(
    root: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
):
    first = Runtime(root, cache=cache)
    _top(first)
    first.persist()
    first.connection.close()

    from followlytics.sandbox import table_cache

    monkeypatch.setattr(table_cache, "code_fingerprint", lambda: "another-version")
    second = Runtime(root, cache=cache)
    assert second.cached_tables == 0
    assert _top(second) == ["b", "c", "a"] and second.loads == 1


def test_a_damaged_cache_file_is_started_afresh(root: Path, cache: Path):
    cache.write_bytes(b"this is not a DuckDB database" * 100)
    runtime = Runtime(root, cache=cache)
    assert _top(runtime) == ["b", "c", "a"]
    assert runtime.persist() >= 2


def test_a_cache_held_by_another_process_is_not_shared(root: Path, cache: Path, tmp_path: Path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, duckdb
                con = duckdb.connect({str(cache)!r})
                print("holding", flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"holding"
        runtime = Runtime(root, cache=cache)
        assert runtime.cache_dir is None  # working in memory
        assert _top(runtime) == ["b", "c", "a"]
        assert runtime.persist() == 0
    finally:
        holder.communicate(b"", timeout=30)


def test_without_a_cache_file_nothing_is_written(root: Path, tmp_path: Path):
    runtime = Runtime(root)
    assert _top(runtime) == ["b", "c", "a"]
    assert runtime.persist() == 0 and runtime.cache_dir is None
    assert not list(root.rglob("*.duckdb"))


def test_every_tool_answers_the_same_from_cached_tables(tmp_path: Path):
    # Every analysis, over a synthetic audience with posts, interactions and a competitor: once building its
    # tables in memory, once in a new process that took them from the file. The answers must not differ.
    data = prepare(2_000, seed=3, data_dir=tmp_path / "bench")
    requests = [
        {"id": n, "tool": tool.name, "args": {"account_id": OWN.id}} for n, tool in enumerate(CATALOG, 1)
    ]
    fresh = Runtime(data.root)
    expected = [fresh.handle(request) for request in requests]
    assert all(answer["ok"] for answer in expected), [a for a in expected if not a["ok"]]

    cache = tmp_path / "workspace" / "tables.duckdb"
    first = Runtime(data.root, cache=cache)
    assert [first.handle(request) for request in requests] == expected
    assert first.persist() > len(CATALOG)
    first.connection.close()

    second = Runtime(data.root, cache=cache)
    assert [second.handle(request) for request in requests] == expected
    assert second.loads == 0  # not one snapshot read again
