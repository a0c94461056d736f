"""The top-followers intent: 'Who are my most valuable followers?' in its many phrasings.

It owns what makes a question one of these (an audience word and a ranking cue, and no word pointing at
another analysis), turns it into one `top_followers` call with the filters `questions.py` reads, and hands
the results to `answers.py` for the Markdown answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from followlytics.agent.llm import Plan, PlannedCall
from followlytics.agent.llm.builtin.answers import render_top_followers
from followlytics.agent.llm.builtin.questions import extract_filters
from followlytics.agent.tools import ToolCallRecord
from followlytics.analytics.ranking import TopFollowersResult

__all__ = ["TopFollowersIntent"]

_FLAGS = re.IGNORECASE
_AUDIENCE = re.compile(r"(?<!\w)(?:followers?|audience|fans)(?!\w)", _FLAGS)
_CUES = re.compile(
    r"(?<!\w)(?:top|best|most|biggest|largest|greatest|highest|leading|strongest|influential|important|valuable"
    r"|value|key|notable|prominent|famous|popular|relevant|engaged|loyal|vips?|superfans?|whales?|rank\w*"
    r"|matter\w*|attention|worth|who|whom|which|show|list|give|find|name)(?!\w)",
    _FLAGS,
)
# Words that point at an analysis this intent does not do; those questions must not get a ranking.
_OTHER_ANALYSES = re.compile(
    r"(?<!\w)(?:when|time|times|timing|hours?|days?|weekdays?|weeks?|months?|schedule|online|topics?|themes?"
    r"|talk(?:ing)?\s+about|interests?|interested|post\s+about|write\s+about|content|competitors?|rivals?"
    r"|compare\w*|comparison|versus|vs|mutuals?|overlap\w*|also\s+follow|follow\s+back|unfollow\w*|grow\w*"
    r"|gain\w*|lost|lose|losing|churn\w*|trend\w*|drafts?|ideas?|write|compose|send|bots?|fake|spam\w*"
    r"|how\s+many)(?!\w)",
    _FLAGS,
)


@dataclass(frozen=True)
class TopFollowersIntent:
    """'Who are my most valuable followers?' in its many phrasings -> the `top_followers` tool."""

    name: str = "top_followers"
    tool: str = "top_followers"

    def plan(self, text: str) -> Plan | None:
        if not _AUDIENCE.search(text) or _OTHER_ANALYSES.search(text):
            return None
        filters = extract_filters(text)
        if not (filters.explicit or _CUES.search(text)):
            return None
        return Plan(
            intent=self.name,
            calls=(PlannedCall(tool=self.tool, arguments=filters.arguments()),),
            notes=filters.notes,
        )

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        sections = [
            render_top_followers(record, record.result, plan.notes, account_handle)
            for record in records
            if record.name == self.tool and isinstance(record.result, TopFollowersResult)
        ]
        if not sections:
            return "I couldn't rank your followers: the ranking tool returned nothing."
        return "\n\n".join(sections)
