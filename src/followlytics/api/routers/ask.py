"""`POST /api/agent/ask`: a stateless question about follower data sent with it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from followlytics.api.deps import PlatformDep, UserId
from followlytics.services import queries
from followlytics.services.queries import QueryAnswer

router = APIRouter(prefix="/api/agent", tags=["agents"])


class AskRequest(BaseModel):
    question: str = Field(examples=["Top 5 followers in London"])
    followerData: list[Any] = Field(  # noqa: N815 - the name the product promised
        description="X API v2 user objects; answered in an ephemeral sandbox and not kept."
    )


@router.post("/ask", response_model=QueryAnswer)
def ask(body: AskRequest, platform: PlatformDep, user_id: UserId) -> QueryAnswer:
    return queries.ask_stateless(
        platform, user_id=user_id, question=body.question, follower_data=body.followerData
    )
