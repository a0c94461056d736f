"""Asking the agent: resolve the account, make sure the sandbox runs, run the agent, record the query.

`ask` answers from the user's imported audience in their own agent's sandbox, reading the question in
the light of the user's last few questions about the same account (`HISTORY_TURNS`, from the `queries`
table: each question and the tool calls made for it), so follow-ups like "and the next 10?" work;
`ask_stateless` answers from follower objects sent with the request, in an ephemeral sandbox that is
deleted with its data right after, with no history. Both record the query (answer, evidence, tools,
latency, cost).
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

from followlytics.agent.llm import Turn
from followlytics.agent.loop import AgentAnswer, recorded_turn, run_agent
from followlytics.audience.datasets import Dataset, missing
from followlytics.audience.importers import parse_user_objects
from followlytics.audience.paths import account_dir
from followlytics.audience.snapshots import write_snapshot
from followlytics.db.models import Query, User, new_id
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
    created_at: datetime


def ask(platform: Platform, *, user_id: str, question: str, handle: str | None = None) -> QueryAnswer:
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
    agent = running_agent(platform, user_id=user_id)
    answer = run_agent(
        question,
        account_id=account_id,
        account_handle=account_handle,
        execute=lambda tool, args: platform.sandboxes.exec(agent.sandbox_id, tool, args),
        history=history,
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


def ask_stateless(platform: Platform, *, user_id: str, question: str, follower_data: Any) -> QueryAnswer:
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
        select(Query.question, Query.tools)
        .where(Query.user_id == user_id, Query.account_id == account_id)
        .order_by(Query.created_at.desc(), Query.id.desc())
        .limit(turns)
    ).all()
    return [recorded_turn(question, tools or []) for question, tools in reversed(rows)]


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
            created_at=query.created_at,
        )
