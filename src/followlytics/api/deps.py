"""Request dependencies: the platform, the authenticated user (API key, or the dashboard's session cookie
with its CSRF token), the admin check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from followlytics.errors import Forbidden, Unauthorized
from followlytics.services.accounts import authenticate
from followlytics.services.platform import Platform
from followlytics.web.session import cookie_user_id

_bearer = HTTPBearer(auto_error=False, description="Your API key: `Authorization: Bearer flk_…`")


def get_platform(request: Request) -> Platform:
    return request.app.state.platform


PlatformDep = Annotated[Platform, Depends(get_platform)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def current_user_id(request: Request, platform: PlatformDep, credentials: Credentials) -> str:
    if credentials is None:
        # A browser on the dashboard: same origin, signed session cookie, CSRF token on writes.
        return cookie_user_id(request, platform)
    with platform.db.session() as session:
        return authenticate(session, credentials.credentials).id


def require_admin(platform: PlatformDep, credentials: Credentials) -> None:
    admin_key = platform.settings.admin_key
    if admin_key is None:
        raise Forbidden("admin endpoints are disabled: set FOLLOWLYTICS_ADMIN_KEY")
    if credentials is None or not hmac.compare_digest(credentials.credentials, admin_key.get_secret_value()):
        raise Unauthorized("this endpoint needs the admin key")


UserId = Annotated[str, Depends(current_user_id)]
Admin = Depends(require_admin)
