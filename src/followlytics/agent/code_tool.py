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

# Only the followers view's key columns: it answers most questions, and `DESCRIBE <view>` gives the rest.
_VIEWS: dict[Dataset, str] = {
    Dataset.FOLLOWERS: (
        "followers(id, username, name, description, location, verified, followers_count, "
        "following_count, tweet_count, interactions, ...)"
    ),
    Dataset.FOLLOWING: "following",
    Dataset.TWEETS: "tweets",
    Dataset.INTERACTIONS: "interactions",
    Dataset.FOLLOWER_TWEETS: "follower_tweets",
}


def describe(datasets: Iterable[Dataset] | None = None, limits: Limits = DEFAULT_LIMITS) -> str:
    """The tool's description for the model; `datasets` narrows the views to those the account has."""
    chosen = list(Dataset) if datasets is None else [d for d in Dataset if d in set(datasets)]
    views = ", ".join(_VIEWS[d] for d in chosen) or "none"
    # Every word here is paid on every request that offers the tool: say only what the model cannot guess.
    return (
        "Python over this account's data, only when no other tool answers. `con`: DuckDB with read-only "
        f"views of imported data: {views}; DESCRIBE a view for its columns. Set `result` = "
        f"con.sql('SELECT ...') or a JSON value. Max {limits.rows} rows, {limits.wall_seconds:g} s, no "
        "network; an `error` names its line: fix and retry."
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
