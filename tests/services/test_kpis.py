"""KPIs over a small hand-built history (users, questions, imports, plan changes), worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from followlytics.services.kpis import kpis
from followlytics.services.platform import Platform
from tests.services import records


def _at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_kpis_of_a_hand_built_month(platform: Platform) -> None:
    with platform.db.session() as session:
        u1 = records.user(session, plan="pro", created=_at(9, 1))  # asks in Oct and Nov
        u2 = records.user(session, plan="pro", created=_at(9, 1))  # asks in Oct, not in Nov
        u3 = records.user(session, plan="agency", created=_at(10, 1))  # imports in Oct, asks in Nov
        u4 = records.user(session, plan="starter", created=_at(10, 15))  # Starter -> Pro on Nov 10, asks
        u5 = records.user(session, plan="starter", created=_at(9, 1))  # stays Starter, imports both months
        u6 = records.user(session, plan="pro", created=_at(12, 1))  # signs up after November: not counted
        for day in (2, 3, 4):
            records.question(session, u1, _at(11, day), model_usd="0.01")
        records.question(session, u1, _at(10, 5))
        records.question(session, u2, _at(10, 5))
        records.question(session, u2, _at(10, 6))
        records.question(session, u3, _at(11, 7), model_usd="0.01")
        records.x_api_read(session, u3, _at(10, 2), units=10, unit_usd="0.010", kind="user_object")
        records.plan_change(session, u4, "pro", _at(11, 10))
        records.question(session, u4, _at(11, 11), model_usd="0.01")
        records.question(session, u4, _at(11, 12), model_usd="0.01")
        records.question(session, u4, _at(11, 13), status="failed")  # not a question that counts
        records.x_api_read(session, u5, _at(10, 3), units=10, unit_usd="0.010", kind="user_object")
        records.x_api_read(session, u5, _at(11, 3), units=10, unit_usd="0.010", kind="user_object")
        records.question(session, u6, _at(12, 2))
        result = kpis(session, month=date(2026, 11, 1), now=_at(12, 5), settings=platform.settings)

    assert result.month == date(2026, 11, 1)
    # Pro/Agency at the end of November: u1, u2, u3, u4 (converted); engaged: u1, u3, u4.
    assert (result.agent_users, result.engaged_agent_users, result.engagement_rate) == (4, 3, 0.75)
    # 3 + 1 + 2 questions by 3 users.
    assert (result.questions, result.active_users, result.questions_per_active_user) == (6, 3, 2.0)
    # Six model requests at $0.01 (stateless: 6 creations x $0.10 each, 0 s running) + u5's $0.10 of reads.
    assert result.cost_usd == Decimal("0.06") + Decimal("0.60") + Decimal("0.10")
    assert result.cost_per_question_usd == Decimal("0.12666667")  # $0.76 / 6
    # Starter on Nov 1 (or at sign-up): u4 and u5; u4 converted.
    assert (result.starters, result.starter_conversions, result.starter_to_pro_conversion) == (2, 1, 0.5)
    # Active in October: u1, u2 asked (with the agent); u3, u5 only imported (without).
    assert result.retention_with_agent.model_dump() == {"cohort": 2, "retained": 1, "rate": 0.5}
    assert result.retention_without_agent.model_dump() == {"cohort": 2, "retained": 2, "rate": 1.0}


def test_kpis_of_an_empty_month_have_no_rates(platform: Platform) -> None:
    with platform.db.session() as session:
        result = kpis(session, month=date(2026, 11, 1), now=_at(12, 5), settings=platform.settings)
    assert result.engagement_rate is None and result.cost_per_question_usd is None
    assert result.retention_with_agent.rate is None
