"""The OpenAI-compatible chat provider: xAI, OpenAI and self-hosted servers through the official `openai` SDK.

`OpenAICompatProvider` implements `ChatProvider` (`messages.py`) over the Chat Completions API. One class
serves every server that speaks it; `flavour` carries what differs between them:

- `openai` (default URL `https://api.openai.com/v1`): the output limit goes in `max_completion_tokens`
  (reasoning models reject `max_tokens`); `completion_tokens` already include reasoning tokens.
- `xai` (default URL `https://api.x.ai/v1`): `max_tokens`; reasoning tokens are reported APART from
  `completion_tokens` and billed as output, so they are added to `output_tokens`; a bad key is a 400 and an
  empty balance a 429, both in xAI's own error body (`{"code": ..., "error": "..."}`).
- `ollama` (default URL `http://127.0.0.1:11434/v1`) and `generic` (vLLM, llama.cpp; `base_url` required):
  `max_tokens`. Ollama ignores `tool_choice`, so a caller asking for `"none"` must still tolerate tool calls.

Requests never carry `stop`, `presence_penalty` or `frequency_penalty` (reasoning models reject them). SDK
retries are off (`max_retries=0`): the chain owns the retry and failover policy. Errors come out as
`ModelUnavailable` (timeouts, connection errors, 408/409/429/5xx/529, a stream that broke off; with the
provider's `retry-after` / `retry-after-ms` hint), `ModelRejected` (other 4xx: our request was wrong) or
`ModelMisconfigured` (bad key, 401/403, a 404 for the model or URL, no quota or credits). Their messages
name the provider, the HTTP status and the setting to check; they never carry the key, its masked form, or
the provider's raw text unredacted.

Tool call arguments are parsed from their JSON text. A model that sends arguments that are not a JSON object
gets a call whose arguments are `{INVALID_ARGUMENTS_KEY: "<the raw text>"}`: the mistake is the model's, so
the call still reaches the loop, where argument validation turns it into an error the model can see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, Literal

import openai

from followlytics.agent.llm.messages import (
    INVALID_ARGUMENTS_KEY,
    ChatRequest,
    Completed,
    Completion,
    FinishReason,
    Message,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallReady,
    ToolSpec,
    Usage,
)
from followlytics.agent.llm.pricing import ticks_to_usd
from followlytics.agent.llm.provider_errors import quoted, retry_after_seconds
from followlytics.errors import ModelError, ModelMisconfigured, ModelRejected, ModelUnavailable

__all__ = ["DEFAULT_BASE_URLS", "INVALID_ARGUMENTS_KEY", "Flavour", "OpenAICompatProvider"]

Flavour = Literal["openai", "xai", "ollama", "generic"]

DEFAULT_BASE_URLS: dict[str, str] = {
    "openai": "https://api.openai.com/v1",
    "xai": "https://api.x.ai/v1",
    "ollama": "http://127.0.0.1:11434/v1",
}

# Settings whose names do not follow FOLLOWLYTICS_<NAME>_... (see followlytics.config.Settings).
_SETTINGS_PREFIXES = {"local": "FOLLOWLYTICS_LOCAL_LLM"}

# Sent when a self-hosted server needs no key: an empty key would make the SDK fall back to the
# OPENAI_API_KEY / OPENAI_ADMIN_KEY environment variables and send a real OpenAI key to that server.
_NO_KEY = "no-key"

_RETRYABLE_STATUSES = {408, 409, 429, 529}
_FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "length": "length",
}
_BAD_KEY = re.compile(r"\b(incorrect|invalid|missing|no)\b[^.]{0,40}\bapi[ _-]?key", re.IGNORECASE)
_NO_CREDITS = re.compile(r"\bcredits\b|spending limit", re.IGNORECASE)


class OpenAICompatProvider:
    """A `ChatProvider` for one model on one OpenAI-compatible server.

    `name` is what the chain calls it (`xai`, `openai`, `local`, ...) and appears in every error message;
    `base_url` defaults per `flavour` (required for `generic`); `timeout` bounds one request in seconds.
    `settings_prefix` names the settings an error message points at (default `FOLLOWLYTICS_<NAME>`, and
    `FOLLOWLYTICS_LOCAL_LLM` for `local`), e.g. `FOLLOWLYTICS_XAI_API_KEY`. An empty `api_key` (a
    self-hosted server without auth) is sent as a placeholder, never replaced by an environment variable.
    """

    def __init__(
        self,
        name: str,
        model: str,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        flavour: Flavour = "openai",
        settings_prefix: str | None = None,
    ) -> None:
        url = base_url or DEFAULT_BASE_URLS.get(flavour)
        if url is None:
            raise ValueError(f"provider '{name}' ({flavour}) needs a base_url")
        self.name = name
        self.model = model
        self.flavour: Flavour = flavour
        self.base_url = url
        self.timeout = timeout
        self._settings = settings_prefix or _SETTINGS_PREFIXES.get(
            name, "FOLLOWLYTICS_" + re.sub(r"[^A-Z0-9]+", "_", name.upper())
        )
        self._api_key = api_key
        self._client = openai.OpenAI(api_key=api_key or _NO_KEY, base_url=url, timeout=timeout, max_retries=0)

    def __repr__(self) -> str:
        return f"OpenAICompatProvider(name={self.name!r}, model={self.model!r}, flavour={self.flavour!r})"

    def complete(self, request: ChatRequest) -> Completion:
        """Send `request` and return the whole answer (raises `ModelError` subclasses only)."""
        params = self._params(request, stream=False)
        try:
            raw = self._client.chat.completions.with_raw_response.create(**params)
            body = raw.parse().to_dict()
        except openai.APIError as exc:
            raise self._error(exc) from None
        except (ValueError, TypeError, AttributeError):
            raise ModelUnavailable(
                f"{self.name} answered with something that is not a chat completion: check "
                f"{self._settings}_BASE_URL ({self.base_url})",
                provider=self.name,
            ) from None
        request_id = raw.headers.get("x-request-id")
        choices = body.get("choices") or [{}]
        choice = choices[0] if isinstance(choices[0], Mapping) else {}
        message = choice.get("message") or {}
        text = message.get("content") or message.get("refusal") or ""
        calls = tuple(
            _tool_call(call.get("id"), (call.get("function") or {}), position)
            for position, call in enumerate(message.get("tool_calls") or [])
        )
        return self._completion(text, calls, choice.get("finish_reason"), body.get("usage"), request_id)

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """Send `request` streamed: `TextDelta`s as they come, a `ToolCallReady` per call once the model has
        finished, then one `Completed`. A stream that breaks off raises `ModelUnavailable`."""
        params = self._params(request, stream=True)
        try:
            chunks = self._client.chat.completions.create(**params)
        except openai.APIError as exc:
            raise self._error(exc) from None
        request_id = chunks.response.headers.get("x-request-id")
        assembler = _StreamAssembler()
        try:
            for chunk in chunks:
                data = chunk.to_dict()
                yield from assembler.feed(data)
        except openai.APIError as exc:
            raise self._error(exc, streaming=True) from None
        finally:
            chunks.close()
        # The SDK ends iteration quietly when the connection closes early, so completeness is ours to check:
        # the model must have said why it stopped, and servers that honour include_usage must have counted.
        needs_usage = self.flavour in ("openai", "xai")
        if assembler.finish_reason is None or (needs_usage and assembler.usage is None):
            raise _stream_cut(self.name, request_id)
        completion = self._completion(
            "".join(assembler.text), assembler.calls(), assembler.finish_reason, assembler.usage, request_id
        )
        for call in completion.tool_calls:
            yield ToolCallReady(call)
        yield Completed(completion)

    def _params(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.extend(_message(message) for message in request.messages)
        params: dict[str, Any] = {"model": self.model, "messages": messages}
        limit_field = "max_completion_tokens" if self.flavour == "openai" else "max_tokens"
        params[limit_field] = request.max_output_tokens
        if request.tools:
            params["tools"] = [_tool(spec) for spec in request.tools]
            params["tool_choice"] = request.tool_choice
        if stream:
            params["stream"] = True
            params["stream_options"] = {"include_usage": True}
        return params

    def _completion(
        self,
        text: str,
        calls: tuple[ToolCall, ...],
        finish_reason: Any,
        usage: Any,
        request_id: str | None,
    ) -> Completion:
        finish = _FINISH_REASONS.get(str(finish_reason), "other")
        if calls and finish == "stop":
            # Some servers (older Ollama, llama.cpp) say "stop" even when the answer is tool calls.
            finish = "tool_calls"
        return Completion(
            text=text,
            tool_calls=calls,
            finish_reason=finish,
            usage=_usage(usage if isinstance(usage, Mapping) else None, self.flavour),
            provider=self.name,
            model=self.model,
            request_id=request_id,
        )

    def _error(self, exc: openai.APIError, *, streaming: bool = False) -> ModelError:
        if isinstance(exc, openai.APITimeoutError):
            return ModelUnavailable(
                f"{self.name} did not answer within {self.timeout:g} s (timeout)", provider=self.name
            )
        if isinstance(exc, openai.APIConnectionError) and streaming:
            return _stream_cut(self.name, None)
        if isinstance(exc, openai.APIConnectionError):
            return ModelUnavailable(
                f"{self.name} could not be reached at {self.base_url} ({_cause(exc)})", provider=self.name
            )
        if isinstance(exc, openai.APIStatusError):
            return self._status_error(exc)
        # An error event inside an SSE stream: the server gave up half way.
        what = _identifier(exc.code) or _identifier(exc.type) or "error"
        return ModelUnavailable(
            f"{self.name} reported an error in the middle of the stream ({what})", provider=self.name
        )

    def _status_error(self, exc: openai.APIStatusError) -> ModelError:
        status = exc.status_code
        headers = exc.response.headers
        message, code, kind = _error_fields(_json_body(exc.response))
        note = _request_id_note(headers.get("x-request-id"))
        key_setting = f"{self._settings}_API_KEY"
        if status in (401, 403) or (
            status == 400 and (code == "invalid_api_key" or _BAD_KEY.search(message))
        ):
            what = "refused access with this API key" if status == 403 else "rejected the API key"
            return ModelMisconfigured(
                f"{self.name} {what} (HTTP {status}): check {key_setting}{note}",
                provider=self.name,
                status=status,
            )
        if status in (402, 429) and (
            "insufficient_quota" in (code, kind) or status == 402 or _NO_CREDITS.search(message)
        ):
            return ModelMisconfigured(
                f"{self.name} has no quota or credits left (HTTP {status}): check the billing and spending "
                f"limit of the account behind {key_setting}{note}",
                provider=self.name,
                status=status,
            )
        if status == 404:
            return ModelMisconfigured(
                f"{self.name} does not know model '{self.model}' or the API URL is wrong (HTTP 404): check "
                f"{self._settings}_MODEL and {self._settings}_BASE_URL ({self.base_url}){note}",
                provider=self.name,
                status=status,
            )
        if status in _RETRYABLE_STATUSES or status >= 500:
            retry_after = retry_after_seconds(headers)
            reason = "is rate limiting requests" if status == 429 else "is unavailable"
            hint = f"; retry after {retry_after:g} s" if retry_after is not None else ""
            return ModelUnavailable(
                f"{self.name} {reason} (HTTP {status}){hint}{note}",
                provider=self.name,
                status=status,
                retry_after=retry_after,
            )
        detail = self._redact(message)
        return ModelRejected(
            f"{self.name} rejected the request (HTTP {status})" + (f": {detail}" if detail else "") + note,
            provider=self.name,
            status=status,
        )

    def _redact(self, text: str) -> str:
        return quoted(text, key=self._api_key)


class _StreamAssembler:
    """Collects one streamed answer: text pieces, tool calls by index, finish reason and usage.

    OpenAI streams a tool call in fragments (id and name first, then argument pieces, all with the same
    `index`); xAI and Ollama send each call whole. Ollama also numbers every call `index: 0`, so a fragment
    that brings a new `id` to an index already holding another call starts a new call.
    """

    def __init__(self) -> None:
        self.text: list[str] = []
        self.finish_reason: str | None = None
        self.usage: Mapping[str, Any] | None = None
        self._slots: list[dict[str, Any]] = []
        self._by_index: dict[int, int] = {}

    def feed(self, chunk: Mapping[str, Any]) -> Iterator[StreamEvent]:
        if isinstance(chunk.get("usage"), Mapping):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if content:
                self.text.append(content)
                yield TextDelta(content)
            for fragment in delta.get("tool_calls") or []:
                self._add(fragment)
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]

    def calls(self) -> tuple[ToolCall, ...]:
        return tuple(
            _tool_call(slot["id"], {"name": slot["name"], "arguments": "".join(slot["arguments"])}, position)
            for position, slot in enumerate(self._slots)
        )

    def _add(self, fragment: Mapping[str, Any]) -> None:
        index = fragment.get("index")
        call_id = fragment.get("id")
        function = fragment.get("function") or {}
        slot_number = self._by_index.get(index) if index is not None else None
        if slot_number is None and index is None and not call_id and self._slots:
            slot_number = len(self._slots) - 1  # no index, no id: a continuation of the last call
        if slot_number is not None and call_id and self._slots[slot_number]["id"] not in (None, call_id):
            slot_number = None
        if slot_number is None:
            self._slots.append({"id": call_id, "name": "", "arguments": []})
            slot_number = len(self._slots) - 1
            if index is not None:
                self._by_index[index] = slot_number
        slot = self._slots[slot_number]
        slot["id"] = slot["id"] or call_id
        slot["name"] = slot["name"] or function.get("name") or ""
        arguments = function.get("arguments")
        if isinstance(arguments, Mapping):
            slot["arguments"] = [json.dumps(arguments)]
        elif arguments:
            slot["arguments"].append(arguments)


def _message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id or "", "content": message.content}
    if message.role == "assistant":
        wire: dict[str, Any] = {"role": "assistant", "content": message.content or None}
        if message.tool_calls:
            wire["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                }
                for call in message.tool_calls
            ]
        return wire
    return {"role": "user", "content": message.content}


def _tool(spec: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": spec.name, "description": spec.description, "parameters": spec.parameters},
    }


def _tool_call(call_id: Any, function: Mapping[str, Any], position: int) -> ToolCall:
    # A call without an id (some self-hosted servers) gets one, so its result can still be matched to it.
    return ToolCall(
        id=str(call_id) if call_id else f"call_{position}",
        name=str(function.get("name") or ""),
        arguments=_arguments(function.get("arguments")),
    )


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    try:
        parsed = json.loads(raw)
    except (TypeError, ValueError):
        parsed = None
    if isinstance(parsed, dict):
        return parsed
    return {INVALID_ARGUMENTS_KEY: str(raw)[:2000]}


def _usage(raw: Mapping[str, Any] | None, flavour: Flavour) -> Usage:
    if raw is None:
        return Usage()
    prompt = _count(raw.get("prompt_tokens"))
    completion = _count(raw.get("completion_tokens"))
    cached = min(prompt, _count((raw.get("prompt_tokens_details") or {}).get("cached_tokens")))
    reasoning = _count((raw.get("completion_tokens_details") or {}).get("reasoning_tokens"))
    if flavour == "xai":
        output = completion + reasoning
    else:
        output = completion
        reasoning = min(reasoning, completion)
    return Usage(
        input_tokens=prompt - cached,
        cached_input_tokens=cached,
        output_tokens=output,
        reasoning_tokens=reasoning,
        reported_cost_usd=_reported_cost(raw.get("cost_in_usd_ticks")),
        raw=json.loads(json.dumps(raw)),
    )


def _count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _reported_cost(ticks: Any) -> Decimal | None:
    """xAI's own figure (`usage.cost_in_usd_ticks`), when it sent a usable one."""
    if isinstance(ticks, bool) or not isinstance(ticks, int | str):
        return None
    try:
        return ticks_to_usd(int(ticks))
    except ValueError:
        return None


def _json_body(response: Any) -> Any:
    try:
        return json.loads(response.text)
    except (ValueError, TypeError, AttributeError):
        return None


def _error_fields(body: Any) -> tuple[str, str | None, str | None]:
    """(message, code, type) from OpenAI's `{"error": {...}}`, xAI's `{"code", "error": "..."}` or vLLM's
    flat `{"message", "type", "code"}`."""
    if not isinstance(body, Mapping):
        return "", None, None
    error = body.get("error")
    if isinstance(error, Mapping):
        return str(error.get("message") or ""), _text(error.get("code")), _text(error.get("type"))
    if isinstance(error, str):
        return error, _text(body.get("code")), None
    return (
        str(body.get("message") or body.get("detail") or ""),
        _text(body.get("code")),
        _text(body.get("type")),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _identifier(value: Any) -> str | None:
    text = _text(value)
    return text if text and re.fullmatch(r"[A-Za-z0-9_.\-]{1,60}", text) else None


def _cause(exc: BaseException) -> str:
    """The underlying network error, e.g. `ConnectError: [Errno 111] Connection refused`."""
    root: BaseException = exc
    while root.__cause__ is not None:
        root = root.__cause__
    if root is exc:
        return "connection error"
    detail = " ".join(str(root).split())[:200]
    return f"{type(root).__name__}: {detail}" if detail else type(root).__name__


def _stream_cut(provider: str, request_id: str | None) -> ModelUnavailable:
    return ModelUnavailable(
        f"{provider} ended the stream before the answer was complete (connection dropped)"
        + _request_id_note(request_id),
        provider=provider,
    )


def _request_id_note(request_id: str | None) -> str:
    return f" [request id {request_id}]" if request_id else ""
