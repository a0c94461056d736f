"""The OpenAI-compatible provider, driven through the real `openai` SDK against the loopback fake server:
request translation, answers and streams (fragmented and whole tool calls), usage normalisation per flavour,
and the mapping of every failure to `ModelUnavailable` / `ModelRejected` / `ModelMisconfigured`."""

from __future__ import annotations

import re
import socket
import time
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

import pytest

from followlytics.agent.llm.messages import (
    ChatRequest,
    Completed,
    Message,
    TextDelta,
    ToolCall,
    ToolCallReady,
    ToolSpec,
)
from followlytics.agent.llm.openai_compat import INVALID_ARGUMENTS_KEY, Flavour, OpenAICompatProvider
from followlytics.errors import ModelError, ModelMisconfigured, ModelRejected, ModelUnavailable
from tests.fakes.loopback import JsonStep, SseStep, sse
from tests.fakes.openai_server import (
    FakeOpenAI,
    bad_request,
    hang,
    insufficient_quota,
    invalid_api_key,
    model_not_found,
    overloaded,
    rate_limited,
    reply,
    server_error,
    usage,
    xai_invalid_api_key,
    xai_no_credits,
)

KEY = "sk-test-4f9c2b7e1d-SECRET-st"
XAI_KEY = "xai-9Qz4Lm2Wp7Rt-SECRET-Jz"

TOOLS = (
    ToolSpec(
        name="top_followers",
        description="The account's most followed followers.",
        parameters={"type": "object", "properties": {"limit": {"type": "integer"}}},
    ),
    ToolSpec(
        name="posting_times",
        description="When the audience is online.",
        parameters={
            "type": "object",
            "properties": {"timezone": {"type": "string"}},
            "required": ["timezone"],
        },
    ),
)


@pytest.fixture(scope="module")
def shared_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def fake(shared_fake: FakeOpenAI) -> Iterator[FakeOpenAI]:
    shared_fake.reset()
    yield shared_fake
    assert shared_fake.pending == 0, "a scripted reply was never asked for"


def make(
    fake: FakeOpenAI,
    *,
    name: str = "openai",
    flavour: Flavour = "openai",
    key: str = KEY,
    timeout: float = 5.0,
    model: str = "gpt-6-luna",
) -> OpenAICompatProvider:
    return OpenAICompatProvider(name, model, api_key=key, base_url=fake.url, timeout=timeout, flavour=flavour)


def ask(question: str = "Who are my top followers?", **kwargs: Any) -> ChatRequest:
    return ChatRequest(system="You are Followlytics.", messages=(Message("user", question),), **kwargs)


def drain(events: Iterator[Any]) -> list[Any]:
    return list(events)


# --- answers ------------------------------------------------------------------------------------------------


def test_plain_answer_has_text_usage_and_request_id(fake: FakeOpenAI) -> None:
    fake.push(reply("You have 1,204 followers.", usage=usage(120, 9), request_id="req_abc123"))

    completion = make(fake).complete(ask())

    assert completion.text == "You have 1,204 followers."
    assert completion.tool_calls == ()
    assert completion.finish_reason == "stop"
    assert completion.request_id == "req_abc123"
    assert (completion.provider, completion.model) == ("openai", "gpt-6-luna")
    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (120, 9)
    assert completion.usage.raw["total_tokens"] == 129
    assert completion.usage.reported_cost_usd is None


def test_tool_call_answer_parses_arguments(fake: FakeOpenAI) -> None:
    fake.push(
        reply(
            tool_calls=[
                ("call_a1", "top_followers", {"limit": 5}),
                ("call_b2", "posting_times", {"timezone": "Europe/Paris"}),
            ]
        )
    )

    completion = make(fake).complete(ask(tools=TOOLS))

    assert completion.finish_reason == "tool_calls"
    assert completion.text == ""
    assert completion.tool_calls == (
        ToolCall("call_a1", "top_followers", {"limit": 5}),
        ToolCall("call_b2", "posting_times", {"timezone": "Europe/Paris"}),
    )


def test_malformed_tool_arguments_reach_the_loop_marked_invalid(fake: FakeOpenAI) -> None:
    fake.push(reply(tool_calls=[("call_x", "top_followers", '{"limit": 5'), ("call_y", "posting_times", "")]))

    calls = make(fake).complete(ask(tools=TOOLS)).tool_calls

    assert calls[0] == ToolCall("call_x", "top_followers", {INVALID_ARGUMENTS_KEY: '{"limit": 5'})
    assert calls[1] == ToolCall("call_y", "posting_times", {})


def test_request_is_translated_to_chat_completions(fake: FakeOpenAI) -> None:
    fake.push(reply("Done."))
    conversation = ChatRequest(
        system="You are Followlytics.",
        messages=(
            Message("user", "Who are my top followers?"),
            Message("assistant", "", tool_calls=(ToolCall("call_a1", "top_followers", {"limit": 5}),)),
            Message("tool", '{"followers": []}', tool_call_id="call_a1", name="top_followers"),
        ),
        tools=TOOLS,
        max_output_tokens=321,
    )

    make(fake).complete(conversation)

    (recorded,) = fake.requests
    body = recorded.json()
    assert recorded.path == "/v1/chat/completions"
    assert recorded.headers["authorization"] == f"Bearer {KEY}"
    assert body["model"] == "gpt-6-luna"
    assert body["messages"] == [
        {"role": "system", "content": "You are Followlytics."},
        {"role": "user", "content": "Who are my top followers?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_a1",
                    "type": "function",
                    "function": {"name": "top_followers", "arguments": '{"limit": 5}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_a1", "content": '{"followers": []}'},
    ]
    assert body["tools"] == [
        {
            "type": "function",
            "function": {"name": spec.name, "description": spec.description, "parameters": spec.parameters},
        }
        for spec in TOOLS
    ]
    assert body["tool_choice"] == "auto"
    # OpenAI's reasoning models reject max_tokens, stop and the penalties.
    assert body["max_completion_tokens"] == 321
    for rejected in ("max_tokens", "stop", "presence_penalty", "frequency_penalty", "stream"):
        assert rejected not in body


@pytest.mark.parametrize("flavour", ["xai", "ollama", "generic"])
def test_other_flavours_send_max_tokens_and_tool_choice_none(fake: FakeOpenAI, flavour: Flavour) -> None:
    fake.push(reply("Final answer."))

    make(fake, name="local", flavour=flavour).complete(
        ask(tools=TOOLS, tool_choice="none", max_output_tokens=77)
    )

    body = fake.bodies[0]
    assert body["max_tokens"] == 77
    assert "max_completion_tokens" not in body
    assert body["tool_choice"] == "none"
    assert len(body["tools"]) == 2


def test_no_tools_sends_neither_tools_nor_tool_choice(fake: FakeOpenAI) -> None:
    fake.push(reply("Hello."))

    make(fake).complete(ask(tool_choice="none"))

    assert "tools" not in fake.bodies[0]
    assert "tool_choice" not in fake.bodies[0]


def test_keyless_local_server_never_gets_an_environment_key(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    fake.push(reply("Hi from Ollama."))

    make(fake, name="local", flavour="ollama", key="").complete(ask())

    assert "sk-from-the-environment" not in fake.requests[0].headers.get("authorization", "")


# --- streams ------------------------------------------------------------------------------------------------


def test_streamed_text_matches_the_whole_answer(fake: FakeOpenAI) -> None:
    answer = "Your audience is most active at 18:00 on weekdays."
    fake.push(
        reply(answer, usage=usage(300, 14), request_id="req_same", text_pieces=4),
        reply(answer, usage=usage(300, 14), request_id="req_same"),
    )
    provider = make(fake)

    events = drain(provider.stream(ask()))
    whole = provider.complete(ask())

    deltas = [event.text for event in events if isinstance(event, TextDelta)]
    assert len(deltas) == 4
    assert "".join(deltas) == answer
    assert isinstance(events[-1], Completed)
    assert sum(isinstance(event, Completed) for event in events) == 1
    assert events[-1].completion == whole
    body = fake.bodies[0]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(
    ("fragmented", "reuse_index"),
    [(True, False), (False, False), (False, True)],
    ids=["fragmented-like-openai", "whole-like-xai", "whole-with-index-0-like-ollama"],
)
def test_streamed_tool_calls_are_assembled(fake: FakeOpenAI, fragmented: bool, reuse_index: bool) -> None:
    calls = [
        ("call_a1", "top_followers", {"limit": 5, "sort": "followers_count"}),
        ("call_b2", "posting_times", {"timezone": "Europe/Paris"}),
    ]
    fake.push(reply("Let me look.", tool_calls=calls, fragmented=fragmented, reuse_index=reuse_index))

    events = drain(make(fake, name="xai", flavour="xai").stream(ask(tools=TOOLS)))

    expected = tuple(ToolCall(call_id, name, args) for call_id, name, args in calls)
    assert tuple(event.call for event in events if isinstance(event, ToolCallReady)) == expected
    completion = events[-1].completion
    assert completion.tool_calls == expected
    assert completion.finish_reason == "tool_calls"
    assert completion.text == "Let me look."
    # Every call is announced before the single Completed that ends the stream.
    assert [type(event) for event in events[-3:]] == [ToolCallReady, ToolCallReady, Completed]


# --- usage --------------------------------------------------------------------------------------------------


def test_openai_usage_counts_reasoning_inside_output_and_cached_apart(fake: FakeOpenAI) -> None:
    fake.push(reply("ok", usage=usage(1000, 200, cached_tokens=600, reasoning_tokens=150)))

    got = make(fake).complete(ask()).usage

    assert (got.input_tokens, got.cached_input_tokens, got.cache_write_tokens) == (400, 600, 0)
    assert (got.output_tokens, got.reasoning_tokens) == (200, 150)
    assert got.prompt_tokens == 1000


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
def test_xai_usage_adds_reasoning_to_output_and_keeps_reported_cost(fake: FakeOpenAI, streamed: bool) -> None:
    reported = usage(
        1000,
        200,
        cached_tokens=600,
        reasoning_tokens=150,
        reasoning_in_completion=False,
        cost_in_usd_ticks=37_756_000,
    )
    fake.push(reply("ok", usage=reported))
    provider = make(fake, name="xai", flavour="xai", key=XAI_KEY, model="grok-4.3")

    if streamed:
        got = drain(provider.stream(ask()))[-1].completion.usage
    else:
        got = provider.complete(ask()).usage

    assert (got.input_tokens, got.cached_input_tokens) == (400, 600)
    assert (got.output_tokens, got.reasoning_tokens) == (350, 150)
    assert got.reported_cost_usd == Decimal("0.0037756")
    assert isinstance(got.reported_cost_usd, Decimal)
    assert got.raw["cost_in_usd_ticks"] == 37_756_000
    assert got.raw["completion_tokens_details"]["reasoning_tokens"] == 150


# --- errors -------------------------------------------------------------------------------------------------


def test_rate_limit_is_unavailable_with_retry_after(fake: FakeOpenAI) -> None:
    fake.push(rate_limited(retry_after="2"))

    with pytest.raises(ModelUnavailable) as caught:
        make(fake).complete(ask())

    assert caught.value.status == 429
    assert caught.value.retry_after == 2.0
    assert caught.value.provider == "openai"
    assert "openai" in caught.value.message and "429" in caught.value.message


def test_retry_after_ms_and_http_date_are_understood(fake: FakeOpenAI) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    fake.push(rate_limited(retry_after="7", retry_after_ms="1500"), overloaded(retry_after=later))
    provider = make(fake)

    with pytest.raises(ModelUnavailable) as by_millis:
        provider.complete(ask())
    with pytest.raises(ModelUnavailable) as by_date:
        provider.complete(ask())

    assert by_millis.value.retry_after == 1.5
    assert by_date.value.status == 503
    assert by_date.value.retry_after is not None and 25 <= by_date.value.retry_after <= 30


@pytest.mark.parametrize(
    "step", [insufficient_quota(), xai_no_credits()], ids=["openai-quota", "xai-credits"]
)
def test_no_quota_is_misconfigured_not_retried(fake: FakeOpenAI, step: JsonStep) -> None:
    fake.push(step)

    with pytest.raises(ModelMisconfigured) as caught:
        make(fake, name="xai", flavour="xai").complete(ask())

    assert caught.value.status == 429
    assert "FOLLOWLYTICS_XAI_API_KEY" in caught.value.message


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
def test_server_error_is_unavailable(fake: FakeOpenAI, streamed: bool) -> None:
    fake.push(server_error())
    provider = make(fake)

    with pytest.raises(ModelUnavailable) as caught:
        drain(provider.stream(ask())) if streamed else provider.complete(ask())

    assert caught.value.status == 500
    assert caught.value.retry_after is None


def test_timeout_is_unavailable(fake: FakeOpenAI) -> None:
    fake.push(hang(1.5))
    started = time.monotonic()

    with pytest.raises(ModelUnavailable) as caught:
        make(fake, timeout=0.3).complete(ask())

    assert time.monotonic() - started < 1.2
    assert "timeout" in caught.value.message


def test_unreachable_server_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = OpenAICompatProvider(
        "local", "llama3.3", api_key="", base_url=f"http://127.0.0.1:{port}/v1", timeout=2, flavour="ollama"
    )

    with pytest.raises(ModelUnavailable) as caught:
        provider.complete(ask())

    assert f"127.0.0.1:{port}" in caught.value.message


def test_openai_bad_key_is_misconfigured(fake: FakeOpenAI) -> None:
    fake.push(invalid_api_key())

    with pytest.raises(ModelMisconfigured) as caught:
        make(fake).complete(ask())

    assert caught.value.status == 401
    assert re.fullmatch(
        r"openai rejected the API key \(HTTP 401\): check FOLLOWLYTICS_OPENAI_API_KEY \[request id req_\d+\]",
        caught.value.message,
    )


def test_xai_bad_key_answered_with_400_is_misconfigured(fake: FakeOpenAI) -> None:
    fake.push(xai_invalid_api_key())

    with pytest.raises(ModelMisconfigured) as caught:
        make(fake, name="xai", flavour="xai", key=XAI_KEY).complete(ask())

    assert caught.value.status == 400
    assert caught.value.message == "xai rejected the API key (HTTP 400): check FOLLOWLYTICS_XAI_API_KEY"


def test_local_bad_key_points_at_the_local_llm_setting(fake: FakeOpenAI) -> None:
    fake.push(invalid_api_key())

    with pytest.raises(ModelMisconfigured) as caught:
        make(fake, name="local", flavour="generic").complete(ask())

    assert "FOLLOWLYTICS_LOCAL_LLM_API_KEY" in caught.value.message


def test_bad_request_is_rejected_with_the_providers_reason(fake: FakeOpenAI) -> None:
    reason = (
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens'."
    )
    fake.push(bad_request(reason, param="max_tokens", code="unsupported_parameter"))

    with pytest.raises(ModelRejected) as caught:
        make(fake, name="xai", flavour="xai").complete(ask())

    assert caught.value.status == 400
    assert caught.value.status_code == 502
    assert reason in caught.value.message
    assert caught.value.message.startswith("xai rejected the request (HTTP 400)")


def test_unknown_model_is_misconfigured(fake: FakeOpenAI) -> None:
    fake.push(model_not_found("gpt-nope"))

    with pytest.raises(ModelMisconfigured) as caught:
        make(fake, model="gpt-nope").complete(ask())

    assert caught.value.status == 404
    assert "FOLLOWLYTICS_OPENAI_MODEL" in caught.value.message
    assert "gpt-nope" in caught.value.message


@pytest.mark.parametrize(
    ("flavour", "cut_after"),
    [("openai", 3), ("ollama", 3), ("xai", 5)],
    ids=["before-the-end", "before-the-end-ollama", "after-finish-before-usage"],
)
def test_stream_cut_midway_is_unavailable(fake: FakeOpenAI, flavour: Flavour, cut_after: int) -> None:
    # Chunks: role, 3 text pieces, finish, usage, [DONE]; cutting after 5 loses only the usage chunk.
    fake.push(reply("A long answer that never arrives whole.", cut_after=cut_after))

    with pytest.raises(ModelUnavailable) as caught:
        drain(make(fake, name=flavour, flavour=flavour).stream(ask()))

    assert "before the answer was complete" in caught.value.message


def test_error_event_inside_a_stream_is_unavailable(fake: FakeOpenAI) -> None:
    first = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-6-luna",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}, "finish_reason": None}],
    }
    failure = {"error": {"message": "The server had an error.", "type": "server_error", "code": None}}
    fake.push(SseStep(sse([first, failure])))

    with pytest.raises(ModelUnavailable) as caught:
        drain(make(fake).stream(ask()))

    assert "server_error" in caught.value.message


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
@pytest.mark.parametrize(
    "case",
    [
        ("openai", invalid_api_key),
        ("xai", xai_invalid_api_key),
        ("openai", insufficient_quota),
        ("xai", xai_no_credits),
        ("openai", rate_limited),
        ("openai", server_error),
        ("openai", lambda: bad_request(f"Invalid 'user': {KEY} is not an id; see sk-te***st")),
        ("openai", lambda: hang(1.0)),
    ],
    ids=["401", "xai-400", "quota", "xai-credits", "429", "500", "400-echoing-key", "timeout"],
)
def test_the_key_never_appears_in_an_error(
    fake: FakeOpenAI, case: tuple[Flavour, Any], streamed: bool
) -> None:
    name, step = case
    key = XAI_KEY if name == "xai" else KEY
    fake.push(step())
    provider = make(fake, name=name, flavour=name, key=key, timeout=0.3)

    with pytest.raises(ModelError) as caught:
        drain(provider.stream(ask())) if streamed else provider.complete(ask())

    error = caught.value

    shown = " ".join(
        [str(error), repr(error), error.message, str(error.to_dict()), *traceback.format_exception(error)]
    )
    assert key not in shown
    assert "***" not in shown
    assert key[-8:] not in shown
    assert "Incorrect API key provided" not in shown
    assert error.provider == name
