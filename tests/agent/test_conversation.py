"""Conversations and missing data: follow-ups built on earlier turns (in memory and from the `queries`
table), and answers that say what to import instead of failing when a call's data is missing.

The end-to-end tests run the real analytics in an in-process `Runtime` over a small user folder; the
executor below only turns the runtime's error replies back into exceptions, as the sandbox provider does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from followlytics.agent import run_agent
from followlytics.agent.llm import Plan, PlannedCall, Turn
from followlytics.agent.llm.builtin import BuiltinEngine
from followlytics.agent.loop import recorded_turn
from followlytics.agent.tools import default_registry
from followlytics.audience.datasets import Dataset, import_hint, missing
from followlytics.audience.manifest import AccountEntry, write_manifest
from followlytics.audience.paths import account_dir
from followlytics.audience.schema import FOLLOWER_SCHEMA
from followlytics.audience.snapshots import write_snapshot
from followlytics.errors import NoAudienceData, ToolFailed
from followlytics.sandbox.runtime import Runtime


def _ask(question: str, execute, *, history=(), engine=None):
    return run_agent(
        question, account_id="acc_me", account_handle="me", execute=execute, history=history, engine=engine
    )


def _code_spans(text: str) -> list[str]:
    """The `commands` in an import hint: the answer must keep them as code, ready to copy."""
    spans = re.findall(r"`[^`]+`", text)
    assert spans
    return spans


def _runtime_executor(runtime: Runtime):
    def execute(tool: str, args: dict[str, Any]) -> dict[str, Any]:
        reply = runtime.handle({"id": 1, "tool": tool, "args": args})
        if reply["ok"]:
            return reply["result"]
        error = reply["error"]
        if error["type"] == "NoAudienceData":
            raise NoAudienceData(error["message"], dataset=error.get("dataset"))
        raise ToolFailed(error["message"])

    return execute


def _followers(root: Path, rows: list[dict[str, Any]], when: datetime | None = None) -> None:
    info = write_snapshot(
        account_dir(root, "acc_me"),
        pa.Table.from_pylist(rows, schema=FOLLOWER_SCHEMA),
        sources=["test"],
        dataset=Dataset.FOLLOWERS,
    )
    if when is not None:  # the snapshot id is its import time
        info.path.rename(info.path.with_name(f"{when.strftime('%Y%m%dT%H%M%S%fZ')}.parquet"))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "u1"
    write_manifest(root, [AccountEntry("acc_me", "me", "own")])
    return root


ROWS = [
    {"id": "1", "username": "ada", "followers_count": 50_000, "location": "London", "verified": True},
    {"id": "2", "username": "bo", "followers_count": 900, "location": "Berlin"},
    {"id": "3", "username": "cy", "followers_count": 12_000, "location": "London"},
]


# --- follow-ups ----------------------------------------------------------------------------------------


def test_a_follow_up_pages_on_from_the_previous_turn(sandbox):
    first = _ask("top 5 followers in London", sandbox)
    turn = Turn("top 5 followers in London", tuple(PlannedCall(r.name, r.arguments) for r in first.tools))

    _ask("and the next 5", sandbox, history=[turn])

    assert sandbox.calls[-1] == (
        "top_followers",
        {"account_id": "acc_me", "limit": 5, "location": "London", "offset": 5},
    )


def test_recorded_history_plans_the_same_follow_ups_as_planned_history(sandbox):
    """The `queries` table stores arguments with every default filled in; follow-ups must not care."""
    engine = BuiltinEngine()
    first = "top 5 followers in London"
    reply = _ask(first, sandbox)
    stored = [record.public() for record in reply.tools]  # what services/queries.py records
    assert stored[0]["arguments"]["account_id"] == "acc_me"

    from_table = [recorded_turn(first, stored)]
    from_plan = [Turn(first, engine.plan(first).calls)]
    for follow_up in ("and the next 5", "what about in Berlin?", "only verified ones", "show 20 instead"):
        assert engine.plan(follow_up, from_table) == engine.plan(follow_up, from_plan), follow_up


def test_a_recorded_turn_never_carries_an_account_over(sandbox):
    turn = recorded_turn(
        "top followers", [{"name": "top_followers", "arguments": {"account_id": "victim", "limit": 3}}]
    )
    assert turn.calls == (PlannedCall("top_followers", {"limit": 3}),)

    _ask("and the next 3", sandbox, history=[turn])

    assert sandbox.calls == [("top_followers", {"account_id": "acc_me", "limit": 3, "offset": 3})]


def test_turns_without_calls_are_skipped_when_following_up():
    engine = BuiltinEngine()
    history = [
        Turn("top 5 followers in London", engine.plan("top 5 followers in London").calls),
        Turn("hello", ()),
    ]

    plan = engine.plan("what about in Berlin?", history)

    assert plan.intent == "top_followers"
    assert plan.calls == (PlannedCall("top_followers", {"limit": 5, "location": "Berlin"}),)


def test_a_new_topic_is_not_a_follow_up():
    engine = BuiltinEngine()
    history = [Turn("top 5 followers in London", engine.plan("top 5 followers in London").calls)]

    assert engine.plan("who unfollowed me?", history).calls == (PlannedCall("follower_changes", {}),)
    assert engine.plan("thanks!", history).calls == ()


def test_a_filter_a_follow_up_cannot_apply_is_a_note():
    engine = BuiltinEngine()
    history = [Turn("who are my mutuals?", engine.plan("who are my mutuals?").calls)]

    plan = engine.plan("only verified ones", history)

    assert plan.calls == (PlannedCall("mutual_connections", {}),)
    assert plan.notes == (
        "The mutual connections analysis can't be filtered by verification, so that was not applied.",
    )


# --- missing data --------------------------------------------------------------------------------------


class _FixedPlan(BuiltinEngine):
    """The built-in engine's answers for a fixed plan, to combine calls that do and don't have data."""

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self._plan = plan

    def plan(self, question, history=()):
        return self._plan


def test_a_missing_dataset_is_reported_and_the_other_calls_still_answer(sandbox):
    def execute(name, args):
        if name == "follower_changes":
            raise missing(Dataset.FOLLOWERS, "me")
        return sandbox(name, args)

    plan = Plan(
        intent="top_followers",
        calls=(PlannedCall("top_followers", {"limit": 3}), PlannedCall("follower_changes", {"days": 7})),
    )
    reply = _ask("top followers and what changed", execute, engine=_FixedPlan(plan))

    assert reply.answer.startswith("**The 3 most valuable followers of @me**")
    data_needed = reply.answer.split("**Data needed**\n", 1)[1]
    # the error's own instructions, with the command kept as code
    assert data_needed.startswith("- `follower_changes`: No followers imported for @me yet. Import X API v2")
    assert all(span in data_needed for span in _code_spans(import_hint(Dataset.FOLLOWERS, "me")))
    assert [record.public()["summary"] for record in reply.tools][1] == "not run: no followers imported"
    assert reply.tools[1].public()["arguments"] == {"account_id": "acc_me", "days": 7, "limit": 10}
    assert len(reply.evidence) == 1  # only the call that ran has evidence


def test_a_question_whose_only_call_lacks_data_says_what_to_import(root):
    _followers(root, ROWS)

    reply = _ask("who unfollowed me this week?", _runtime_executor(Runtime(root)))

    lines = reply.answer.split("\n\n")
    assert lines[0] == (
        "**I can't answer this from the data imported so far** (follower changes). Here is what to import:"
    )
    assert "Only one followers snapshot is imported for @me" in reply.answer
    assert all(span in reply.answer for span in _code_spans(import_hint(Dataset.FOLLOWERS, "me")))
    assert reply.evidence == [] and reply.tools[0].arguments == {
        "account_id": "acc_me",
        "days": 7,
        "limit": 10,
    }


def test_a_hostile_error_message_cannot_add_links_or_markup():
    def execute(name, args):
        raise NoAudienceData(
            "No posts [click](http://evil.example) **now** `followlytics import x`", dataset="tweets"
        )

    reply = _ask("who unfollowed me?", execute)

    assert "](http" not in reply.answer and "**now**" not in reply.answer
    assert r"\[click\]\(http:\/\/evil.example\) \*\*now\*\* `followlytics import x`" in reply.answer


# --- end to end over real analytics --------------------------------------------------------------------


def test_follower_changes_answer_quotes_its_numbers(root):
    _followers(root, ROWS[:2], datetime(2026, 1, 1, tzinfo=UTC))
    _followers(root, [ROWS[0], ROWS[2]], datetime(2026, 1, 8, tzinfo=UTC))

    reply = _ask("who unfollowed me?", _runtime_executor(Runtime(root)))

    # gained cy (12,000 followers), lost bo (900): 2 -> 2 followers, net 0
    assert reply.answer.splitlines()[0] == (
        "**@me gained 1 and lost 1 followers: net +0, +0.00%** — 2 → 2 followers between 2026-01-01 and "
        "2026-01-08 (7.0 days)."
    )
    assert "| 1 | @cy | 12,000 | 12K followers |" in reply.answer
    assert "| 1 | @bo | 900 | 900 followers |" in reply.answer
    assert "Welcome @cy (12,000 followers)" in reply.answer
    assert "**Evidence**" in reply.answer


def test_a_conversation_over_the_runtime(root):
    _followers(root, ROWS)
    execute = _runtime_executor(Runtime(root))
    engine = BuiltinEngine()
    history: list[Turn] = []
    asked = []
    for question in ("top 2 followers", "and the next 2", "what about in London?"):
        reply = _ask(question, execute, history=history)
        history.append(recorded_turn(question, [record.public() for record in reply.tools]))
        asked.append(reply.tools[0].arguments)

    assert [{k: v for k, v in args.items() if k != "account_id"} for args in asked] == [
        {"limit": 2},
        {"limit": 2, "offset": 2},
        {"limit": 2, "offset": 2, "location": "London"},
    ]
    assert engine.plan("and the next 2", history).calls[0].arguments["offset"] == 4


def test_every_planned_tool_is_one_the_registry_knows_or_a_catalog_tool_to_come():
    from followlytics.agent.llm.builtin.calls import TOOLS

    registered = {tool.name for tool in default_registry()}
    assert registered <= set(TOOLS)


# --- history from the queries table --------------------------------------------------------------------


def test_ask_follows_up_on_the_users_recorded_questions(platform, make_user):
    from followlytics.services.imports import import_files
    from followlytics.services.queries import ask
    from tests.conftest import FIXTURES

    user = make_user()
    import_files(
        platform,
        user_id=user.id,
        paths=[FIXTURES / "x-api-v2" / "followers_page_twittered.json"],
        handle="me",
    )

    first = ask(platform, user_id=user.id, question="top 3 followers")
    second = ask(platform, user_id=user.id, question="and the next 3")
    third = ask(platform, user_id=user.id, question="show 5 instead")

    assert first.tools[0]["arguments"]["limit"] == 3
    assert {k: v for k, v in second.tools[0]["arguments"].items() if k != "account_id"} == {
        "limit": 3,
        "offset": 3,
    }
    assert {k: v for k, v in third.tools[0]["arguments"].items() if k != "account_id"} == {
        "limit": 5,
        "offset": 3,
    }
    assert "ranked 4 to 6" in second.answer


def test_recent_history_is_the_last_five_questions_about_that_account_oldest_first(platform, make_user):
    from followlytics.db.models import Query, XAccount
    from followlytics.services.queries import recent_history

    user = make_user()
    with platform.db.session() as session:
        mine = XAccount(user_id=user.id, handle="me", kind="own")
        other = XAccount(user_id=user.id, handle="other", kind="own")
        session.add_all([mine, other])
        session.flush()
        for n in range(7):
            for account in (mine, other):
                session.add(
                    Query(
                        user_id=user.id,
                        account_id=account.id,
                        question=f"{account.handle} {n}",
                        answer="",
                        evidence=[],
                        tools=[
                            {"name": "top_followers", "arguments": {"account_id": account.id, "limit": n + 1}}
                        ],
                        provider="builtin",
                        latency_ms=1,
                        cost_usd=0,
                        created_at=datetime(2026, 1, 1, n, tzinfo=UTC),
                    )
                )
        session.flush()

        history = recent_history(session, user_id=user.id, account_id=mine.id)

    assert [turn.question for turn in history] == ["me 2", "me 3", "me 4", "me 5", "me 6"]
    assert history[-1].calls == (PlannedCall("top_followers", {"limit": 7}),)
