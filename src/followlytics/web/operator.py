"""The operator's pages: log in with the admin key (`FOLLOWLYTICS_ADMIN_KEY`), then KPIs, agents by state,
and spend against the credit budget over time (`services.kpis`, `services.ledger`)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from followlytics.api.deps import PlatformDep
from followlytics.services.kpis import kpis
from followlytics.services.ledger import agents_by_state, credit_status
from followlytics.web.session import CSRF_FIELD, admin_fingerprint, check_csrf, is_operator, session_of
from followlytics.web.templating import page

router = APIRouter(prefix="/operator", include_in_schema=False)

_CHART_DAYS = 30


@router.get("")
def operator(request: Request, platform: PlatformDep) -> Response:
    if not is_operator(request, platform):
        return page(
            request, "operator_login.html", active="operator", enabled=platform.settings.admin_key is not None
        )
    with platform.db.session() as session:
        credit = credit_status(session, platform.settings)
        month = kpis(session, settings=platform.settings)
        states = agents_by_state(session)
    recent = [(d.day, d.spent_usd) for d in credit.spend_by_day][-_CHART_DAYS:]
    spent_before = credit.spent_usd - sum((cost for _, cost in recent), start=0)
    return page(
        request, "operator.html", active="operator", credit=credit, kpis=month, agents_by_state=states,
        recent=recent, spent_before=spent_before,
    )  # fmt: skip


@router.post("/login")
def operator_login(
    request: Request,
    platform: PlatformDep,
    admin_key: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    configured = platform.settings.admin_key
    if configured is None or not hmac.compare_digest(admin_key.strip(), configured.get_secret_value()):
        return page(
            request, "operator_login.html", active="operator", enabled=configured is not None,
            error="that is not the admin key", status_code=401,
        )  # fmt: skip
    session_of(request)["admin"] = admin_fingerprint(configured.get_secret_value())
    return RedirectResponse("/operator", status_code=303)


@router.post("/logout")
def operator_logout(request: Request, csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(request, csrf_token)
    session_of(request).pop("admin", None)
    return RedirectResponse("/operator", status_code=303)
