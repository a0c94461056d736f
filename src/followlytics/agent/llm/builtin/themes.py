"""The audience intents: what the followers are about, and where they are.

    themes      "what do my followers care about?", "split my audience into 5 segments", "top 20 bio
                keywords of followers in London" -> audience_themes {limit, segments, location}
    locations   "where are my followers?", "top 5 countries" -> audience_locations {limit}

A number followed by segments / clusters / groups / personas is the segment count (1-10); any other number
is how many terms to list. Rendering lives in `theme_answers.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from followlytics.agent.llm import Plan
from followlytics.agent.llm.builtin.calls import TOOLS, make_call
from followlytics.agent.llm.builtin.markdown import render_plan
from followlytics.agent.llm.builtin.questions import NUMBER, extract_filters, parse_number
from followlytics.agent.llm.builtin.theme_answers import RENDERERS
from followlytics.agent.tools import ToolCallRecord

__all__ = ["LocationsIntent", "ThemesIntent"]

_FLAGS = re.IGNORECASE
_AUDIENCE = r"(?:followers?|audience|fans|people|community|followership|they)"
_THEMES = re.compile(
    r"(?<!\w)(?:themes?|topics?|interests?|interested\s+in|care\s+about|cares\s+about|talk(?:s|ing)?\s+about"
    r"|tweet(?:s|ing)?\s+about|post(?:s|ing)?\s+about|(?:are|is)\s+(?:they\s+)?into"
    r"|(?:audience|followers|fans|they)\s+(?:are\s+|is\s+)?(?:really\s+|mostly\s+)?into|keywords?|key\s+words|bios?"
    r"|hashtags?|emojis?|segments?|segment\s+my|clusters?|personas?|niches?|communities|(?:kinds?|types?|sorts?)"
    r"\s+of\s+(?:people|followers|accounts|audience)|who\s+(?:is|are)\s+my\s+(?:audience|followers)"
    r"|describe\s+my|profile\s+(?:of\s+)?my|tell\s+me\s+about\s+my|languages?|demographics?|psychographics?"
    r"|what\s+do\s+(?:my\s+)?(?:followers|audience|fans|they)\s+(?:do|like|love|want|read|enjoy|care)"
    rf"|audience\s+(?:analysis|insights?|breakdown|overview|profile|makeup|composition)|know\s+about\s+my\s+{_AUDIENCE}"
    r"|what\s+(?:is|are)\s+my\s+(?:audience|followers)\s+(?:like|about)|into\s*\??\s*$)(?!\w)",
    _FLAGS,
)
_SEGMENTS = re.compile(
    rf"(?<![\w.,])(?P<n>{NUMBER})\s+(?:\w+\s+)?(?:segments?|clusters?|groups?|personas?|niches?|audiences|buckets"
    r"|communities|tribes)(?!\w)",
    _FLAGS,
)
_LOCATIONS = re.compile(
    rf"(?<!\w)(?:where(?:'s|\s+(?:are|do|is|does|did))\s+(?:my\s+|our\s+)?{_AUDIENCE}|where\s+(?:my|our)\s+{_AUDIENCE}"
    r"|where\s+.{0,30}?(?:from|based|located|live|living)|locations?|geograph\w*|geo\b|(?:which|what|top|main)"
    r"\s+(?:\d+\s+)?(?:countries|cities|regions|places|states|continents)|(?:countries|cities)\s+(?:are|do)"
    r"|map\s+of\s+my|by\s+(?:country|city|region))(?!\w)",
    _FLAGS,
)
_WHERE_NEEDS_AUDIENCE = re.compile(
    rf"(?<!\w){_AUDIENCE}(?!\w)|(?<!\w)(?:countries|cities|regions)(?!\w)", _FLAGS
)


@dataclass(frozen=True)
class ThemesIntent:
    """Bio keywords, phrases, hashtags, emoji, languages and interest segments -> `audience_themes`."""

    name: str = "audience_themes"
    tools: tuple[str, ...] = ("audience_themes",)

    def plan(self, text: str) -> Plan | None:
        if not _THEMES.search(text):
            return None
        notes: list[str] = []
        segments = None
        if (match := _SEGMENTS.search(text)) is not None:
            asked = parse_number(match["n"])
            segments = min(max(asked, 1), 10)
            if asked > 10:
                notes.append("I can split an audience into at most 10 segments, so this shows 10.")
            text = text[: match.start()] + " ; " + text[match.end() :]
        filters = extract_filters(text, max_limit=TOOLS[self.name].max_limit or 50, noun="terms")
        notes.extend(filters.notes)
        call = make_call("audience_themes", limit=filters.limit, segments=segments, location=filters.location)
        return Plan(intent=self.name, calls=(call,), notes=tuple(notes))

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        return render_plan(plan, records, RENDERERS, account_handle)


@dataclass(frozen=True)
class LocationsIntent:
    """Where the followers are, by city and country -> `audience_locations`."""

    name: str = "audience_locations"
    tools: tuple[str, ...] = ("audience_locations",)

    def plan(self, text: str) -> Plan | None:
        if not _LOCATIONS.search(text) or not _WHERE_NEEDS_AUDIENCE.search(text):
            return None
        filters = extract_filters(text, max_limit=TOOLS[self.name].max_limit or 50, noun="places")
        notes = list(filters.notes)
        if filters.location is not None:
            notes.append(
                f"The location breakdown covers every follower; ask *top followers in {filters.location}* "
                "to see who is there."
            )
        call = make_call("audience_locations", limit=filters.limit)
        return Plan(intent=self.name, calls=(call,), notes=tuple(notes))

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        return render_plan(plan, records, RENDERERS, account_handle)
