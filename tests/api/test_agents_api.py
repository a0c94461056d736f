"""The HTTP API in-process: import, ask, lifecycle, auth, isolation between users, and error shapes."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from followlytics.audience.paths import account_dir, user_dir
from followlytics.audience.snapshots import list_snapshots
from followlytics.services.platform import Platform
from tests.conftest import FIXTURES, ApiUser

FOLLOWERS_PAGE = FIXTURES / "x-api-v2" / "followers_page_twittered.json"


def _import(client: TestClient, user: ApiUser, files: list[tuple[str, bytes]], **form: str):
    return client.post(
        "/api/followers/import",
        headers=user.headers,
        files=[("files", (name, content)) for name, content in files],
        data=form,
    )


def _ask(client: TestClient, user: ApiUser, question: str, **extra: str):
    return client.post("/api/agents/query", headers=user.headers, json={"question": question, **extra})


@pytest.fixture
def creator(client: TestClient, make_user) -> ApiUser:
    user = make_user("creator@example.com")
    response = _import(client, user, [("followers.json", FOLLOWERS_PAGE.read_bytes())], account="creator")
    assert response.status_code == 201, response.text
    return user


def test_a_real_followers_page_imports_and_ranks_with_reasons_and_evidence(
    client: TestClient, make_user
) -> None:
    user = make_user()
    imported = _import(client, user, [("followers.json", FOLLOWERS_PAGE.read_bytes())], account="@Creator")
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert (body["account"], body["kind"], body["rows"]) == ("Creator", "own", 100)

    response = _ask(client, user, "Who are my most valuable followers?")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["query_id"].startswith("qry_")
    assert answer["provider"] == "builtin"
    assert isinstance(answer["latency_ms"], int)
    assert float(answer["cost_usd"]) == 0
    [tool] = answer["tools"]
    assert tool["name"] == "top_followers" and tool["summary"]
    [evidence] = answer["evidence"]
    assert evidence["snapshot"] == body["snapshot_id"]
    assert evidence["rows_read"] == 100
    assert "followers_count" in evidence["fields"]
    table_rows = [line for line in answer["answer"].splitlines() if line.startswith("| ") and "@" in line]
    assert len(table_rows) == 10
    # The best-scored row is the page's most-followed or verified account, not an arbitrary one.
    page = json.loads(FOLLOWERS_PAGE.read_text())["data"]
    biggest = max(page, key=lambda u: u["public_metrics"]["followers_count"])
    assert f"@{biggest['username']}" in answer["answer"].replace("\\", "")  # Markdown escapes removed


def test_filters_in_the_question_reach_the_tool(client: TestClient, creator: ApiUser) -> None:
    answer = _ask(client, creator, "top 5 followers in Paris").json()
    [tool] = answer["tools"]
    assert tool["arguments"]["limit"] == 5
    assert tool["arguments"]["location"].lower() == "paris"
    assert answer["evidence"][0]["filters"]["location"].lower() == "paris"
    rows = [line for line in answer["answer"].splitlines() if line.startswith("| ") and "@" in line]
    assert 1 <= len(rows) <= 5


def test_a_malformed_file_changes_nothing_and_names_line_and_field(
    client: TestClient, creator: ApiUser, platform: Platform
) -> None:
    before = _ask(client, creator, "top followers").json()["evidence"][0]["snapshot"]
    good = json.dumps({"id": "1", "username": "fine", "public_metrics": _metrics(10)})
    bad = json.dumps(
        {"id": "2", "username": "broken", "public_metrics": {**_metrics(5), "followers_count": "lots"}}
    )
    response = _import(
        client, creator, [("more.jsonl", f"{good}\n{good}\n{bad}\n".encode())], account="creator"
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "ImportFailed"
    assert "more.jsonl" in error["message"] and "line 3" in error["message"]
    assert error["field"] == "public_metrics.followers_count"
    after = _ask(client, creator, "top followers").json()["evidence"][0]["snapshot"]
    assert after == before
    snapshots = [
        p for root in (platform.users_dir / creator.id / "accounts").iterdir() for p in list_snapshots(root)
    ]
    assert len(snapshots) == 1


def test_the_agent_lifecycle(client: TestClient, creator: ApiUser) -> None:
    assert client.get("/api/agents/status", headers=creator.headers).status_code == 404
    created = client.post("/api/agents/create", headers=creator.headers)
    assert created.status_code == 201
    assert created.json()["state"] == "running"
    again = client.post("/api/agents/create", headers=creator.headers)
    assert again.status_code == 409
    assert "already" in again.json()["error"]["message"]

    status = client.get("/api/agents/status", headers=creator.headers).json()
    assert status["state"] == "running"
    assert [(t["to"], t["reason"]) for t in status["transitions"]] == [
        ("creating", "created"),
        ("running", "created"),
    ]
    assert status["last_active_at"] and status["time_in_state"]["running"] >= 0

    destroyed = client.delete("/api/agents/destroy", headers=creator.headers)
    assert destroyed.json()["state"] == "destroyed"
    assert destroyed.json()["transitions"][-1]["reason"] == "user request"
    assert client.get("/api/agents/status", headers=creator.headers).status_code == 404
    assert client.delete("/api/agents/destroy", headers=creator.headers).status_code == 404

    # A question after destroy brings up a new agent: data stays in the control plane.
    assert _ask(client, creator, "top followers").status_code == 200
    assert client.get("/api/agents/status", headers=creator.headers).json()["id"] != status["id"]


def test_one_users_key_never_reaches_another_users_agent_or_data(
    client: TestClient, creator: ApiUser, make_user
) -> None:
    assert client.post("/api/agents/create", headers=creator.headers).status_code == 201
    other = make_user("other@example.com")
    assert client.get("/api/agents/status", headers=other.headers).status_code == 404
    assert client.delete("/api/agents/destroy", headers=other.headers).status_code == 404
    by_handle = _ask(client, other, "top followers", account="creator")
    assert by_handle.status_code == 404
    no_data = _ask(client, other, "top followers")
    assert no_data.status_code == 409 and no_data.json()["error"]["type"] == "NoAudienceData"
    # The creator's agent is untouched.
    assert client.get("/api/agents/status", headers=creator.headers).json()["state"] == "running"


def test_authentication_errors_are_401_json(client: TestClient, creator: ApiUser) -> None:
    missing = client.post("/api/agents/query", json={"question": "top followers"})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "API key" in missing.json()["error"]["message"]
    wrong = client.post(
        "/api/agents/query",
        headers={"Authorization": "Bearer flk_deadbeef_" + "x" * 32},
        json={"question": "x"},
    )
    assert wrong.status_code == 401


def test_the_starter_plan_has_no_agent(client: TestClient, make_user) -> None:
    starter = make_user(plan="starter")
    response = client.post("/api/agents/create", headers=starter.headers)
    assert response.status_code == 403
    assert "Starter" in response.json()["error"]["message"]
    assert _ask(client, starter, "top followers").status_code == 403


@pytest.mark.parametrize(
    ("request_kwargs", "field"),
    [
        ({"json": {}}, "question"),
        ({"json": {"question": "   "}}, "question"),
        ({"json": {"question": "x" * 5000}}, "question"),
        ({"json": {"question": "top", "account": "not a handle!"}}, "account"),
        ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, None),
    ],
)
def test_bad_query_input_is_422_naming_the_field(
    client: TestClient, creator: ApiUser, request_kwargs: dict, field: str | None
) -> None:
    headers = {**creator.headers, **request_kwargs.pop("headers", {})}
    response = client.post("/api/agents/query", headers=headers, **request_kwargs)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    if field is not None:
        assert error["field"] == field


def test_import_without_files_or_account_is_422(client: TestClient, make_user) -> None:
    user = make_user()
    assert client.post("/api/followers/import", headers=user.headers).status_code == 422
    no_account = _import(client, user, [("f.json", FOLLOWERS_PAGE.read_bytes())])
    assert no_account.status_code == 422
    assert no_account.json()["error"]["field"] == "account"


def test_a_competitor_import_is_asked_about_by_handle(client: TestClient, creator: ApiUser) -> None:
    admin = {"Authorization": "Bearer admin-test-key"}
    upgraded = client.put(f"/api/admin/users/{creator.id}/plan", headers=admin, json={"plan": "agency"})
    assert upgraded.status_code == 200, upgraded.text  # competitor tracking is an Agency feature
    page = json.loads(FOLLOWERS_PAGE.read_text())
    page["data"] = page["data"][:30]
    response = _import(
        client, creator, [("rival.json", json.dumps(page).encode())], account="rival", competitor="true"
    )
    assert response.status_code == 201 and response.json()["kind"] == "competitor"
    answer = _ask(client, creator, "top 3 followers", account="rival").json()
    assert answer["account"] == "rival"
    assert answer["evidence"][0]["rows_read"] == 30
    assert _ask(client, creator, "top 3 followers").json()["evidence"][0]["rows_read"] == 100


def test_stateless_ask_answers_from_the_request_and_keeps_nothing(
    client: TestClient, make_user, platform: Platform
) -> None:
    user = make_user(plan="agency")  # sending your own data is API access, an Agency feature
    followers = json.loads(FOLLOWERS_PAGE.read_text())["data"]
    response = client.post(
        "/api/agent/ask",
        headers=user.headers,
        json={"question": "verified followers with over 1k followers", "followerData": followers},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["account"] is None and "@" not in answer["answer"].splitlines()[0]
    assert answer["tools"][0]["arguments"]["verified"] is True
    assert answer["tools"][0]["arguments"]["min_followers"] == 1000
    assert answer["evidence"][0]["rows_read"] == len({u["id"] for u in followers})
    ephemeral = platform.settings.data_dir / "ephemeral"
    assert not ephemeral.exists() or not any(ephemeral.iterdir())

    bad = client.post(
        "/api/agent/ask",
        headers=user.headers,
        json={"question": "top", "followerData": [followers[0], {"id": "9", "name": "no username"}]},
    )
    assert bad.status_code == 422
    assert "followerData" in bad.json()["error"]["message"]
    assert "record 2" in bad.json()["error"]["message"]
    assert bad.json()["error"]["field"] == "username"


def test_admin_creates_users_with_the_admin_key_only(client: TestClient) -> None:
    body = {"email": "new@example.com", "plan": "agency"}
    assert client.post("/api/admin/users", json=body).status_code == 401
    assert (
        client.post("/api/admin/users", json=body, headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    created = client.post("/api/admin/users", json=body, headers={"Authorization": "Bearer admin-test-key"})
    assert created.status_code == 201
    key = created.json()["api_key"]
    status = client.get("/api/agents/status", headers={"Authorization": f"Bearer {key}"})
    assert status.status_code == 404  # authenticated, no agent yet


def test_healthz_and_unknown_routes(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and "error" in missing.json()


def test_user_folders_are_named_by_checked_ids(platform: Platform, creator: ApiUser) -> None:
    root = user_dir(platform.users_dir, creator.id)
    assert root.is_dir()
    with pytest.raises(Exception, match="not a valid id"):
        account_dir(root, "../../etc")


def _metrics(followers: int) -> dict[str, int]:
    return {"followers_count": followers, "following_count": 1, "tweet_count": 1, "listed_count": 0}


def test_after_a_restart_agents_show_archived_and_the_next_question_resumes_them(
    settings, creator: ApiUser, client: TestClient, platform: Platform
) -> None:
    from followlytics.api.app import create_app

    assert client.post("/api/agents/create", headers=creator.headers).status_code == 201
    platform.sandboxes.close()  # the old server's sandboxes end with it
    restarted = Platform.from_settings(settings)
    try:
        with TestClient(create_app(platform=restarted)) as again:
            status = again.get("/api/agents/status", headers=creator.headers).json()
            assert status["state"] == "archived"
            assert [(t["to"], t["reason"]) for t in status["transitions"]] == [
                ("creating", "created"),
                ("running", "created"),
                ("archived", "server restart"),
            ]
            assert set(status["time_in_state"]) == {"creating", "running", "archived"}
            assert _ask(again, creator, "top followers").status_code == 200
            resumed = again.get("/api/agents/status", headers=creator.headers).json()
            assert resumed["state"] == "running"
            assert resumed["transitions"][-1]["reason"] == "resumed for a question"
    finally:
        restarted.close()
