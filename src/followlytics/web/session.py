"""The dashboard's session: a signed, HTTP-only cookie (Starlette's `SessionMiddleware`), its secret, and
CSRF protection for everything a browser sends with it.

- The cookie holds `uid` (the user), `key` (the prefix of the API key they logged in with, checked on every
  request so a revoked key ends the session), `csrf` (a random per-session token) and, after an operator
  login, `admin` (a fingerprint of the admin key, so changing the key ends those sessions). It is signed
  with `itsdangerous`, `HttpOnly`, `SameSite=Lax`, and `Secure` with `FOLLOWLYTICS_SESSION_HTTPS_ONLY`.
- The secret is `FOLLOWLYTICS_SESSION_SECRET`, or one made at random the first time and kept in
  `<data dir>/session_secret` (mode 600), so logins survive restarts.
- CSRF: every state-changing request authenticated by the cookie must carry the session's token, as the
  form field `csrf_token` (forms) or the header `X-CSRF-Token` (fetch). A cross-site page can neither read
  the token nor set the header without a CORS preflight, which this app never grants. Requests with an
  `Authorization: Bearer` key do not use the cookie and need no token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import select
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from followlytics.config import Settings
from followlytics.db.models import ApiKey
from followlytics.errors import Forbidden, Unauthorized
from followlytics.services.platform import Platform

COOKIE = "followlytics_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_SECRET_FILE = "session_secret"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LazySessionMiddleware:
    """`SessionMiddleware` built on the first request, from the settings of the app's platform: the app
    factory runs before the platform (and so the secret) exists."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._inner: SessionMiddleware | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        if self._inner is None:
            settings: Settings = scope["app"].state.platform.settings
            self._inner = SessionMiddleware(
                self._app,
                secret_key=session_secret(settings),
                session_cookie=COOKIE,
                max_age=round(settings.session_max_age_hours * 3600),
                same_site="lax",
                https_only=settings.session_https_only,
            )
        await self._inner(scope, receive, send)


def session_secret(settings: Settings) -> str:
    """The configured secret, else the one kept in the data directory (made on first use)."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    path = settings.data_dir / _SECRET_FILE
    if not path.exists():
        _write_secret(path)
    return path.read_text().strip()


def session_of(request: Request) -> dict[str, Any]:
    """The request's session (empty when the middleware did not run)."""
    return request.scope.get("session", {})


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (a login form gets one before anyone logs in)."""
    session = session_of(request)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf(request: Request, given: str | None = None) -> None:
    """Refuse a state-changing cookie request without the session's token (`given`, else the header)."""
    if request.method in _SAFE_METHODS:
        return
    expected = session_of(request).get("csrf")
    given = given if given is not None else request.headers.get(CSRF_HEADER)
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise Forbidden(f"missing or wrong CSRF token: send the page's token as {CSRF_HEADER}")


def log_in(request: Request, *, user_id: str, key_prefix: str) -> None:
    """Start a user session: a fresh token (the one the login form carried is dropped), any operator login
    kept."""
    session = session_of(request)
    admin = session.get("admin")
    session.clear()
    session.update(uid=user_id, key=key_prefix, csrf=secrets.token_urlsafe(32))
    if admin:
        session["admin"] = admin


def log_out(request: Request) -> None:
    session_of(request).clear()


def session_user_id(request: Request, platform: Platform) -> str | None:
    """The logged-in user, if the session holds one whose key is still valid; else None (and the stale
    login is forgotten)."""
    session = session_of(request)
    user_id, prefix = session.get("uid"), session.get("key")
    if not user_id or not prefix:
        return None
    with platform.db.session() as db:
        key = db.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if key is None or key.user_id != user_id or key.revoked_at is not None:
            session.pop("uid", None)
            session.pop("key", None)
            return None
    return user_id


def cookie_user_id(request: Request, platform: Platform) -> str:
    """The API's cookie login: the session's user, with the CSRF check for state-changing requests."""
    user_id = session_user_id(request, platform)
    if user_id is None:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>' or log in to the dashboard")
    check_csrf(request)
    return user_id


def admin_fingerprint(admin_key: str) -> str:
    # A hash of the key, not the key: the cookie is signed, not encrypted, so anyone holding it can read it.
    return hashlib.sha256(f"followlytics-operator:{admin_key}".encode()).hexdigest()[:32]


def is_operator(request: Request, platform: Platform) -> bool:
    key = platform.settings.admin_key
    stored = session_of(request).get("admin")
    return (
        key is not None
        and bool(stored)
        and hmac.compare_digest(stored, admin_fingerprint(key.get_secret_value()))
    )


def _write_secret(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes starting at once keep the first secret instead of overwriting each other's.
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(handle, "w") as out:
        out.write(secrets.token_urlsafe(48))
