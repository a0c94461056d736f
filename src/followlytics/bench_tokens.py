"""`followlytics bench tokens`: how many tokens, and dollars, a question costs with a language model.

The real agent loop (system prompt, compact tool schemas, conversation, tool results framed and trimmed, the
evidence footer) answers the four roadmap use cases about a synthetic audience of `--followers` followers,
with the analytics running in a real runtime over the imported snapshots, and `run_python` offered when
that sandbox isolates, as a question gets it. Only the model is scripted
(`ScriptedModel`): on the first turn it calls the tools the built-in engine would plan for the question, on
the next it answers with a fixed Markdown reply of about 200 tokens. Its usage is counted from what it was
sent with `estimate_tokens` (one token per 3 bytes; about 24% above GPT-4o's tokenizer on these prompts),
so the figures are the prompts' own size, not a provider's tokenizer. Cost uses the shipped price table
for xAI `grok-4.3`. Goal: at most 4,000 input tokens per request, under $0.01 per question.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from followlytics.agent.llm.chain import ModelChain
from followlytics.agent.llm.configured import ModelSetup
from followlytics.agent.llm.messages import (
    ChatRequest,
    Completed,
    Completion,
    StreamEvent,
    ToolCall,
    Usage,
)
from followlytics.agent.llm.tokens import estimate_tokens
from followlytics.agent.loop import run_agent
from followlytics.agent.tools import default_registry
from followlytics.bench_analytics import OWN, RIVAL, _default_data_dir, prepare
from followlytics.sandbox.local import LocalSandboxProvider

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("top_followers", "Who are my most valuable followers?"),
    ("content_ideas", "What should I post about next week?"),
    ("collaborations", "Who should I collaborate with?"),
    ("competitor", f"What does @{RIVAL.handle} do better than me?"),
)
GOAL_INPUT_TOKENS_PER_REQUEST = 4000
_ANSWER = (
    "**Your 10 most valuable followers hold 41% of your audience's reach** (top_followers)\n\n"
    "| # | Follower | Score | Followers |\n|---|---|---|---|\n"
    + "".join(f"| {i} | @follower_{i} | {90 - i} | {12_000 - 900 * i:,} |\n" for i in range(1, 8))
    + "\n1. Reply to the top three within an hour of their posts; they drive most reposts.\n"
    "2. Invite @follower_2 to a co-hosted Space: reach 10,200 and the closest topic match.\n"
    "3. Post on Tuesdays at 14:00 UTC, your best slot (posting_times).\n"
)


class ScriptedModel:
    """A `ChatProvider` that plays a model: tools first, then a fixed answer, with counted usage."""

    name = "xai"
    model = "grok-4.3"

    def __init__(self) -> None:
        from followlytics.agent.llm.builtin import BuiltinEngine

        self._engine = BuiltinEngine()
        self._ids = itertools.count(1)
        self.requests: list[int] = []

    def complete(self, request: ChatRequest) -> Completion:
        prompt = _request_tokens(request)
        self.requests.append(prompt)
        question = next(m.content for m in reversed(request.messages) if m.role == "user")
        answered_tools = request.messages[-1].role == "tool"
        calls: tuple[ToolCall, ...] = ()
        if not answered_tools and request.tool_choice == "auto":
            plan = self._engine.plan(question)
            calls = tuple(ToolCall(f"call_{next(self._ids)}", c.tool, dict(c.arguments)) for c in plan.calls)
        text = "" if calls else _ANSWER
        output = estimate_tokens(text + json.dumps([[c.name, c.arguments] for c in calls]))
        usage = Usage(input_tokens=prompt, output_tokens=output, raw={"prompt_tokens": prompt})
        finish = "tool_calls" if calls else "stop"
        return Completion(text, calls, finish, usage, self.name, self.model, f"scripted-{len(self.requests)}")

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        yield Completed(self.complete(request))


def bench_tokens(followers: int, *, seed: int = 1, data_dir: Path | None = None) -> dict[str, Any]:
    data = prepare(followers, seed=seed, data_dir=data_dir or _default_data_dir())
    sandboxes = LocalSandboxProvider(timeout=600)
    sandboxes.create("bench-tokens", data.root)
    model = ScriptedModel()
    setup = ModelSetup(chain=ModelChain([model], retries=0))
    # As a question gets it: with `run_python` wherever the sandbox isolates (bubblewrap works).
    registry = default_registry(code=sandboxes.isolates)
    cases = []
    try:
        for case, question in QUESTIONS:
            before = len(model.requests)
            answer = run_agent(
                question,
                account_id=OWN.id,
                account_handle=OWN.handle,
                execute=lambda tool, args: sandboxes.exec("bench-tokens", tool, args),
                models=setup,
                registry=registry,
            )
            inputs = model.requests[before:]
            cases.append(
                {
                    "case": case,
                    "question": question,
                    "provider": answer.provider,
                    "tools": [record.name for record in answer.tools],
                    "input_tokens_per_request": inputs,
                    "input_tokens": answer.input_tokens,
                    "output_tokens": answer.output_tokens,
                    "cost_usd": str(answer.cost_usd),
                }
            )
    finally:
        sandboxes.close()
    worst = max(max(case["input_tokens_per_request"], default=0) for case in cases)
    return {
        "benchmark": "tokens",
        "followers": followers,
        "model": f"{model.name}/{model.model}, scripted",
        "token_count": "estimate_tokens: 1 token per 3 UTF-8 bytes",
        "run_python_offered": sandboxes.isolates,
        "goal_input_tokens_per_request": GOAL_INPUT_TOKENS_PER_REQUEST,
        "max_input_tokens_per_request": worst,
        "meets_goal": worst <= GOAL_INPUT_TOKENS_PER_REQUEST,
        "max_cost_usd_per_question": str(max(Decimal(case["cost_usd"]) for case in cases)),
        "cases": cases,
    }


def _request_tokens(request: ChatRequest) -> int:
    """The request as a chat-completions body would carry it (system, messages, calls, tools)."""
    tools = []
    for spec in request.tools:
        function = {"name": spec.name, "description": spec.description, "parameters": spec.parameters}
        tools.append({"type": "function", "function": function})
    messages: list[dict[str, Any]] = [{"role": "system", "content": request.system}]
    for message in request.messages:
        item: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.tool_calls:
            item["tool_calls"] = [[call.id, call.name, call.arguments] for call in message.tool_calls]
        if message.tool_call_id:
            item["tool_call_id"] = message.tool_call_id
        messages.append(item)
    return estimate_tokens(json.dumps({"messages": messages, "tools": tools}, ensure_ascii=False))
