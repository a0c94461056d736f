"""`/api/agents/*`: the user's persistent agent — create, status, query, destroy."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from followlytics.api.deps import PlatformDep, UserId
from followlytics.services import agents, queries
from followlytics.services.agents import AgentStatus
from followlytics.services.queries import QueryAnswer

router = APIRouter(prefix="/api/agents", tags=["agents"])


class QueryRequest(BaseModel):
    question: str = Field(
        description="What to ask, in plain language.", examples=["Who are my most valuable followers?"]
    )
    account: str | None = Field(
        default=None, description="Which of your X accounts (handle); default: your own account."
    )


@router.post("/create", status_code=201, response_model=AgentStatus)
def create_agent(platform: PlatformDep, user_id: UserId) -> AgentStatus:
    return agents.create_agent(platform, user_id=user_id)


@router.get("/status", response_model=AgentStatus)
def agent_status(platform: PlatformDep, user_id: UserId) -> AgentStatus:
    return agents.agent_status(platform, user_id=user_id)


@router.post("/query", response_model=QueryAnswer)
def query_agent(body: QueryRequest, platform: PlatformDep, user_id: UserId) -> QueryAnswer:
    return queries.ask(platform, user_id=user_id, question=body.question, handle=body.account)


@router.delete("/destroy", response_model=AgentStatus)
def destroy_agent(platform: PlatformDep, user_id: UserId) -> AgentStatus:
    return agents.destroy_agent(platform, user_id=user_id)
