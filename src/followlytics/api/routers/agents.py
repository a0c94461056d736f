"""`/api/agents/*`: the user's persistent agent — create, status, query (JSON, or streamed as Server-Sent
Events with `Accept: text/event-stream`), profile, destroy."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from followlytics.agent.prompts import AgentProfile
from followlytics.api.deps import PlatformDep, UserId
from followlytics.api.streaming import stream_answer, wants_event_stream
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


class AgentProfileBody(BaseModel):
    persona: str | None = Field(default=None, max_length=200, description="Who the agent is, in a phrase.")
    brand_voice: str | None = Field(
        default=None, max_length=1000, description="How drafts should sound, e.g. 'dry, warm, no emoji'."
    )
    preferences: str | None = Field(
        default=None, max_length=1000, description="What the user wants from answers, e.g. 'EU focus'."
    )


@router.post("/create", status_code=201, response_model=AgentStatus)
def create_agent(platform: PlatformDep, user_id: UserId) -> AgentStatus:
    return agents.create_agent(platform, user_id=user_id)


@router.get("/status", response_model=AgentStatus)
def agent_status(platform: PlatformDep, user_id: UserId) -> AgentStatus:
    return agents.agent_status(platform, user_id=user_id)


@router.post(
    "/query",
    response_model=QueryAnswer,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The answer, or its events."},
        202: {"model": QueryAnswer, "description": "Queued: no sandbox can run it now (`status: queued`)."},
    },
)
def query_agent(
    body: QueryRequest, platform: PlatformDep, user_id: UserId, accept: Annotated[str | None, Header()] = None
) -> Any:
    if wants_event_stream(accept):
        return stream_answer(
            lambda listener: queries.ask(
                platform, user_id=user_id, question=body.question, handle=body.account, listener=listener
            ),
            wait=lambda queued: queries.wait_for_answer(
                platform,
                user_id=user_id,
                query_id=queued.query_id,
                timeout=platform.settings.queue_stream_wait_seconds,
            ),
        )
    answer = queries.ask(platform, user_id=user_id, question=body.question, handle=body.account)
    if answer.status == "queued":
        # Every sandbox provider is down: the question waits in the queue; GET /api/agents/queries/{id}.
        return JSONResponse(answer.model_dump(mode="json"), status_code=202)
    return answer


@router.get("/profile", response_model=AgentProfileBody)
def get_profile(platform: PlatformDep, user_id: UserId) -> AgentProfileBody:
    return AgentProfileBody(**agents.agent_profile(platform, user_id=user_id).to_json())


@router.put("/profile", response_model=AgentProfileBody)
def put_profile(body: AgentProfileBody, platform: PlatformDep, user_id: UserId) -> AgentProfileBody:
    profile = AgentProfile(persona=body.persona, brand_voice=body.brand_voice, preferences=body.preferences)
    return AgentProfileBody(**agents.set_agent_profile(platform, user_id=user_id, profile=profile).to_json())


@router.delete("/destroy", response_model=AgentStatus)
def destroy_agent(platform: PlatformDep, user_id: UserId) -> AgentStatus:
    return agents.destroy_agent(platform, user_id=user_id)
