"""The built-in engine against a hand-labelled question set: the right tools with the right arguments.

`labelled_questions.jsonl` holds one question a line, in varied phrasing (typos, casual, terse, polite, with
parameters), each with the tool calls a careful reader would make for it, written by hand. A line with
`history` is a follow-up: the earlier questions are asked first, in order, and each becomes a turn of the
conversation the labelled question is planned with. Arguments are compared in canonical form (an argument
equal to the tool's default counts as not given), so `{"limit": 10}` and `{}` are the same call.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from followlytics.agent.llm import PlannedCall, Turn
from followlytics.agent.llm.builtin import BuiltinEngine
from followlytics.agent.llm.builtin.calls import TOOLS, canonical

LABELLED = Path(__file__).with_name("labelled_questions.jsonl")
REQUIRED_ACCURACY = 0.95


def _load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]


def _calls(calls: list[PlannedCall]) -> list[tuple[str, dict[str, Any]]]:
    return [(call.tool, canonical(call).arguments) for call in calls]


def _planned(engine: BuiltinEngine, row: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    turns: list[Turn] = []
    for prior in row.get("history", []):
        turns.append(Turn(prior, engine.plan(prior, turns).calls))
    return _calls(list(engine.plan(row["question"], turns).calls))


def _expected(row: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return _calls([PlannedCall(call["tool"], call.get("arguments", {})) for call in row["tools"]])


def accuracy() -> tuple[float, list[str]]:
    """The share of labelled questions planned exactly as labelled, and a line for each miss."""
    engine = BuiltinEngine()
    rows = _load()
    misses = []
    for row in rows:
        planned, expected = _planned(engine, row), _expected(row)
        if planned != expected:
            context = f" (after {row['history']})" if row.get("history") else ""
            misses.append(f"{row['question']!r}{context}\n    expected {expected}\n    planned  {planned}")
    return 1 - len(misses) / len(rows), misses


def test_the_engine_plans_the_labelled_calls_for_at_least_95_percent():
    share, misses = accuracy()

    assert share >= REQUIRED_ACCURACY, f"accuracy {share:.1%} < 95%; misses:\n" + "\n".join(misses)


def test_the_set_is_large_and_covers_every_tool_and_follow_ups():
    rows = _load()
    tools = Counter(call["tool"] for row in rows for call in row["tools"])

    assert len(rows) >= 150
    assert set(tools) == set(TOOLS), f"tools without a labelled question: {set(TOOLS) - set(tools)}"
    assert all(count >= 3 for count in tools.values()), tools
    assert sum(1 for row in rows if row.get("history")) >= 30
    assert sum(1 for row in rows if not row["tools"]) >= 3  # questions that must get no tool at all


@pytest.mark.parametrize("row", _load()[:1] + [r for r in _load() if not r["tools"]])
def test_labels_are_well_formed(row):
    assert set(row) <= {"question", "history", "tools"}
    for call in row["tools"]:
        assert call["tool"] in TOOLS
        assert set(call.get("arguments", {})) <= set(TOOLS[call["tool"]].defaults)
