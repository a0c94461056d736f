"""Whole flows under harder conditions: on PostgreSQL, and with many questions at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from followlytics.api.app import create_app
from followlytics.config import Settings
from followlytics.db.models import Agent, Query
from followlytics.services.platform import Platform
from tests.conftest import FIXTURES

PAGE = FIXTURES / "x-api-v2" / "followers_page_twittered.json"


def _create_user(client: TestClient, email: str, admin_key: str, plan: str = "pro") -> dict[str, str]:
    created = client.post(
        "/api/admin/users",
        json={"email": email, "plan": plan},
        headers={"Authorization": f"Bearer {admin_key}"},
    )
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['api_key']}"}


def test_the_whole_flow_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url, admin_key="admin")
    platform = Platform.from_settings(settings)
    try:
        with TestClient(create_app(platform=platform)) as client:
            headers = _create_user(client, "pg@example.com", "admin")
            imported = client.post(
                "/api/followers/import",
                headers=headers,
                files={"files": ("page.json", PAGE.read_bytes())},
                data={"account": "pg_creator"},
            )
            assert imported.status_code == 201, imported.text
            answer = client.post("/api/agents/query", headers=headers, json={"question": "top 3 followers"})
            assert answer.status_code == 200, answer.text
            assert answer.json()["evidence"][0]["rows_read"] == 100
            status = client.get("/api/agents/status", headers=headers).json()
            assert [t["to"] for t in status["transitions"]] == ["creating", "running"]
        with platform.db.session() as session:
            assert session.scalar(select(func.count()).select_from(Query)) == 1
    finally:
        platform.close()


def test_many_questions_at_once_share_one_agent_and_are_all_recorded(
    client: TestClient, platform: Platform
) -> None:
    # Agency: unlimited questions, which run side by side (a Pro user's run one at a time, for the quota).
    headers = _create_user(client, "busy@example.com", "admin-test-key", plan="agency")
    client.post(
        "/api/followers/import",
        headers=headers,
        files={"files": ("page.json", PAGE.read_bytes())},
        data={"account": "busy"},
    )
    questions = [f"top {n} followers" for n in range(1, 13)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(
            pool.map(
                lambda q: client.post("/api/agents/query", headers=headers, json={"question": q}), questions
            )
        )
    assert [a.status_code for a in answers] == [200] * len(questions)
    assert [a.json()["tools"][0]["arguments"]["limit"] for a in answers] == list(range(1, 13))
    with platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Agent)) == 1
        assert session.scalar(select(func.count()).select_from(Query)) == len(questions)
