"""Plans, quotas and the credit through the HTTP API: 403 naming the plan per endpoint, 402 with the upgrade
path, pay-per-question billing, immediate plan changes, the active-agent cap routing new users to stateless
sandboxes, X API metering at import, and the admin and CLI views."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from followlytics.config import Settings
from followlytics.db.models import Agent, Query, UsageCharge, User, XApiRead, utcnow
from followlytics.services.platform import Platform
from tests.conftest import FIXTURES, ApiUser
from tests.services import records

FOLLOWERS_PAGE = FIXTURES / "x-api-v2" / "followers_page_twittered.json"
ADMIN = {"Authorization": "Bearer admin-test-key"}


@contextmanager
def _app(tmp_path: Path, **overrides: object) -> Iterator[tuple[TestClient, Platform]]:
    from followlytics.api.app import create_app

    settings = Settings(
        data_dir=tmp_path / "data", admin_key="admin-test-key", queue_in_process=False, **overrides
    )
    platform = Platform.from_settings(settings)
    try:
        with TestClient(create_app(platform=platform)) as client:
            yield client, platform
    finally:
        platform.close()


def _user(client: TestClient, plan: str, *, data: bool = True) -> ApiUser:
    created = client.post(
        "/api/admin/users", headers=ADMIN, json={"email": f"{plan}-{uuid.uuid4().hex[:8]}@x.io", "plan": plan}
    )
    body = created.json()
    user = ApiUser(id=body["id"], email=body["email"], api_key=body["api_key"])
    if data:
        imported = _import(client, user, account=f"{plan}_acct")
        assert imported.status_code == 201, imported.text
    return user


def _import(client: TestClient, user: ApiUser, **form: str):
    files = [("files", ("followers.json", FOLLOWERS_PAGE.read_bytes()))]
    return client.post("/api/followers/import", headers=user.headers, files=files, data=form)


def _ask(client: TestClient, user: ApiUser, question: str = "Who are my top followers?"):
    return client.post("/api/agents/query", headers=user.headers, json={"question": question})


def _asked_already(platform: Platform, user: ApiUser, count: int) -> None:
    """`count` questions recorded earlier this month (stateless ones: no agent needed)."""
    with platform.db.session() as session:
        owner = session.get_one(User, user.id)
        for _ in range(count):
            records.question(session, owner, utcnow())


def _refused(response, status: int, required: str, feature: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["type"], error["required_plan"], error["feature"]) == ("PlanRequired", required, feature)
    assert required.title() in error["message"]


def test_each_endpoint_a_plan_lacks_answers_403_naming_the_plan(tmp_path: Path) -> None:
    follower = json.loads(FOLLOWERS_PAGE.read_text())["data"][:3]
    with _app(tmp_path) as (client, _platform):
        starter, pro, agency = _user(client, "starter"), _user(client, "pro"), _user(client, "agency")
        # Starter: imports and usage (static analytics) work; nothing of the agent does.
        _refused(_ask(client, starter), 403, "pro", "agent")
        _refused(client.post("/api/agents/create", headers=starter.headers), 403, "pro", "agent")
        _refused(client.get("/api/agents/profile", headers=starter.headers), 403, "pro", "agent")
        tweets = {"topic": "growth"}
        _refused(
            client.post("/api/daytona/generate-tweets", headers=starter.headers, json=tweets),
            403,
            "pro",
            "agent",
        )
        usage = client.get("/api/usage", headers=starter.headers).json()
        assert usage["plan"] == "starter" and usage["upgrade"]["plan"] == "pro"
        assert "agent" in usage["upgrade"]["unlocks"] and "$49" in usage["upgrade"]["message"]
        # Pro: the agent and content suggestions, but not Agency's features.
        assert (
            client.post("/api/daytona/generate-tweets", headers=pro.headers, json=tweets).status_code == 200
        )
        ask = {"question": "top 3", "followerData": follower}
        _refused(client.post("/api/agent/ask", headers=pro.headers, json=ask), 403, "agency", "api_access")
        _refused(
            _import(client, pro, account="rival", competitor="true"), 403, "agency", "competitor_tracking"
        )
        _refused(_import(client, pro, account="second_acct"), 403, "agency", "multiple_accounts")
        assert _import(client, pro, account="pro_acct").status_code == 201  # the same account again is fine
        _refused(_ask(client, pro, "Who should I collaborate with?"), 403, "agency", "dm_drafts")
        assert _ask(client, pro).status_code == 200
        # Agency: all of it.
        assert client.post("/api/agent/ask", headers=agency.headers, json=ask).status_code == 200
        assert _import(client, agency, account="rival", competitor="true").status_code == 201
        collab = _ask(client, agency, "Who should I collaborate with?")
        assert collab.status_code == 200 and collab.json()["tools"][0]["name"] == "collaboration_suggestions"
        rival = client.post(
            "/api/agents/query",
            headers=agency.headers,
            json={"question": "top followers", "account": "rival"},
        )
        assert rival.status_code == 200


def test_past_the_limit_a_question_is_blocked_with_402_until_the_plan_changes(tmp_path: Path) -> None:
    with _app(tmp_path) as (client, platform):
        pro = _user(client, "pro")
        _asked_already(platform, pro, 9)
        assert _ask(client, pro).status_code == 200  # the 10th
        refused = _ask(client, pro)
        assert refused.status_code == 402, refused.text
        error = refused.json()["error"]
        assert (error["type"], error["limit"], error["upgrade_to"]) == ("QuotaExceeded", 10, "agency")
        assert "all 10 questions" in error["message"] and "Agency" in error["message"]
        streamed = client.post(
            "/api/agents/query",
            headers={**pro.headers, "Accept": "text/event-stream"},
            json={"question": "Who are my top followers?"},
        )
        assert streamed.status_code == 402 and streamed.headers["content-type"] == "application/json"
        usage = client.get("/api/usage", headers=pro.headers).json()["usage"]
        assert (usage["questions_used"], usage["questions_left"], usage["overage_questions"]) == (10, 0, 0)
        # The admin upgrades the user: the very next question is answered.
        changed = client.put(f"/api/admin/users/{pro.id}/plan", headers=ADMIN, json={"plan": "agency"})
        assert changed.status_code == 200 and changed.json()["previous_plan"] == "pro"
        assert _ask(client, pro).status_code == 200
        bad = client.put(f"/api/admin/users/{pro.id}/plan", headers=ADMIN, json={"plan": "gold"})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "plan"
        assert client.put(f"/api/admin/users/{pro.id}/plan", json={"plan": "pro"}).status_code == 401


def test_pay_per_question_answers_and_bills_past_the_limit(tmp_path: Path) -> None:
    with _app(tmp_path, quota_overage="pay_per_question") as (client, platform):
        pro = _user(client, "pro")
        _asked_already(platform, pro, 10)
        answered = _ask(client, pro)
        assert answered.status_code == 200, answered.text
        with platform.db.session() as session:
            [charge] = session.scalars(select(UsageCharge)).all()
            assert (charge.query_id, charge.amount_usd, charge.kind) == (
                answered.json()["query_id"],
                Decimal("0.5"),
                "question_overage",
            )
        usage = client.get("/api/usage", headers=pro.headers).json()["usage"]
        assert (usage["overage_questions"], Decimal(usage["overage_usd"])) == (1, Decimal("0.5"))
        economics = client.get("/api/admin/economics", headers=ADMIN).json()
        [row] = [r for r in economics["users"] if r["user_id"] == pro.id]
        assert Decimal(row["revenue_usd"]) == Decimal("49.5") and row["questions"] == 11


def test_past_the_active_agent_cap_a_new_user_is_answered_statelessly(tmp_path: Path) -> None:
    with _app(tmp_path, max_active_agents=1) as (client, platform):
        first, newcomer = _user(client, "agency"), _user(client, "agency")
        assert _ask(client, first).status_code == 200  # a persistent agent: 1 active
        answered = _ask(client, newcomer)
        assert answered.status_code == 200 and "@" in answered.json()["answer"]
        with platform.db.session() as session:
            assert session.scalars(select(Agent).where(Agent.user_id == newcomer.id)).all() == []
            query = session.get_one(Query, answered.json()["query_id"])
            assert query.agent_id is None
        refused = client.post("/api/agents/create", headers=newcomer.headers)
        assert refused.status_code == 409 and "1 or more are active" in refused.json()["error"]["message"]
        credit = client.get("/api/admin/credit", headers=ADMIN).json()
        assert (credit["active_agents"], credit["new_users_stateless"]) == (1, True)
        usage = client.get(f"/api/admin/users/{newcomer.id}/usage", headers=ADMIN).json()
        assert Decimal(usage["sandbox_usd"]) >= Decimal("0.10")  # one sandbox made for the question
        # With the first agent gone, the newcomer gets a persistent agent of their own.
        assert client.delete("/api/agents/destroy", headers=first.headers).status_code == 200
        assert _ask(client, newcomer).status_code == 200
        assert client.get("/api/agents/status", headers=newcomer.headers).json()["state"] == "running"


def test_imports_are_metered_as_x_api_reads(tmp_path: Path) -> None:
    with _app(tmp_path) as (client, platform):
        pro = _user(client, "pro")  # 100 followers imported
        with platform.db.session() as session:
            [read] = session.scalars(select(XApiRead)).all()
            assert (read.kind, read.units, read.cost_usd) == ("user_object", 100, Decimal("1"))
        usage = client.get(f"/api/admin/users/{pro.id}/usage", headers=ADMIN).json()
        assert Decimal(usage["x_api_usd"]) == Decimal("1") and Decimal(usage["cost_usd"]) == Decimal("1")
        assert client.get("/api/admin/users/usr_nobody/usage", headers=ADMIN).status_code == 404


def test_admin_views_need_the_admin_key_and_answer(tmp_path: Path) -> None:
    with _app(tmp_path) as (client, _platform):
        pro = _user(client, "pro")
        assert _ask(client, pro).status_code == 200
        for path in ("/api/admin/credit", "/api/admin/kpis", "/api/admin/economics"):
            assert client.get(path, headers=pro.headers).status_code == 401
        kpis = client.get("/api/admin/kpis", headers=ADMIN).json()
        assert (kpis["questions"], kpis["agent_users"], kpis["engagement_rate"]) == (1, 1, 1.0)
        assert client.get("/api/admin/kpis?month=2026-13", headers=ADMIN).json()["error"]["field"] == "month"
        credit = client.get("/api/admin/credit", headers=ADMIN).json()
        assert Decimal(credit["credit_usd"]) == Decimal("20000") and Decimal(credit["spent_usd"]) > 0


@pytest.mark.usefixtures("cli")
def test_the_cli_changes_plans_and_shows_usage_credit_kpis_and_economics(cli) -> None:
    created = json.loads(
        cli("users", "create", "--email", "c@example.com", "--plan", "starter", "--json").stdout
    )
    changed = json.loads(cli("users", "plan", "c@example.com", "pro", "--json").stdout)
    assert (changed["previous_plan"], changed["plan"]) == ("starter", "pro") and changed["changed_at"]
    usage = json.loads(cli("usage", created["id"], "--json").stdout)
    assert (usage["plan"], usage["question_limit"], usage["questions_used"]) == ("pro", 10, 0)
    kpis = json.loads(cli("kpis", "--json").stdout)
    assert (kpis["starters"], kpis["starter_conversions"]) == (1, 1)
    credit = json.loads(cli("credit", "--json").stdout)
    assert credit["run_out_date"] is None and credit["active_agents"] == 0
    economics = json.loads(cli("economics", "--json").stdout)
    assert [row["plan"] for row in economics["users"]] == ["pro"]
    plans = json.loads(cli("plans", "--json").stdout)
    assert [(p["name"], p["question_limit"]) for p in plans] == [
        ("starter", 0),
        ("pro", 10),
        ("agency", None),
    ]
    assert cli("users", "plan", "c@example.com", "gold", ok=False).exit_code == 1
