"""`POST /api/agent/ask`: a stateless question about follower data sent with it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from pydantic import BaseModel, Field

from followlytics.api.deps import PlatformDep, UserId
from followlytics.api.streaming import stream_answer, wants_event_stream
from followlytics.services import queries
from followlytics.services.queries import QueryAnswer

router = APIRouter(prefix="/api/agent", tags=["agents"])


class AskRequest(BaseModel):
    question: str = Field(examples=["Top 5 followers in London"])
    followerData: list[Any] = Field(  # noqa: N815 - the name the product promised
        description="X API v2 user objects; answered in an ephemeral sandbox and not kept."
    )


@router.post(
    "/ask",
    response_model=QueryAnswer,
    responses={200: {"content": {"text/event-stream": {}}, "description": "The answer, or its events."}},
)
def ask(
    body: AskRequest, platform: PlatformDep, user_id: UserId, accept: Annotated[str | None, Header()] = None
) -> Any:
    if wants_event_stream(accept):
        return stream_answer(
            lambda listener: queries.ask_stateless(
                platform,
                user_id=user_id,
                question=body.question,
                follower_data=body.followerData,
                listener=listener,
            )
        )
    return queries.ask_stateless(
        platform, user_id=user_id, question=body.question, follower_data=body.followerData
    )
