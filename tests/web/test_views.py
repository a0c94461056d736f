"""What the pages compute and how they draw it: safe Markdown, escaped SVG charts, and the Usage and
Operator pages over hand-made rows with known totals (the figures are `services.quotas`, `ledger`, `kpis`)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from followlytics.db.models import Agent, AgentTransition, Query
from followlytics.services.audience_charts import Bar
from followlytics.web.charts import bar_chart, heatmap, spend_chart
from followlytics.web.markdown import render_markdown


def test_markdown_keeps_formatting_and_turns_html_into_text() -> None:
    html = str(
        render_markdown(
            "**Top** | a |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(2)> |\n\n"
            "[click](javascript:alert(3)) [site](https://example.com) ![pixel](https://tracker.example/p.png)"
        )
    )
    assert "<strong>Top</strong>" in html and "<table>" in html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert 'href="javascript:' not in html
    assert 'href="https://example.com" rel="nofollow noopener noreferrer"' in html
    assert 'src="https://tracker.example' not in html  # an image is not loaded: at most a link to click


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


def _token(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _log_in(client: TestClient, key: str) -> None:
    token = _token(client.get("/login").text)
    assert client.post("/login", data={"api_key": key, "csrf_token": token}).status_code == 200


def _text(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]*)<', html).group(1)


def test_the_usage_page_shows_this_months_questions_against_the_plan_and_the_upgrade(
    client: TestClient, platform, make_user
) -> None:
    pro = make_user(plan="pro")
    now = datetime.now(UTC)
    with platform.db.session() as session:
        for _ in range(7):
            session.add(_query(pro.id, now, "0.01"))
        session.add(_query(pro.id, now, "0.01", status="failed"))  # not counted
    _log_in(client, pro.api_key)
    page = client.get("/usage").text
    assert (_text(page, "usage-plan"), _text(page, "usage-used"), _text(page, "usage-left")) == (
        "Pro",
        "7",
        "3",
    )
    assert _text(page, "usage-cost") == "$49.00"  # the plan, nothing beyond the limit
    assert "Upgrade to Agency" in page and "unlimited questions" in page


def test_a_starter_sees_no_questions_and_the_agent_upgrade(client: TestClient, make_user) -> None:
    _log_in(client, make_user(plan="starter").api_key)
    page = client.get("/usage").text
    assert _text(page, "usage-left") == "0" and "Upgrade to ask your own AI agent" in page
    assert "Upgrade to Pro ($49/month) for 10 questions a month" in page


def test_the_operator_page_shows_kpis_agents_by_state_and_sandbox_spend(
    client: TestClient, platform, make_user
) -> None:
    pro, _agency = make_user(plan="pro"), make_user(plan="agency")
    now = datetime.now(UTC)
    with platform.db.session() as session:
        session.add(_query(pro.id, now, "0.02"))
        for state in ("running", "paused", "destroyed"):
            session.add(Agent(user_id=pro.id, state=state, sandbox_provider="local", sandbox_id="s"))
        running = Agent(user_id=pro.id, state="running", sandbox_provider="local", sandbox_id="t")
        session.add(running)
        session.flush()
        # Created two hours ago and running since: $0.10 + 2 h x $0.50 at the roadmap's rates.
        session.add(AgentTransition(agent_id=running.id, from_state=None, to_state="running",
                                    at=now - timedelta(hours=2), reason="created"))  # fmt: skip
    token = _token(client.get("/operator").text)
    client.post("/operator/login", data={"admin_key": "admin-test-key", "csrf_token": token})
    page = client.get("/operator").text
    assert _text(page, "kpi-engagement") == "50%"  # the Pro user asked this month, the Agency user did not
    assert _text(page, "kpi-questions") == "1"
    table = page.split('id="agents-by-state"')[1].split("</table>")[0]
    assert "<td>running</td><td>2</td>" in table and "<td>destroyed</td><td>1</td>" in table
    # Plus the question, which has no agent: a stateless sandbox, $0.10 to create (and 1 ms of running).
    spent = Decimal(_text(page, "credit-spent").lstrip("$"))
    assert Decimal("1.19") <= spent <= Decimal("1.21")


def test_suggested_questions_follow_the_plan(client: TestClient, make_user) -> None:
    _log_in(client, make_user(plan="pro").api_key)
    page = client.get("/chat").text
    assert 'value="Who are my most valuable followers?"' in page
    assert 'value="Who should I collaborate with?"' not in page  # would be refused: 403 naming Agency
    locked = _text(page, "locked-suggestions")
    assert "Collaborations questions come with the Agency plan" in locked and "Competitors" in locked

    agency = TestClient(client.app)
    _log_in(agency, make_user(plan="agency").api_key)
    page = agency.get("/chat").text
    assert 'value="Who should I collaborate with?"' in page and 'id="locked-suggestions"' not in page
