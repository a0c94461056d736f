"""The dashboard in a real browser: headless chromium against `followlytics serve` on 127.0.0.1.

Each test starts logged out in its own browser context; screenshots of every page are kept as artifacts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.web.conftest import IMG_BIO, IMG_LOCATION, SCRIPT_NAME, Site, log_in, shot

pytestmark = pytest.mark.timeout(120)

# Records every text the live (streamed) answer shows, before the server-rendered answer replaces it.
_WATCH_STREAM = """
window.__streamed = [];
new MutationObserver(() => {
  const live = document.getElementById('streaming-answer');
  if (live && live.textContent) window.__streamed.push(live.textContent);
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def _used(page) -> int:
    page.goto("/usage")
    return int(page.locator("#usage-used").inner_text())


def test_log_in_ask_watch_the_stream_open_the_evidence_then_history_and_usage(
    page, site: Site, artifacts: Path
) -> None:
    page.goto("/chat")
    page.wait_for_url("**/login")  # logged out: sent to the login page
    shot(page, artifacts, "login")
    log_in(page, site.pro_key)
    before = _used(page)
    page.add_init_script(_WATCH_STREAM)
    page.goto("/chat")
    question = "Who are my most engaged followers?"
    page.get_by_label("Your question").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    # The server-rendered answer replaces the live one when `done` arrives.
    answer = page.locator("article.answer:not(.live)").filter(has_text=question).last
    answer.wait_for()
    streamed = page.evaluate("window.__streamed")
    assert streamed, "no answer text was shown while streaming"
    assert answer.locator(".markdown").inner_text().strip()
    assert page.locator("#ask-status").inner_text().startswith("Answered in")
    # What the agent saw: the tools it called and the snapshots it read.
    answer.get_by_text("What the agent saw").click()
    saw = answer.locator("details.saw")
    assert saw.locator("ol.tools li").first.is_visible()
    assert "2,000" in saw.locator("table").inner_text()  # rows read of the 2,000-follower snapshot
    assert saw.locator("ul.sources li").count() >= 1
    shot(page, artifacts, "chat")
    # Feedback is stored and shown with the answer.
    answer.get_by_label("Note (optional): why?").fill("wanted names I can DM")
    answer.get_by_role("button", name="Not helpful").click()
    # The form posts and the page reloads with the rating; expect() retries until it shows.
    rated = page.locator("article.answer").filter(has_text=question).last
    expect(rated.locator("legend")).to_contain_text("You said: not helpful (wanted names I can DM)")
    # The conversation continues across page loads, the question is in history, the counter moved.
    page.reload()
    assert page.locator("article.answer").filter(has_text=question).count() >= 1
    page.goto("/history")
    page.get_by_label("Search questions and answers").fill("engaged followers")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/history?q=*")
    assert page.locator("table.history tbody tr").filter(has_text=question).count() >= 1
    assert page.locator("table.history tbody tr").filter(has_text="valuable").count() == 0
    shot(page, artifacts, "history")
    assert _used(page) == before + 1
    shot(page, artifacts, "usage")


def test_a_starter_user_sees_the_upgrade_prompt_and_the_static_analytics(
    page, site: Site, artifacts: Path
) -> None:
    log_in(page, site.starter_key)
    assert page.get_by_role("heading", name="Upgrade to ask your own AI agent").is_visible()
    assert page.locator("#ask-form").count() == 0
    shot(page, artifacts, "chat-starter")
    page.goto("/usage")
    assert page.locator("#usage-plan").inner_text() == "Starter"
    assert page.get_by_role("heading", name="Upgrade to ask your own AI agent").is_visible()
    page.goto("/audience")
    assert page.get_by_role("heading", name="Followers by reach band").is_visible()
    assert page.locator("svg.chart").count() >= 2
    shot(page, artifacts, "audience-starter")


def test_a_bio_holding_script_and_img_onerror_renders_as_text(page, site: Site, artifacts: Path) -> None:
    log_in(page, site.xss_key)
    # A fresh answer from the engine names the follower whose name is a <script>.
    page.get_by_label("Your question").fill("Who are my most valuable followers?")
    page.get_by_role("button", name="Ask", exact=True).click()
    page.locator("article.answer:not(.live)").filter(has_text="most valuable").last.wait_for()
    assert SCRIPT_NAME in page.locator("main").inner_text()
    # A stored answer quoting the name, bio and location raw, in its text, tool call and evidence.
    page.reload()
    quoting = page.locator("article.answer").filter(has_text="Quote my top follower's profile")
    quoting.get_by_text("What the agent saw").click()
    text = quoting.inner_text()
    for payload in (SCRIPT_NAME, IMG_BIO, IMG_LOCATION):
        assert payload in text
    shot(page, artifacts, "chat-xss")
    page.goto("/history")
    page.locator("table.history summary").filter(has_text="Quote my top").click()
    assert IMG_BIO in page.locator("table.history").inner_text()
    for path in ("/chat", "/history", "/audience"):
        page.goto(path)
        # No element came from the payloads: no script in the content, no img anywhere, no handler.
        assert page.locator("main script").count() == 0
        assert page.locator("img").count() == 0
        assert page.evaluate("document.querySelectorAll('[onerror]').length") == 0
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_the_dashboard_is_usable_with_the_keyboard_alone(page, site: Site) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")  # the skip link jumps past the header into the page's content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "api_key"
    page.keyboard.type(site.pro_key)
    page.keyboard.press("Enter")
    page.wait_for_url("**/chat")
    # Every form control on every page has a label a screen reader reads.
    for path in ("/chat", "/history", "/usage", "/audience", "/operator"):
        page.goto(path)
        unlabelled = page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                 .map(el => el.name)"""
        )
        assert unlabelled == [], f"{path}: unlabelled {unlabelled}"
    # Tab from the top reaches the question box, and Enter on the Ask button sends it.
    page.goto("/chat")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "question":
            break
    else:
        pytest.fail("the question box is not reachable with Tab")
    page.keyboard.type("When should I post?")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "ask-button"
    page.keyboard.press("Enter")
    page.locator("article.answer:not(.live)").filter(has_text="When should I post?").last.wait_for()


def test_every_page_fits_a_375_px_screen(browser, site: Site, artifacts: Path) -> None:
    context = browser.new_context(base_url=site.url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    try:
        page.goto("/operator")
        page.get_by_label("Admin key").fill(site.admin_key)
        page.get_by_role("button", name="Log in as operator").click()
        expect(page.get_by_role("heading", name="Agents by state")).to_be_visible()
        log_in(page, site.agency_key)
        # An answer with a wide table: it scrolls inside its box, not the page.
        page.get_by_label("Your question").fill("Who are my most valuable followers?")
        page.get_by_role("button", name="Ask", exact=True).click()
        page.locator("article.answer:not(.live) table").first.wait_for()
        for name in ("chat", "history", "usage", "audience", "operator"):
            page.goto(f"/{name}")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"/{name} scrolls sideways by {overflow}px at 375px"
            shot(page, artifacts, f"{name}-375px")
    finally:
        context.close()


def test_the_operator_sees_kpis_agents_by_state_and_spend(page, site: Site, artifacts: Path) -> None:
    page.goto("/operator")
    page.get_by_label("Admin key").fill("not-the-key")
    page.get_by_role("button", name="Log in as operator").click()
    expect(page.get_by_role("alert")).to_have_text("that is not the admin key")
    page.get_by_label("Admin key").fill(site.admin_key)
    page.get_by_role("button", name="Log in as operator").click()
    page.wait_for_url("**/operator")
    assert page.get_by_role("heading", name="Agents by state").is_visible()
    assert page.get_by_role("heading", name="Spend against the credit budget").is_visible()
    assert page.locator("svg.chart").count() == 1
    shot(page, artifacts, "operator")


def test_the_audience_page_draws_every_chart_from_the_demo_data(page, site: Site, artifacts: Path) -> None:
    log_in(page, site.agency_key)
    page.goto("/audience")
    for heading in ("Followers by reach band", "Top locations", "Interest segments", "When to post"):
        assert page.get_by_role("heading", name=heading).is_visible()
    assert page.get_by_role("heading", name="@agency_brand and @rival_brand").is_visible()
    assert page.locator("svg.chart rect.cell").count() == 7 * 24
    assert page.locator(".note").filter(has_text="Not available").count() == 0
    shot(page, artifacts, "audience")
