"""The built-in offline engine: answers the questions it recognises with no model, no key and no network.

A question is offered to a short list of intents (`INTENTS`) in order; the first that recognises it plans
the tool calls and later renders the answer from their results. A new analysis (themes, timing,
connections, competitors) plugs in as one more `Intent` object in that tuple, more specific ones first,
rather than as more branches in one regex. A question no intent recognises gets an honest account of what
the engine can do.

This package owns the engine itself (`BuiltinEngine`), the `Intent` protocol, the `INTENTS` tuple and the
capability answer. Reading a question (numbers, filters, locations) lives in `questions.py`, the
top-followers intent in `top_followers.py`, and writing its Markdown answer in `answers.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from followlytics.agent.llm import Plan
from followlytics.agent.llm.builtin.questions import normalise, parse_number
from followlytics.agent.llm.builtin.top_followers import TopFollowersIntent
from followlytics.agent.tools import ToolCallRecord

__all__ = ["INTENTS", "BuiltinEngine", "Intent", "TopFollowersIntent", "capability_answer", "parse_number"]


class Intent(Protocol):
    """One family of questions: recognises them, plans their tool calls, renders their answer."""

    @property
    def name(self) -> str:
        """The intent's name, recorded in `Plan.intent`."""
        ...

    def plan(self, text: str) -> Plan | None:
        """A plan for `text` (already normalised), or None when this intent does not recognise it."""
        ...

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        """The Markdown answer from the results of the planned calls."""
        ...


class BuiltinEngine:
    name = "builtin"

    def __init__(self, intents: Sequence[Intent] | None = None) -> None:
        self._intents: tuple[Intent, ...] = tuple(intents if intents is not None else INTENTS)

    def plan(self, question: str) -> Plan:
        text = normalise(question)
        for intent in self._intents:
            plan = intent.plan(text)
            if plan is not None:
                return plan
        return Plan(intent=None, answer=capability_answer(asked=bool(text)))

    def compose(
        self, question: str, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str
    ) -> str:
        for intent in self._intents:
            if intent.name == plan.intent:
                return intent.render(plan, records, account_handle=account_handle)
        return plan.answer or capability_answer(asked=bool(question.strip()))


def capability_answer(*, asked: bool = True) -> str:
    """What the engine can answer today, with example questions; used for anything it does not recognise."""
    opening = (
        "I can't answer that one yet — I'd rather say so than guess."
        if asked
        else "Ask me something about your followers."
    )
    return "\n".join(
        [
            opening,
            "",
            "Right now I can **rank your followers by value** (reach, activity, credibility and, when "
            "imported, engagement) and filter them by location, follower count and verification. Try:",
            "",
            "- *Who are my 10 most valuable followers?*",
            "- *Top 5 verified followers in London*",
            "- *Followers based in New York with over 10k followers*",
            "",
            "Analyses of your audience's themes, best posting times, connections (influencers, mutuals) "
            "and competitors are coming.",
        ]
    )


INTENTS: tuple[Intent, ...] = (TopFollowersIntent(),)
