"""Asking the agent: resolve the account, make sure the sandbox runs, run the agent, record the query.

`ask` answers from the user's imported audience in their own agent's sandbox, reading the question in
the light of the user's last few questions about the same account (`HISTORY_TURNS`, from the `queries`
table: each question, the tool calls made for it and the answer), so follow-ups like "and the next 10?"
work; the user's agent profile (persona, brand voice, preferences) and recent questions go into a model's
system prompt. `ask_stateless` answers from follower objects sent with the request, in an ephemeral sandbox
that is deleted with its data right after, with no history. Both record the query (answer, evidence,
tools, latency, cost) and each language-model request it made (`llm_calls`: usage, cost, request id,
fail-over), and both accept a `listener` that hears tool calls and answer text as they happen (the
streaming API).
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from followlytics.agent.events import Listener
from followlytics.agent.llm import Turn
from followlytics.agent.loop import AgentAnswer, CostedCall, recorded_turn, run_agent
from followlytics.agent.prompts import HISTORY_TURNS_FOR_MODEL, AgentProfile
from followlytics.agent.tools import default_registry
from followlytics.audience.datasets import Dataset, missing
from followlytics.audience.importers import parse_user_objects
from followlytics.audience.paths import account_dir
from followlytics.audience.snapshots import write_snapshot
from followlytics.db.models import LlmCall, Query, User, new_id
from followlytics.errors import ImportFailed, InvalidInput
from followlytics.services.accounts import resolve_account
from followlytics.services.agents import require_agent_plan, running_agent
from followlytics.services.platform import Platform

MAX_QUESTION_CHARS = 2000
# How many earlier questions a follow-up may lean on; the engine mostly needs the last one.
HISTORY_TURNS = 5
_EPHEMERAL_ACCOUNT = "ephemeral"


class QueryAnswer(BaseModel):
    query_id: str
    question: str
    account: str | None
    answer: str
    evidence: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    latency_ms: int
    cost_usd: Decimal
    provider: str
    input_tokens: int
    output_tokens: int
    failover: bool = False
    model_calls: list[dict[str, Any]] = []
    created_at: datetime


def ask(
    platform: Platform,
    *,
    user_id: str,
    question: str,
    handle: str | None = None,
    listener: Listener | None = None,
) -> QueryAnswer:
    started = time.perf_counter()
    question = checked_question(question)
    with platform.db.session() as session:
        user = session.get_one(User, user_id)
        require_agent_plan(user)
        account = resolve_account(session, user=user, handle=handle)
        if account.last_snapshot_id is None:
            raise missing(Dataset.FOLLOWERS, account.handle)
        account_id, account_handle = account.id, account.handle
        history = recent_history(session, user_id=user_id, account_id=account_id)
        profile = AgentProfile.from_json(user.agent_profile)
    agent = running_agent(platform, user_id=user_id)
    answer = run_agent(
        question,
        account_id=account_id,
        account_handle=account_handle,
        execute=lambda tool, args: platform.sandboxes.exec(agent.sandbox_id, tool, args),
        history=history,
        registry=default_registry(code=platform.sandboxes.isolates),
        models=platform.models,
        profile=profile,
        # The last turns go to the model whole; the memory line keeps the questions before them.
        memory=[turn.question for turn in history[:-HISTORY_TURNS_FOR_MODEL]],
        listener=listener,
    )
    return _record(
        platform,
        user_id=user_id,
        agent_id=agent.id,
        account_id=account_id,
        account_handle=account_handle,
        question=question,
        answer=answer,
        started=started,
    )


def ask_stateless(
    platform: Platform,
    *,
    user_id: str,
    question: str,
    follower_data: Any,
    listener: Listener | None = None,
) -> QueryAnswer:
    started = time.perf_counter()
    question = checked_question(question)
    with platform.db.session() as session:
        require_agent_plan(session.get_one(User, user_id))
    parsed = parse_user_objects(follower_data, source="followerData")
    if parsed.table.num_rows == 0:
        raise ImportFailed(file="followerData", location=None, field=None, problem="holds no user objects")
    sandbox_id = new_id("eph")
    root = platform.settings.data_dir / "ephemeral" / sandbox_id
    try:
        write_snapshot(account_dir(root, _EPHEMERAL_ACCOUNT), parsed.table, sources=["followerData"])
        platform.sandboxes.create(sandbox_id, root)
        answer = run_agent(
            question,
            account_id=_EPHEMERAL_ACCOUNT,
            account_handle="",
            execute=lambda tool, args: platform.sandboxes.exec(sandbox_id, tool, args),
            registry=default_registry(code=platform.sandboxes.isolates),
            models=platform.models,
            listener=listener,
        )
    finally:
        platform.sandboxes.delete(sandbox_id)
        shutil.rmtree(root, ignore_errors=True)
    return _record(
        platform,
        user_id=user_id,
        agent_id=None,
        account_id=None,
        account_handle=None,
        question=question,
        answer=answer,
        started=started,
    )


def recent_history(
    session: Session, *, user_id: str, account_id: str, turns: int = HISTORY_TURNS
) -> list[Turn]:
    """The user's last `turns` questions about `account_id` with their tool calls, oldest first."""
    rows = session.execute(
        select(Query.question, Query.tools, Query.answer)
        .where(Query.user_id == user_id, Query.account_id == account_id)
        .order_by(Query.created_at.desc(), Query.id.desc())
        .limit(turns)
    ).all()
    return [recorded_turn(question, tools or [], answer) for question, tools, answer in reversed(rows)]


def checked_question(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise InvalidInput("ask a question", field="question")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidInput(f"a question is at most {MAX_QUESTION_CHARS} characters", field="question")
    return question


def _record(
    platform: Platform,
    *,
    user_id: str,
    agent_id: str | None,
    account_id: str | None,
    account_handle: str | None,
    question: str,
    answer: AgentAnswer,
    started: float,
) -> QueryAnswer:
    tools = [record.public() for record in answer.tools]
    latency_ms = round((time.perf_counter() - started) * 1000)
    with platform.db.session() as session:
        query = Query(
            user_id=user_id,
            agent_id=agent_id,
            account_id=account_id,
            question=question,
            answer=answer.answer,
            evidence=answer.evidence,
            tools=tools,
            provider=answer.provider,
            latency_ms=latency_ms,
            cost_usd=answer.cost_usd,
            input_tokens=answer.input_tokens,
            output_tokens=answer.output_tokens,
        )
        query.llm_calls = [_llm_call(call) for call in answer.model_calls]
        session.add(query)
        session.flush()
        return QueryAnswer(
            query_id=query.id,
            question=question,
            account=account_handle,
            answer=answer.answer,
            evidence=answer.evidence,
            tools=tools,
            latency_ms=latency_ms,
            cost_usd=answer.cost_usd,
            provider=answer.provider,
            input_tokens=answer.input_tokens,
            output_tokens=answer.output_tokens,
            failover=answer.failover,
            model_calls=[_public_call(call) for call in query.llm_calls],
            created_at=query.created_at,
        )


def _llm_call(call: CostedCall) -> LlmCall:
    attempt, cost = call.attempt, call.cost
    usage = attempt.completion.usage if attempt.completion is not None else None
    return LlmCall(
        provider=attempt.provider,
        model=attempt.model,
        request_id=attempt.completion.request_id if attempt.completion is not None else None,
        failover=attempt.failover,
        error=type(attempt.error).__name__ if attempt.error is not None else None,
        raw_usage=usage.raw if usage is not None else None,
        input_tokens=usage.input_tokens if usage else 0,
        cached_input_tokens=usage.cached_input_tokens if usage else 0,
        cache_write_tokens=usage.cache_write_tokens if usage else 0,
        output_tokens=usage.output_tokens if usage else 0,
        reasoning_tokens=usage.reasoning_tokens if usage else 0,
        computed_cost_usd=cost.computed_usd if cost else None,
        reported_cost_usd=cost.reported_usd if cost else None,
        cost_usd=cost.charged_usd if cost else Decimal("0"),
        price_version=cost.price_version if cost else None,
        latency_ms=attempt.latency_ms,
        created_at=attempt.started_at,
    )


def _public_call(call: LlmCall) -> dict[str, Any]:
    """What the API shows of a model request: no raw usage, no request id."""
    return {
        "provider": call.provider,
        "model": call.model,
        "input_tokens": call.input_tokens + call.cached_input_tokens + call.cache_write_tokens,
        "output_tokens": call.output_tokens,
        "cost_usd": str(call.cost_usd),
        "failover": call.failover,
        "error": call.error,
    }
