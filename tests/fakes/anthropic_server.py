"""A loopback fake of Anthropic's Messages API (`POST /v1/messages`), scripted per test, for the real SDK.

It speaks the real wire format: a JSON `Message` body, or, when the request says `"stream": true`, a
Server-Sent-Events stream with `event:` lines (`message_start`, `content_block_start`, `ping`,
`content_block_delta`, `content_block_stop`, `message_delta`, `message_stop`), tool input split into several
`input_json_delta` fragments as Anthropic sends it; errors as `{"type": "error", "error": {...}}` with the
real status codes and a `request-id` header on every answer. `reply` is strict by default: a request that
breaks one of Anthropic's rules (see `request_problem`) gets the real API's 400 instead of the answer, so a
translation bug fails a test as it would fail in production.

    with AnthropicServer() as server:
        server.push(reply(text="Hi", tool_calls=[("toolu_1", "top_followers", {"limit": 5})]))
        provider = AnthropicProvider(api_key="sk-ant-test", base_url=server.url)
        ...
        server.bodies[0]["system"]

`reply(...)` answers JSON or SSE depending on the request, so the same script serves `complete()` and
`stream()`; the error helpers (`rate_limited`, `overloaded`, `server_error`, `bad_key`, `permission_denied`,
`model_not_found`, `invalid_request`, `credit_too_low`, `spend_limit_reached`, `error`) return steps to
`push`; `stream_error`, `cut_stream` and `stalled_stream` break a stream half way; `hang` holds a request past
a client's timeout.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from tests.fakes.loopback import (
    HangStep,
    JsonStep,
    LoopbackServer,
    Recorded,
    Responder,
    SseStep,
    Step,
    sse,
)

__all__ = [
    "CREDIT_TOO_LOW",
    "AnthropicServer",
    "bad_key",
    "credit_too_low",
    "cut_stream",
    "error",
    "hang",
    "invalid_request",
    "message_body",
    "model_not_found",
    "overloaded",
    "permission_denied",
    "rate_limited",
    "reply",
    "request_problem",
    "server_error",
    "spend_limit_reached",
    "stream_chunks",
    "stream_error",
    "stream_events",
    "stalled_stream",
]

DEFAULT_MODEL = "claude-haiku-5-5"
CREDIT_TOO_LOW = (
    "Your credit balance is too low to access the Anthropic API. "
    "Please go to Plans & Billing to upgrade or purchase credits."
)

ToolUse = tuple[str, str, dict[str, Any]]


class AnthropicServer(LoopbackServer):
    """A `LoopbackServer` with views on what the SDK sent to `/v1/messages`."""

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of every request received so far, in order."""
        return [request.json() for request in self.requests]

    def reset(self) -> None:
        """Forget the requests and any unused steps, so one running server can serve test after test (a
        server's shutdown waits out its poll interval, half a second, which adds up over a test file)."""
        with self._lock:
            self._steps.clear()
            self.requests.clear()


def _request_id(request_id: str | None) -> str:
    return request_id or f"req_{uuid.uuid4().hex[:24]}"


def _usage(usage: dict[str, Any] | None, output_tokens: int) -> dict[str, Any]:
    # Every field the real API sends; a test overrides the ones it cares about.
    base: dict[str, Any] = {
        "input_tokens": 25,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }
    return {**base, **(usage or {})}


def message_body(
    text: str = "",
    tool_calls: Sequence[ToolUse] = (),
    *,
    model: str = DEFAULT_MODEL,
    usage: dict[str, Any] | None = None,
    stop_reason: str | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """A non-streamed Messages API answer: a text block (if any text), then one `tool_use` block per call."""
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content += [
        {"type": "tool_use", "id": id_, "name": name, "input": args} for id_, name, args in tool_calls
    ]
    return {
        "id": message_id or f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason or ("tool_use" if tool_calls else "end_turn"),
        "stop_sequence": None,
        "usage": _usage(usage, output_tokens=max(1, len(text.split()) + 12 * len(tool_calls))),
    }


def _split(text: str, parts: int) -> list[str]:
    """`text` cut into at most `parts` consecutive non-empty pieces (joined they give `text` back)."""
    if not text:
        return []
    size = max(1, -(-len(text) // max(1, parts)))
    return [text[start : start + size] for start in range(0, len(text), size)]


def stream_events(
    text: str = "",
    tool_calls: Sequence[ToolUse] = (),
    *,
    model: str = DEFAULT_MODEL,
    usage: dict[str, Any] | None = None,
    stop_reason: str | None = None,
    message_id: str | None = None,
    text_chunks: int = 3,
    fragments: int = 3,
) -> list[tuple[str, dict[str, Any]]]:
    """The `(event name, payload)` pairs of a streamed answer, in the order Anthropic sends them.

    Input usage and the cache fields come in `message_start`; the cumulative `output_tokens` and the stop
    reason in `message_delta`. A tool's input arrives as an empty `partial_json` then `fragments` pieces."""
    whole = message_body(
        text, tool_calls, model=model, usage=usage, stop_reason=stop_reason, message_id=message_id
    )
    start_usage = {**whole["usage"], "output_tokens": 1}
    events: list[tuple[str, dict[str, Any]]] = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {**whole, "content": [], "stop_reason": None, "usage": start_usage},
            },
        )
    ]
    index = 0
    if text:
        events.append(
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": ""},
                },
            )
        )
        events.append(("ping", {"type": "ping"}))
        for piece in _split(text, text_chunks):
            delta = {"type": "text_delta", "text": piece}
            events.append(
                ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    for id_, name, args in tool_calls:
        block = {"type": "tool_use", "id": id_, "name": name, "input": {}}
        events.append(
            ("content_block_start", {"type": "content_block_start", "index": index, "content_block": block})
        )
        encoded = json.dumps(args) if args else ""
        for piece in ["", *_split(encoded, fragments)]:
            delta = {"type": "input_json_delta", "partial_json": piece}
            events.append(
                ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": whole["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": whole["usage"]["output_tokens"]},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def stream_chunks(events: Iterable[tuple[str, dict[str, Any]]]) -> list[bytes]:
    """Frame `(event name, payload)` pairs as SSE chunks with `event:` lines."""
    pairs = list(events)
    return sse([payload for _, payload in pairs], event_names=[name for name, _ in pairs])


def reply(
    text: str = "",
    tool_calls: Sequence[ToolUse] = (),
    *,
    usage: dict[str, Any] | None = None,
    request_id: str | None = None,
    stop_reason: str | None = None,
    message_id: str | None = None,
    text_chunks: int = 3,
    fragments: int = 3,
    delay: float = 0.0,
    strict: bool = True,
) -> Responder:
    """One model answer, as JSON or as an SSE stream depending on the request's `"stream": true`.

    `tool_calls` are `(id, name, input)`; the answer echoes the request's model; `delay` spaces SSE chunks.
    With `strict`, a request that breaks one of Anthropic's rules (`request_problem`) gets the 400
    `invalid_request_error` the real API would send instead of the answer.
    """

    def respond(request: Recorded) -> Step:
        body = request.json() or {}
        if strict and (problem := request_problem(body)):
            return invalid_request(problem)
        model = body.get("model") or DEFAULT_MODEL
        headers = {"request-id": _request_id(request_id)}
        fields: dict[str, Any] = {
            "model": model,
            "usage": usage,
            "stop_reason": stop_reason,
            "message_id": message_id,
        }
        if body.get("stream"):
            events = stream_events(text, tool_calls, text_chunks=text_chunks, fragments=fragments, **fields)
            return SseStep(stream_chunks(events), delay=delay, headers=headers)
        return JsonStep(message_body(text, tool_calls, **fields), headers=headers)

    return respond


def request_problem(body: dict[str, Any]) -> str | None:
    """What the real Messages API would refuse in `body` (its 400 message), or None.

    Checked: `max_tokens` present; only `user`/`assistant` roles (the system prompt is top-level); no empty
    text block; every `tool_use` answered by `tool_result`s in the very next message, ahead of any text;
    tool definitions present whenever the history holds tool blocks."""
    if not isinstance(body.get("max_tokens"), int):
        return "max_tokens: Field required"
    messages = body.get("messages") or []
    if not messages:
        return "messages: at least one message is required"
    has_tool_blocks = False
    for index, message in enumerate(messages):
        if message.get("role") not in ("user", "assistant"):
            return f"messages.{index}.role: Input should be 'user' or 'assistant'"
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        if not blocks:
            return f"messages.{index}: all messages must have non-empty content"
        for number, block in enumerate(blocks):
            if block.get("type") == "text" and not block.get("text"):
                return f"messages.{index}.content.{number}: text content blocks must be non-empty"
            has_tool_blocks |= block.get("type") in ("tool_use", "tool_result")
        pending = [block["id"] for block in blocks if block.get("type") == "tool_use"]
        if not pending:
            continue
        following = messages[index + 1] if index + 1 < len(messages) else None
        answer = following.get("content") if following and following.get("role") == "user" else None
        answer_blocks = answer if isinstance(answer, list) else []
        leading = []
        for block in answer_blocks:
            if block.get("type") != "tool_result":
                break
            leading.append(block.get("tool_use_id"))
        missing = [id_ for id_ in pending if id_ not in leading]
        if missing:
            return (
                f"messages.{index + 1}: `tool_use` ids were found without `tool_result` blocks immediately "
                f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` "
                "block in the next message."
            )
    if has_tool_blocks and not body.get("tools"):
        return "Requests which include `tool_use` or `tool_result` blocks must define tools."
    return None


def error(
    status: int,
    error_type: str,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    request_id: str | None = None,
    error_code: str | None = None,
) -> JsonStep:
    """An error answer exactly as Anthropic sends it: `{"type": "error", "error": {"type", "message"}}`,
    with `error.details.error_code` when given (the stable cause code newer API versions add)."""
    detail: dict[str, Any] = {"type": error_type, "message": message}
    if error_code:
        detail["details"] = {"error_code": error_code}
    body = {"type": "error", "error": detail}
    return JsonStep(body, status, {"request-id": _request_id(request_id), **(headers or {})})


def rate_limited(retry_after: float | int = 7, *, request_id: str | None = None) -> JsonStep:
    message = "This request would exceed the rate limit for your organization of 50 requests per minute."
    headers = {
        "retry-after": str(retry_after),
        "anthropic-ratelimit-requests-limit": "50",
        "anthropic-ratelimit-requests-remaining": "0",
    }
    return error(429, "rate_limit_error", message, headers=headers, request_id=request_id)


def spend_limit_reached(*, request_id: str | None = None) -> JsonStep:
    """A 429 that is about money, not speed: the organisation crossed its monthly spend limit."""
    message = "You have reached your specified API usage limits. You will regain access on 2026-12-01."
    return error(
        429,
        "rate_limit_error",
        message,
        headers={"retry-after": "3600"},
        request_id=request_id,
        error_code="enforced_spend_limit_reached",
    )


def overloaded(*, request_id: str | None = None) -> JsonStep:
    return error(529, "overloaded_error", "Overloaded", request_id=request_id)


def server_error(status: int = 500, *, request_id: str | None = None) -> JsonStep:
    return error(status, "api_error", "Internal server error", request_id=request_id)


def bad_key(*, request_id: str | None = None) -> JsonStep:
    return error(401, "authentication_error", "invalid x-api-key", request_id=request_id)


def permission_denied(*, request_id: str | None = None) -> JsonStep:
    message = "Your API key does not have permission to use the specified resource."
    return error(403, "permission_error", message, request_id=request_id)


def model_not_found(model: str = "claude-nonexistent", *, request_id: str | None = None) -> JsonStep:
    return error(404, "not_found_error", f"model: {model}", request_id=request_id)


def invalid_request(
    message: str = "max_tokens: Field required", *, status: int = 400, request_id: str | None = None
) -> JsonStep:
    return error(status, "invalid_request_error", message, request_id=request_id)


def credit_too_low(*, request_id: str | None = None) -> JsonStep:
    """Anthropic's answer to an empty prepaid balance: a plain 400 invalid_request_error, told by its text."""
    return error(400, "invalid_request_error", CREDIT_TOO_LOW, request_id=request_id)


def stream_error(
    text: str = "Partial answer",
    *,
    error_type: str = "overloaded_error",
    message: str = "Overloaded",
    request_id: str | None = None,
) -> SseStep:
    """A stream that starts answering (`text`), then sends an `error` event, as Anthropic does under load.
    (A stream step: push it only for a streamed request.)"""
    events = stream_events(text)
    # Keep message_start and the text block; drop the rest and end with the error event.
    kept = [event for event in events if event[0] not in ("message_delta", "message_stop")]
    kept.append(("error", {"type": "error", "error": {"type": error_type, "message": message}}))
    return SseStep(stream_chunks(kept), headers={"request-id": _request_id(request_id)})


def cut_stream(text: str = "This answer will be cut", *, after: int = 3) -> SseStep:
    """A stream whose connection is reset after `after` SSE chunks."""
    return SseStep(
        stream_chunks(stream_events(text)), fail_after=after, headers={"request-id": _request_id(None)}
    )


def stalled_stream(text: str = "This answer stalls", *, pause: float = 1.0) -> SseStep:
    """A stream that starts at once, then waits `pause` seconds between events (past a short read timeout)."""
    return SseStep(stream_chunks(stream_events(text)), delay=pause, headers={"request-id": _request_id(None)})


def hang(seconds: float = 1.5) -> HangStep:
    """Hold the request without answering (for client timeouts)."""
    return HangStep(seconds)
