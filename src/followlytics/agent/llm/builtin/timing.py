"""The timing intent: "When should I post?" -> posting_times {timezone, source, weeks}.

The time zone comes from the question ("in Berlin time", "EST", "Europe/Paris", "for my followers in New
York"), the window from "last 8 weeks" (weeks; days and months are converted), and the source from what
the question is about: when followers are online -> "followers", what worked for my own posts ->
"tweets", otherwise "auto" (the tool blends both when it can). Rendering lives in `timing_answers.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from followlytics.agent.llm import Plan
from followlytics.agent.llm.builtin.calls import TOOLS, make_call
from followlytics.agent.llm.builtin.markdown import render_plan
from followlytics.agent.llm.builtin.times import extract_timezone, extract_window, weeks_of
from followlytics.agent.llm.builtin.timing_answers import RENDERERS
from followlytics.agent.tools import ToolCallRecord

__all__ = ["PostingTimesIntent", "posting_source"]

_FLAGS = re.IGNORECASE
_ACT = r"(?:post|posting|tweet|tweeting|publish|share|go\s+live|schedule|send|drop|thread)"
_TIMING = re.compile(
    rf"(?<!\w)(?:when\b.{{0,40}}?\b(?:{_ACT}|online|active|awake|around|scrolling|on\s+(?:x|twitter)|engage\w*)"
    r"|(?:best|optimal|ideal|perfect|right|good|prime|top|peak|busiest|golden)\s+(?:\w+\s+)?(?:times?|hours?|days?"
    r"|slots?|moments?|windows?|weekdays?)|(?:what|which)\s+(?:\w+\s+)?(?:time|times|hour|hours|day|days|weekday)"
    rf"|posting\s+(?:times?|schedule|window|hours?|slots?|cadence)|times?\s+to\s+{_ACT}|schedule\s+(?:my\s+)?"
    r"(?:posts|tweets)|heat\s*map|peak\s+(?:hours?|times?|activity)|most\s+active\s+(?:hours?|times?|days?))(?!\w)",
    _FLAGS,
)
# "what time is it?" asks the clock; a timing question is about posting, engagement or being online.
_ABOUT_POSTING = re.compile(
    rf"(?<!\w)(?:{_ACT}\w*|posts?|tweets?|online|active|awake|around|scrolling|engag\w*|slots?|schedul\w*|heat\s*map"
    r"|peak|audience|followers|publish\w*|best|optimal|ideal)(?!\w)",
    _FLAGS,
)
_FOLLOWERS_SOURCE = re.compile(
    r"(?<!\w)(?:(?:followers|audience|fans|they)\s+(?:are\s+|is\s+|most\s+|usually\s+)*(?:online|active|awake|around"
    r"|scrolling|on\s+(?:x|twitter))|(?:follower|audience)\s+activity|(?:based\s+on|from|using)\s+(?:my\s+)?"
    r"(?:followers|audience)(?:'s?)?(?:\s+activity)?)(?!\w)",
    _FLAGS,
)
_TWEETS_SOURCE = re.compile(
    r"(?<!\w)(?:(?:based\s+on|from|using|according\s+to|judging\s+by)\s+(?:my\s+)?(?:own\s+)?(?:past\s+)?"
    r"(?:tweets|posts|engagement|performance|history|data)|my\s+(?:own\s+)?(?:past\s+)?(?:tweets|posts)\s+"
    r"(?:did|performed|got|get|do)|(?:got|get|gets)\s+the\s+most\s+(?:engagement|likes|impressions))(?!\w)",
    _FLAGS,
)


@dataclass(frozen=True)
class PostingTimesIntent:
    """The best weekday and hour slots to post -> `posting_times`."""

    name: str = "posting_times"
    tools: tuple[str, ...] = ("posting_times",)

    def plan(self, text: str) -> Plan | None:
        if not _TIMING.search(text) or not _ABOUT_POSTING.search(text):
            return None
        window, rest = extract_window(text)
        timezone, _ = extract_timezone(rest)
        weeks, note = TOOLS[self.name].bounded("weeks", weeks_of(window), "weeks") if window else (None, None)
        call = make_call("posting_times", timezone=timezone, source=posting_source(text), weeks=weeks)
        return Plan(intent=self.name, calls=(call,), notes=(note,) if note else ())

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        return render_plan(plan, records, RENDERERS, account_handle)


def posting_source(text: str) -> str:
    """Which data a timing question is about: "followers", "tweets" or "auto"."""
    if _TWEETS_SOURCE.search(text):
        return "tweets"
    if _FOLLOWERS_SOURCE.search(text):
        return "followers"
    return "auto"
