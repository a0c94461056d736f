"""`GET /api/agents/queries/{query_id}`: one of your questions — answered, still queued, or failed;
`POST /api/agents/queries/{query_id}/feedback`: rate its answer (helpful or not, with a note)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from followlytics.api.deps import PlatformDep, UserId
from followlytics.services import feedback, queries
from followlytics.services.feedback import MAX_NOTE_CHARS, Feedback
from followlytics.services.queries import QueryAnswer

router = APIRouter(prefix="/api/agents", tags=["agents"])


@router.get("/queries/{query_id}", response_model=QueryAnswer)
def get_query(query_id: str, platform: PlatformDep, user_id: UserId) -> QueryAnswer:
    return queries.get_query(platform, user_id=user_id, query_id=query_id)


class FeedbackBody(BaseModel):
    helpful: bool = Field(description="Whether the answer helped.")
    note: str | None = Field(
        default=None, max_length=MAX_NOTE_CHARS, description="Why, in your words; your agent remembers it."
    )


@router.post("/queries/{query_id}/feedback", response_model=Feedback)
def rate_query(query_id: str, body: FeedbackBody, platform: PlatformDep, user_id: UserId) -> Feedback:
    return feedback.give_feedback(
        platform, user_id=user_id, query_id=query_id, helpful=body.helpful, note=body.note
    )
