"""The tools the built-in engine plans against: which arguments each takes, their defaults, and the one
canonical form of a call.

A planned call carries only what the question asked for: an argument equal to the tool's default is left
out ("top 10 followers" is `top_followers {}`), and the registry fills the defaults in before the call runs.
Calls read back from the conversation history (which were recorded with every default filled in) are put
in the same form with `canonical`, so a follow-up plans the same whether its history came from this process
or from the `queries` table.

The names and defaults here are the fixed tool contract of the analytics modules; a test checks them against
the catalog's argument models.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from followlytics.agent.llm import PlannedCall

__all__ = ["COMPETITOR_TOOLS", "TOOLS", "ToolSpec", "canonical", "make_call", "spec"]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    defaults: Mapping[str, Any]  # every argument the tool takes (besides account_id), with its default
    max_limit: int | None = None  # the most rows `limit` allows, when the tool has a limit
    maxima: Mapping[str, int] = field(default_factory=dict)  # upper bounds of other numeric arguments

    def takes(self, argument: str) -> bool:
        return argument in self.defaults

    def bounded(self, argument: str, value: int, unit: str) -> tuple[int, str | None]:
        """`value` within the tool's bounds for `argument` (at least 1), and a note when it was cut."""
        most = self.max_limit if argument == "limit" else self.maxima.get(argument)
        if most is None or value <= most:
            return max(value, 1), None
        what = self.name.replace("_", " ")
        reach = (
            f"lists at most {most:,} {unit}" if argument == "limit" else f"looks at most {most:,} {unit} back"
        )
        return most, f"The {what} analysis {reach}, so it uses {most:,}."


_LIST = {"limit": 10, "offset": 0}
TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec(
            "top_followers",
            {
                **_LIST,
                "location": None,
                "min_followers": None,
                "max_followers": None,
                "verified": None,
                "sort": "value",
            },
            100,
        ),  # fmt: skip
        ToolSpec(
            "influential_followers",
            {"min_followers": 10_000, **_LIST, "location": None, "verified": None},
            100,
        ),
        ToolSpec("mutual_connections", dict(_LIST), 100),
        ToolSpec("collaboration_suggestions", {"limit": 5, "min_followers": 10_000, "topic": None}, 50),
        ToolSpec("audience_themes", {"limit": 10, "segments": 8, "location": None}, 50),
        ToolSpec("audience_locations", {"limit": 10}, 50),
        ToolSpec("content_ideas", {"days": 14, "limit": 5}, 10, {"days": 90}),
        ToolSpec("competitor_overlap", {"competitor": None, "limit": 10}, 100),
        ToolSpec(
            "competitor_targets",
            {"competitor": None, **_LIST, "location": None, "min_followers": None},
            100,
        ),
        ToolSpec("competitor_comparison", {"competitor": None}),
        ToolSpec("posting_times", {"timezone": None, "source": "auto", "weeks": None}, None, {"weeks": 520}),
        ToolSpec("follower_changes", {"days": None, "limit": 10}, 100, {"days": 3650}),
    )
}
COMPETITOR_TOOLS = frozenset({"competitor_overlap", "competitor_targets", "competitor_comparison"})


def spec(tool: str) -> ToolSpec | None:
    return TOOLS.get(tool)


def canonical(call: PlannedCall) -> PlannedCall:
    """`call` with only the arguments that differ from the tool's defaults (and never `account_id`)."""
    tool = TOOLS.get(call.tool)
    if tool is None:
        return PlannedCall(call.tool, {k: v for k, v in call.arguments.items() if k != "account_id"})
    arguments = {
        key: value
        for key, value in call.arguments.items()
        if tool.takes(key) and value is not None and value != tool.defaults[key]
    }
    return PlannedCall(call.tool, arguments)


def make_call(tool: str, **arguments: Any) -> PlannedCall:
    """A canonical call to `tool` with `arguments` (None values and defaults dropped)."""
    return canonical(PlannedCall(tool, arguments))
