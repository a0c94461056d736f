"""The agent loop end to end over a fake sandbox: plans, tool calls, the Markdown answer and its evidence."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from followlytics.agent import AgentAnswer, run_agent
from followlytics.agent.llm import Plan, PlannedCall
from followlytics.agent.llm.builtin import BuiltinEngine
from followlytics.errors import NotFound, SandboxError


def _ask(question, sandbox, *, handle="creator"):
    return run_agent(question, account_id="acct-1", account_handle=handle, execute=sandbox)


def _table_rows(answer: str) -> list[list[str]]:
    """The data rows of the answer's table, split on the unescaped pipes only."""
    lines = [line for line in answer.splitlines() if line.startswith("| ") and not line.startswith("| # ")]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]


def _recommendations(answer: str) -> list[str]:
    section = answer.split("**What to do**\n", 1)[1].split("\n\n", 1)[0]
    return [line[2:] for line in section.splitlines()]


def test_top_five_in_london(sandbox):
    reply = _ask("top 5 followers in London", sandbox)

    assert isinstance(reply, AgentAnswer)
    headline = reply.answer.splitlines()[0]
    assert (
        headline
        == "**The 5 most valuable followers of @creator** — 6 of 12 followers match (filters: in London)"
    )
    rows = _table_rows(reply.answer)
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5"]
    assert [row[1].split()[0] for row in rows] == ["@alice", "@bob", "@dave", "@frank", "@heidi"]
    assert rows[0] == [
        "1",
        "@alice (Alice) ✓",
        "1,200,000",
        "92.0",
        "1,200,000 followers; verified; based in London",
    ]
    assert "(protected)" in rows[2][1]
    assert "**Evidence**" in reply.answer
    evidence = reply.answer.split("**Evidence**", 1)[1]
    assert "`snap-20240601T120000Z`" in evidence
    assert "Rows read: 12; rows matched: 6" in evidence
    assert "location = London" in evidence
    assert "value-score-v1" in evidence


def test_recommendations_are_computed_from_the_result(sandbox):
    reply = _ask("Who are my most valuable followers?", sandbox)

    lines = _recommendations(reply.answer)
    assert 2 <= len(lines) <= 4
    # alice has the largest follower count among the returned rows
    assert lines[0].startswith("**@alice** has the most reach here (1,200,000 followers, ranked #1)")
    # alice, carol and erin are the verified ones in the top 10; 3 of the 12 followers are verified
    assert "3 of your top 10 are verified, versus 25% of all your 12 followers (3 verified)" in lines[1]
    # three rows whose location reads exactly "London" (bob, alice, dave)
    assert "3 of your top 10 are in London" in lines[2]
    assert "`interactions`" in lines[3]


def test_protected_and_engagement_advice_follow_the_data(make_sandbox):
    with_engagement = _ask("top 5 followers in London", make_sandbox(has_engagement=True))
    without = _ask("top 5 followers in London", make_sandbox(has_engagement=False))

    assert not any("interactions" in line for line in _recommendations(with_engagement.answer))
    assert any("interactions" in line for line in _recommendations(without.answer))
    protected = [line for line in _recommendations(with_engagement.answer) if "protected" in line]
    assert protected == [
        "1 of your top 5 is a protected account (@dave): you can't see their posts unless they accept a "
        "follow request — send one, or engage when they reply to you."
    ]
    assert "engagement data: used" in with_engagement.answer


def test_verified_filter_is_applied_and_not_recommended_back(sandbox):
    reply = _ask("verified followers with over 100k followers", sandbox)

    assert [row[1].split()[0] for row in _table_rows(reply.answer)] == ["@alice", "@carol", "@erin"]
    assert "(filters: verified, at least 100,000 followers)" in reply.answer.splitlines()[0]
    assert not any("are verified, versus" in line for line in _recommendations(reply.answer))
    assert "Only 3 followers match these filters (you asked for 10)" in _recommendations(reply.answer)[0]


def test_account_comes_from_the_loop_not_the_question(sandbox):
    _ask("top followers of account_id victim-42", sandbox)

    assert [args["account_id"] for _, args in sandbox.calls] == ["acct-1"]


class _RedirectingEngine(BuiltinEngine):
    """An engine that tries to aim the tool at another account, as a confused model might."""

    def plan(self, question: str, history=()) -> Plan:
        return Plan(
            intent="top_followers", calls=(PlannedCall("top_followers", {"account_id": "victim-42"}),)
        )


def test_an_engine_cannot_redirect_a_call_to_another_account(sandbox):
    reply = run_agent(
        "top followers",
        account_id="acct-1",
        account_handle="creator",
        execute=sandbox,
        engine=_RedirectingEngine(),
    )

    assert sandbox.calls == [("top_followers", {"account_id": "acct-1", "limit": 10})]
    assert reply.tools[0].arguments["account_id"] == "acct-1"


def test_a_hostile_display_name_cannot_break_the_table_or_add_links(sandbox, hostile):
    hostile_name, hostile_location = hostile
    reply = _ask("top 10 followers in London", sandbox)

    assert hostile_name not in reply.answer and hostile_location not in reply.answer
    assert "](http" not in reply.answer and "**bold**" not in reply.answer
    rows = _table_rows(reply.answer)
    assert all(len(row) == 5 for row in rows)
    mallory = next(row for row in rows if row[1].startswith("@mallory"))
    assert mallory[1] == r"@mallory (Evil \| \[x\]\(http:\/\/evil\) \*\*bold\*\*)"
    assert mallory[4] == r"5,000 followers; based in London \| \[y\]\(http:\/\/evil.example\)"


def test_a_hostile_handle_and_location_are_escaped_in_the_headline(sandbox):
    reply = _ask("top followers in Lon[don](http://x)", sandbox, handle="@[me](http://evil)")

    headline = reply.answer.splitlines()[0]
    assert "](http" not in headline
    assert "@\\[me\\]" in headline


def test_zero_matches_say_so_and_suggest_relaxing(sandbox):
    reply = _ask("verified followers in Atlantis with over 1M followers", sandbox)

    assert reply.answer.splitlines()[0] == (
        "**No follower of @creator matched the filters** (filters: in Atlantis, verified, at least 1,000,000 "
        "followers) — checked 12 followers."
    )
    assert _table_rows(reply.answer) == []
    lines = _recommendations(reply.answer)
    assert 2 <= len(lines) <= 4
    assert "Atlantis" in lines[0]
    assert "Lower the minimum from 1,000,000 followers, e.g. to 100,000." in lines
    assert "Rows read: 12; rows matched: 0" in reply.answer


def test_asking_for_more_than_the_maximum_is_noted_in_the_answer(sandbox):
    reply = _ask("top 300 followers in New York", sandbox)

    assert "_Note: I can list at most 100 followers at a time, so this shows the top 100._" in reply.answer
    assert [row[1].split()[0] for row in _table_rows(reply.answer)] == ["@carol", "@ivan"]


def test_the_answer_carries_tools_evidence_and_a_free_price(sandbox):
    reply = _ask("top 5 followers in London", sandbox)

    assert reply.provider == "builtin"
    assert reply.cost_usd == Decimal("0") and reply.input_tokens == 0 and reply.output_tokens == 0
    assert [tool.public() for tool in reply.tools] == [
        {
            "name": "top_followers",
            "arguments": {"account_id": "acct-1", "limit": 5, "location": "London"},
            "summary": "ranked 12 followers of which 6 matched; returned top 5",
        }
    ]
    assert len(reply.evidence) == 1
    assert reply.evidence[0]["snapshot"] == "snap-20240601T120000Z"
    assert reply.evidence[0]["rows_matched"] == 6 and reply.evidence[0]["filters"] == {"location": "London"}


@pytest.mark.parametrize("question", ["How many followers do I have?", "hello", ""])
def test_other_questions_call_no_tool(sandbox, question):
    reply = _ask(question, sandbox)

    assert sandbox.calls == [] and reply.tools == [] and reply.evidence == []
    assert "Your most valuable or most engaged followers" in reply.answer


@pytest.mark.parametrize("error", [SandboxError("down"), NotFound("no competitor @nobody")])
def test_errors_other_than_missing_data_propagate_unchanged(error):
    def failing_sandbox(name, args):
        raise error

    with pytest.raises(type(error)) as raised:
        _ask("top followers", failing_sandbox)

    assert raised.value is error


def test_one_match_reads_in_the_singular(sandbox):
    reply = _ask("top 5 followers in Tokyo", sandbox)
    assert reply.answer.splitlines()[0].startswith("**The most valuable follower of @creator** — 1 of 12")
    assert "Only 1 follower matches these filters (you asked for 5)" in reply.answer


def test_followers_sent_with_the_question_are_not_called_anyones_account(sandbox):
    headline = _ask("top 3 followers", sandbox, handle="").answer.splitlines()[0]
    assert headline == "**Your 3 most valuable followers** — out of 12 followers"


def test_no_verified_comparison_when_nobody_is_verified():
    from tests.agent.conftest import ROWS, FakeSandbox

    unverified = FakeSandbox([{**row, "verified": False} for row in ROWS])
    assert "verified" not in " ".join(_recommendations(_ask("top 3 followers", unverified).answer))
