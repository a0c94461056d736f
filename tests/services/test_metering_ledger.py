"""Metering, quotas and the credit ledger from hand-built records, with every figure worked out by hand
from the recorded transitions, model requests and X API reads. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from followlytics.config import Settings
from followlytics.errors import QuotaExceeded
from followlytics.services import quotas
from followlytics.services.ledger import credit_report, credit_status, record_alerts
from followlytics.services.metering import month_economics, question_cost
from followlytics.services.platform import Platform
from followlytics.services.quotas import bill_question, check_quota, monthly_usage
from tests.services import records

NOV = datetime(2026, 11, 1, tzinfo=UTC)
DEC_2 = datetime(2026, 12, 2, tzinfo=UTC)


def _at(day: int, hour: int = 0, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def billing(tmp_path: Path, database_url: str) -> Iterator[Platform]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, queue_in_process=False)
    platform = Platform.from_settings(settings)
    yield platform
    platform.close()


def _with(platform: Platform, **changes: object) -> Settings:
    return platform.settings.model_copy(update=changes)


def _pro_user_with_a_month(session):  # the month worked out by hand in the tests below
    user = records.user(session, plan="pro", created=_at(1, month=10))
    # Oct 31 22:00 paused -> Nov 1 02:00 archived: 2 of its paused hours fall in November.
    agent = records.agent(
        session,
        user,
        [
            ("running", _at(31, 21, month=10), "first question"),
            ("paused", _at(31, 22, month=10), "idle 30 min"),
            ("archived", _at(1, 2), "paused 240 min"),
            ("running", _at(3, 10), "resumed for a question"),
            ("paused", _at(3, 12), "idle 30 min"),
            ("archived", _at(3, 16), "paused 240 min"),
            ("running", _at(5, 10), "resumed for a question"),
            ("destroyed", _at(5, 11), "user request"),
        ],
    )
    # A second agent made in November: one creation; 30 min running, then destroyed.
    records.agent(
        session,
        user,
        [("running", _at(20, 9), "first question"), ("destroyed", _at(20, 9, 30), "user request")],
    )
    first = records.question(session, user, _at(3, 10, 5), model_usd="0.0123", agent=agent)
    records.question(session, user, _at(5, 10, 5), model_usd="0.0077", agent=agent)
    records.question(
        session, user, _at(5, 10, 6), status="failed", agent=agent
    )  # not counted, its cost is zero
    records.x_api_read(session, user, _at(2), units=100, unit_usd="0.010", kind="user_object")
    records.x_api_read(session, user, _at(2), units=50, unit_usd="0.001", kind="own_data")
    records.x_api_read(
        session, user, _at(2, month=10), units=999, unit_usd="0.010", kind="user_object"
    )  # Oct
    return user, first


def test_a_month_of_one_user_costed_by_hand(billing: Platform) -> None:
    with billing.db.session() as session:
        user, first = _pro_user_with_a_month(session)
        [month] = month_economics(
            session, billing.settings, month=date(2026, 11, 1), now=DEC_2, user_id=user.id
        )
        cost = question_cost(session, billing.settings, user_id=user.id, query_id=first.id, now=DEC_2)
    # running: Nov 3 10-12 (2 h) + Nov 5 10-11 (1 h) + Nov 20 9:00-9:30 (0.5 h) = 3.5 h x $0.50 = $1.75
    # paused: Nov 1 0-2 (2 h) + Nov 3 12-16 (4 h) = 6 h x $0.05 = $0.30; archived: $0; one creation: $0.10
    # archived: Nov 1 2:00 - Nov 3 10:00 (56 h) + Nov 3 16:00 - Nov 5 10:00 (42 h), free
    assert month.sandbox_hours == {"archived": 98.0, "paused": 6.0, "running": 3.5}
    assert month.sandbox_usd == Decimal("2.15")
    assert month.model_usd == Decimal("0.02")
    assert month.x_api_usd == Decimal("1.05")  # 100 x $0.010 + 50 x $0.001; October's read not counted
    assert month.cost_usd == Decimal("3.22")
    assert month.questions == 2
    assert (month.plan, month.revenue_usd, month.margin_usd) == ("pro", Decimal("49"), Decimal("45.78"))
    # The question: its own model request plus half of the month's sandbox and X API cost.
    assert cost.model_usd == Decimal("0.0123")
    assert cost.sandbox_usd == Decimal("1.075") and cost.x_api_usd == Decimal("0.525")
    assert cost.total_usd == Decimal("1.6123")


def test_daytona_rates_price_the_same_hours_by_vcpu_ram_and_disk(billing: Platform) -> None:
    settings = _with(
        billing, sandbox_rates="daytona", sandbox_vcpus=1, sandbox_memory_mb=6144, sandbox_disk_gib=10
    )
    with billing.db.session() as session:
        user, _first = _pro_user_with_a_month(session)
        [month] = month_economics(session, settings, month=date(2026, 11, 1), now=DEC_2, user_id=user.id)
    # running = 1 x 0.0504 + 6 GiB x 0.0162 + (10 - 5) GiB x 0.000108 = $0.14814/h; paused = $0.00054/h
    assert month.sandbox_usd == Decimal("3.5") * Decimal("0.14814") + 6 * Decimal("0.00054")


def test_the_quota_counts_answered_and_queued_questions_and_resets_on_the_first(billing: Platform) -> None:
    with billing.db.session() as session:
        user = records.user(session, plan="pro", created=_at(1, month=10))
        for minute in range(9):
            records.question(session, user, _at(30, 23, minute))
        records.question(session, user, _at(30, 23, 30), status="failed")
        just_before = _at(30, 23, 59)
        assert monthly_usage(session, user.id, now=just_before, settings=billing.settings).questions_left == 1
        check_quota(session, billing.settings, user, now=just_before)  # the 10th is allowed
        records.question(session, user, _at(30, 23, 40), status="queued")
        usage = monthly_usage(session, user.id, now=just_before, settings=billing.settings)
        assert (usage.questions_used, usage.question_limit, usage.questions_left) == (10, 10, 0)
        assert usage.period_end == datetime(2026, 12, 1, tzinfo=UTC)
        with pytest.raises(QuotaExceeded) as refused:
            check_quota(session, billing.settings, user, now=just_before)
        assert refused.value.status_code == 402 and refused.value.upgrade_to == "agency"
        assert "resets on 2026-12-01" in refused.value.message and "Agency" in refused.value.message
        # At midnight UTC on the 1st the quota is whole again.
        midnight = datetime(2026, 12, 1, tzinfo=UTC)
        check_quota(session, billing.settings, user, now=midnight)
        fresh = monthly_usage(session, user.id, now=midnight, settings=billing.settings)
        assert (fresh.questions_used, fresh.questions_left, fresh.period_start) == (0, 10, midnight)


def test_pay_per_question_bills_each_question_past_the_limit(billing: Platform) -> None:
    settings = _with(billing, quota_overage="pay_per_question")
    with billing.db.session() as session:
        user = records.user(session, plan="pro", created=_at(1, month=10))
        asked = [records.question(session, user, _at(10, 12, minute)) for minute in range(12)]
        assert check_quota(session, settings, user, now=_at(10, 13)) is True  # answered, as overage
        charges = [bill_question(session, settings, query) for query in asked]
        assert [c is not None for c in charges] == [False] * 10 + [True, True]
        usage = monthly_usage(session, user.id, now=_at(10, 13), settings=settings)
        assert (usage.overage_questions, usage.overage_usd, usage.overage_mode) == (
            2,
            Decimal("1"),
            "pay_per_question",
        )
        [month] = month_economics(
            session, settings, month=date(2026, 11, 1), now=_at(10, 13), user_id=user.id
        )
        assert month.revenue_usd == Decimal("50")  # $49 + 2 x $0.50
        quotas.refund_question(session, asked[-1].id)
        assert monthly_usage(session, user.id, now=_at(10, 13), settings=settings).overage_usd == Decimal(
            "0.5"
        )


def test_a_plan_change_applies_to_the_next_question(billing: Platform) -> None:
    from followlytics.services.plans import change_plan

    with billing.db.session() as session:
        user = records.user(session, plan="pro", created=_at(1, month=10))
        for minute in range(10):
            records.question(session, user, _at(10, 12, minute))
        with pytest.raises(QuotaExceeded):
            check_quota(session, billing.settings, user, now=_at(10, 13))
        change_plan(session, user=user, plan="agency", at=_at(10, 13))
        check_quota(session, billing.settings, user, now=_at(10, 13))
        usage = monthly_usage(session, user.id, now=_at(10, 13), settings=billing.settings)
        assert (usage.plan, usage.question_limit, usage.questions_left, usage.questions_used) == (
            "agency",
            None,
            None,
            10,
        )
        change_plan(session, user=user, plan="pro", at=_at(10, 14))  # back down: the 10 asked still count
        with pytest.raises(QuotaExceeded):
            check_quota(session, billing.settings, user, now=_at(10, 14))


def test_the_ledger_burn_rate_run_out_and_alerts(billing: Platform) -> None:
    settings = _with(
        billing, credit_usd=Decimal("100"), credit_alert_thresholds="0.25,0.5", burn_window_days=7
    )
    with billing.db.session() as session:
        user = records.user(session, created=_at(1, month=10))
        records.agent(session, user, [("running", _at(1), "first question")])  # running ever since
        status = credit_status(session, settings, now=_at(4))
        # 72 h x $0.50 + one creation $0.10 = $36.10; by day: 12.10, 12, 12, and today (0 h so far)
        assert status.spent_usd == Decimal("36.1")
        assert [(d.day.day, d.spent_usd) for d in status.spend_by_day] == [
            (1, Decimal("12.1")), (2, Decimal("12")), (3, Decimal("12")), (4, Decimal("0")),
        ]  # fmt: skip
        # Three days of history (less than the 7-day window): $36.10 / 3 = $12.0333/day.
        assert status.burn_rate_usd_per_day == Decimal("12.0333")
        assert status.remaining_usd == Decimal("63.9")
        assert status.run_out_date == date(2026, 11, 9)  # 63.90 / 12.0333 = 5.3 days after Nov 4
        assert status.active_agents == 1 and not status.new_users_stateless
        new = record_alerts(session, settings, status, now=_at(4))
        assert [a.threshold for a in new] == [Decimal("0.25")]
        assert "25% spent" in new[0].message
        assert record_alerts(session, settings, status, now=_at(4)) == []  # once per threshold
        later = credit_status(session, settings, now=_at(6))  # $60.10 spent
        assert [a.threshold for a in record_alerts(session, settings, later, now=_at(6))] == [Decimal("0.5")]
        assert [a.threshold for a in credit_status(session, settings, now=_at(6)).alerts] == [
            Decimal("0.25"), Decimal("0.5"),
        ]  # fmt: skip
        # A week later, only the last 7 days count: 7 x 24 h x $0.50 = $84/7 = $12/day.
        assert credit_status(session, settings, now=_at(20)).burn_rate_usd_per_day == Decimal("12")


def test_credit_report_records_alerts_and_nothing_burns_without_agents(billing: Platform) -> None:
    status = credit_report(billing, now=_at(4))
    assert (status.spent_usd, status.burn_rate_usd_per_day, status.run_out_date) == (0, 0, None)
    assert status.credit_usd == Decimal("20000") and status.alerts == []
