"""`GET /api/agents/queries/{query_id}`: one of your questions — answered, still queued, or failed."""

from __future__ import annotations

from fastapi import APIRouter

from followlytics.api.deps import PlatformDep, UserId
from followlytics.services import queries
from followlytics.services.queries import QueryAnswer

router = APIRouter(prefix="/api/agents", tags=["agents"])


@router.get("/queries/{query_id}", response_model=QueryAnswer)
def get_query(query_id: str, platform: PlatformDep, user_id: UserId) -> QueryAnswer:
    return queries.get_query(platform, user_id=user_id, query_id=query_id)
