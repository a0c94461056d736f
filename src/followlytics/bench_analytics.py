"""`followlytics bench analytics`: every analytics tool timed at scale, side by side with pandas.

The data is a synthetic account (followers, an older followers snapshot, following, posts, interactions,
followers' posts) and a competitor (followers, posts) from `synth` and `synth_activity`, imported into a
user folder under `--data-dir` once and reused by later runs with the same size and seed.

Each case runs in a fresh `Runtime` (the sandbox's own code, in-process) with its snapshots loaded: the
first call includes building the tables it caches, the warm median is what a running agent pays. A second
pass asks every case once in one fresh runtime, as a newly started agent would, so tables shared between
tools are built once. The pandas
versions in `benchmarks/pandas_analytics.py` (a data scientist's notebook code, recomputing from DataFrames
already in memory) run on the same data in the same process, and each case's results are compared. Peak
memory is read from a real runtime child process (`VmHWM`) that answers every case over its wire protocol.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson

from followlytics.audience.datasets import Dataset
from followlytics.audience.importers import parse_files
from followlytics.audience.manifest import AccountEntry, write_manifest
from followlytics.audience.paths import account_dir
from followlytics.audience.posts import parse_interactions, parse_posts
from followlytics.audience.snapshots import latest_snapshot, list_snapshots, write_snapshot
from followlytics.audience.synth import write_jsonl
from followlytics.audience.synth_activity import write_activity
from followlytics.sandbox.runtime import Runtime

OWN = AccountEntry("acc_own", "bench_me", "own")
RIVAL = AccountEntry("acc_rival", "bench_rival", "competitor")
_READY = "ready"

# (case name, tool, arguments). Arguments leave out account_id; every case is about the own account.
CASES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("top_followers", "top_followers", {}),
    (
        "top_followers_filtered",
        "top_followers",
        {"location": "london", "verified": True, "min_followers": 10_000},
    ),
    ("most_engaged", "top_followers", {"sort": "engagement"}),
    ("influential_followers", "influential_followers", {}),
    ("mutual_connections", "mutual_connections", {}),
    ("collaboration_suggestions", "collaboration_suggestions", {}),
    ("audience_themes", "audience_themes", {}),
    ("audience_locations", "audience_locations", {}),
    ("content_ideas", "content_ideas", {}),
    ("competitor_overlap", "competitor_overlap", {}),
    ("competitor_targets", "competitor_targets", {}),
    ("competitor_comparison", "competitor_comparison", {}),
    ("posting_times", "posting_times", {}),
    ("follower_changes", "follower_changes", {}),
)


@dataclass(frozen=True)
class BenchData:
    """A prepared user folder and what it holds."""

    root: Path
    followers: int
    seed: int
    prepare_s: float | None  # None when reused from an earlier run
    import_peak_rss_mb: float | None  # the largest import's peak memory, measured when the data was made


def prepare(followers: int, *, seed: int, data_dir: Path) -> BenchData:
    """The bench user's folder for this size and seed, generated and imported unless already there."""
    folder = data_dir / f"analytics-{followers}-s{seed}"
    root = folder / "user"
    if (folder / _READY).exists():
        recorded = (folder / _READY).read_text().strip()
        peak = float(recorded) if recorded.replace(".", "", 1).isdigit() else None
        return BenchData(root, followers, seed, None, peak)
    started = time.perf_counter()
    files = folder / "files"
    files.mkdir(parents=True, exist_ok=True)
    audience = write_jsonl(files / "followers.jsonl", followers, seed=seed, competitor_overlap=0.3)
    assert audience.competitor_path is not None
    made = write_activity(files, audience.path, seed=seed, competitor_path=audience.competitor_path)
    assert made.competitor_tweets_path is not None
    imports = [
        (OWN, Dataset.FOLLOWERS, made.previous_path),  # older first, so the current one is the newest
        (OWN, Dataset.FOLLOWERS, audience.path),
        (OWN, Dataset.FOLLOWING, made.following_path),
        (OWN, Dataset.TWEETS, made.tweets_path),
        (OWN, Dataset.INTERACTIONS, made.interactions_path),
        (OWN, Dataset.FOLLOWER_TWEETS, made.follower_tweets_path),
        (RIVAL, Dataset.FOLLOWERS, audience.competitor_path),
        (RIVAL, Dataset.TWEETS, made.competitor_tweets_path),
    ]
    # Each import runs in its own process, which reports its own peak (VmHWM: getrusage's maxrss would
    # include the pages a forked child briefly shares with this big parent).
    spawn = multiprocessing.get_context("spawn")
    peaks = spawn.Queue()
    for account, dataset, path in imports:
        child = spawn.Process(target=_import_one, args=(root, account.id, dataset, path, peaks))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise RuntimeError(f"importing {path.name} as {dataset.value} failed (exit {child.exitcode})")
    write_manifest(root, [OWN, RIVAL])
    import_peak = max(peaks.get() for _ in imports)
    (folder / _READY).write_text(f"{import_peak}\n")
    return BenchData(root, followers, seed, round(time.perf_counter() - started, 1), import_peak)


def _import_one(root: Path, account_id: str, dataset: Dataset, path: Path, peaks: Any) -> None:
    parsed = _PARSERS[dataset]([path])
    write_snapshot(account_dir(root, account_id), parsed.table, sources=parsed.files, dataset=dataset)
    peaks.put(_peak_rss_mb(Path("/proc/self/status")))


def _peak_rss_mb(status: Path) -> float | None:
    """`VmHWM` (peak resident memory) from a /proc status file, in MB."""
    peak = next((line for line in status.read_text().splitlines() if line.startswith("VmHWM:")), None)
    return round(int(peak.split()[1]) / 1024, 1) if peak else None


_PARSERS = {
    Dataset.FOLLOWERS: parse_files,
    Dataset.FOLLOWING: parse_files,
    Dataset.TWEETS: parse_posts,
    Dataset.INTERACTIONS: parse_interactions,
    Dataset.FOLLOWER_TWEETS: parse_posts,
}


def bench_analytics(
    followers: int,
    repeat: int,
    *,
    seed: int = 1,
    data_dir: Path | None = None,
    pandas: bool = True,
    agent_only: bool = False,
) -> dict[str, Any]:
    """Time every case, ours and (unless `pandas` is False) pandas, check they agree, and measure the
    runtime's peak memory. `agent_only` skips all but the real runtime process answering each case once
    (what 10M followers can afford)."""
    data = prepare(followers, seed=seed, data_dir=data_dir or _default_data_dir())
    pandas_side = _load_pandas_module() if pandas and not agent_only else None
    frames = _frames(data.root) if pandas_side is not None else None
    cases = []
    for name, tool, args in () if agent_only else CASES:
        cases.append(_run_case(data.root, name, tool, args, repeat, pandas_side, frames))
    one_pass = {} if agent_only else _one_runtime_pass(data.root)
    wire_pass, peak = _runtime_process_pass(data.root)
    answered = [c for c in cases if "error" not in c]
    ours_first = sum(c["first_ms"] for c in answered)
    ours_warm = sum(c["warm_median_ms"] for c in answered)
    compared = [c for c in answered if c.get("pandas_median_ms") is not None]
    summary: dict[str, Any] = {
        "cases_failed": [c["case"] for c in cases if "error" in c],
        "ours_first_total_ms": round(ours_first, 1),
        "ours_warm_total_ms": round(ours_warm, 1),
    }
    summary["one_agent_first_pass_ms"] = round(sum(one_pass.values()), 1)
    summary["runtime_process_pass_ms"] = round(sum(wire_pass.values()), 1)
    if compared:
        pandas_total = sum(c["pandas_median_ms"] for c in compared)
        first_same = sum(c["first_ms"] for c in compared)
        warm_same = sum(c["warm_median_ms"] for c in compared)
        summary |= {
            "cases_compared": len(compared),
            "pandas_total_ms": round(pandas_total, 1),
            "speedup_first_call": round(pandas_total / first_same, 1) if first_same else None,
            "speedup_warm": round(pandas_total / warm_same, 1) if warm_same else None,
            "speedup_one_agent_first_pass": round(
                pandas_total / sum(one_pass[c["case"]] for c in compared), 1
            ),
            "all_results_agree": all(c["agree"] for c in compared),
        }
    return {
        "benchmark": "analytics",
        "followers": followers,
        "seed": seed,
        "data": str(data.root.parent),
        "prepare_s": data.prepare_s,
        "import_peak_rss_mb": data.import_peak_rss_mb,
        "rows": _rows(data.root),
        "pandas": "benchmarks/pandas_analytics.py"
        if pandas_side
        else "skipped (--no-pandas, or no repo or pandas)",
        "cases": cases,
        "one_agent_first_pass_ms": one_pass,
        "summary": summary,
        "runtime_process_pass_ms": wire_pass,
        "runtime_peak_rss_mb": peak,
    }


def _run_case(
    root: Path,
    name: str,
    tool: str,
    args: dict[str, Any],
    repeat: int,
    pandas_side: ModuleType | None,
    frames: dict[str, Any] | None,
) -> dict[str, Any]:
    runtime = Runtime(root)
    _load_sources(runtime)  # reading Parquet is the same for both sides; the tools start from loaded tables
    request = {"id": 1, "tool": tool, "args": {**args, "account_id": OWN.id}}
    first_s, answer = _timed_once(lambda: runtime.handle(request))
    if not answer["ok"]:
        return {"case": name, "tool": tool, "args": args, "error": answer["error"]}
    warm = [_timed_once(lambda: runtime.handle(request))[0] for _ in range(repeat)]
    case: dict[str, Any] = {
        "case": name,
        "tool": tool,
        "args": args,
        "first_ms": round(first_s * 1000, 1),
        "warm_median_ms": round(statistics.median(warm) * 1000, 1),
    }
    check = getattr(pandas_side, "CHECKS", {}).get(name) if pandas_side is not None else None
    if check is not None and frames is not None:
        compute, ours_view = check
        pandas_runs = []
        expected = None
        for _ in range(max(1, min(repeat, 3))):
            seconds, expected = _timed_once(lambda compute=compute: compute(frames, args))
            pandas_runs.append(seconds)
        got = ours_view(answer["result"])
        case |= {
            "pandas_median_ms": round(statistics.median(pandas_runs) * 1000, 1),
            "speedup_first_call": round(statistics.median(pandas_runs) / first_s, 1),
            "agree": got == expected,
        }
        if got != expected:
            case["difference"] = {"ours": _clip(got), "pandas": _clip(expected)}
    return case


def _one_runtime_pass(root: Path) -> dict[str, float]:
    """Each case once, in order, in one fresh runtime: what a newly started agent pays to answer every kind
    of question once, tables shared between tools (scores, tokens, places) built on first use."""
    runtime = Runtime(root)
    _load_sources(runtime)
    times = {}
    for name, tool, args in CASES:
        request = {"id": 1, "tool": tool, "args": {**args, "account_id": OWN.id}}
        times[name] = round(_timed_once(lambda request=request: runtime.handle(request))[0] * 1000, 1)
    return times


def _load_sources(runtime: Runtime) -> None:
    for account in (OWN, RIVAL):
        for dataset in Dataset:
            runtime.optional_source(account.id, dataset)


def _frames(root: Path) -> dict[str, Any]:
    """Every newest snapshot as a pandas DataFrame, plus the older followers snapshot, keyed by name."""
    import pandas as pd

    frames: dict[str, Any] = {}
    for account in (OWN, RIVAL):
        for dataset in Dataset:
            snapshot = latest_snapshot(account_dir(root, account.id), dataset)
            if snapshot is not None:
                frames[f"{account.kind}.{dataset.value}"] = pd.read_parquet(snapshot.path)
                frames[f"{account.kind}.{dataset.value}.created_at"] = pd.Timestamp(snapshot.created_at)
    older = list_snapshots(account_dir(root, OWN.id), Dataset.FOLLOWERS)
    if len(older) > 1:
        frames["own.followers.previous"] = pd.read_parquet(older[-2].path)
    return frames


def _rows(root: Path) -> dict[str, int]:
    rows = {}
    for account in (OWN, RIVAL):
        for dataset in Dataset:
            snapshot = latest_snapshot(account_dir(root, account.id), dataset)
            if snapshot is not None:
                rows[f"{account.kind}.{dataset.value}"] = snapshot.rows
    return rows


def _runtime_process_pass(root: Path) -> tuple[dict[str, float], float | None]:
    """A real runtime process answers every case once, loading snapshots on first use, as a sandbox
    would: milliseconds per answer over the wire, and the process's peak resident memory."""
    child = subprocess.Popen(
        [sys.executable, "-m", "followlytics.sandbox.runtime", "--root", str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdin is not None and child.stdout is not None
    times = {}
    try:
        for number, (name, tool, args) in enumerate(CASES, start=1):
            request = {"id": number, "tool": tool, "args": {**args, "account_id": OWN.id}}
            started = time.perf_counter()
            child.stdin.write(orjson.dumps(request) + b"\n")
            child.stdin.flush()
            child.stdout.readline()
            times[name] = round((time.perf_counter() - started) * 1000, 1)
        peak = _peak_rss_mb(Path(f"/proc/{child.pid}/status"))
    finally:
        child.stdin.close()
        child.wait(timeout=60)
    return times, peak


def _load_pandas_module() -> ModuleType | None:
    """`benchmarks/pandas_analytics.py` from the repository, when it and pandas are both there."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "pandas_analytics.py"
    if not path.exists() or importlib.util.find_spec("pandas") is None:
        return None
    spec = importlib.util.spec_from_file_location("followlytics_pandas_analytics", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _default_data_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "followlytics" / "bench"


def _timed_once(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = run()
    return time.perf_counter() - started, value


def _clip(value: Any) -> Any:
    text = repr(value)
    return text if len(text) <= 400 else text[:400] + "..."
