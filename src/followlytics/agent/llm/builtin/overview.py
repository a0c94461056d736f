"""The overview intent: "Give me an overview of my audience", "analyse my followers".

    -> top_followers {} + audience_themes {} + audience_locations {}   (with the question's place, if any)

Each call is answered on its own by its family's renderer, one section after another; a call whose data is
missing does not stop the others.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from followlytics.agent.llm import Plan
from followlytics.agent.llm.builtin.calls import make_call
from followlytics.agent.llm.builtin.connection_answers import RENDERERS as CONNECTION_RENDERERS
from followlytics.agent.llm.builtin.markdown import render_plan
from followlytics.agent.llm.builtin.questions import extract_filters
from followlytics.agent.llm.builtin.theme_answers import RENDERERS as THEME_RENDERERS
from followlytics.agent.tools import ToolCallRecord

__all__ = ["OverviewIntent"]

_FLAGS = re.IGNORECASE
_OVERVIEW = re.compile(
    r"(?<!\w)(?:overview|summary|summari[sz]e|analy[sz]e|analysis|report|breakdown|snapshot|big\s+picture"
    r"|everything|insights?|health\s+check|audit)(?!\w)",
    _FLAGS,
)
_AUDIENCE = re.compile(r"(?<!\w)(?:followers|audience|fans|following|followership|community)(?!\w)", _FLAGS)
_RENDERERS = {**CONNECTION_RENDERERS, **THEME_RENDERERS}


@dataclass(frozen=True)
class OverviewIntent:
    """Who the audience is, in three parts: its most valuable members, its themes, and where it is."""

    name: str = "overview"
    tools: tuple[str, ...] = ("top_followers", "audience_themes", "audience_locations")

    def plan(self, text: str) -> Plan | None:
        if not (_OVERVIEW.search(text) and _AUDIENCE.search(text)):
            return None
        location = extract_filters(text).location
        calls = (
            make_call("top_followers", location=location),
            make_call("audience_themes", location=location),
            make_call("audience_locations"),
        )
        return Plan(intent=self.name, calls=calls)

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        return render_plan(plan, records, _RENDERERS, account_handle)
