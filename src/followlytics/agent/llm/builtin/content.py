"""The content intent: "What should I post about?", content ideas and trends in the niche.

    "what should I post about?", "10 tweet ideas", "what's trending with my followers this week?"
    -> content_ideas {days, limit}

A time window ("this week", "last 30 days") is the recent window trends are measured over; any other number
is how many ideas to give. Rendering lives in `content_answers.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from followlytics.agent.llm import Plan
from followlytics.agent.llm.builtin.content_answers import RENDERERS
from followlytics.agent.llm.builtin.markdown import render_plan
from followlytics.agent.llm.builtin.times import days_and_limit_plan
from followlytics.agent.llm.builtin.top_followers import ENGAGEMENT
from followlytics.agent.tools import ToolCallRecord

__all__ = ["ContentIdeasIntent"]

_FLAGS = re.IGNORECASE
_VERB = r"(?:post|tweet|write|share|publish|make|create|thread|cover|talk)"
_CONTENT = re.compile(
    rf"(?<!\w)(?:(?:what|which)\s+(?:\w+\s+){{0,2}}(?:should|could|can|do|shall|would)\s+(?:i|we)\s+{_VERB}"
    rf"|what\s+to\s+{_VERB}|{_VERB}\s+about|content|ideas?|inspiration|inspire\s+me|trend\w*|rising|hot\s+topics?"
    r"|what'?s\s+(?:hot|new|popular|buzzing|happening)|buzz\w*|(?:talking|tweeting|posting)\s+about\s+"
    r"(?:right\s+)?(?:now|lately|these\s+days|this\s+week)|(?:next|upcoming)\s+(?:post|tweet|thread)s?"
    r"|brainstorm\w*|angles?|hooks?|what\s+resonates|(?:post|tweet|thread)\s+(?:topics?|suggestions?|prompts?))(?!\w)",
    _FLAGS,
)
# Asking for ideas or trends, as opposed to naming "my content" in another question ("who engages with
# my content the most" is about followers).
_ASKS_FOR_CONTENT = re.compile(
    rf"(?<!\w)(?:ideas?|trend\w*|rising|inspiration|inspire|brainstorm\w*|{_VERB}\s+about|what\s+to\s+{_VERB}"
    rf"|(?:should|could|can|shall)\s+(?:i|we)\s+{_VERB})(?!\w)",
    _FLAGS,
)
# Questions about what followers are into, with no ask for ideas or trends, are themes.
_THEMES_ONLY = re.compile(
    r"(?<!\w)(?:my\s+(?:followers|audience)|they)\s+(?:post|tweet|write|talk)\s+about", _FLAGS
)


@dataclass(frozen=True)
class ContentIdeasIntent:
    """Post ideas grounded in the audience's segments and rising terms -> `content_ideas`."""

    name: str = "content_ideas"
    tools: tuple[str, ...] = ("content_ideas",)

    def plan(self, text: str) -> Plan | None:
        match = _CONTENT.search(text)
        if match is None:
            return None
        if ENGAGEMENT.search(text) and not _ASKS_FOR_CONTENT.search(text):
            return None
        if _THEMES_ONLY.search(text) and not re.search(
            r"(?i)(?<!\w)(?:trend\w*|ideas?|now|lately|rising)", text
        ):
            return None
        return days_and_limit_plan(self.name, text, noun="ideas", fallback_max=10)

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        return render_plan(plan, records, RENDERERS, account_handle)
