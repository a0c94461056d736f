"""The data layer on SQLite and on the machine's PostgreSQL: migrations, keys, accounts, agents, queries."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select

from followlytics.db.models import Agent, AgentTransition, ApiKey, Query, XAccount
from followlytics.db.session import Database
from followlytics.errors import Conflict, InvalidInput, NoAudienceData, NotFound, Unauthorized
from followlytics.services.accounts import (
    authenticate,
    create_user,
    ensure_account,
    find_user,
    issue_api_key,
    resolve_account,
)


@pytest.fixture
def db(database_url: str):
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()


def test_migrations_create_every_table_and_are_idempotent(db: Database) -> None:
    db.upgrade()  # a second run changes nothing and does not fail
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "users",
        "api_keys",
        "x_accounts",
        "agents",
        "agent_transitions",
        "queries",
        "alembic_version",
    } <= tables


def test_the_migrations_build_exactly_the_models(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from followlytics.db.models import Base

    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_api_key_is_stored_hashed_with_a_visible_prefix(db: Database) -> None:
    with db.session() as session:
        new = create_user(session, email="Ana@Example.com", plan="pro")
        user_id = new.user.id
    with db.session() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.user_id == user_id))
        assert row is not None
        assert new.api_key.startswith(row.prefix + "_")
        assert new.api_key not in (row.key_hash, row.prefix)
        assert authenticate(session, new.api_key).id == user_id
        assert row.last_used_at is not None and row.last_used_at.tzinfo is UTC
        assert find_user(session, "ana@example.com").id == user_id
        assert find_user(session, user_id).email == "ana@example.com"


@pytest.mark.parametrize(
    "key",
    ["", "nonsense", "flk_00000000_" + "a" * 32],
)
def test_unknown_or_malformed_keys_are_refused(db: Database, key: str) -> None:
    with db.session() as session:
        create_user(session, email="b@example.com", plan="pro")
        with pytest.raises(Unauthorized):
            authenticate(session, key)


def test_a_key_with_the_right_prefix_and_wrong_secret_is_refused(db: Database) -> None:
    with db.session() as session:
        key = create_user(session, email="c@example.com", plan="pro").api_key
        prefix = key.rsplit("_", 1)[0]
        with pytest.raises(Unauthorized):
            authenticate(session, prefix + "_" + "x" * 32)


def test_user_validation_and_uniqueness(db: Database) -> None:
    with db.session() as session:
        create_user(session, email="d@example.com", plan="agency")
        with pytest.raises(Conflict):
            create_user(session, email="D@example.com", plan="pro")
        with pytest.raises(InvalidInput) as bad_plan:
            create_user(session, email="e@example.com", plan="gold")
        assert bad_plan.value.field == "plan"
        with pytest.raises(InvalidInput):
            create_user(session, email="not-an-email", plan="pro")


def test_accounts_are_per_user_and_case_insensitive(db: Database) -> None:
    with db.session() as session:
        ana = create_user(session, email="ana@example.com", plan="pro").user
        bo = create_user(session, email="bo@example.com", plan="pro").user
        with pytest.raises(NoAudienceData):
            resolve_account(session, user=ana, handle=None)
        own = ensure_account(session, user=ana, handle="@AnaCreates")
        rival = ensure_account(session, user=ana, handle="rival_co", competitor=True)
        assert ensure_account(session, user=ana, handle="anacreates").id == own.id
        assert resolve_account(session, user=ana, handle=None).id == own.id
        assert resolve_account(session, user=ana, handle="RIVAL_CO").id == rival.id
        with pytest.raises(Conflict):
            ensure_account(session, user=ana, handle="rival_co")  # already a competitor
        with pytest.raises(NotFound):
            resolve_account(session, user=bo, handle="AnaCreates")  # another user's account
        with pytest.raises(InvalidInput) as bad:
            ensure_account(session, user=ana, handle="../etc")
        assert bad.value.field == "account"
        assert session.scalar(select(XAccount).where(XAccount.handle == "AnaCreates")).kind == "own"


def test_agent_transitions_and_queries_round_trip(db: Database) -> None:
    with db.session() as session:
        user = create_user(session, email="f@example.com", plan="pro").user
        issue_api_key(session, user=user)
        agent = Agent(user_id=user.id, state="running", sandbox_provider="local", sandbox_id="agt_x")
        agent.transitions.append(AgentTransition(from_state=None, to_state="creating"))
        agent.transitions.append(AgentTransition(from_state="creating", to_state="running"))
        session.add(agent)
        session.flush()
        session.add(
            Query(
                user_id=user.id,
                agent_id=agent.id,
                question="who?",
                answer="**them**",
                evidence=[{"snapshot": "s1", "rows_read": 3, "filters": {"verified": True}}],
                tools=[{"name": "top_followers", "arguments": {"limit": 5}, "summary": "ok"}],
                provider="builtin",
                latency_ms=12,
                cost_usd=Decimal("0.001234"),
            )
        )
        agent_id = agent.id
    with db.session() as session:
        agent = session.get_one(Agent, agent_id)
        assert [t.to_state for t in agent.transitions] == ["creating", "running"]
        assert all(t.at.tzinfo is UTC for t in agent.transitions)
        query = session.scalar(select(Query).where(Query.agent_id == agent_id))
        assert query.cost_usd == Decimal("0.001234")
        assert query.evidence[0]["filters"] == {"verified": True}
        assert query.created_at.tzinfo is UTC
