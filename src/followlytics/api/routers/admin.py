"""`/api/admin/*`: operator endpoints, behind the admin key."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from followlytics.api.deps import Admin, PlatformDep
from followlytics.services.accounts import create_user

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Admin])


class CreateUser(BaseModel):
    email: str
    plan: str = "pro"


class CreatedUser(BaseModel):
    id: str
    email: str
    plan: str
    api_key: str


@router.post("/users", status_code=201, response_model=CreatedUser)
def create(body: CreateUser, platform: PlatformDep) -> CreatedUser:
    with platform.db.session() as session:
        new = create_user(session, email=body.email, plan=body.plan)
        return CreatedUser(id=new.user.id, email=new.user.email, plan=new.user.plan, api_key=new.api_key)
