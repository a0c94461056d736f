"""A fake OpenAI-compatible Chat Completions server (OpenAI, xAI, Ollama shapes) on the loopback server.

Tests script it with `FakeOpenAI().push(...)`; each queued item answers one request, in order:

- `reply(text=..., tool_calls=[(id, name, args)], usage=usage(...), request_id=...)` answers like the real
  API: a `chat.completion` JSON body, or, when the request says `"stream": true`, an SSE stream of
  `chat.completion.chunk`s ending in `data: [DONE]` (plus a final usage chunk with `choices: []` when the
  request asked for `stream_options.include_usage`). Streamed tool calls come in fragments like OpenAI's
  (`fragmented=True`: a first chunk with id and name, then argument pieces) or whole like xAI's and Ollama's;
  `reuse_index=True` reproduces Ollama's streams where every tool call says `index: 0`; `cut_after=N` drops
  the connection after N chunks.
- error helpers answer with the providers' real bodies and headers: `rate_limited`, `insufficient_quota`,
  `server_error`, `overloaded`, `invalid_api_key` (OpenAI's 401), `xai_invalid_api_key` (xAI's 400 with its
  own envelope), `xai_no_credits`, `bad_request`, `model_not_found`, and `hang` for client timeouts.

`FakeOpenAI.bodies` holds every request's parsed JSON body and `FakeOpenAI.requests` the raw recordings
(headers included), so a test can assert what the real `openai` SDK put on the wire. `FakeOpenAI.url` is the
`base_url` to give the SDK (it ends in `/v1`).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from tests.fakes.loopback import HangStep, JsonStep, LoopbackServer, Recorded, Responder, SseStep, Step, sse

__all__ = [
    "FakeOpenAI",
    "ToolCallSpec",
    "bad_request",
    "hang",
    "insufficient_quota",
    "invalid_api_key",
    "model_not_found",
    "overloaded",
    "rate_limited",
    "reply",
    "server_error",
    "usage",
    "xai_invalid_api_key",
    "xai_no_credits",
]

ToolCallSpec = tuple[str, str, dict[str, Any] | str]
"""(id, name, arguments): a dict is sent as its JSON text; a str is sent as is (e.g. malformed JSON)."""

_ids = itertools.count(1)


class FakeOpenAI:
    """`with FakeOpenAI() as fake: fake.push(reply(text="hi")); OpenAI(base_url=fake.url, ...)`

    The fake keeps its own queue (each request takes the next item; a request with none left gets a 500
    naming it), so one server can serve a whole test module: `reset()` between tests forgets the queue and
    the recorded requests. Starting a server per test costs ~0.5 s at shutdown.
    """

    def __init__(self) -> None:
        self._queue: deque[Step | Responder] = deque()
        self._lock = threading.Lock()
        self.server = LoopbackServer(self._respond)

    @property
    def url(self) -> str:
        return f"{self.server.url}/v1"

    def push(self, *steps: Step | Responder) -> FakeOpenAI:
        """Queue answers; a callable is called with the request and returns the step to answer with."""
        with self._lock:
            self._queue.extend(steps)
        return self

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.server.requests.clear()

    @property
    def requests(self) -> list[Recorded]:
        return self.server.requests

    @property
    def bodies(self) -> list[Any]:
        """The JSON body of every request received, in order."""
        return [request.json() for request in self.server.requests]

    @property
    def pending(self) -> int:
        return len(self._queue)

    def __enter__(self) -> FakeOpenAI:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def _respond(self, request: Recorded) -> Step:
        with self._lock:
            step = self._queue.popleft() if self._queue else None
        if step is None:
            problem = f"unscripted request {request.method} {request.path}"
            error = {"message": problem, "type": "server_error", "param": None, "code": None}
            return JsonStep({"error": error}, 500)
        return step(request) if callable(step) else step


def usage(
    prompt_tokens: int,
    completion_tokens: int,
    *,
    cached_tokens: int = 0,
    reasoning_tokens: int = 0,
    reasoning_in_completion: bool = True,
    cost_in_usd_ticks: int | None = None,
) -> dict[str, Any]:
    """A usage object as the wire carries it.

    OpenAI counts reasoning inside `completion_tokens` (`reasoning_in_completion=True`); xAI reports it apart
    (`False`), so its `total_tokens` adds the reasoning on top. xAI also reports `cost_in_usd_ticks`.
    """
    total = prompt_tokens + completion_tokens + (0 if reasoning_in_completion else reasoning_tokens)
    body: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": total,
        "prompt_tokens_details": {"cached_tokens": cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }
    if cost_in_usd_ticks is not None:
        body["cost_in_usd_ticks"] = cost_in_usd_ticks
    return body


def reply(
    text: str = "",
    *,
    tool_calls: Sequence[ToolCallSpec] = (),
    usage: dict[str, Any] | None = None,
    request_id: str | None = None,
    finish_reason: str | None = None,
    fragmented: bool = True,
    reuse_index: bool = False,
    text_pieces: int = 3,
    cut_after: int | None = None,
) -> Responder:
    """A successful answer, JSON or SSE depending on the request's `"stream"`.

    `finish_reason` defaults to `tool_calls` when there are calls, else `stop`. `usage` defaults to a small
    plain count. `request_id` goes in the `x-request-id` header (a fresh one when omitted).
    """
    usage_body = usage if usage is not None else _default_usage()
    finish = finish_reason or ("tool_calls" if tool_calls else "stop")
    calls = [(call_id, name, _arguments_text(args)) for call_id, name, args in tool_calls]

    def respond(request: Recorded) -> Step:
        body = request.json() or {}
        model = body.get("model", "unknown-model")
        completion_id = f"chatcmpl-{next(_ids)}"
        headers = {"x-request-id": request_id or f"req_{next(_ids)}"}
        if not body.get("stream"):
            return JsonStep(
                _completion(completion_id, model, text, calls, finish, usage_body), headers=headers
            )
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        events = _chunks(
            completion_id,
            model,
            text,
            calls,
            finish,
            usage_body if include_usage else None,
            fragmented=fragmented,
            reuse_index=reuse_index,
            text_pieces=text_pieces,
        )
        return SseStep(sse([*events, "[DONE]"]), headers=headers, fail_after=cut_after)

    return respond


def rate_limited(
    *, retry_after: str | None = "2", retry_after_ms: str | None = None, model: str = "gpt-6-luna"
) -> JsonStep:
    """OpenAI's 429 for a rate limit, with its `x-ratelimit-*` headers and optional `retry-after(-ms)`."""
    headers = {
        "x-request-id": f"req_{next(_ids)}",
        "x-ratelimit-limit-requests": "500",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "120ms",
        "x-ratelimit-limit-tokens": "200000",
        "x-ratelimit-remaining-tokens": "199500",
        "x-ratelimit-reset-tokens": "150ms",
    }
    if retry_after is not None:
        headers["retry-after"] = retry_after
    if retry_after_ms is not None:
        headers["retry-after-ms"] = retry_after_ms
    message = (
        f"Rate limit reached for {model} in organization org-test on requests per min (RPM): Limit 500, "
        "Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/"
        "rate-limits to learn more."
    )
    body = {"error": {"message": message, "type": "requests", "param": None, "code": "rate_limit_exceeded"}}
    return JsonStep(body, 429, headers)


def insufficient_quota() -> JsonStep:
    """OpenAI's 429 when the account has no credit: not worth retrying."""
    message = (
        "You exceeded your current quota, please check your plan and billing details. For more information "
        "on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."
    )
    body = {
        "error": {
            "message": message,
            "type": "insufficient_quota",
            "param": None,
            "code": "insufficient_quota",
        }
    }
    return JsonStep(body, 429, {"x-request-id": f"req_{next(_ids)}"})


def server_error() -> JsonStep:
    message = "The server had an error while processing your request. Sorry about that!"
    body = {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
    return JsonStep(body, 500, {"x-request-id": f"req_{next(_ids)}"})


def overloaded(*, retry_after: str | None = None) -> JsonStep:
    message = "The engine is currently overloaded, please try again later"
    body = {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
    headers = {"x-request-id": f"req_{next(_ids)}"}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    return JsonStep(body, 503, headers)


def invalid_api_key() -> Responder:
    """OpenAI's 401, echoing the received key masked the way OpenAI does (`sk-te***st`)."""

    def respond(request: Recorded) -> Step:
        masked = _mask(_bearer(request), head=5)
        message = (
            f"Incorrect API key provided: {masked}. You can find your API key at "
            "https://platform.openai.com/account/api-keys."
        )
        body = {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            }
        }
        return JsonStep(body, 401, {"x-request-id": f"req_{next(_ids)}"})

    return respond


def xai_invalid_api_key() -> Responder:
    """xAI's answer to a bad key: a 400 (not 401) whose body is not OpenAI's error envelope."""

    def respond(request: Recorded) -> Step:
        masked = _mask(_bearer(request), head=2)
        body = {
            "code": "Client specified an invalid argument",
            "error": f"Incorrect API key provided: {masked}. You can obtain an API key from https://console.x.ai.",
        }
        return JsonStep(body, 400)

    return respond


def xai_no_credits() -> JsonStep:
    """xAI's 429 when the team has no credits or hit its spending limit (configuration, not load)."""
    body = {
        "code": "Some resource has been exhausted",
        "error": "Your team 0d9a9d6f-0000-4000-8000-000000000000 has either used all available credits or "
        "reached its monthly spending limit. To continue making API requests, please purchase more credits "
        "or raise your spending limit.",
    }
    return JsonStep(body, 429)


def bad_request(
    message: str, *, param: str | None = None, code: str | None = None, status: int = 400
) -> JsonStep:
    """An OpenAI-style 400 (or `status`) naming what was wrong with the request."""
    body = {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}
    return JsonStep(body, status, {"x-request-id": f"req_{next(_ids)}"})


def model_not_found(model: str) -> JsonStep:
    message = f"The model `{model}` does not exist or you do not have access to it."
    body = {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    }
    return JsonStep(body, 404, {"x-request-id": f"req_{next(_ids)}"})


def hang(seconds: float) -> HangStep:
    """Never answer for `seconds` (longer than the client's timeout), then drop the connection."""
    return HangStep(seconds)


def _default_usage() -> dict[str, Any]:
    return usage(12, 5)


def _arguments_text(args: dict[str, Any] | str) -> str:
    return args if isinstance(args, str) else json.dumps(args)


def _bearer(request: Recorded) -> str:
    value = request.headers.get("authorization", "")
    return value.removeprefix("Bearer ").strip()


def _mask(key: str, *, head: int) -> str:
    return f"{key[:head]}***{key[-2:]}" if len(key) > head + 2 else "***"


def _completion(
    completion_id: str,
    model: str,
    text: str,
    calls: list[tuple[str, str, str]],
    finish: str,
    usage_body: dict[str, Any],
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": text or None,
        "refusal": None,
        "annotations": [],
    }
    if calls:
        message["tool_calls"] = [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
            for call_id, name, arguments in calls
        ]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": usage_body,
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }


def _chunks(
    completion_id: str,
    model: str,
    text: str,
    calls: list[tuple[str, str, str]],
    finish: str,
    usage_body: dict[str, Any] | None,
    *,
    fragmented: bool,
    reuse_index: bool,
    text_pieces: int,
) -> list[dict[str, Any]]:
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }
        if usage_body is not None:
            body["usage"] = None
        return body

    events = [chunk({"role": "assistant", "content": "", "refusal": None})]
    events.extend(chunk({"content": piece}) for piece in _split(text, text_pieces) if piece)
    for position, (call_id, name, arguments) in enumerate(calls):
        index = 0 if reuse_index else position
        if fragmented:
            head = {
                "index": index,
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": ""},
            }
            events.append(chunk({"tool_calls": [head]}))
            for piece in _split(arguments, 4):
                if piece:
                    events.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
        else:
            whole = {
                "index": index,
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
            events.append(chunk({"tool_calls": [whole]}))
    events.append(chunk({}, finish))
    if usage_body is not None:
        events.append(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [],
                "usage": usage_body,
            }
        )
    return events


def _split(text: str, pieces: int) -> Iterable[str]:
    size = max(1, -(-len(text) // max(1, pieces)))
    return (text[start : start + size] for start in range(0, len(text), size))
