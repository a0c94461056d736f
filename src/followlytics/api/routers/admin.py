"""`/api/admin/*`: operator endpoints, behind the admin key: users and their plans, usage and economics,
the sandbox credit, KPIs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from followlytics.api.deps import Admin, PlatformDep
from followlytics.services.accounts import create_user
from followlytics.services.kpis import Kpis, kpi_report
from followlytics.services.ledger import CreditStatus, credit_report
from followlytics.services.metering import MonthEconomics, economics
from followlytics.services.periods import parse_month
from followlytics.services.plans import PlanChanged, set_plan
from followlytics.services.quotas import MonthlyUsage, user_usage

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Admin])

Month = Annotated[str | None, Query(description="`YYYY-MM`; default: this month (UTC).")]


class CreateUser(BaseModel):
    email: str
    plan: str = "pro"


class CreatedUser(BaseModel):
    id: str
    email: str
    plan: str
    api_key: str


class PlanBody(BaseModel):
    plan: str


@router.post("/users", status_code=201, response_model=CreatedUser)
def create(body: CreateUser, platform: PlatformDep) -> CreatedUser:
    with platform.db.session() as session:
        new = create_user(session, email=body.email, plan=body.plan)
        return CreatedUser(id=new.user.id, email=new.user.email, plan=new.user.plan, api_key=new.api_key)


@router.put("/users/{user_id}/plan", response_model=PlanChanged)
def change_plan(user_id: str, body: PlanBody, platform: PlatformDep) -> PlanChanged:
    return set_plan(platform, user_id=user_id, plan=body.plan)


@router.get("/users/{user_id}/usage", response_model=MonthlyUsage)
def usage(user_id: str, platform: PlatformDep) -> MonthlyUsage:
    return user_usage(platform, user_id=user_id)


@router.get("/economics", response_model=MonthEconomics)
def month_economics(platform: PlatformDep, month: Month = None) -> MonthEconomics:
    return economics(platform, month=parse_month(month))


@router.get("/credit", response_model=CreditStatus)
def credit(platform: PlatformDep) -> CreditStatus:
    return credit_report(platform)


@router.get("/kpis", response_model=Kpis)
def kpis(platform: PlatformDep, month: Month = None) -> Kpis:
    return kpi_report(platform, month=parse_month(month))
