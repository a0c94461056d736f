"""docs/engine.md stays true: every example question plans the tool its row names, every follow-up in the
follow-up table plans exactly the call shown, and the unrecognised examples run no tool."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from followlytics.agent.llm import Turn
from followlytics.agent.llm.builtin import BuiltinEngine

DOC = (Path(__file__).resolve().parents[2] / "docs" / "engine.md").read_text(encoding="utf-8")


def _section(title: str, end: str) -> str:
    return DOC.split(title, 1)[1].split(end, 1)[0]


def _family_examples() -> list[tuple[str, str]]:
    rows = []
    for line in _section("## Questions it understands", "## How parameters").splitlines():
        cells = line.split(" | ")
        if not line.startswith("| ") or len(cells) < 3 or line.startswith("| family"):
            continue
        tool = re.search(r"`(\w+)", cells[2])
        rows += [
            (example, tool.group(1) if tool else "competitor_overlap")
            for example in re.findall(r"\*(.+?)\*", cells[1])
        ]
    return rows


def _follow_ups() -> list[tuple[str, list[str], str, dict]]:
    rows = []
    for line in _section("## Follow-ups", "The rules:").splitlines():
        match = re.match(r"\| \*(.+?)\* \| (.+?) \| `(\w+) (\{.*?\})`", line)
        if match:
            question, history, tool, arguments = match.groups()
            arguments = json.loads(re.sub(r"(\w+):", r'"\1":', arguments))
            rows.append((question, re.findall(r"\*(.+?)\*", history), tool, arguments))
    return rows


def test_the_doc_has_examples_for_every_tool_and_many_follow_ups():
    from followlytics.agent.llm.builtin.calls import TOOLS

    assert {tool for _, tool in _family_examples()} | {"competitor_comparison"} >= set(TOOLS)
    assert len(_follow_ups()) >= 12


@pytest.mark.parametrize(("question", "tool"), _family_examples())
def test_each_documented_question_plans_its_tool(question, tool):
    assert BuiltinEngine().plan(question).calls[0].tool == tool


@pytest.mark.parametrize(("question", "history", "tool", "arguments"), _follow_ups())
def test_each_documented_follow_up_plans_the_call_shown(question, history, tool, arguments):
    engine = BuiltinEngine()
    turns: list[Turn] = []
    for earlier in history:
        turns.append(Turn(earlier, engine.plan(earlier, turns).calls))

    plan = engine.plan(question, turns)

    assert [(call.tool, call.arguments) for call in plan.calls] == [(tool, arguments)]


@pytest.mark.parametrize(
    "question", re.findall(r"\*(.+?)\*", _section("## Questions it does not", "## Safety"))
)
def test_documented_unrecognised_questions_run_no_tool(question):
    assert BuiltinEngine().plan(question).calls == ()
