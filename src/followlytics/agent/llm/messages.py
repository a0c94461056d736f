"""The neutral conversation form between the agent loop and every model provider; the `ChatProvider` protocol.

The loop builds a `ChatRequest` (system prompt, `Message`s, `ToolSpec`s); a provider adapter translates it to
its wire format, calls the model, and translates the answer back into a `Completion` (text, `ToolCall`s,
normalised `Usage`, finish reason, request id). Streaming yields `TextDelta`s and `ToolCallReady`s, then one
`Completed` carrying the same `Completion` a non-streamed call returns. Nothing here knows a vendor.

Usage is normalised so that pricing needs no vendor knowledge:

- `input_tokens`: prompt tokens billed at the plain input rate (cache reads and writes excluded);
- `cached_input_tokens`: prompt tokens read from the provider's cache;
- `cache_write_tokens`: prompt tokens written to the cache (Anthropic bills them apart);
- `output_tokens`: every token billed at the output rate, reasoning included;
- `reasoning_tokens`: the part of `output_tokens` that was reasoning (informational);
- `prompt_tokens` (property): the whole prompt, which is what price tiers ("above 200k") look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Protocol

__all__ = [
    "INVALID_ARGUMENTS_KEY",
    "ChatProvider",
    "ChatRequest",
    "Completed",
    "Completion",
    "FinishReason",
    "Message",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolCallReady",
    "ToolSpec",
    "Usage",
]

FinishReason = Literal["stop", "tool_calls", "length", "other"]

INVALID_ARGUMENTS_KEY = "_invalid_arguments"
"""The only key of a `ToolCall`'s arguments when the model's arguments were not a JSON object (raw text)."""


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: its name, what it does, and the JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for. `arguments` is the parsed JSON object (`{}` when the model sent none)."""

    id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    """One message of the conversation.

    - `user`: `content` is the user's text.
    - `assistant`: `content` is the model's text (may be empty) and `tool_calls` what it asked for.
    - `tool`: `content` is the result of the call `tool_call_id` (a JSON string), `name` the tool's name.
    """

    role: Literal["user", "assistant", "tool"]
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class ChatRequest:
    """What the loop asks a provider for. `tool_choice="none"` asks for a final text answer."""

    system: str
    messages: tuple[Message, ...]
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: Literal["auto", "none"] = "auto"
    max_output_tokens: int = 1024


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    reported_cost_usd: Decimal | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt_tokens(self) -> int:
        return self.input_tokens + self.cached_input_tokens + self.cache_write_tokens


@dataclass(frozen=True)
class Completion:
    """A model's whole answer to one `ChatRequest`."""

    text: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: FinishReason
    usage: Usage
    provider: str
    model: str
    request_id: str | None = None


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolCallReady:
    """A tool call whose arguments have fully arrived (fragmented or whole on the wire)."""

    call: ToolCall


@dataclass(frozen=True)
class Completed:
    completion: Completion


StreamEvent = TextDelta | ToolCallReady | Completed


class ChatProvider(Protocol):
    """One configured model behind one vendor API.

    Errors are raised as `ModelError` subclasses (`followlytics.errors`), never as SDK exceptions,
    so the chain decides retry / fail over / report without knowing the vendor.
    """

    name: str
    model: str

    def complete(self, request: ChatRequest) -> Completion:
        """Send `request` and return the whole answer."""
        ...

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """Send `request` streamed; yields deltas and ends with exactly one `Completed`."""
        ...
