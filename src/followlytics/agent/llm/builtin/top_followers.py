"""The top-followers intent: 'Who are my most valuable followers?' and 'Who are my most engaged followers?'
in their many phrasings.

It owns what makes a question one of these (an audience word and a ranking cue, or a "who engages with me
the most" question, and no word pointing at another analysis), turns it into one `top_followers` call with
the filters `questions.py` reads (engagement questions sort by engagement), and hands the results to
`answers.py` for the Markdown answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from followlytics.agent.llm import Plan
from followlytics.agent.llm.builtin.answers import render_top_followers
from followlytics.agent.llm.builtin.calls import make_call
from followlytics.agent.llm.builtin.markdown import fallback_section
from followlytics.agent.llm.builtin.questions import extract_filters
from followlytics.agent.llm.builtin.times import extract_window
from followlytics.agent.tools import ToolCallRecord
from followlytics.analytics.ranking import TopFollowersResult

__all__ = ["ENGAGEMENT", "TopFollowersIntent", "is_bare_filter", "render_top_followers_record"]

_FLAGS = re.IGNORECASE
_AUDIENCE = re.compile(
    r"(?<!\w)(?:followers?|audience|(?:super)?fans|supporters|(?:accounts|people|users)\s+(?:who\s+|that\s+)?"
    r"follow(?:ing|s)?\s+me)(?!\w)",
    _FLAGS,
)
_CUES = re.compile(
    r"(?<!\w)(?:top|best|most|biggest|largest|greatest|highest|leading|strongest|important|valuable"
    r"|value|key|notable|prominent|famous|popular|relevant|engaged|loyal|vips?|superfans?|whales?|rank\w*"
    r"|matter\w*|attention|worth|who|whom|which|show|list|give|find|name)(?!\w)",
    _FLAGS,
)
# "most engaged", "who interacts with me the most", "biggest fans": rank by engagement, not by value.
ENGAGEMENT = re.compile(
    r"(?<!\w)(?:engag\w*|interact\w*|superfans?|loyal\w*|biggest\s+fans|(?:most\s+)?active\s+fans"
    r"|(?:likes?|liked)\s+(?:my|me)|liking|replie[sd]\s+to\s+me|reply\s+to\s+me|repl(?:y|ies)\s+the\s+most"
    r"|retweets?\s+(?:my|me)|reposts?\s+(?:my|me)|quotes?\s+(?:my|me)|respond\w*\s+to\s+me)(?!\w)",
    _FLAGS,
)
_ENGAGEMENT_QUESTION = re.compile(
    r"(?<!\w)(?:who|which)\b.{0,40}?(?:engag\w*|interact\w*|likes?|liked|liking|repl(?:y|ies|ied)|retweet(?:s|ed)?"
    r"|repost(?:s|ed)?|quotes?|quoted|respond\w*)\b.{0,40}?(?:most|often|frequently|a\s+lot|regularly|always)(?!\w)",
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
_MY_CONTENT = re.compile(r"(?<!\w)(?:with|on|to)\s+my\s+(?:content|posts|tweets|stuff)(?!\w)", _FLAGS)
_KEYS = ("limit", "offset", "location", "min_followers", "max_followers", "verified")


@dataclass(frozen=True)
class TopFollowersIntent:
    """'Who are my most valuable followers?' in its many phrasings -> the `top_followers` tool."""

    name: str = "top_followers"
    tools: tuple[str, ...] = ("top_followers",)

    def plan(self, text: str) -> Plan | None:
        engagement = bool(ENGAGEMENT.search(text) or _ENGAGEMENT_QUESTION.search(text))
        notes: list[str] = []
        window, rest = extract_window(text)
        if window is not None:
            notes.append(
                "The ranking uses everything imported; it can't be limited to a time window yet, so that "
                "was not applied."
            )
        # "engage with my content" names what they engage with, not another analysis.
        if _OTHER_ANALYSES.search(_MY_CONTENT.sub(" ", rest) if engagement else rest):
            return None
        text = rest
        if not _AUDIENCE.search(text) and not _ENGAGEMENT_QUESTION.search(text):
            return None
        filters = extract_filters(text)
        if not (filters.explicit or engagement or _CUES.search(text)):
            return None
        arguments = filters.arguments(keys=_KEYS)
        if engagement:
            arguments["sort"] = "engagement"
        notes.extend(filters.notes)
        return Plan(intent=self.name, calls=(make_call("top_followers", **arguments),), notes=tuple(notes))

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        return "\n\n".join(
            render_top_followers_record(record, account_handle, plan.notes) for record in records
        )


def render_top_followers_record(
    record: ToolCallRecord, account_handle: str, notes: Sequence[str] = ()
) -> str:
    if not isinstance(record.result, TopFollowersResult):
        return fallback_section(record, account_handle)
    return render_top_followers(record, record.result, notes, account_handle)


def is_bare_filter(text: str) -> bool:
    """Whether `text` names followers only in a filter, with no ranking cue ("with over 1k followers")."""
    return not _CUES.search(text) and not ENGAGEMENT.search(text)
