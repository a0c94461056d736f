"""Fixtures for the dashboard tests: a small seeded data folder, a real `followlytics serve` on a free
loopback port, and one headless chromium (Debian's, `/usr/bin/chromium`) for the whole session.

The data: the demo's Pro and Agency users (2,000 and 1,000 synthetic followers, every dataset), a Starter
user with a few followers, and a Pro user whose followers' names, bios and locations hold `<script>` and
`<img onerror>` payloads. Screenshots go to `$FOLLOWLYTICS_TEST_ARTIFACTS` or `tests/artifacts/`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from followlytics.audience.datasets import Dataset
from followlytics.config import Settings
from followlytics.db.models import Query
from followlytics.services.accounts import create_user
from followlytics.services.demo import seed_demo
from followlytics.services.imports import import_files
from followlytics.services.platform import Platform
from tests.served import served

CHROMIUM = Path("/usr/bin/chromium")
ADMIN_KEY = "admin-browser-test-key"
ARTIFACTS = Path(os.environ.get("FOLLOWLYTICS_TEST_ARTIFACTS") or Path(__file__).parents[1] / "artifacts")
SCRIPT_NAME = "<script>alert('name')</script>Mallory"
IMG_BIO = "<img src=x onerror=alert('bio')> growth hacker"
IMG_LOCATION = "<img src=x onerror=alert('loc')>London"
_TAKEN = "2026-11-26T00:00:00Z"


@dataclass(frozen=True)
class Site:
    url: str
    data_dir: Path
    pro_key: str
    agency_key: str
    starter_key: str
    xss_key: str
    admin_key: str = ADMIN_KEY


def _user(i: int, *, name: str, bio: str, location: str, followers: int) -> dict[str, object]:
    return {
        "id": str(1000 + i),
        "username": f"user_{i}",
        "name": name,
        "description": bio,
        "location": location,
        "verified": False,
        "protected": False,
        "public_metrics": {
            "followers_count": followers,
            "following_count": 100,
            "tweet_count": 50,
            "listed_count": 3,
        },
    }


def _seed(settings: Settings, tmp: Path) -> dict[str, str]:
    platform = Platform.from_settings(settings)
    try:
        pro, agency = seed_demo(platform, pro_followers=2_000, agency_followers=1_000)
        keys = {"pro": pro.api_key, "agency": agency.api_key}
        plain = [
            _user(i, name=f"Fan {i}", bio="coffee and code", location="Berlin", followers=10 * i)
            for i in range(1, 30)
        ]
        evil = _user(0, name=SCRIPT_NAME, bio=IMG_BIO, location=IMG_LOCATION, followers=90_000)
        for kind, plan, rows in (("starter", "starter", plain), ("xss", "pro", [evil, *plain])):
            path = tmp / f"{kind}.jsonl"
            path.write_text("\n".join(json.dumps(row) for row in rows))
            with platform.db.session() as session:
                new = create_user(session, email=f"{kind}@browser.test", plan=plan)
                keys[kind], user_id = new.api_key, new.user.id
            import_files(
                platform, user_id=user_id, paths=[path], handle=f"{kind}_creator", dataset=Dataset.FOLLOWERS
            )
        _store_quoting_answer(platform, keys["xss"])
        return keys
    finally:
        platform.close()


def _store_quoting_answer(platform: Platform, api_key: str) -> None:
    """An answer as a language model might write it, quoting the payloads raw (the built-in engine escapes
    them itself), so the page's own rendering is what is tested: answer, tool call and evidence."""
    from followlytics.services.accounts import authenticate

    with platform.db.session() as session:
        user_id = authenticate(session, api_key).id
        session.add(
            Query(
                user_id=user_id, question="Quote my top follower's profile", provider="openai", latency_ms=5,
                cost_usd=Decimal("0.001"), status="answered",
                answer=f"Name: {SCRIPT_NAME}\n\nBio: {IMG_BIO}\n\nLocation: {IMG_LOCATION}",
                tools=[
                    {"name": "top_followers", "arguments": {"location": IMG_LOCATION}, "summary": IMG_BIO}
                ],
                evidence=[{
                    "method": "value-score-v1", "snapshot": "s1", "snapshot_created_at": _TAKEN,
                    "rows_read": 30, "rows_matched": 1, "fields": ["description"],
                    "filters": {"location": IMG_LOCATION},
                    "sources": [{"dataset": "followers", "account_id": "a", "handle": SCRIPT_NAME,
                                 "snapshot": "s1", "snapshot_created_at": _TAKEN, "rows": 30}],
                }],
            )
        )  # fmt: skip


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    tmp = tmp_path_factory.mktemp("dashboard")
    data_dir = tmp / "data"
    keys = _seed(Settings(data_dir=data_dir, database_url=None), tmp)
    env = {
        **os.environ,
        "FOLLOWLYTICS_DATA_DIR": str(data_dir),
        "FOLLOWLYTICS_ADMIN_KEY": ADMIN_KEY,
        "FOLLOWLYTICS_QUEUE_IN_PROCESS": "false",
        "FOLLOWLYTICS_LLM_CHAIN": "builtin",
    }
    env.pop("FOLLOWLYTICS_DATABASE_URL", None)
    with served(env, tmp / "server.log") as url:
        yield Site(url, data_dir, keys["pro"], keys["agency"], keys["starter"], keys["xss"])


@pytest.fixture(scope="session")
def browser(site: Site) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site: Site):
    """A fresh browser context (no cookies) per test, with every dialog recorded and dismissed."""
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]

    def on_dialog(dialog) -> None:
        page.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def log_in(page, key: str) -> None:
    page.goto("/login")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/chat")


def shot(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


__all__ = ["Site", "log_in", "shot"]
