"""The Jinja2 environment of the dashboard: where templates live, the filters they use (safe Markdown,
money, times), and `page()`, which renders a template with what every page needs (the CSRF token, who is
logged in, the navigation)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from followlytics.services.audience_charts import Bar
from followlytics.web import charts
from followlytics.web.markdown import render_markdown
from followlytics.web.session import CSRF_FIELD, csrf_token

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.autoescape = True  # every template, whatever its name ends in
templates.env.filters["markdown"] = render_markdown
templates.env.globals["charts_mod"] = charts
templates.env.globals["bar"] = Bar
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD

NAV = (("chat", "/chat", "Chat"), ("history", "/history", "History"), ("usage", "/usage", "Usage"),
       ("audience", "/audience", "Audience"))  # fmt: skip


def _usd(value: Decimal | float | int | str | None, places: int = 4) -> str:
    if value is None:
        return "–"
    amount = Decimal(str(value))
    return f"${amount:,.{places}f}" if amount < 1 else f"${amount:,.2f}"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "–"


templates.env.filters["usd"] = _usd
templates.env.filters["when"] = _when


def page(
    request: Request, name: str, *, active: str = "", status_code: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        name,
        {"csrf": csrf_token(request), "nav": NAV, "active": active, **context},
        status_code=status_code,
    )
