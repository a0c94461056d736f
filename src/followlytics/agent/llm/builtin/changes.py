"""The change intent: follower growth between snapshots -> follower_changes {days, limit}.

"Who unfollowed me?", "how many followers did I gain this month?", "follower growth over the last 2 weeks".
A window becomes `days` (compare the newest snapshot with the newest one at least that old); without one
the tool compares with the previous snapshot. Any other number is how many notable changes to list.
"How can I grow?" asks for advice, not a measurement, so it is left to other intents. Rendering lives in
`change_answers.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from followlytics.agent.llm import Plan
from followlytics.agent.llm.builtin.change_answers import RENDERERS
from followlytics.agent.llm.builtin.markdown import render_plan
from followlytics.agent.llm.builtin.times import days_and_limit_plan
from followlytics.agent.tools import ToolCallRecord

__all__ = ["FollowerChangesIntent"]

_FLAGS = re.IGNORECASE
_CHANGES = re.compile(
    r"(?<!\w)(?:unfollow\w*|un-follow\w*|lost|lose|losing|loss|gain\w*|new\s+followers?|(?:recent|latest|newest)"
    r"\s+followers?|follower\s+(?:growth|change|changes|count\s+change\w*|trend|history)|over\s+time|who'?s\s+new|growth|grown|grew|growing|grow|net\s+"
    r"(?:change|gain|followers|new)|churn\w*|who\s+(?:left|stopped\s+following|dropped|bailed)|(?:started|began)"
    r"\s+following|followed\s+me|(?:more|fewer|less)\s+followers\s+than|(?:up|down)\s+(?:or\s+down\s+)?(?:on|in)\s+"
    r"followers|changed?\s+since|since\s+(?:the\s+)?last\s+(?:snapshot|import|time|sync)|what\s+changed"
    r"|added\s+followers|follower\s+delta|moved\s+since)(?!\w)",
    _FLAGS,
)
_ADVICE = re.compile(
    r"(?<!\w)(?:how\s+(?:can|do|should|could|would|to)\s+(?:i\s+|we\s+)?(?:grow|gain|get\s+more)|ways\s+to\s+grow"
    r"|tips|strateg\w*|help\s+me\s+grow|grow\s+(?:my|our)\s+(?:audience|following|account))(?!\w)",
    _FLAGS,
)


@dataclass(frozen=True)
class FollowerChangesIntent:
    """Gained, lost and net followers between two snapshots -> `follower_changes`."""

    name: str = "follower_changes"
    tools: tuple[str, ...] = ("follower_changes",)

    def plan(self, text: str) -> Plan | None:
        if not _CHANGES.search(text) or _ADVICE.search(text):
            return None
        return days_and_limit_plan(self.name, text, noun="changes", fallback_max=100)

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        return render_plan(plan, records, RENDERERS, account_handle)
