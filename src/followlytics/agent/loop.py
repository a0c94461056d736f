"""The agent loop: question -> engine plan -> tool calls in the user's sandbox -> answer with evidence.

The loop runs in the control plane. It never lets a question choose the account: the engine plans tool
calls without `account_id`, and the loop adds the account the control plane resolved to every call. Errors
raised by the executor (`NoAudienceData`, `SandboxError`, ...) propagate unchanged for the caller to map.

Today one engine round is enough: the built-in engine knows all its calls up front. An LLM engine will plan
again after seeing results; its rounds go here, bounded, with the same registry and the same account rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from followlytics.agent.llm import Engine
from followlytics.agent.tools import Executor, ToolCallRecord, ToolRegistry, default_registry

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
) -> AgentAnswer:
    """Answer `question` about `account_id`, running every tool call through `execute`."""
    registry = registry if registry is not None else default_registry()
    engine = engine if engine is not None else _builtin_engine()
    plan = engine.plan(question)
    records = [
        registry.call(call.tool, {**call.arguments, "account_id": account_id}, execute)
        for call in plan.calls[:MAX_TOOL_CALLS]
    ]
    answer = engine.compose(question, plan, records, account_handle=account_handle)
    evidence = [item for item in (record.evidence() for record in records) if item is not None]
    # The built-in engine is free; LLM engines will report their tokens and cost here.
    return AgentAnswer(answer=answer, tools=records, evidence=evidence, provider=engine.name)


def _builtin_engine() -> Engine:
    from followlytics.agent.llm.builtin import BuiltinEngine

    return BuiltinEngine()
