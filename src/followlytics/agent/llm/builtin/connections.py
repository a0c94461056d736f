"""The connection intents: influencers among the followers, mutual connections, and collaboration partners
with outreach DMs ("Who should I connect with?").

    influencers      "influencers over 50k followers", "most influential followers in London"
                     -> influential_followers {min_followers, limit, offset, location, verified};
                     micro- / nano-influencers or an upper bound ("influencers under 100k") need both bounds,
                     so they go to top_followers {min_followers, max_followers} instead
    mutuals          "who are my mutuals", "followers I follow back" -> mutual_connections {limit, offset}
    collaboration    "collab partners in the AI space", "draft DMs to potential partners"
                     -> collaboration_suggestions {limit, min_followers, topic}

Rendering lives in `connection_answers.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from followlytics.agent.llm import Plan
from followlytics.agent.llm.builtin.calls import TOOLS, make_call
from followlytics.agent.llm.builtin.connection_answers import RENDERERS
from followlytics.agent.llm.builtin.markdown import render_plan
from followlytics.agent.llm.builtin.questions import extract_filters
from followlytics.agent.tools import ToolCallRecord

__all__ = ["CollaborationIntent", "InfluencersIntent", "MutualsIntent", "extract_topic"]

_FLAGS = re.IGNORECASE
_INFLUENCER = re.compile(
    r"(?<!\w)(?:(?:micro|nano|macro|mega)[- ]?)?(?:influen(?:cers?|tial)|high[- ]influence|big\s+accounts?"
    r"|large\s+accounts?|heavy\s*hitters?|celebrit(?:y|ies)|big\s+names?|power\s+users?)(?!\w)",
    _FLAGS,
)
_BANDS = {"micro": (10_000, 100_000), "nano": (1_000, 10_000)}
_FLOORS = {"macro": 100_000, "mega": 1_000_000}
_BAND = re.compile(r"(?<!\w)(?P<band>micro|nano|macro|mega)[- ]?influenc", _FLAGS)
_MUTUAL = re.compile(
    r"(?<!\w)(?:mutuals?|mutual\s+(?:follow\w*|connections?|friends?)|follow(?:s|ing)?\s+(?:me\s+)?back"
    r"|follow\s+each\s+other|follow\s+one\s+another|reciprocal\w*|both\s+ways|two[- ]way"
    r"|(?:followers|people|accounts)\s+(?:that\s+|who\s+|whom\s+|do\s+)?i\s+(?:also\s+)?follow"
    r"|i\s+(?:also\s+)?follow\s+(?:back|too|as\s+well)|who\s+do\s+i\s+follow\s+(?:that|who)\s+follows?\s+me"
    r"|i\s+follow\s+(?:that|who)\s+follows?\s+me|follow\s+me\s+and\s+(?:that\s+)?i\s+follow)(?!\w)",
    _FLAGS,
)
_NOT_MUTUAL = re.compile(r"(?<!\w)(?:don'?t|doesn'?t|do\s+not|does\s+not|not|never|aren'?t)\s+follow", _FLAGS)
_COLLABORATION = re.compile(
    r"(?<!\w)(?:collab\w*|co-?host\w*|co-?create\w*|partner\w*|team\s+up|work\s+with|connect\s+with"
    r"|network\s+with|joint\s+\w+|outreach|reach\s+out|dms?|direct\s+messages?|pitch\w*|cold\s+(?:dm|message|email)s?"
    r"|introductions?|guests?|shout-?outs?|cross-?promot\w*|sponsor\w*|ambassadors?)(?!\w)",
    _FLAGS,
)
# "in the AI space", "about crypto", "who tweet about design", "topic: climate"
_TOPIC_SPACE = re.compile(
    r"(?<!\w)(?:in|within|from)\s+(?:the\s+)?(?P<topic>[\w#+.&' -]{2,40}?)\s+"
    r"(?:space|niche|scene|industry|field|world|community|sector|market)(?!\w)",
    _FLAGS,
)
_TOPIC_END = (
    r"(?=\s*(?:[?!,;:()]|\.(?:\s|$)|$)"
    r"|\s+(?:with|who|that|over|above|and|plus|please|under|having|to|for)(?!\w))"
)
_TOPIC_LEAD = re.compile(
    r"(?<!\w)(?:about|on|around|covering|regarding|re|related\s+to|focused\s+on|interested\s+in|into"
    r"|topic(?:\s+of)?|on\s+the\s+topic\s+of|(?:who|that)\s+(?:talk|post|tweet|write)s?\s+about)\s*:?\s+"
    rf"(?P<topic>[\w#+.&' -]{{2,40}}?){_TOPIC_END}",
    _FLAGS,
)
# "partners for fintech": the weakest lead, tried after the others ("a podcast on climate" is about climate).
_TOPIC_FOR = re.compile(rf"(?<!\w)for\s+(?P<topic>[\w#+.&' -]{{2,40}}?){_TOPIC_END}", _FLAGS)
# Words that make a "for ..." phrase about the request itself, not a topic ("for my top 3 candidates").
_NOT_TOPIC_WORDS = re.compile(
    r"(?<!\w)(?:me|us|you|them|it|this|that|these|those|him|her|some|any|someone|people|followers?|accounts?"
    r"|partners?|partnerships?|collab\w*|candidates?|potential|possible|top|best|most|dms?|messages?|outreach"
    r"|now|today|later|sure|each|one|ones|reach\w*|out|templates?|drafts?|big|small|new|bigger|large\w*|\d+)(?!\w)",
    _FLAGS,
)


@dataclass(frozen=True)
class InfluencersIntent:
    """Influential followers above a follower threshold -> `influential_followers`."""

    name: str = "influential_followers"
    tools: tuple[str, ...] = ("influential_followers", "top_followers")

    def plan(self, text: str) -> Plan | None:
        if not _INFLUENCER.search(text):
            return None
        filters = extract_filters(text)
        band = _BAND.search(text)
        kind = band["band"].lower() if band else None
        low, high = _BANDS.get(kind or "", (None, None))
        minimum = filters.min_followers or _FLOORS.get(kind or "") or low
        maximum = filters.max_followers or high
        keys = ("limit", "offset", "location", "verified")
        if maximum is not None:
            # Only top_followers takes an upper bound; the lower one defaults to the influencer threshold.
            call = make_call(
                "top_followers",
                **filters.arguments(keys=keys),
                min_followers=minimum
                if minimum is not None
                else TOOLS["influential_followers"].defaults["min_followers"],
                max_followers=maximum,
            )
        else:
            call = make_call("influential_followers", **filters.arguments(keys=keys), min_followers=minimum)
        return Plan(intent=self.name, calls=(call,), notes=filters.notes)

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        return render_plan(plan, records, RENDERERS, account_handle)


@dataclass(frozen=True)
class MutualsIntent:
    """Followers the user follows back -> `mutual_connections`."""

    name: str = "mutual_connections"
    tools: tuple[str, ...] = ("mutual_connections",)

    def plan(self, text: str) -> Plan | None:
        if not _MUTUAL.search(text) or _NOT_MUTUAL.search(text):
            return None
        filters = extract_filters(text, noun="mutual connections")
        notes = list(filters.notes)
        dropped = [
            label
            for label, value in (
                ("a location", filters.location),
                ("verification", filters.verified),
                ("follower count", filters.min_followers or filters.max_followers),
            )
            if value is not None
        ]
        if dropped:
            notes.append(
                f"Mutual connections can't be filtered by {' or '.join(dropped)} yet, so all are listed."
            )
        call = make_call("mutual_connections", **filters.arguments(keys=("limit", "offset")))
        return Plan(intent=self.name, calls=(call,), notes=tuple(notes))

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        return render_plan(plan, records, RENDERERS, account_handle)


@dataclass(frozen=True)
class CollaborationIntent:
    """Who to collaborate with, and DM drafts to reach them -> `collaboration_suggestions`."""

    name: str = "collaboration_suggestions"
    tools: tuple[str, ...] = ("collaboration_suggestions",)

    def plan(self, text: str) -> Plan | None:
        if not _COLLABORATION.search(text):
            return None
        topic, rest = extract_topic(text)
        filters = extract_filters(rest, max_limit=TOOLS[self.name].max_limit or 20, noun="suggestions")
        notes = list(filters.notes)
        if filters.location is not None:
            notes.append(
                f"Collaboration suggestions can't be filtered by location yet, so “{filters.location}” was "
                "not applied."
            )
        call = make_call(
            "collaboration_suggestions",
            limit=filters.limit,
            min_followers=filters.min_followers,
            topic=topic,
        )
        return Plan(intent=self.name, calls=(call,), notes=tuple(notes))

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        return render_plan(plan, records, RENDERERS, account_handle)


def extract_topic(text: str) -> tuple[str | None, str]:
    """The topic a collaboration question names ("in the AI space", "about crypto"), and the rest of it."""
    for pattern in (_TOPIC_SPACE, _TOPIC_LEAD, _TOPIC_FOR):
        for match in pattern.finditer(text):
            topic = re.sub(
                r"^(?:(?:for|on|about|the|a|an|my|our)\s+)+", "", match["topic"].strip(), flags=_FLAGS
            )
            topic = topic.strip(" '\"")
            if topic and not _NOT_TOPIC_WORDS.search(topic):
                return topic, text[: match.start()] + " ; " + text[match.end() :]
    return None, text
