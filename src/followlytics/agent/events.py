"""What a listener hears while the agent answers: tool calls starting and finishing, answer text arriving.

The streaming API turns these into Server-Sent Events; the JSON API passes no listener. Events describe
only what the user may see: a tool's name, its arguments (never `account_id`) and one-line summary, and the
answer's text. Nothing from a provider's raw response or any key reaches them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["AgentEvent", "AnswerDelta", "AnswerReset", "Listener", "ToolFinished", "ToolStarted"]


@dataclass(frozen=True)
class ToolStarted:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolFinished:
    name: str
    summary: str


@dataclass(frozen=True)
class AnswerDelta:
    text: str


@dataclass(frozen=True)
class AnswerReset:
    """Drop the answer text shown since the last reset: a model's streamed turn failed and is retried."""

    reason: str


AgentEvent = ToolStarted | ToolFinished | AnswerDelta | AnswerReset
Listener = Callable[[AgentEvent], None]
