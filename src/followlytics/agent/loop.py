"""The agent loop: question (+ the conversation so far) -> engine plan -> tool calls in the user's sandbox
-> answer with evidence.

The loop runs in the control plane. It never lets a question choose the account: the engine plans tool
calls without `account_id`, and the loop adds the account the control plane resolved to every call.

A call that needs a dataset the account has not imported (`NoAudienceData`) does not fail the question: it
is recorded with a `MissingData` result carrying the error's message (what to import, and how), the other
calls of the plan still run, and the engine's answer says what to import. Every other error raised by the
executor (`SandboxError`, `NotFound`, ...) propagates unchanged for the caller to map.

Today one engine round is enough: the built-in engine knows all its calls up front. An LLM engine will plan
again after seeing results; its rounds go here, bounded, with the same registry and the same account rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from followlytics.agent.llm import Engine, MissingData, PlannedCall, Turn
from followlytics.agent.tools import CONTEXT_FIELDS, Executor, ToolCallRecord, ToolRegistry, default_registry
from followlytics.errors import NoAudienceData

__all__ = ["MAX_TOOL_CALLS", "AgentAnswer", "recorded_turn", "run_agent"]

# A plan asking for more calls than this is a runaway; each call costs sandbox time.
MAX_TOOL_CALLS = 8


@dataclass
class AgentAnswer:
    answer: str
    tools: list[ToolCallRecord] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    provider: str = "builtin"
    cost_usd: Decimal = Decimal("0")
    input_tokens: int = 0
    output_tokens: int = 0


def run_agent(
    question: str,
    *,
    account_id: str,
    account_handle: str,
    execute: Executor,
    registry: ToolRegistry | None = None,
    engine: Engine | None = None,
    history: Sequence[Turn] = (),
) -> AgentAnswer:
    """Answer `question` about `account_id`, running every tool call through `execute`.

    `history` is the conversation so far (most recent last), so follow-ups such as "and the next 10?"
    can build on the previous question's calls.
    """
    registry = registry if registry is not None else default_registry()
    engine = engine if engine is not None else _builtin_engine()
    plan = engine.plan(question, history)
    records = [_run_call(registry, call, account_id, execute) for call in plan.calls[:MAX_TOOL_CALLS]]
    answer = engine.compose(question, plan, records, account_handle=account_handle)
    evidence = [item for item in (record.evidence() for record in records) if item is not None]
    # The built-in engine is free; LLM engines will report their tokens and cost here.
    return AgentAnswer(answer=answer, tools=records, evidence=evidence, provider=engine.name)


def recorded_turn(question: str, tools: Iterable[Mapping[str, Any]]) -> Turn:
    """A `Turn` from a recorded query: its question and its tools as `ToolCallRecord.public()` stored them.

    Context fields (`account_id`) are dropped, so a follow-up can never carry an account over.
    """
    calls = tuple(
        PlannedCall(
            tool=str(tool["name"]),
            arguments={k: v for k, v in dict(tool.get("arguments") or {}).items() if k not in CONTEXT_FIELDS},
        )
        for tool in tools
        if isinstance(tool, Mapping) and tool.get("name")
    )
    return Turn(question=question, calls=calls)


def _run_call(
    registry: ToolRegistry, call: PlannedCall, account_id: str, execute: Executor
) -> ToolCallRecord:
    args = {**call.arguments, "account_id": account_id}
    try:
        return registry.call(call.tool, args, execute)
    except NoAudienceData as exc:
        # The registry validated these arguments before the sandbox refused, so validating again cannot fail;
        # it gives the record the same arguments (defaults filled in) a successful call would show.
        sent = (
            registry.get(call.tool).arguments.model_validate(args).model_dump(mode="json", exclude_none=True)
        )
        result = MissingData(dataset=exc.dataset, message=exc.message)
        what = exc.dataset.replace("_", " ") if exc.dataset else "data"
        return ToolCallRecord(
            name=call.tool, arguments=sent, summary=f"not run: no {what} imported", result=result
        )


def _builtin_engine() -> Engine:
    from followlytics.agent.llm.builtin import BuiltinEngine

    return BuiltinEngine()
