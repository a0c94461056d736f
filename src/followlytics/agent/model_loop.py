"""The tool-calling loop with a language model: ask, run the tools it calls in the sandbox, feed back, repeat.

Each step is one whole turn through the `ModelChain` (so a provider can change between steps, never inside
one). A step whose answer calls tools runs them through `run_call` (the registry: arguments checked,
`account_id` added by the control plane, executed in the user's sandbox) and appends the results as framed,
untrusted data. A step that answers in text ends the question.

Bounds: `max_steps` requests at most, the last one offered no tools so the model must answer; a token budget
for the whole question (the estimate of the next request plus what was used so far), which also turns the
next request into the last. An unknown tool, such as a "send_dm" the model invented, or a bad argument comes
back to the model as a tool error; nothing it can call sends or posts anything.

When no provider can answer a turn (all unavailable) the run comes back `unanswered`, with every failed
request in `attempts`: the caller then answers with the built-in engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from followlytics.agent.events import AnswerDelta, AnswerReset, Listener, ToolFinished, ToolStarted
from followlytics.agent.llm import MissingData
from followlytics.agent.llm.chain import Attempt, ModelChain, TurnRestarted
from followlytics.agent.llm.messages import (
    INVALID_ARGUMENTS_KEY,
    ChatRequest,
    Message,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolSpec,
)
from followlytics.agent.llm.tokens import estimate_tokens
from followlytics.agent.prompts import tool_error_message, tool_result_message
from followlytics.agent.tools import ToolCallRecord
from followlytics.errors import InvalidInput

__all__ = ["ModelRun", "run_model_agent"]

# More calls than this in one step is a runaway; each costs sandbox time.
MAX_CALLS_PER_STEP = 4


@dataclass
class ModelRun:
    text: str
    records: list[ToolCallRecord] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    steps: int = 0
    stopped: str | None = None  # why the loop stopped early: "steps" or "budget"
    unanswered: bool = False  # no provider could answer a turn; the caller falls back to the built-in engine


def run_model_agent(
    question: str,
    *,
    chain: ModelChain,
    system: str,
    tools: Sequence[ToolSpec],
    history: Sequence[Message],
    run_call: Callable[[str, dict[str, Any]], ToolCallRecord],
    max_steps: int,
    token_budget: int,
    max_output_tokens: int,
    listener: Listener | None = None,
) -> ModelRun:
    run = ModelRun(text="")
    messages: list[Message] = [*history, Message("user", question)]
    texts: list[str] = []
    used = 0

    def on_event(event: StreamEvent | TurnRestarted) -> None:
        if listener is None:
            return
        if isinstance(event, TextDelta):
            listener(AnswerDelta(event.text))
        elif isinstance(event, TurnRestarted):
            listener(AnswerReset(f"{event.provider} failed mid-answer; retrying"))

    for step in range(max_steps):
        request = ChatRequest(system, tuple(messages), tuple(tools), "auto", max_output_tokens)
        estimate = _estimate(request)
        last = step == max_steps - 1 or used + 2 * (estimate + max_output_tokens) > token_budget
        if used + estimate + max_output_tokens > token_budget:
            run.stopped = "budget"
            break
        if last:
            request = ChatRequest(system, tuple(messages), tuple(tools), "none", max_output_tokens)
        completion = chain.run_turn(
            request, stream=listener is not None, on_event=on_event, on_attempt=run.attempts.append
        )
        if completion is None:
            run.unanswered = True
            return run
        run.steps += 1
        used += completion.usage.prompt_tokens + completion.usage.output_tokens
        if completion.text:
            texts.append(completion.text)
        # Some servers (Ollama) ignore tool_choice "none": calls asked for on the last step are not run.
        if not completion.tool_calls or last:
            run.stopped = "steps" if last and completion.tool_calls and not completion.text else None
            break
        calls = completion.tool_calls[:MAX_CALLS_PER_STEP]
        messages.append(Message("assistant", completion.text, calls))
        for call in calls:
            messages.append(_run(call, run_call, run.records, listener, share=len(calls)))
    run.text = "\n\n".join(texts).strip()
    return run


def _run(
    call: ToolCall,
    run_call: Callable[[str, dict[str, Any]], ToolCallRecord],
    records: list[ToolCallRecord],
    listener: Listener | None,
    *,
    share: int,
) -> Message:
    if INVALID_ARGUMENTS_KEY in call.arguments:
        return tool_error_message(call, "the arguments were not a JSON object; call the tool again")
    if listener is not None:
        listener(ToolStarted(call.name, dict(call.arguments)))
    try:
        record = run_call(call.name, dict(call.arguments))
    except InvalidInput as exc:
        if listener is not None:
            listener(ToolFinished(call.name, f"not run: {exc.message}"))
        return tool_error_message(call, exc.message)
    records.append(record)
    if listener is not None:
        listener(ToolFinished(record.name, record.summary))
    if isinstance(record.result, MissingData):
        return tool_error_message(call, record.result.message)
    return tool_result_message(call, record.result.model_dump(mode="json"), share=share)


def _estimate(request: ChatRequest) -> int:
    tools = [{"name": t.name, "about": t.description, "parameters": t.parameters} for t in request.tools]
    messages = [
        {"role": m.role, "content": m.content, "calls": [[c.name, c.arguments] for c in m.tool_calls]}
        for m in request.messages
    ]
    return estimate_tokens(request.system + json.dumps(tools) + json.dumps(messages))
