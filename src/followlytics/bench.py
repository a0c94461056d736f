"""Benchmarks behind `followlytics bench`: each runs a real path several times and returns medians as JSON.

They live in the package (not a `benchmarks/` folder) so an installed `followlytics` can run them. Speed
goals are checked here, never by timed tests: this machine is shared and noisy, so quote medians of runs
made side by side in one invocation.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from followlytics.analytics.ranking import TopFollowersFilters, top_followers
from followlytics.audience.importers import parse_files
from followlytics.audience.snapshots import write_snapshot
from followlytics.audience.synth import write_jsonl
from followlytics.config import Settings


def bench_synth(followers: int, repeat: int) -> dict[str, Any]:
    """`followlytics synth`: seconds to write `followers` synthetic users as JSONL."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audience.jsonl"
        seconds = _timed(lambda: write_jsonl(out, followers, seed=1), repeat)
        size = out.stat().st_size
    return {"benchmark": "synth", "followers": followers, "file_bytes": size, **_summary(seconds, followers)}


def bench_import(followers: int, repeat: int) -> dict[str, Any]:
    """An import: parse and validate a JSONL file, then write its snapshot."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "audience.jsonl"
        write_jsonl(source, followers, seed=1)

        def run() -> None:
            parsed = parse_files([source])
            write_snapshot(Path(tmp) / "account", parsed.table, sources=parsed.files)

        seconds = _timed(run, repeat)
    return {"benchmark": "import", "followers": followers, **_summary(seconds, followers)}


def bench_rank(followers: int, repeat: int) -> dict[str, Any]:
    """`top_followers` over an in-memory table, unfiltered and with the demo's filters, side by side."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "audience.jsonl"
        write_jsonl(source, followers, seed=1)
        con = duckdb.connect()
        con.register("parsed", parse_files([source]).table)
        con.execute("CREATE TABLE followers AS SELECT * FROM parsed")
        cases = {
            "top_10": TopFollowersFilters(),
            "london_verified_over_10k": TopFollowersFilters(
                location="london", verified=True, min_followers=10_000
            ),
        }
        results = {}
        for name, filters in cases.items():
            seconds = _timed(
                lambda filters=filters: top_followers(
                    con,
                    table="followers",
                    snapshot_id="bench",
                    snapshot_created_at=None,
                    account_id=None,
                    filters=filters,
                ),
                repeat,
            )
            results[name] = {"median_ms": round(statistics.median(seconds) * 1000, 1), "runs": len(seconds)}
    return {"benchmark": "rank", "followers": followers, "cases": results}


def bench_ask(followers: int, repeat: int) -> dict[str, Any]:
    """A whole question through the services: agent sandbox, tool call, answer, recorded query."""
    from followlytics.services.accounts import create_user
    from followlytics.services.imports import import_files
    from followlytics.services.platform import Platform
    from followlytics.services.queries import ask

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "audience.jsonl"
        write_jsonl(source, followers, seed=1)
        platform = Platform.from_settings(Settings(data_dir=Path(tmp) / "data", database_url=None))
        try:
            with platform.db.session() as session:
                user_id = create_user(session, email="bench@example.com", plan="agency").user.id  # no quota
            import_files(platform, user_id=user_id, paths=[source], handle="bench")
            question = "Who are my most valuable followers?"
            first = _timed(lambda: ask(platform, user_id=user_id, question=question), 1)[0]
            warm = _timed(lambda: ask(platform, user_id=user_id, question=question), repeat)
        finally:
            platform.close()
    return {
        "benchmark": "ask",
        "followers": followers,
        "first_question_ms": round(first * 1000, 1),
        "warm_median_ms": round(statistics.median(warm) * 1000, 1),
        "runs": len(warm),
    }


BENCHMARKS: dict[str, Callable[[int, int], dict[str, Any]]] = {
    "synth": bench_synth,
    "import": bench_import,
    "rank": bench_rank,
    "ask": bench_ask,
}


def _timed(run: Callable[[], object], repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return seconds


def _summary(seconds: list[float], rows: int) -> dict[str, Any]:
    median = statistics.median(seconds)
    return {
        "median_s": round(median, 3),
        "min_s": round(min(seconds), 3),
        "runs": len(seconds),
        "rows_per_s": round(rows / median),
    }
