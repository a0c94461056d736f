"""What the pages compute and how they draw it: safe Markdown, escaped SVG charts, and the usage and
operator figures (`web/usage_view.py`) on hand-made rows with known totals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from followlytics.db.models import Agent, Query, User
from followlytics.services.audience_charts import Bar
from followlytics.web.charts import bar_chart, heatmap, spend_chart
from followlytics.web.markdown import render_markdown
from followlytics.web.usage_view import month_bounds, operator_view, usage_view

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_markdown_keeps_formatting_and_turns_html_into_text() -> None:
    html = str(
        render_markdown(
            "**Top** | a |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(2)> |\n\n"
            "[click](javascript:alert(3)) [site](https://example.com)"
        )
    )
    assert "<strong>Top</strong>" in html and "<table>" in html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert 'href="javascript:' not in html
    assert 'href="https://example.com" rel="nofollow noopener noreferrer"' in html


def test_chart_labels_are_escaped_and_charts_are_labelled() -> None:
    svg = str(bar_chart([Bar("<script>x</script>", 3, "50%"), Bar("b", 1)], title="Top <b>"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'role="img" aria-label="Top &lt;b&gt;"' in svg
    assert svg.count('class="bar"') == 2
    cells = str(heatmap([[0.0] * 24 for _ in range(6)] + [[1.0] * 24], title="heat"))
    assert cells.count('class="cell"') == 7 * 24
    assert 'fill-opacity="1.00"' in cells and 'fill-opacity="0.08"' in cells
    assert bar_chart([], title="none") == ""


def test_spend_chart_draws_cumulative_spend_under_the_credit_line() -> None:
    days = [(date(2026, 11, d), Decimal(d)) for d in (1, 2, 3)]
    svg = str(spend_chart(days, credit=Decimal("12"), spent_before=Decimal("0"), title="spend"))
    points = svg.split('points="')[1].split('"')[0].split()
    ys = [float(point.split(",")[1]) for point in points]
    assert ys == sorted(ys, reverse=True)  # cumulative: the line only rises (y shrinks upwards)
    budget_y = float(svg.split('class="budget"')[0].rsplit('y1="', 1)[1].split('"')[0])
    assert abs(ys[-1] - budget_y) > 1  # 6 of 12 spent: half way, not at the line


def _query(user_id: str, when: datetime, cost: str, status: str = "answered") -> Query:
    return Query(
        user_id=user_id, question="q", answer="a", evidence=[], tools=[], provider="builtin", latency_ms=1,
        cost_usd=Decimal(cost), status=status, created_at=when,
    )  # fmt: skip


def test_usage_counts_this_months_answered_questions_against_the_plans_limit(platform, make_user) -> None:
    pro, agency, starter = make_user(plan="pro"), make_user(plan="agency"), make_user(plan="starter")
    with platform.db.session() as session:
        for i in range(12):
            session.add(_query(pro.id, NOW - timedelta(days=i % 20), "0.01"))
        session.add(_query(pro.id, datetime(2026, 10, 31, 23, 59, tzinfo=UTC), "5"))  # last month
        session.add(_query(pro.id, NOW, "7", status="failed"))
        session.add(_query(agency.id, NOW, "0.5"))
    with platform.db.session() as session:
        mine = usage_view(session, pro.id, now=NOW)
        theirs = usage_view(session, agency.id, now=NOW)
        none = usage_view(session, starter.id, now=NOW)
    assert (mine.plan, mine.questions_used, mine.question_limit, mine.questions_left) == ("pro", 12, 10, 0)
    assert (mine.overage_questions, mine.overage_usd, mine.cost_usd) == (2, Decimal("1.00"), Decimal("0.12"))
    assert mine.period_start == datetime(2026, 11, 1, tzinfo=UTC)
    assert (theirs.questions_used, theirs.question_limit, theirs.questions_left) == (1, None, None)
    assert (none.questions_used, none.question_limit, none.questions_left) == (0, 0, 0)


def test_month_bounds_roll_over_the_year() -> None:
    start, end = month_bounds(datetime(2026, 12, 31, 23, 0, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def test_operator_view_spend_by_day_burn_rate_agents_and_kpis(platform, make_user) -> None:
    pro, agency, _starter = make_user(plan="pro"), make_user(plan="agency"), make_user(plan="starter")
    with platform.db.session() as session:
        session.add(_query(pro.id, NOW - timedelta(days=1), "7"))
        session.add(_query(pro.id, NOW - timedelta(days=3), "7"))
        session.add(_query(pro.id, NOW - timedelta(days=60), "100"))  # before the 30 days shown
        for state in ("running", "running", "paused", "destroyed"):
            session.add(Agent(user_id=pro.id, state=state, sandbox_provider="local", sandbox_id="s"))
    with platform.db.session() as session:
        view = operator_view(session, platform.settings, now=NOW)
        assert session.get(User, pro.id) is not None
    credit = view.credit
    assert credit.spent_usd == Decimal("114") and credit.remaining_usd == Decimal("19886")
    assert len(credit.spend_by_day) == 30 and credit.spend_by_day[-1][0] == NOW.date()
    assert sum(cost for _, cost in credit.spend_by_day) == Decimal("14")
    assert credit.burn_rate_usd_per_day == Decimal("2")  # 14 over the last 7 days
    assert credit.run_out_date == NOW.date() + timedelta(days=9943)
    assert view.agents_by_state == {"destroyed": 1, "paused": 1, "running": 2}
    assert credit.active_agents == 3
    kpis = view.kpis
    assert kpis.users_by_plan == {"starter": 1, "pro": 1, "agency": 1}
    assert kpis.engagement_rate == 0.5  # the Pro user asked this month, the Agency user did not
    assert kpis.questions == 2 and kpis.cost_per_question_usd == Decimal("7")
    assert agency.id


def test_a_trickle_of_spend_has_no_run_out_date_rather_than_an_overflow(platform, make_user) -> None:
    user = make_user()
    with platform.db.session() as session:
        session.add(_query(user.id, NOW, "0.001"))
    with platform.db.session() as session:
        credit = operator_view(session, platform.settings, now=NOW).credit
    assert credit.burn_rate_usd_per_day > 0 and credit.run_out_date is None
