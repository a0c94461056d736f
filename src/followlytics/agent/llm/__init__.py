"""What the agent loop needs from an engine: the `Engine` protocol, the `Plan` it returns, the conversation
`Turn`s it plans with, and `MissingData`, the result recorded for a call whose data was never imported.

An engine turns a question, read in the light of the conversation so far, into tool calls (`plan`) and the
results into a Markdown answer (`compose`). The built-in offline engine lives in `builtin/`; LLM adapters
will implement the same protocol. Engines are imported where they are used, never here, so that loading
this package costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, Field

from followlytics.agent.tools import ToolCallRecord

__all__ = ["Engine", "MissingData", "Plan", "PlannedCall", "Turn"]


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


@dataclass(frozen=True)
class Turn:
    """One earlier question of the conversation, the tool calls made for it (without `account_id`) and the
    answer given (language models read it; the built-in engine needs only the calls)."""

    question: str
    calls: tuple[PlannedCall, ...] = ()
    answer: str = ""


class MissingData(BaseModel):
    """The result of a call that needed a dataset the account has not imported (`NoAudienceData`).

    `message` says exactly what to import and how; the answer quotes it instead of failing the question.
    """

    dataset: str | None = Field(default=None, description="The missing dataset, e.g. `tweets`.")
    message: str


class Engine(Protocol):
    name: str

    def plan(self, question: str, history: Sequence[Turn] = ()) -> Plan:
        """Decide which tools to call for `question`; `history` holds the earlier turns, most recent last."""
        ...

    def compose(
        self, question: str, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str
    ) -> str:
        """Write the Markdown answer from the tool results (a `MissingData` result: say what to import)."""
        ...
