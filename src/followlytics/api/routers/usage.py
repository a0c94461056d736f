"""`GET /api/usage`: your plan, its features, this month's questions and the upgrade prompt (every plan)."""

from __future__ import annotations

from fastapi import APIRouter

from followlytics.api.deps import PlatformDep, UserId
from followlytics.services.quotas import PlanUsage, plan_usage

router = APIRouter(prefix="/api", tags=["usage"])


@router.get("/usage", response_model=PlanUsage)
def usage(platform: PlatformDep, user_id: UserId) -> PlanUsage:
    return plan_usage(platform, user_id=user_id)
