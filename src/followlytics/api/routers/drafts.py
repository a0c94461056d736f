"""`POST /api/daytona/generate-tweets`: tweet drafts on a topic for the user's audience, statelessly."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from followlytics.api.deps import PlatformDep, UserId
from followlytics.services.drafts import MAX_DRAFTS, TweetDrafts, generate_tweets

# The path the product promised; the sandbox is whichever provider is configured, Daytona or not.
router = APIRouter(prefix="/api/daytona", tags=["drafts"])


class GenerateTweetsRequest(BaseModel):
    topic: str = Field(examples=["building in public"], description="What the tweets are about.")
    count: int = Field(default=3, ge=1, le=MAX_DRAFTS, description="How many drafts.")
    account: str | None = Field(
        default=None, description="Whose audience (one of your handles); default: your own account."
    )
    followerData: list[Any] | None = Field(  # noqa: N815 - the name the product promised
        default=None, description="X API v2 user objects to use instead of an imported audience; not kept."
    )


@router.post("/generate-tweets", response_model=TweetDrafts)
def generate(body: GenerateTweetsRequest, platform: PlatformDep, user_id: UserId) -> TweetDrafts:
    return generate_tweets(
        platform,
        user_id=user_id,
        topic=body.topic,
        count=body.count,
        handle=body.account,
        follower_data=body.followerData,
    )
