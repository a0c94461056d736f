"""The dashboard's session cookie and CSRF protection, in-process: what a browser gets, what it must send,
and what ends a login."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from fastapi.testclient import TestClient

from followlytics.config import Settings
from followlytics.db.models import ApiKey, utcnow
from followlytics.services.platform import Platform
from followlytics.web.session import COOKIE, session_secret
from tests.conftest import FIXTURES

PAGE = FIXTURES / "x-api-v2" / "followers_page_twittered.json"


def _token(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _log_in(client: TestClient, key: str) -> str:
    token = _token(client.get("/login").text)
    done = client.post("/login", data={"api_key": key, "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/chat", done.text
    return _token(client.get("/chat").text)


def test_the_cookie_is_signed_http_only_and_same_site_lax(client: TestClient, make_user) -> None:
    user = make_user()
    token = _token(client.get("/login").text)
    done = client.post("/login", data={"api_key": user.api_key, "csrf_token": token}, follow_redirects=False)
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert user.api_key not in cookie  # the key itself is never stored in the cookie
    # A cookie edited by hand is not accepted.
    value = client.cookies.get(COOKIE)
    client.cookies.clear()
    client.cookies.set(COOKIE, value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))
    assert client.get("/chat", follow_redirects=False).headers["location"] == "/login"


def test_a_wrong_key_is_refused_and_logging_in_needs_the_forms_token(client: TestClient, make_user) -> None:
    user = make_user()
    token = _token(client.get("/login").text)
    wrong = client.post("/login", data={"api_key": "flk_00000000_" + "x" * 32, "csrf_token": token})
    assert wrong.status_code == 401 and "invalid API key" in wrong.text
    forged = client.post("/login", data={"api_key": user.api_key, "csrf_token": "forged"})
    assert forged.status_code == 403


def test_the_api_accepts_the_cookie_only_with_the_csrf_header(client: TestClient, make_user) -> None:
    user = make_user()
    client.post(
        "/api/followers/import",
        headers=user.headers,
        files={"files": ("p.json", PAGE.read_bytes())},
        data={"account": "me"},
    )
    token = _log_in(client, user.api_key)
    body = {"question": "top 3 followers"}
    assert client.post("/api/agents/query", json=body).status_code == 403
    assert client.post("/api/agents/query", json=body, headers={"X-CSRF-Token": "nope"}).status_code == 403
    answered = client.post("/api/agents/query", json=body, headers={"X-CSRF-Token": token})
    assert answered.status_code == 200, answered.text
    # Reads need no token; the answer fragment is the user's own.
    assert client.get(f"/chat/answers/{answered.json()['query_id']}").status_code == 200
    assert client.get("/api/agents/status").json()["state"] == "running"


def test_one_users_answers_never_show_to_another(client: TestClient, make_user) -> None:
    alice, bob = make_user(), make_user()
    client.post(
        "/api/followers/import",
        headers=alice.headers,
        files={"files": ("p.json", PAGE.read_bytes())},
        data={"account": "me"},
    )
    asked = client.post(
        "/api/agents/query", headers=alice.headers, json={"question": "secret alice question"}
    )
    query_id = asked.json()["query_id"]
    token = _log_in(client, bob.api_key)
    assert client.get(f"/chat/answers/{query_id}").status_code == 404
    assert "secret alice question" not in client.get("/history").text
    assert "secret alice question" not in client.get("/chat").text
    rate = client.post(
        f"/chat/answers/{query_id}/feedback",
        data={"helpful": "yes", "csrf_token": token},
        follow_redirects=False,
    )
    assert rate.status_code == 404


def test_revoking_the_key_ends_the_session_and_logout_clears_it(
    client: TestClient, platform, make_user
) -> None:
    user = make_user()
    token = _log_in(client, user.api_key)
    assert client.get("/usage").status_code == 200
    client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert client.get("/usage", follow_redirects=False).headers["location"] == "/login"
    _log_in(client, user.api_key)
    with platform.db.session() as session:
        session.query(ApiKey).filter(ApiKey.user_id == user.id).update({"revoked_at": utcnow()})
    assert client.get("/usage", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/agents/status").status_code == 401


def test_operator_login_needs_the_admin_key_and_is_separate_from_users(client: TestClient, make_user) -> None:
    token = _token(client.get("/operator").text)
    assert "Admin key" in client.get("/operator").text
    bad = client.post("/operator/login", data={"admin_key": "wrong", "csrf_token": token})
    assert bad.status_code == 401
    client.post("/operator/login", data={"admin_key": "admin-test-key", "csrf_token": token})
    page = client.get("/operator").text
    assert "Agents by state" in page and "Spend against the credit budget" in page
    # An operator login is not a user login.
    assert client.get("/chat", follow_redirects=False).headers["location"] == "/login"


def test_the_session_secret_is_made_once_kept_private_and_overridable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", database_url=None)
    first = session_secret(settings)
    path = tmp_path / "d" / "session_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_secret(settings) == first and len(first) >= 48
    assert session_secret(Settings(data_dir=tmp_path / "d", session_secret="given")) == "given"


def test_a_login_survives_a_restart(tmp_path: Path, make_user, settings: Settings) -> None:
    from followlytics.api.app import create_app
    from followlytics.services.accounts import create_user

    platform = Platform.from_settings(settings)
    with platform.db.session() as session:
        key = create_user(session, email="restart@example.com", plan="pro").api_key
    with TestClient(create_app(platform=platform)) as first:
        _log_in(first, key)
        cookie = first.cookies.get(COOKIE)
    assert cookie
    with TestClient(create_app(platform=platform)) as second:
        second.cookies.set(COOKIE, cookie)
        assert second.get("/usage").status_code == 200
    platform.close()


def test_the_chat_works_without_javascript(client: TestClient, make_user) -> None:
    user = make_user()
    client.post(
        "/api/followers/import",
        headers=user.headers,
        files={"files": ("p.json", PAGE.read_bytes())},
        data={"account": "me"},
    )
    token = _log_in(client, user.api_key)
    asked = client.post(
        "/chat", data={"question": "top 3 followers", "csrf_token": token}, follow_redirects=False
    )
    assert asked.status_code == 303 and asked.headers["location"].startswith("/chat#q-qry_")
    query_id = asked.headers["location"].split("#q-")[1]
    page = client.get("/chat").text
    assert f'id="q-{query_id}"' in page and "What the agent saw" in page
    rated = client.post(
        f"/chat/answers/{query_id}/feedback",
        data={"helpful": "yes", "note": "<b>great</b>", "next": "https://evil.example", "csrf_token": token},
        follow_redirects=False,
    )
    assert rated.headers["location"] == f"/chat#q-{query_id}"  # never redirected off the site
    page = client.get("/chat").text
    assert "You said: helpful (&lt;b&gt;great&lt;/b&gt;)" in page
    empty = client.post("/chat", data={"question": "  ", "csrf_token": token})
    assert empty.status_code == 422 and "ask a question" in empty.text


def test_the_audience_page_explains_what_is_missing_instead_of_failing(client: TestClient, make_user) -> None:
    user = make_user(plan="starter")
    _log_in(client, user.api_key)
    nothing = client.get("/audience")
    assert nothing.status_code == 409 and "no followers imported yet" in nothing.text
    bad = client.get("/audience", params={"account": "not a handle!"})
    assert bad.status_code == 422 and "is not an X handle" in bad.text
    client.post(
        "/api/followers/import",
        headers=user.headers,
        files={"files": ("p.json", PAGE.read_bytes())},
        data={"account": "me"},
    )
    charts = client.get("/audience")
    assert charts.status_code == 200 and "Followers by reach band" in charts.text
    # Only followers were imported: the heatmap falls back to where followers live (their time zones).
    assert charts.text.count('class="cell"') == 7 * 24
    assert client.get("/audience", params={"account": "someone_else"}).status_code == 404
