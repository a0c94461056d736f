"""What the agent loop needs from an engine: the `Engine` protocol and the `Plan` it returns.

An engine turns a question into tool calls (`plan`) and the results into a Markdown answer (`compose`).
The built-in offline engine lives in `builtin/`; LLM adapters will implement the same protocol. Engines
are imported where they are used, never here, so that loading this package costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from followlytics.agent.tools import ToolCallRecord

__all__ = ["Engine", "Plan", "PlannedCall"]


@dataclass(frozen=True)
class PlannedCall:
    """One tool call an engine wants made. `arguments` never carry `account_id`; the loop adds it."""

    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What an engine decided for a question.

    `intent` names the recognised question family (None when none was recognised); `answer` is a direct
    answer that needs no tool; `notes` are caveats the answer must mention (e.g. a filter it cannot apply).
    """

    intent: str | None
    calls: tuple[PlannedCall, ...] = ()
    answer: str | None = None
    notes: tuple[str, ...] = ()


class Engine(Protocol):
    name: str

    def plan(self, question: str) -> Plan:
        """Decide which tools to call for `question`."""
        ...

    def compose(
        self, question: str, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str
    ) -> str:
        """Write the Markdown answer from the tool results."""
        ...
