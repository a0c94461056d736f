"""The Anthropic provider: the neutral `ChatRequest` over Anthropic's native Messages API (`anthropic` SDK).

`AnthropicProvider` translates the neutral form to Anthropic's shape and back:

- the system prompt goes top-level (`system=`), never as a message; `max_tokens` is always sent;
- an assistant turn becomes content blocks: a `text` block (only when there is text: Anthropic rejects empty
  ones), then one `tool_use` block per call; an assistant turn with neither is left out;
- the results of one turn's tool calls go into ONE user message as consecutive `tool_result` blocks
  (Anthropic wants them together, right after the assistant's `tool_use` turn); consecutive messages of the
  same role are merged the same way;
- tools are `{name, description, input_schema}`; `tool_choice="none"` still sends the tools (Anthropic needs
  their definitions whenever the history holds `tool_use` blocks) with `{"type": "none"}`; no tools, neither;
- no `stop_sequences`, no sampling or penalty parameters.

Usage: Anthropic's `input_tokens` EXCLUDE cache reads and writes, so they map one to one onto the neutral
`input_tokens`, `cached_input_tokens` (`cache_read_input_tokens`) and `cache_write_tokens`
(`cache_creation_input_tokens`); `output_tokens` already includes thinking, whose share
(`output_tokens_details.thinking_tokens`) becomes `reasoning_tokens`. A stream reports input and cache counts
in `message_start` and the cumulative output count in `message_delta` (whose non-null fields win).

Errors become `ModelError`s (`followlytics.errors`), with messages written here, never the SDK's text:

- `ModelUnavailable` (retry, then fail over): timeouts, connection errors, a stream that breaks off or ends
  without `message_stop`, an `error` event in a stream, a 200 that is no Messages API message, 408, 409, 429,
  5xx, 529 (`retry-after`, when sent, becomes `retry_after`).
- `ModelRejected` (our request was wrong): 400 `invalid_request_error`, 413, 422 and any other 4xx. The
  provider's explanation is quoted, with the key redacted, because it names the offending field.
- `ModelMisconfigured` (a setting to fix): 401 (key), 403 (key's permissions), 404 (on `/v1/messages` only an
  unknown model id or a wrong base URL answers 404), and billing: a 400 "credit balance is too low", 402,
  `billing_error`, and a 429 whose `error_code` says a spend limit was reached (waiting does not help).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
from anthropic.types import Message as AnthropicMessage
from anthropic.types import RawMessageStreamEvent

from followlytics.agent.llm.messages import (
    ChatRequest,
    Completed,
    Completion,
    FinishReason,
    Message,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallReady,
    Usage,
)
from followlytics.agent.llm.provider_errors import quoted, retry_after_seconds
from followlytics.errors import ModelError, ModelMisconfigured, ModelRejected, ModelUnavailable

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_MODEL", "AnthropicProvider"]

DEFAULT_MODEL = "claude-haiku-5-5"
DEFAULT_BASE_URL = "https://api.anthropic.com"

_FINISH: dict[str | None, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    # The answer was cut because the context window filled up: as much "too long" as max_tokens.
    "model_context_window_exceeded": "length",
}
# The status an `error` event inside a 200 stream would have had as a plain answer, by its `error.type`.
_STATUS_OF_TYPE = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}
# 429s that are about money, not speed: retrying within a question cannot help.
_SPEND_LIMIT_CODES = frozenset(
    {
        "contract_spend_limit_reached",
        "enforced_spend_limit_reached",
        "linked_organization_spend_limit_reached",
    }
)
_KEY_ENV = "FOLLOWLYTICS_ANTHROPIC_API_KEY"
_MODEL_ENV = "FOLLOWLYTICS_ANTHROPIC_MODEL"
_BASE_URL_ENV = "FOLLOWLYTICS_ANTHROPIC_BASE_URL"
# Anything shaped like an Anthropic key, in case a provider message echoes one that is not ours.
_NOT_A_MESSAGE = "it answered with something that is not a Messages API message"


class AnthropicProvider:
    """One Anthropic model behind the Messages API. SDK retries are off: the chain owns the retry policy."""

    def __init__(
        self,
        name: str = "anthropic",
        model: str = DEFAULT_MODEL,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.name = name
        self.model = model
        self._api_key = api_key
        self._timeout = timeout
        # An explicit base URL keeps the SDK from reading ANTHROPIC_BASE_URL: our settings are the one source.
        self._client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url or DEFAULT_BASE_URL, timeout=timeout, max_retries=0
        )

    def __repr__(self) -> str:
        return f"AnthropicProvider(name={self.name!r}, model={self.model!r})"

    def complete(self, request: ChatRequest) -> Completion:
        try:
            raw = self._client.messages.with_raw_response.create(**self._params(request))
        except anthropic.APIError as exc:
            raise self._error(exc) from _cause(exc)
        request_id = raw.headers.get("request-id")
        try:
            return self._completion(raw.parse(), request_id)
        except anthropic.APIError as exc:
            raise self._error(exc, request_id=request_id) from _cause(exc)
        except (ValueError, TypeError, AttributeError) as exc:
            # A 200 that is no Message (a proxy's HTML page, a truncated body): a failure of the far end.
            raise self._unavailable(_NOT_A_MESSAGE, request_id) from exc

    def _completion(self, message: AnthropicMessage, request_id: str | None) -> Completion:
        calls = tuple(
            ToolCall(block.id, block.name, dict(block.input) if isinstance(block.input, dict) else {})
            for block in message.content
            if block.type == "tool_use"
        )
        return Completion(
            text="".join(block.text for block in message.content if block.type == "text"),
            tool_calls=calls,
            finish_reason=_FINISH.get(message.stop_reason, "other"),
            usage=_usage(message.usage.model_dump(mode="json", exclude_none=True)),
            provider=self.name,
            model=message.model or self.model,
            request_id=request_id,
        )

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        try:
            events = self._client.messages.create(**self._params(request), stream=True)
        except anthropic.APIError as exc:
            raise self._error(exc) from _cause(exc)
        with events:
            yield from self._read_stream(events, events.response.headers.get("request-id"))

    def _read_stream(
        self, events: anthropic.Stream[RawMessageStreamEvent], request_id: str | None
    ) -> Iterator[StreamEvent]:
        text: list[str] = []
        calls: list[ToolCall] = []
        # Open tool_use blocks by content index: (id, name, JSON fragments so far).
        open_tools: dict[int, tuple[str, str, list[str]]] = {}
        raw_usage: dict[str, Any] = {}
        stop_reason: str | None = None
        model = self.model
        stopped = False
        try:
            for event in events:
                if event.type == "message_start":
                    model = event.message.model or model
                    raw_usage.update(event.message.usage.model_dump(mode="json", exclude_none=True))
                elif event.type == "content_block_start":
                    block = event.content_block
                    if block.type == "tool_use":
                        open_tools[event.index] = (block.id, block.name, [])
                    elif block.type == "text" and block.text:
                        text.append(block.text)
                        yield TextDelta(block.text)
                elif event.type == "content_block_delta":
                    delta = event.delta
                    if delta.type == "text_delta" and delta.text:
                        text.append(delta.text)
                        yield TextDelta(delta.text)
                    elif delta.type == "input_json_delta" and event.index in open_tools:
                        open_tools[event.index][2].append(delta.partial_json)
                elif event.type == "content_block_stop" and event.index in open_tools:
                    call_id, name, fragments = open_tools.pop(event.index)
                    call = ToolCall(call_id, name, self._arguments(name, "".join(fragments), request_id))
                    calls.append(call)
                    yield ToolCallReady(call)
                elif event.type == "message_delta":
                    stop_reason = event.delta.stop_reason or stop_reason
                    # Cumulative counts: a field present here replaces the one from message_start.
                    raw_usage.update(event.usage.model_dump(mode="json", exclude_none=True))
                elif event.type == "message_stop":
                    stopped = True
        except anthropic.APIError as exc:
            raise self._error(exc, request_id=request_id) from _cause(exc)
        except httpx2.HTTPError as exc:
            raise self._unavailable(f"its stream broke off ({type(exc).__name__})", request_id) from exc
        except (ValueError, TypeError, AttributeError) as exc:
            raise self._unavailable(f"{_NOT_A_MESSAGE} in its stream", request_id) from exc
        if not stopped:
            # The connection closed (or was reset) before message_stop: the answer may be cut anywhere.
            raise self._unavailable("its stream ended before the message was complete", request_id)
        yield Completed(
            Completion(
                text="".join(text),
                tool_calls=tuple(calls),
                finish_reason=_FINISH.get(stop_reason, "other"),
                usage=_usage(raw_usage),
                provider=self.name,
                model=model,
                request_id=request_id,
            )
        )

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_output_tokens,
            "messages": _messages(request.messages),
        }
        if request.system:
            params["system"] = request.system
        if request.tools:
            params["tools"] = [
                {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}
                for tool in request.tools
            ]
            params["tool_choice"] = {"type": request.tool_choice}
        return params

    def _arguments(self, name: str, encoded: str, request_id: str | None) -> dict[str, Any]:
        if not encoded.strip():
            return {}
        try:
            arguments = json.loads(encoded)
        except json.JSONDecodeError:
            arguments = None
        if not isinstance(arguments, dict):
            raise self._unavailable(
                f"it streamed input for tool '{name}' that is not a JSON object", request_id
            )
        return arguments

    # --- errors -----------------------------------------------------------------------------------------

    def _unavailable(self, problem: str, request_id: str | None, **extra: Any) -> ModelUnavailable:
        return ModelUnavailable(
            f"Anthropic ({self.model}) is unavailable: {problem}{_request_ref(request_id)}; "
            "will retry or fail over",
            provider=self.name,
            **extra,
        )

    def _error(self, exc: anthropic.APIError, *, request_id: str | None = None) -> ModelError:
        if isinstance(exc, anthropic.APITimeoutError):
            return self._unavailable(f"no answer within {self._timeout:g} s", request_id)
        if isinstance(exc, anthropic.APIConnectionError):
            url = self._client.base_url
            # Scheme, host and port only: a URL's user info or query could hold a secret.
            where = f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")
            return self._unavailable(f"could not connect to {where}", request_id)
        if not isinstance(exc, anthropic.APIStatusError):
            return self._unavailable(_NOT_A_MESSAGE, request_id)
        return self._status_error(exc, request_id)

    def _status_error(self, exc: anthropic.APIStatusError, request_id: str | None) -> ModelError:
        error_type = exc.type or ""
        mid_stream = exc.status_code < 400
        status = _STATUS_OF_TYPE.get(error_type) if mid_stream else exc.status_code
        request_id = exc.request_id or request_id
        said = self._quote(exc.api_message)
        where = f"Anthropic ({self.model}) answered {status or 'an error'}"
        if mid_stream:
            where = f"Anthropic ({self.model}) sent an error event mid-stream"
        label = f"{where} {error_type}".rstrip() + _request_ref(request_id)
        if mid_stream and status not in (400, 401, 402, 403, 404, 413):
            # A stream that fails after starting is a provider failure whatever its type says.
            return ModelUnavailable(
                f"{label}: {said}; will retry or fail over", provider=self.name, status=status
            )
        if _is_billing(status, error_type, exc.error_code, exc.api_message):
            return ModelMisconfigured(
                f"{label}: the Anthropic account behind {_KEY_ENV} has no credit or reached its spend limit; "
                "add credits or raise the limit in the Anthropic Console, or take `anthropic` out of "
                "FOLLOWLYTICS_LLM_CHAIN",
                provider=self.name,
                status=status,
            )
        if status == 401:
            return ModelMisconfigured(
                f"{label}: the API key was refused; check {_KEY_ENV}", provider=self.name, status=status
            )
        if status == 403:
            return ModelMisconfigured(
                f"{label}: the API key may not use model '{self.model}'; check the key's workspace and "
                f"permissions ({_KEY_ENV}) or choose another model ({_MODEL_ENV})",
                provider=self.name,
                status=status,
            )
        if status == 404:
            return ModelMisconfigured(
                f"{label}: no model '{self.model}' there; check {_MODEL_ENV} (and {_BASE_URL_ENV} if set)",
                provider=self.name,
                status=status,
            )
        if status in (408, 409, 429) or (status is not None and status >= 500):
            # Anthropic sends retry-after with 429s; a 503 or 529 from a proxy may carry one too.
            retry_after = retry_after_seconds(exc.response.headers)
            return ModelUnavailable(
                f"{label}: {said}; will retry or fail over",
                provider=self.name,
                status=status,
                retry_after=retry_after,
            )
        return ModelRejected(
            f"{label}: the request was refused as invalid: {said}", provider=self.name, status=status
        )

    def _quote(self, message: str | None) -> str:
        """The provider's own explanation, cut short, with our key (or anything like a key) blanked out."""
        if not message:
            return "no explanation given"
        return quoted(message, key=self._api_key)


def _messages(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    """The neutral history as Anthropic messages: content blocks, one message per run of the same role."""
    wire: list[dict[str, Any]] = []
    for message in messages:
        role, blocks = _blocks(message)
        if not blocks:
            continue
        if wire and wire[-1]["role"] == role:
            # Anthropic wants all tool results of a turn in one user message, tool_result blocks first.
            wire[-1]["content"].extend(blocks)
        else:
            wire.append({"role": role, "content": blocks})
    for entry in wire:
        content = entry["content"]
        if entry["role"] == "user" and len(content) == 1 and content[0]["type"] == "text":
            entry["content"] = content[0]["text"]
    return wire


def _blocks(message: Message) -> tuple[str, list[dict[str, Any]]]:
    if message.role == "tool":
        result = {
            "type": "tool_result",
            "tool_use_id": message.tool_call_id or "",
            "content": message.content,
        }
        return "user", [result]
    if message.role == "assistant":
        blocks: list[dict[str, Any]] = [{"type": "text", "text": message.content}] if message.content else []
        blocks += [
            {"type": "tool_use", "id": call.id, "name": call.name, "input": dict(call.arguments)}
            for call in message.tool_calls
        ]
        return "assistant", blocks
    return "user", [{"type": "text", "text": message.content}]


def _usage(raw: dict[str, Any]) -> Usage:
    details = raw.get("output_tokens_details") or {}
    return Usage(
        input_tokens=int(raw.get("input_tokens") or 0),
        cached_input_tokens=int(raw.get("cache_read_input_tokens") or 0),
        cache_write_tokens=int(raw.get("cache_creation_input_tokens") or 0),
        output_tokens=int(raw.get("output_tokens") or 0),
        reasoning_tokens=int(details.get("thinking_tokens") or 0),
        raw=raw,
    )


def _is_billing(status: int | None, error_type: str, error_code: str | None, message: str | None) -> bool:
    if status == 402 or error_type == "billing_error" or error_code in _SPEND_LIMIT_CODES:
        return True
    # Anthropic answers an empty prepaid balance with a plain 400 invalid_request_error; only the text tells.
    return status == 400 and "credit balance is too low" in (message or "").lower()


def _cause(exc: anthropic.APIError) -> BaseException | None:
    """What to chain our error to. An answer's error is NOT chained: the SDK's message quotes the whole body,
    which a traceback would print unredacted; ours already says everything (status, type, request id, the
    redacted explanation). Network errors carry no body and stay chained, for debugging."""
    return None if isinstance(exc, anthropic.APIStatusError) else exc


def _request_ref(request_id: str | None) -> str:
    return f" (request {request_id})" if request_id else ""
