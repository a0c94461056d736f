"""`POST /api/agents/query` with `Accept: text/event-stream`: tool events and answer text arrive as they
happen, the last event carries the same JSON as a plain answer, and refusals keep their status codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from followlytics.config import Settings
from followlytics.services.platform import Platform
from tests.conftest import FIXTURES, ApiUser
from tests.fakes import anthropic_server as anth
from tests.fakes import openai_server as oai

FOLLOWERS_PAGE = FIXTURES / "x-api-v2" / "followers_page_twittered.json"
STREAM = {"Accept": "text/event-stream"}


def _events(response: Any) -> list[tuple[str, Any]]:
    events, name = [], None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            events.append((name, json.loads(line.removeprefix("data: "))))
            name = None
    return events


def _import(client: TestClient, user: ApiUser) -> None:
    response = client.post(
        "/api/followers/import",
        headers=user.headers,
        files=[("files", ("followers.json", FOLLOWERS_PAGE.read_bytes()))],
        data={"account": "creator"},
    )
    assert response.status_code == 201, response.text


def _shown_text(events: list[tuple[str, Any]]) -> str:
    """What a client following the protocol shows: tokens since the last `reset`."""
    text = ""
    for name, data in events:
        if name == "reset":
            text = ""
        elif name == "token":
            text += data["text"]
    return text


def test_the_builtin_engine_streams_tool_events_then_the_answer_and_records_the_query(
    client: TestClient, make_user
) -> None:
    user = make_user()
    _import(client, user)

    with client.stream(
        "POST", "/api/agents/query", headers={**user.headers, **STREAM}, json={"question": "Top 5 followers?"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response)

    names = [name for name, _ in events]
    assert names[:2] == ["tool_call", "tool_result"] and names[-1] == "done"
    assert events[0][1] == {"name": "top_followers", "arguments": {"limit": 5}}
    done = events[-1][1]
    assert done["provider"] == "builtin" and done["query_id"].startswith("qry_")
    assert _shown_text(events) == done["answer"]
    history = client.post("/api/agents/query", headers=user.headers, json={"question": "and the next 5?"})
    assert history.json()["tools"][0]["arguments"]["offset"] == 5  # the streamed question was recorded


@pytest.mark.parametrize(
    ("plan", "question", "status"),
    [("starter", "Top followers?", 403), ("pro", "   ", 422)],
)
def test_a_question_refused_up_front_gets_its_json_error_not_a_stream(
    client: TestClient, make_user, plan: str, question: str, status: int
) -> None:
    user = make_user(plan=plan)
    response = client.post(
        "/api/agents/query", headers={**user.headers, **STREAM}, json={"question": question}
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["type"] in ("PlanRequired", "InvalidInput")


def test_with_nothing_imported_the_stream_request_gets_409(client: TestClient, make_user) -> None:
    user = make_user()
    response = client.post("/api/agents/query", headers={**user.headers, **STREAM}, json={"question": "Top?"})
    assert response.status_code == 409 and response.json()["error"]["type"] == "NoAudienceData"


@pytest.fixture
def model_client(
    tmp_path: Path,
) -> Iterator[tuple[TestClient, Platform, oai.FakeOpenAI, anth.AnthropicServer]]:
    from followlytics.api.app import create_app

    with oai.FakeOpenAI() as xai, anth.AnthropicServer() as anthropic:
        settings = Settings(
            data_dir=tmp_path / "data",
            llm_chain="xai,anthropic",
            xai_api_key="xai-stream-test-key",
            xai_base_url=xai.url,
            anthropic_api_key="sk-ant-stream-test-key",
            anthropic_base_url=anthropic.url,
            llm_retries=0,
            llm_timeout_seconds=5,
        )
        platform = Platform.from_settings(settings)
        try:
            with TestClient(create_app(platform=platform)) as client:
                yield client, platform, xai, anthropic
        finally:
            platform.close()


def _model_user(platform: Platform, client: TestClient) -> ApiUser:
    from followlytics.services.accounts import create_user

    with platform.db.session() as session:
        new = create_user(session, email="streamer@example.com", plan="pro")
    user = ApiUser(id=new.user.id, email=new.user.email, api_key=new.api_key)
    _import(client, user)
    return user


def test_a_model_answer_streams_its_tokens_after_the_tool_events(model_client) -> None:
    client, platform, xai, _ = model_client
    user = _model_user(platform, client)
    xai.push(
        oai.reply(tool_calls=[("call_1", "top_followers", {"limit": 3})], fragmented=True),
        oai.reply(
            "Your three most valuable followers are led by a Paris account (top_followers).", text_pieces=5
        ),
    )

    with client.stream(
        "POST", "/api/agents/query", headers={**user.headers, **STREAM}, json={"question": "Top 3?"}
    ) as response:
        events = _events(response)

    names = [name for name, _ in events]
    assert names[:2] == ["tool_call", "tool_result"]
    assert names.count("token") >= 5 and names[-1] == "done"
    assert xai.bodies[0]["stream"] is True
    done = events[-1][1]
    assert done["provider"] == "xai"
    assert done["answer"].startswith("Your three most valuable followers")
    assert _shown_text(events) == done["answer"]  # the evidence footer streams too


def test_a_stream_cut_mid_answer_is_reset_and_the_next_provider_answers_the_turn_again(model_client) -> None:
    client, platform, xai, anthropic = model_client
    user = _model_user(platform, client)
    xai.push(oai.reply("Half an answer that will never fin", text_pieces=6, cut_after=3))
    anthropic.push(anth.reply("A whole answer from the backup provider."))

    with client.stream(
        "POST", "/api/agents/query", headers={**user.headers, **STREAM}, json={"question": "Who matters?"}
    ) as response:
        events = _events(response)

    names = [name for name, _ in events]
    assert "reset" in names and names.index("reset") < len(names) - 1
    assert names[names.index("reset") - 1] == "token"  # some of xAI's text had been shown
    done = events[-1][1]
    assert done["provider"] == "anthropic" and done["failover"] is True
    assert _shown_text(events) == done["answer"] == "A whole answer from the backup provider."
