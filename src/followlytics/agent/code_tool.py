"""The `run_python` code tool as the control plane's registry sees it: its description for the model, its
argument and result models (the sandbox runtime's own, from `sandbox.python_tool`) and its one-line summary.

It is not in `default_registry()`: a model may run code only in a sandbox that confines it, so the caller
registers `code_tool()` only when its `SandboxProvider.isolates` is true. The model chooses `code` alone;
`account_id` is a context field the control plane fills in, and the limits are the runtime's.
"""

from __future__ import annotations

from collections.abc import Iterable

from followlytics.agent.tools import Tool
from followlytics.audience.datasets import Dataset
from followlytics.sandbox.python_tool import (
    DEFAULT_LIMITS,
    NAME,
    CodeValue,
    Limits,
    RunPythonArgs,
    RunPythonResult,
)

RUN_PYTHON = NAME

__all__ = [
    "RUN_PYTHON",
    "CodeValue",
    "RunPythonArgs",
    "RunPythonResult",
    "code_tool",
    "describe",
    "summarize",
]

# Key columns only: the model can `DESCRIBE followers` for the rest, and every token here is paid per turn.
_VIEWS: dict[Dataset, str] = {
    Dataset.FOLLOWERS: (
        "followers(id, username, name, description, location, created_at, verified, verified_type, "
        "followers_count, following_count, tweet_count, listed_count, like_count, interactions)"
    ),
    Dataset.FOLLOWING: "following: accounts this one follows, same columns as followers",
    Dataset.TWEETS: (
        "tweets(id, text, created_at, lang, like_count, retweet_count, reply_count, quote_count, "
        "bookmark_count, impression_count, referenced_type)"
    ),
    Dataset.INTERACTIONS: "interactions(tweet_id, user_id, kind: like|retweet|reply|quote, created_at)",
    Dataset.FOLLOWER_TWEETS: "follower_tweets: followers' recent posts, tweets' columns plus author_id",
}


def describe(datasets: Iterable[Dataset] | None = None, limits: Limits = DEFAULT_LIMITS) -> str:
    """The tool's description for the model; `datasets` narrows the views to those the account has."""
    chosen = list(Dataset) if datasets is None else [d for d in Dataset if d in set(datasets)]
    which = (
        "Views (only imported datasets have one; the result's `views` lists them)"
        if datasets is None
        else "Views"
    )
    views = "; ".join(_VIEWS[d] for d in chosen) or "none"
    return (
        "Run Python 3 over this account's data when no other tool answers the question. "
        f"`con` is a DuckDB connection with read-only views of the newest snapshots. {which}: {views}. "
        "Timestamps are UTC. Set `result` to a DuckDB relation (e.g. result = con.sql('SELECT ...')), a "
        "pandas DataFrame (pandas only if installed; prefer SQL) or a JSON value; print() output comes back "
        "too. One value: con.execute(sql).fetchone()[0] (DuckDB 2 relations have no fetchone). "
        f"Limits: {limits.rows} rows, {limits.output_bytes // 1024} KB of printed output, "
        f"{limits.wall_seconds:g} s, {limits.memory_bytes >> 20} MB. No network, no secrets; files only in "
        "the current folder, deleted afterwards. An error in the code comes back as `error` (with the line), "
        "so fix the code and call again."
    )


def summarize(result: RunPythonResult) -> str:
    """One line for the tool-call log."""
    over = ", ".join(result.views) or "no data"
    if not result.ok:
        error = result.error or "the code failed"
        return f"Python over {over} failed: {error[:160]}"
    value = result.result
    if value is None:
        return f"ran Python over {over}: printed {len(result.stdout):,} characters"
    if value.kind == "table":
        total = f" of {value.row_count:,}" if value.row_count is not None else ""
        cut = " (cut to fit the limits)" if value.truncated else ""
        return f"ran Python over {over}: {len(value.rows):,}{total} rows{cut}"
    return f"ran Python over {over}: returned a value" + (
        " (cut to fit the limits)" if value.truncated else ""
    )


def code_tool(datasets: Iterable[Dataset] | None = None) -> Tool:
    """The `run_python` tool for a `ToolRegistry`; register it only when the sandbox provider isolates."""
    return Tool(
        name=RUN_PYTHON,
        description=describe(datasets),
        arguments=RunPythonArgs,
        result=RunPythonResult,
        summarize=summarize,
        full_description=True,
    )
