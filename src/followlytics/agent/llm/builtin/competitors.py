"""The competitor intents: any question naming a competitor (an @handle, "my competitor", "rival").

    report      "full report on @rival"           -> competitor_overlap + competitor_comparison
                                                     + competitor_targets
    targets     "who can I win from @rival?", "@rival's followers who don't follow me"
                                                  -> competitor_targets {competitor, limit, offset, location,
                                                     min_followers}
    overlap     "how much do I overlap with @rival?", "which of my followers also follow @rival?"
                                                  -> competitor_overlap {competitor, limit}
    comparison  "what is @rival doing better?", "compare me with @rival" (and any other competitor question)
                                                  -> competitor_comparison {competitor}

`competitor` is the handle as typed, without the `@`; with no handle it is left out and the tool uses the
user's only competitor (or says which ones there are). Several handles get one call each, at most three.
Rendering lives in `competitor_answers.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from followlytics.agent.llm import Plan, PlannedCall
from followlytics.agent.llm.builtin.calls import TOOLS, make_call
from followlytics.agent.llm.builtin.competitor_answers import RENDERERS
from followlytics.agent.llm.builtin.markdown import render_plan
from followlytics.agent.llm.builtin.questions import extract_filters, extract_handles
from followlytics.agent.tools import ToolCallRecord

__all__ = ["CompetitorIntent", "MAX_COMPETITORS", "mentions_competitor"]

MAX_COMPETITORS = 3
_FLAGS = re.IGNORECASE
_COMPETITOR_WORDS = re.compile(
    r"(?<!\w)(?:competitors?'?s?|rivals?'?s?|competition|competing|opponents?)(?!\w)", _FLAGS
)
_REPORT = re.compile(
    r"(?<!\w)(?:(?:full|complete|whole|detailed|deep|competitive|competitor)\s+(?:report|analysis|breakdown"
    r"|dive|picture|audit|comparison|intel\w*)|everything\s+about|all\s+about|deep[- ]dive|analy[sz]e\s+@"
    r"|swot)(?!\w)",
    _FLAGS,
)
_TARGETS = re.compile(
    r"(?<!\w)(?:win(?:\s+over)?|steal|poach|convert|lure|grab|capture|attract|court|target\w*|prospects?|go\s+after"
    r"|(?:don'?t|do\s+not|doesn'?t|does\s+not|aren'?t|are\s+not|isn'?t|not)\s+(?:yet\s+|already\s+)?"
    r"(?:follow\w*|my\s+followers)|but\s+not\s+(?:me|mine)|not\s+(?:yet\s+)?mine|approach|recruit\w*|acquire)(?!\w)",
    _FLAGS,
)
# "top followers of @rival", "@rival's best followers": the competitor's best followers, i.e. whom to win.
_THEIR_BEST = re.compile(
    r"(?<!\w)(?:(?:top|best|most\s+valuable|biggest|key)\s+(?:\d+\s+)?followers\s+of\s+(?:@|my\s+compet|my\s+rival)"
    r"|@\w+'s\s+(?:\d+\s+)?(?:top|best|most\s+valuable|biggest|key)\s+(?:\d+\s+)?followers)",
    _FLAGS,
)
_OVERLAP = re.compile(
    r"(?<!\w)(?:overlap\w*|shared|share|in\s+common|both|also\s+follow\w*|follow\w*\s+(?:us\s+)?both|common\s+"
    r"followers|jaccard|intersect\w*|same\s+followers|cross-?over|how\s+many\s+of\s+my\s+followers)(?!\w)",
    _FLAGS,
)


def mentions_competitor(text: str) -> bool:
    """Whether `text` names a competitor: an @handle, or competitor / rival / competition."""
    return bool(extract_handles(text)[0] or _COMPETITOR_WORDS.search(text))


@dataclass(frozen=True)
class CompetitorIntent:
    """Every competitor question; which tools depends on what it asks (see the module docstring)."""

    name: str = "competitors"
    tools: tuple[str, ...] = ("competitor_overlap", "competitor_targets", "competitor_comparison")

    def plan(self, text: str) -> Plan | None:
        handles, rest = extract_handles(text)
        if not handles and not _COMPETITOR_WORDS.search(text):
            return None
        notes: list[str] = []
        if len(handles) > MAX_COMPETITORS:
            notes.append(f"I compare at most {MAX_COMPETITORS} competitors at a time: the first ones named.")
        competitors: list[str | None] = list(handles[:MAX_COMPETITORS]) or [None]
        rest = _COMPETITOR_WORDS.sub(" ; ", rest)
        if _REPORT.search(text):
            tools = ["competitor_overlap", "competitor_comparison", "competitor_targets"]
        elif _TARGETS.search(text) or _THEIR_BEST.search(text):
            tools = ["competitor_targets"]
        elif _OVERLAP.search(text):
            tools = ["competitor_overlap"]
        else:
            tools = ["competitor_comparison"]
        filters = extract_filters(rest)
        notes.extend(filters.notes)
        given = filters.arguments()
        calls = [competitor_call(tool, competitor, given) for competitor in competitors for tool in tools]
        # A row count that a tool cannot take changes nothing worth a note; a filter does.
        dropped = sorted(set(given) - {"limit"} - {key for tool in tools for key in TOOLS[tool].defaults})
        if dropped:
            notes.append(
                f"{_labels(dropped)} can't be applied to this competitor analysis, so it was not used."
            )
        return Plan(intent=self.name, calls=tuple(calls), notes=tuple(notes))

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        return render_plan(plan, records, RENDERERS, account_handle)


def competitor_call(tool: str, competitor: str | None, arguments: dict[str, object]) -> PlannedCall:
    """A call to a competitor tool with the arguments it takes from `arguments`."""
    spec = TOOLS[tool]
    taken = {key: value for key, value in arguments.items() if spec.takes(key)}
    return make_call(tool, **{**taken, "competitor": competitor})


def _labels(keys: Sequence[str]) -> str:
    names = {
        "location": "A location filter",
        "verified": "A verification filter",
        "max_followers": "A maximum follower count",
        "offset": "Skipping ranks",
        "min_followers": "A minimum follower count",
    }
    return " and ".join(names.get(key, key) for key in keys)
