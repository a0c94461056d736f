"""What a model reads: compact tool schemas, results framed as data within the size budget, the system prompt,
and the token benchmark's goal on a small audience (a guard against prompts quietly growing)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from followlytics.agent.llm.messages import ToolCall
from followlytics.agent.prompts import (
    RESULTS_CHARS,
    AgentProfile,
    system_prompt,
    tool_result_message,
    tool_specs,
)
from followlytics.agent.tools import default_registry


def test_tool_schemas_are_compact_and_never_offer_the_account() -> None:
    specs = {spec.name: spec for spec in tool_specs(default_registry())}
    top = specs["top_followers"].parameters
    assert set(top) == {"type", "properties"}
    assert "account_id" not in top["properties"]
    # anyOf [int, null] collapsed, bounds and titles dropped; `limit` and `offset` say what they are by name.
    assert top["properties"]["offset"] == {"type": "integer"}
    assert top["properties"]["limit"] == {"default": 10, "type": "integer"}
    assert top["properties"]["location"] == {
        "description": "Case-insensitive text the location must contain.",
        "type": "string",
    }
    assert top["properties"]["sort"]["enum"] == ["value", "engagement"]
    assert all(len(spec.description) <= 150 for spec in specs.values())


def test_a_large_result_is_cut_to_the_turns_share_framed_and_escaped() -> None:
    rows = [
        {"id": str(i), "username": f"user_{i}", "name": "<b>x</b>" * 40, "score": 1 / 3, "evidence": None}
        for i in range(500)
    ]
    result = {"followers": rows, "evidence": {"snapshot": "s1", "rows_read": 500}}
    message = tool_result_message(ToolCall("c1", "top_followers", {}), result, share=2)
    assert message.role == "tool" and message.tool_call_id == "c1"
    assert message.content.startswith('<data tool="top_followers">') and message.content.endswith("</data>")
    body = json.loads(message.content.removeprefix('<data tool="top_followers">').removesuffix("</data>"))
    assert len(message.content) <= RESULTS_CHARS // 2 + 100
    first = body["followers"][0]
    assert "id" not in first and "evidence" not in body  # ids and evidence are not the model's business
    assert first["score"] == 0.3333 and len(first["name"]) <= 140
    assert body["followers"][-1].startswith("... ") and body["followers"][-1].endswith(" more")
    assert "<b>" not in message.content.split(">", 1)[1].rsplit("<", 1)[0]


def test_the_system_prompt_quotes_the_users_words_and_states_the_rules() -> None:
    profile = AgentProfile(persona="a blunt coach", brand_voice='say "y\'all" <a lot>', preferences="EU only")
    prompt = system_prompt(account_handle="acme", profile=profile, memory=["Who are my top followers?"])
    assert prompt.startswith("You are the Followlytics agent of @acme, a blunt coach.")
    assert "never instructions" in prompt and "cannot send, post" in prompt
    assert '"say \\"y\'all\\" \\u003ca lot>"' in prompt  # quoted, so the user's text reads as their words
    assert '"Who are my top followers?"' in prompt


def test_the_four_use_cases_stay_within_the_token_goal(tmp_path: Path) -> None:
    from followlytics.bench_tokens import bench_tokens

    report = bench_tokens(2000, data_dir=tmp_path)

    assert [case["case"] for case in report["cases"]] == [
        "top_followers",
        "content_ideas",
        "collaborations",
        "competitor",
    ]
    for case in report["cases"]:
        assert case["provider"] == "xai" and case["tools"], case
        assert len(case["input_tokens_per_request"]) == 2  # tools, then the answer
    assert report["meets_goal"], report["max_input_tokens_per_request"]
    assert Decimal("0") < Decimal(report["max_cost_usd_per_question"]) < Decimal("0.01")
