"""Asking the agent: resolve the account, make sure the sandbox runs, run the agent, record the query.

`ask` answers from the user's imported audience in their own agent's sandbox, reading the question in
the light of the user's last few questions about the same account (`HISTORY_TURNS`, from the `queries`
table: each question, the tool calls made for it and the answer), so follow-ups like "and the next 10?"
work; the user's agent profile (persona, brand voice, preferences), recent questions and their newest
feedback on answers (helpful or not, and why) go into a model's system prompt. `ask_stateless` answers
from follower objects sent with the request, in an ephemeral sandbox that is deleted with its data right
after, with no history. Both record the query (answer, evidence,
tools, latency, cost) and each language-model request it made (`llm_calls`: usage, cost, request id,
fail-over), and both accept a `listener` that hears tool calls and answer text as they happen (the
streaming API).

Both check the plan first (`services/plans.py`: the agent, a competitor account, API access; a tool the plan
lacks is not offered to a model and refused to the built-in engine), then the monthly quota
(`services/quotas.py`: 402, or billed as overage once recorded). Past the active-agent cap
(`services/ledger.py`), a user with no live agent is answered in an ephemeral sandbox over their own folder.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, selectinload

from followlytics.agent.events import Listener
from followlytics.agent.llm import Turn
from followlytics.agent.loop import AgentAnswer, CostedCall, recorded_turn, run_agent
from followlytics.agent.prompts import HISTORY_TURNS_FOR_MODEL, AgentProfile, FeedbackNote
from followlytics.agent.tools import Executor, ToolRegistry, default_registry
from followlytics.audience.datasets import Dataset, missing
from followlytics.audience.paths import user_dir
from followlytics.db.models import AccountKind, LlmCall, Query, User, XAccount, utcnow
from followlytics.errors import FollowlyticsError, InvalidInput, NotFound, SandboxUnavailable
from followlytics.services.accounts import resolve_account
from followlytics.services.agents import live_agent, require_agent_plan, using_agent
from followlytics.services.ephemeral import EPHEMERAL_ACCOUNT, ephemeral_sandbox
from followlytics.services.feedback import remembered_feedback
from followlytics.services.ledger import agent_cap_reached
from followlytics.services.plans import TOOL_FEATURES, Feature, allowed_tools, require_feature, require_tool
from followlytics.services.platform import Platform
from followlytics.services.quotas import bill_question, check_quota, counted_question, refund_question

MAX_QUESTION_CHARS = 2000
# How many earlier questions a follow-up may lean on; the engine mostly needs the last one.
HISTORY_TURNS = 5


class StaleAnswer(BaseModel):
    """The last answer to the same question, offered while a new one waits in the queue."""

    query_id: str
    answer: str
    answered_at: datetime
    age_seconds: int
    stale: bool = True


class QueryAnswer(BaseModel):
    query_id: str
    status: str = Field(
        default="answered", description="`answered`; `queued` while no sandbox can run it; `failed`."
    )
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
    stale: StaleAnswer | None = Field(default=None, description="While queued: the last answer, and its age.")
    error: dict[str, Any] | None = None
    created_at: datetime


@dataclass(frozen=True)
class _Context:
    """What a question is asked about, read once: the user, their account, the conversation, the profile."""

    user_id: str
    account_id: str
    account_handle: str
    history: list[Turn]
    profile: AgentProfile
    plan: str
    feedback: list[FeedbackNote]


def ask(
    platform: Platform,
    *,
    user_id: str,
    question: str,
    handle: str | None = None,
    listener: Listener | None = None,
) -> QueryAnswer:
    """Answer now; when no sandbox provider can run it, queue it and return `status="queued"` with the last
    answer to the same question (if any) marked stale.

    The plan is checked first (the agent; competitor tracking for a competitor account), then the monthly
    quota (402 when used up and overage is blocked). A user with no live agent while the active-agent cap is
    reached is answered in a stateless sandbox over their own data instead of getting a persistent agent.
    """
    started = time.perf_counter()
    question = checked_question(question)
    with counted_question(platform, user_id):
        with platform.db.session() as session:
            user = session.get_one(User, user_id)
            require_agent_plan(user)
            account = resolve_account(session, user=user, handle=handle)
            if account.kind == AccountKind.COMPETITOR:
                require_feature(user, Feature.COMPETITOR_TRACKING)
            if account.last_snapshot_id is None:
                raise missing(Dataset.FOLLOWERS, account.handle)
            check_quota(session, platform.settings, user)
            stateless = _past_agent_cap(session, platform, user_id=user_id)
            context = _context(session, user, account)
        try:
            if stateless:
                agent_id, answer = None, _answer_stateless(platform, context, question, listener)
            else:
                agent_id, answer = _answer(platform, context, question, listener)
        except SandboxUnavailable:
            return _queue(platform, context, question)
        with platform.db.session() as session:
            query = Query(user_id=user_id, account_id=context.account_id, question=question)
            session.add(query)
            public = _store(
                session,
                query,
                agent_id=agent_id,
                answer=answer,
                started=started,
                handle=context.account_handle,
            )
            bill_question(session, platform.settings, query)
            return public


def answer_queued(platform: Platform, query_id: str) -> QueryAnswer | None:
    """Answer a queued question in place (the queue worker's job). Raises `SandboxUnavailable` while every
    provider is still down, so the queue tries again later; any other error marks the question failed."""
    started = time.perf_counter()
    with platform.db.session() as session:
        query = session.get(Query, query_id)
        if query is None or query.status != "queued":
            return None
        user = session.get_one(User, query.user_id)
        account = session.get_one(XAccount, query.account_id) if query.account_id else None
        if account is None:
            query.status, query.error = "failed", {"type": "NotFound", "message": "the account was removed"}
            refund_question(session, query.id)
            return None
        context = _context(session, user, account, before=query.created_at)
        question = query.question
        stateless = _past_agent_cap(session, platform, user_id=user.id)
    try:
        if stateless:
            agent_id, answer = None, _answer_stateless(platform, context, question, None)
        else:
            agent_id, answer = _answer(platform, context, question, None)
    except SandboxUnavailable:
        raise
    except FollowlyticsError as exc:
        with platform.db.session() as session:
            failed = session.get_one(Query, query_id)
            failed.status, failed.error = "failed", exc.to_dict()
            refund_question(session, query_id)
        return None
    with platform.db.session() as session:
        queued = session.get_one(Query, query_id)
        return _store(
            session, queued, agent_id=agent_id, answer=answer, started=started, handle=context.account_handle
        )


def wait_for_answer(
    platform: Platform, *, user_id: str, query_id: str, timeout: float, poll: float = 1.0
) -> Iterator[QueryAnswer | None]:
    """Poll a queued question: yields None each `poll` seconds while it waits, then its answer (or, after
    `timeout`, nothing more)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = get_query(platform, user_id=user_id, query_id=query_id)
        if current.status != "queued":
            yield current
            return
        yield None
        time.sleep(poll)


def get_query(platform: Platform, *, user_id: str, query_id: str) -> QueryAnswer:
    """One of the user's questions, answered, queued or failed (404 for anyone else's)."""
    with platform.db.session() as session:
        query = session.get(Query, query_id)
        if query is None or query.user_id != user_id:
            raise NotFound(f"no question {query_id!r}")
        account = session.get(XAccount, query.account_id) if query.account_id else None
        stale = _stale(session, query) if query.status == "queued" else None
        return _public(query, handle=account.handle if account else None, stale=stale)


def recent_answers(
    platform: Platform, *, user_id: str, search: str | None = None, limit: int = 50
) -> list[QueryAnswer]:
    """The user's newest questions (any status), newest first; `search` keeps those whose question or
    answer contains it, ignoring case."""
    with platform.db.session() as session:
        statement = select(Query).where(Query.user_id == user_id)
        if search and search.strip():
            pattern = f"%{_escape_like(search.strip().lower())}%"
            statement = statement.where(
                func.lower(Query.question).like(pattern, escape="\\")
                | func.lower(Query.answer).like(pattern, escape="\\")
            )
        statement = statement.options(selectinload(Query.llm_calls))
        rows = session.scalars(
            statement.order_by(Query.created_at.desc(), Query.id.desc()).limit(limit)
        ).all()
        handles = dict(
            session.execute(select(XAccount.id, XAccount.handle).where(XAccount.user_id == user_id)).all()
        )
        return [_public(query, handle=handles.get(query.account_id or "")) for query in rows]


def ask_stateless(
    platform: Platform,
    *,
    user_id: str,
    question: str,
    follower_data: Any,
    listener: Listener | None = None,
) -> QueryAnswer:
    """A question about follower data sent with it (API access: Agency); it counts against the quota."""
    started = time.perf_counter()
    question = checked_question(question)
    with counted_question(platform, user_id):
        with platform.db.session() as session:
            user = session.get_one(User, user_id)
            require_agent_plan(user)
            require_feature(user, Feature.API_ACCESS)
            check_quota(session, platform.settings, user)
            plan = user.plan
        with ephemeral_sandbox(platform, follower_data=follower_data) as sandbox:
            registry = default_registry(code=sandbox.isolates)
            answer = run_agent(
                question,
                account_id=EPHEMERAL_ACCOUNT,
                account_handle="",
                execute=_gated(plan, sandbox.exec),
                registry=registry,
                model_registry=_offered(registry, plan),
                models=platform.models,
                listener=listener,
            )
        with platform.db.session() as session:
            query = Query(user_id=user_id, account_id=None, question=question)
            session.add(query)
            public = _store(session, query, agent_id=None, answer=answer, started=started, handle=None)
            bill_question(session, platform.settings, query)
            return public


def recent_history(
    session: Session,
    *,
    user_id: str,
    account_id: str,
    turns: int = HISTORY_TURNS,
    before: datetime | None = None,
) -> list[Turn]:
    """The user's last `turns` answered questions about `account_id` (asked before `before`, when given)
    with their tool calls and answers, oldest first."""
    rows = session.execute(
        select(Query.question, Query.tools, Query.answer)
        .where(Query.user_id == user_id, Query.account_id == account_id, Query.status == "answered")
        .where(Query.created_at < before if before is not None else true())
        .order_by(Query.created_at.desc(), Query.id.desc())
        .limit(turns)
    ).all()
    return [recorded_turn(question, tools or [], answer) for question, tools, answer in reversed(rows)]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def checked_question(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise InvalidInput("ask a question", field="question")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidInput(f"a question is at most {MAX_QUESTION_CHARS} characters", field="question")
    return question


def _context(session: Session, user: User, account: XAccount, *, before: datetime | None = None) -> _Context:
    history = recent_history(session, user_id=user.id, account_id=account.id, before=before)
    profile = AgentProfile.from_json(user.agent_profile)
    feedback = remembered_feedback(session, user_id=user.id)
    return _Context(user.id, account.id, account.handle, history, profile, user.plan, feedback)


def _past_agent_cap(session: Session, platform: Platform, *, user_id: str) -> bool:
    """A user with no live agent while the active-agent cap is reached gets no persistent agent."""
    return live_agent(session, user_id=user_id) is None and agent_cap_reached(session, platform.settings)


def _gated(plan: str, execute: Executor) -> Executor:
    """`execute`, refusing a tool the plan lacks (403 naming the plan that has it) before it runs."""

    def run(tool: str, args: dict[str, Any]) -> dict[str, Any]:
        require_tool(plan, tool)
        return execute(tool, args)

    return run


def _offered(registry: ToolRegistry, plan: str) -> ToolRegistry:
    """What a language model is offered: the registry without the tools the plan lacks."""
    return registry.without(set(TOOL_FEATURES) - allowed_tools(plan))


def _answer_stateless(
    platform: Platform, context: _Context, question: str, listener: Listener | None
) -> AgentAnswer:
    """Past the active-agent cap: a sandbox made for the question over the user's folder, then deleted."""
    root = user_dir(platform.users_dir, context.user_id)
    with ephemeral_sandbox(platform, user_root=root) as sandbox:
        return _run(platform, context, question, listener, execute=sandbox.exec, isolates=sandbox.isolates)


def _answer(
    platform: Platform, context: _Context, question: str, listener: Listener | None
) -> tuple[str, AgentAnswer]:
    """Run the question in the user's agent; returns the agent id and the answer."""
    # The use lock keeps the lifecycle sweep from pausing the agent while the question runs in it.
    with using_agent(platform, user_id=context.user_id) as agent:
        provider = platform.provider(agent.sandbox_provider)
        answer = _run(
            platform,
            context,
            question,
            listener,
            execute=lambda tool, args: provider.exec(agent.sandbox_id, tool, args),
            isolates=provider.isolates,
        )
    return agent.id, answer


def _run(
    platform: Platform,
    context: _Context,
    question: str,
    listener: Listener | None,
    *,
    execute: Executor,
    isolates: bool,
) -> AgentAnswer:
    """The agent loop over one account, with the tools the user's plan has (`run_python` where the sandbox
    isolates), their history, profile and feedback."""
    registry = default_registry(code=isolates)
    return run_agent(
        question,
        account_id=context.account_id,
        account_handle=context.account_handle,
        execute=_gated(context.plan, execute),
        history=context.history,
        registry=registry,
        model_registry=_offered(registry, context.plan),
        models=platform.models,
        profile=context.profile,
        # The last turns go to the model whole; the memory line keeps the questions before them.
        memory=[turn.question for turn in context.history[:-HISTORY_TURNS_FOR_MODEL]],
        feedback=context.feedback,
        listener=listener,
    )


def _queue(platform: Platform, context: _Context, question: str) -> QueryAnswer:
    """Record the question as queued and hand it to the job queue (durable across restarts)."""
    from followlytics.jobs.questions import enqueue_answer

    with platform.db.session() as session:
        query = Query(
            user_id=context.user_id,
            account_id=context.account_id,
            question=question,
            status="queued",
            answer="",
            evidence=[],
            tools=[],
            provider="",
            latency_ms=0,
            cost_usd=Decimal("0"),
        )
        session.add(query)
        session.flush()
        bill_question(session, platform.settings, query)
        queued = _public(query, handle=context.account_handle, stale=_stale(session, query))
    enqueue_answer(platform.settings, queued.query_id)
    return queued


def _stale(session: Session, query: Query) -> StaleAnswer | None:
    """The newest answer to the same question (same user and account, same words ignoring case)."""
    same = " ".join(query.question.lower().split())
    rows = session.execute(
        select(Query.id, Query.question, Query.answer, Query.created_at)
        .where(
            Query.user_id == query.user_id,
            Query.account_id == query.account_id,
            Query.status == "answered",
            Query.id != query.id,
        )
        .order_by(Query.created_at.desc())
        .limit(200)
    ).all()
    for query_id, text, answer, answered_at in rows:
        if " ".join(text.lower().split()) == same:
            age = max(0, round((utcnow() - answered_at).total_seconds()))
            return StaleAnswer(query_id=query_id, answer=answer, answered_at=answered_at, age_seconds=age)
    return None


def _store(
    session: Session,
    query: Query,
    *,
    agent_id: str | None,
    answer: AgentAnswer,
    started: float,
    handle: str | None,
) -> QueryAnswer:
    """Write the answer into `query` (new, or a queued one being answered) and return its public form."""
    query.agent_id = agent_id
    query.status = "answered"
    query.answer = answer.answer
    query.evidence = answer.evidence
    query.tools = [record.public() for record in answer.tools]
    query.provider = answer.provider
    query.latency_ms = round((time.perf_counter() - started) * 1000)
    query.cost_usd = answer.cost_usd
    query.input_tokens = answer.input_tokens
    query.output_tokens = answer.output_tokens
    query.llm_calls = [_llm_call(call) for call in answer.model_calls]
    session.flush()
    return _public(query, handle=handle, failover=answer.failover)


def _public(
    query: Query, *, handle: str | None, stale: StaleAnswer | None = None, failover: bool | None = None
) -> QueryAnswer:
    calls = list(query.llm_calls)
    return QueryAnswer(
        query_id=query.id,
        status=query.status,
        question=query.question,
        account=handle,
        answer=query.answer,
        evidence=query.evidence,
        tools=query.tools,
        latency_ms=query.latency_ms,
        cost_usd=query.cost_usd,
        provider=query.provider,
        input_tokens=query.input_tokens,
        output_tokens=query.output_tokens,
        failover=failover if failover is not None else any(call.failover for call in calls),
        model_calls=[_public_call(call) for call in calls],
        stale=stale,
        error=query.error,
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
