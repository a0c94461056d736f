"""The agent loop: question (+ the conversation so far) -> a language model or the built-in engine -> tool
calls in the user's sandbox -> answer with evidence.

The loop runs in the control plane. It never lets a question choose the account: models and the engine
plan tool calls without `account_id`, and the loop adds the account the control plane resolved to every
call.

With a `ModelSetup` whose chain holds providers, the question goes to the tool-calling loop
(`model_loop.py`): the model reads the system prompt (persona, rules, preferences, brand voice, memory), the
conversation and the tools, and calls them over as many steps as it needs within the limits. Its answer is
followed by the evidence of every tool it used, written by us rather than trusted to the model. Every
model request is priced (`pricing.py`) and returned as a `CostedCall` for the caller to record. When no
provider can answer (all unavailable), or there are none, the built-in engine answers: it plans its calls
up front and writes the answer itself, for free.

A call that needs a dataset the account has not imported (`NoAudienceData`) does not fail the question: it
is recorded with a `MissingData` result carrying the error's message (what to import, and how), the other
calls still run, and the answer says what to import. Every other error raised by the executor
(`SandboxError`, `NotFound`, ...) propagates unchanged for the caller to map; so do `ModelRejected` and
`ModelMisconfigured`, which a fail-over would only hide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from followlytics.agent.events import AnswerDelta, Listener, ToolFinished, ToolStarted
from followlytics.agent.llm import Engine, MissingData, PlannedCall, Turn
from followlytics.agent.llm.chain import Attempt
from followlytics.agent.llm.configured import ModelSetup
from followlytics.agent.llm.pricing import CallCost, call_cost
from followlytics.agent.model_loop import run_model_agent
from followlytics.agent.prompts import (
    AgentProfile,
    FeedbackNote,
    history_messages,
    system_prompt,
    tool_specs,
)
from followlytics.agent.tools import CONTEXT_FIELDS, Executor, ToolCallRecord, ToolRegistry, default_registry
from followlytics.analytics.evidence import Evidence
from followlytics.errors import NoAudienceData

__all__ = ["MAX_TOOL_CALLS", "AgentAnswer", "CostedCall", "cost_of_attempt", "recorded_turn", "run_agent"]

# A plan asking for more calls than this is a runaway; each call costs sandbox time.
MAX_TOOL_CALLS = 8


@dataclass(frozen=True)
class CostedCall:
    """One model request (answered or failed) and what it costs."""

    attempt: Attempt
    cost: CallCost | None


@dataclass
class AgentAnswer:
    answer: str
    tools: list[ToolCallRecord] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    provider: str = "builtin"
    model_calls: list[CostedCall] = field(default_factory=list)
    failover: bool = False

    @property
    def cost_usd(self) -> Decimal:
        return sum((call.cost.charged_usd for call in self.model_calls if call.cost), Decimal("0"))

    @property
    def input_tokens(self) -> int:
        return sum(c.attempt.completion.usage.prompt_tokens for c in self.model_calls if c.attempt.completion)

    @property
    def output_tokens(self) -> int:
        return sum(c.attempt.completion.usage.output_tokens for c in self.model_calls if c.attempt.completion)


def run_agent(
    question: str,
    *,
    account_id: str,
    account_handle: str,
    execute: Executor,
    registry: ToolRegistry | None = None,
    engine: Engine | None = None,
    history: Sequence[Turn] = (),
    models: ModelSetup | None = None,
    profile: AgentProfile | None = None,
    memory: Sequence[str] = (),
    feedback: Sequence[FeedbackNote] = (),
    listener: Listener | None = None,
    model_registry: ToolRegistry | None = None,
) -> AgentAnswer:
    """Answer `question` about `account_id`, running every tool call through `execute`.

    `model_registry` is what a language model is offered (default: `registry`); a plan's gated tools are
    left out of it, so a model is told a tool is unknown, while the built-in engine's planned call to one
    reaches `execute`, which refuses it with the plan that unlocks it.

    `history` is the conversation so far (most recent last), so follow-ups such as "and the next 10?"
    can build on the previous question. `listener` hears tool calls and answer text as they happen.
    """
    registry = registry if registry is not None else default_registry()
    offered = model_registry if model_registry is not None else registry
    model_calls: list[CostedCall] = []
    if models is not None and models.chain:
        answer = _run_models(
            question,
            models=models,
            registry=offered,
            run_call=lambda name, args: _run_call(offered, PlannedCall(name, args), account_id, execute),
            system=system_prompt(
                account_handle=account_handle,
                profile=profile or AgentProfile(),
                memory=memory,
                feedback=feedback,
            ),
            history=history,
            listener=listener,
        )
        if isinstance(answer, AgentAnswer):
            return answer
        model_calls = answer  # every provider was unavailable: these failed requests are still recorded
    engine = engine if engine is not None else _builtin_engine()
    plan = engine.plan(question, history)
    records = []
    for call in plan.calls[:MAX_TOOL_CALLS]:
        if listener is not None:
            listener(ToolStarted(call.tool, dict(call.arguments)))
        records.append(_run_call(registry, call, account_id, execute))
        if listener is not None:
            listener(ToolFinished(records[-1].name, records[-1].summary))
    text = engine.compose(question, plan, records, account_handle=account_handle)
    if listener is not None:
        listener(AnswerDelta(text))
    return AgentAnswer(
        answer=text,
        tools=records,
        evidence=_evidence(records),
        provider=engine.name,
        model_calls=model_calls,
        failover=bool(model_calls),
    )


def _run_models(
    question: str,
    *,
    models: ModelSetup,
    registry: ToolRegistry,
    run_call: Callable[[str, dict[str, Any]], ToolCallRecord],
    system: str,
    history: Sequence[Turn],
    listener: Listener | None,
) -> AgentAnswer | list[CostedCall]:
    """The model's answer, or (when no provider could answer) the costed failed requests."""
    run = run_model_agent(
        question,
        chain=models.chain,
        system=system,
        tools=tool_specs(registry),
        history=history_messages(history),
        run_call=run_call,
        max_steps=models.max_steps,
        token_budget=models.token_budget,
        max_output_tokens=models.max_output_tokens,
        listener=listener,
    )
    costed = [CostedCall(attempt, cost_of_attempt(attempt, models)) for attempt in run.attempts]
    answered = [a for a in run.attempts if a.completion is not None]
    if run.unanswered or not answered:  # no provider answered, or the budget allowed no request at all
        return costed
    footer = _evidence_footer(run.records, stopped=run.stopped)
    text = "\n\n".join(part for part in (run.text or _NO_TEXT, footer) if part)
    if listener is not None and footer:
        listener(AnswerDelta("\n\n" + footer if run.text else text))
    return AgentAnswer(
        answer=text,
        tools=run.records,
        evidence=_evidence(run.records),
        provider=answered[-1].provider,
        model_calls=costed,
        failover=any(a.failover for a in run.attempts),
    )


_NO_TEXT = "The model returned no answer text. The tool results it gathered are below."


def _evidence_footer(records: Sequence[ToolCallRecord], *, stopped: str | None) -> str:
    from followlytics.agent.llm.builtin.markdown import evidence_section, md

    lines = []
    if stopped == "budget":
        lines.append("_This question reached its token budget; the answer uses what was gathered so far._")
    elif stopped == "steps":
        lines.append("_This question reached its step limit; the answer uses what was gathered so far._")
    for record in records:
        if isinstance(record.result, MissingData):
            lines.append(f"**Data needed** ({md(record.name)}): {md(record.result.message)}")
            continue
        evidence = getattr(record.result, "evidence", None)
        section = evidence_section(record, evidence if isinstance(evidence, Evidence) else None)
        lines.append(section.replace("**Evidence**", f"**Evidence: {md(record.name)}**", 1))
    return "\n\n".join(lines)


def cost_of_attempt(attempt: Attempt, models: ModelSetup) -> CallCost | None:
    """What one model request costs (None for a failed request: nothing is billed)."""
    if attempt.completion is None:
        return None
    return call_cost(
        attempt.completion.usage,
        provider=attempt.provider,
        model=attempt.model,
        at=attempt.started_at,
        local_rates=models.local_rates,
    )


def _evidence(records: Sequence[ToolCallRecord]) -> list[dict[str, Any]]:
    return [item for item in (record.evidence() for record in records) if item is not None]


def recorded_turn(question: str, tools: Iterable[Mapping[str, Any]], answer: str = "") -> Turn:
    """A `Turn` from a recorded query: its question, its tools as `ToolCallRecord.public()` stored them, and
    its answer.

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
    return Turn(question=question, calls=calls, answer=answer)


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
