"""`POST /api/daytona/generate-tweets`: drafts grounded in the audience, from an ephemeral sandbox."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from followlytics.config import Settings
from followlytics.services.platform import Platform
from tests.conftest import FIXTURES
from tests.fakes import openai_server as oai

FOLLOWERS_PAGE = FIXTURES / "x-api-v2" / "followers_page_twittered.json"


def _import(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post(
        "/api/followers/import",
        headers=headers,
        files=[("files", ("followers.json", FOLLOWERS_PAGE.read_bytes()))],
        data={"account": "creator"},
    )
    assert response.status_code == 201, response.text


def test_the_builtin_writer_drafts_tweets_from_the_audience_themes_and_leaves_no_sandbox(
    client: TestClient, make_user, platform: Platform
) -> None:
    user = make_user()
    _import(client, user.headers)

    response = client.post(
        "/api/daytona/generate-tweets", headers=user.headers, json={"topic": "remote work", "count": 4}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "builtin" and body["account"] == "creator" and body["topic"] == "remote work"
    assert len(body["drafts"]) == 4
    assert all(0 < len(d["text"]) <= 280 and "remote work" in d["text"] for d in body["drafts"])
    assert body["evidence"]["rows_read"] == 100 and body["sandbox_ms"] > 0
    assert body["evidence"]["method"].startswith("themes-v1")
    for draft in body["drafts"]:  # each names the audience themes it leans on, and uses them
        assert draft["grounded_in"] and all(theme in draft["text"] for theme in draft["grounded_in"])
    ephemeral = platform.settings.data_dir / "ephemeral"
    assert not ephemeral.exists() or not any(ephemeral.iterdir())


def test_bad_requests_name_the_field(client: TestClient, make_user) -> None:
    user = make_user()
    _import(client, user.headers)
    for body, field in (({"topic": "  "}, "topic"), ({"topic": "x", "count": 11}, "count")):
        response = client.post("/api/daytona/generate-tweets", headers=user.headers, json=body)
        assert response.status_code == 422 and response.json()["error"]["field"] == field
    starter = make_user(plan="starter")
    response = client.post("/api/daytona/generate-tweets", headers=starter.headers, json={"topic": "x"})
    assert response.status_code == 403


def test_a_model_writes_the_drafts_from_framed_themes_when_configured(tmp_path: Path, make_user) -> None:
    from followlytics.api.app import create_app
    from followlytics.services.accounts import create_user

    with oai.FakeOpenAI() as xai:
        settings = Settings(
            data_dir=tmp_path / "d", llm_chain="xai", xai_api_key="xai-k-123456", xai_base_url=xai.url
        )
        platform = Platform.from_settings(settings)
        drafts = [{"text": f"Draft {i} about remote work", "grounded_in": ["paris"]} for i in range(2)]
        xai.push(oai.reply("Here you go:\n" + json.dumps(drafts)))
        try:
            with TestClient(create_app(platform=platform)) as client:
                with platform.db.session() as session:
                    key = create_user(session, email="m@example.com", plan="pro").api_key
                headers = {"Authorization": f"Bearer {key}"}
                _import(client, headers)
                response = client.post(
                    "/api/daytona/generate-tweets", headers=headers, json={"topic": "remote work", "count": 2}
                )
        finally:
            platform.close()

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "xai" and [d["text"] for d in body["drafts"]] == [d["text"] for d in drafts]
    assert float(body["cost_usd"]) > 0
    [request] = xai.bodies
    assert "tools" not in request  # nothing to call: drafts only, never posted
    assert '<data tool="audience_themes">' in request["messages"][1]["content"]
