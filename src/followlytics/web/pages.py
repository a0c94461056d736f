"""The dashboard's pages for a logged-in user: login and logout, chat, history, usage, audience.

Routes stay thin: each reads the session, calls one service, and renders a template. The chat works
without JavaScript (the form posts, the page reloads with the answer); `static/chat.js` upgrades it to a
streamed answer over `POST /api/agents/query` with the session cookie and the CSRF header.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from followlytics.api.deps import PlatformDep
from followlytics.db.models import Plan, User
from followlytics.errors import FollowlyticsError, NotFound, Unauthorized
from followlytics.services import feedback, queries
from followlytics.services.accounts import authenticate
from followlytics.services.audience_charts import audience_charts, own_handles
from followlytics.services.platform import Platform
from followlytics.services.quotas import plan_usage
from followlytics.web.session import CSRF_FIELD, check_csrf, log_in, log_out, session_user_id
from followlytics.web.suggestions import suggestions_for
from followlytics.web.templating import page

router = APIRouter(include_in_schema=False)
_CONVERSATION = 20
_NEXT_PAGES = ("/chat", "/history")


def _login_redirect() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


def _plan(platform: Platform, user_id: str) -> tuple[str, str]:
    with platform.db.session() as session:
        user = session.get_one(User, user_id)
        return user.plan, user.email


@router.get("/")
def home(request: Request, platform: PlatformDep) -> Response:
    return RedirectResponse("/chat" if session_user_id(request, platform) else "/login", status_code=303)


@router.get("/login")
def login_form(request: Request, platform: PlatformDep) -> Response:
    if session_user_id(request, platform):
        return RedirectResponse("/chat", status_code=303)
    return page(request, "login.html")


@router.post("/login")
def login(
    request: Request,
    platform: PlatformDep,
    api_key: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with platform.db.session() as session:
            user = authenticate(session, api_key)
            user_id, prefix = user.id, api_key.strip()[:12]
    except Unauthorized as exc:
        return page(request, "login.html", error=exc.message, status_code=401)
    log_in(request, user_id=user_id, key_prefix=prefix)
    return RedirectResponse("/chat", status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(request, csrf_token)
    log_out(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/chat")
def chat(request: Request, platform: PlatformDep) -> Response:
    user_id = session_user_id(request, platform)
    if user_id is None:
        return _login_redirect()
    return _chat_page(request, platform, user_id)


@router.post("/chat")
def ask_from_form(
    request: Request,
    platform: PlatformDep,
    question: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    """The chat without JavaScript: ask, then show the page with the answer."""
    user_id = session_user_id(request, platform)
    if user_id is None:
        return _login_redirect()
    check_csrf(request, csrf_token)
    try:
        answer = queries.ask(platform, user_id=user_id, question=question)
    except FollowlyticsError as exc:
        return _chat_page(
            request, platform, user_id, error=exc.message, question=question, status=exc.status_code
        )
    return RedirectResponse(f"/chat#q-{answer.query_id}", status_code=303)


def _chat_page(
    request: Request,
    platform: Platform,
    user_id: str,
    *,
    error: str = "",
    question: str = "",
    status: int = 200,
) -> HTMLResponse:
    plan, email = _plan(platform, user_id)
    conversation = list(reversed(queries.recent_answers(platform, user_id=user_id, limit=_CONVERSATION)))
    with platform.db.session() as session:
        ratings = feedback.feedback_for(
            session, user_id=user_id, query_ids=[a.query_id for a in conversation]
        )
    suggestions, locked = suggestions_for(plan)
    return page(
        request,
        "chat.html",
        active="chat",
        email=email,
        starter=plan == Plan.STARTER,
        conversation=conversation,
        ratings=ratings,
        suggestions=suggestions,
        locked=locked,
        error=error,
        question=question,
        status_code=status,
    )


@router.get("/chat/answers/{query_id}")
def answer_fragment(query_id: str, request: Request, platform: PlatformDep) -> Response:
    """One answer as HTML (Markdown rendered on the server): the streamed answer is replaced by it."""
    user_id = session_user_id(request, platform)
    if user_id is None:
        return Response("log in first", status_code=401)
    try:
        answer = queries.get_query(platform, user_id=user_id, query_id=query_id)
    except NotFound as exc:
        return Response(exc.message, status_code=404)
    with platform.db.session() as session:
        ratings = feedback.feedback_for(session, user_id=user_id, query_ids=[query_id])
    return page(request, "_answer.html", answer=answer, ratings=ratings, next_page="/chat")


@router.post("/chat/answers/{query_id}/feedback")
def rate_answer(
    query_id: str,
    request: Request,
    platform: PlatformDep,
    helpful: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    next_page: Annotated[str, Form(alias="next")] = "/chat",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    user_id = session_user_id(request, platform)
    if user_id is None:
        return _login_redirect()
    check_csrf(request, csrf_token)
    if helpful not in ("yes", "no"):
        return Response("helpful: choose yes or no", status_code=422)
    feedback.give_feedback(platform, user_id=user_id, query_id=query_id, helpful=helpful == "yes", note=note)
    target = next_page if next_page in _NEXT_PAGES else "/chat"
    return RedirectResponse(f"{target}#q-{query_id}", status_code=303)


@router.get("/history")
def history(request: Request, platform: PlatformDep, q: str = "") -> Response:
    user_id = session_user_id(request, platform)
    if user_id is None:
        return _login_redirect()
    answers = queries.recent_answers(platform, user_id=user_id, search=q, limit=100)
    with platform.db.session() as session:
        ratings = feedback.feedback_for(session, user_id=user_id, query_ids=[a.query_id for a in answers])
    return page(request, "history.html", active="history", answers=answers, ratings=ratings, q=q)


@router.get("/usage")
def usage(request: Request, platform: PlatformDep) -> Response:
    user_id = session_user_id(request, platform)
    if user_id is None:
        return _login_redirect()
    view = plan_usage(platform, user_id=user_id)
    return page(
        request, "usage.html", active="usage", view=view, usage=view.usage, starter=view.plan == Plan.STARTER
    )


@router.get("/audience")
def audience(request: Request, platform: PlatformDep, account: str | None = None) -> Response:
    user_id = session_user_id(request, platform)
    if user_id is None:
        return _login_redirect()
    plan, _ = _plan(platform, user_id)
    handles = own_handles(platform, user_id=user_id)
    try:
        charts = audience_charts(platform, user_id=user_id, handle=account)
    except FollowlyticsError as exc:  # nothing imported, not their account, a bad handle, sandbox down
        return page(
            request, "audience.html", active="audience", charts=None, error=exc.message, handles=handles,
            starter=plan == Plan.STARTER, status_code=exc.status_code,
        )  # fmt: skip
    return page(
        request, "audience.html", active="audience", charts=charts, handles=handles,
        starter=plan == Plan.STARTER,
    )  # fmt: skip
