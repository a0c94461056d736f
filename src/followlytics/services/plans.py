"""The plans, their prices, monthly question limits and features, and the one place features are checked.

    plan     price/month  questions/month  features
    starter  $19          0                static analytics (imports, usage), upgrade prompt
    pro      $49          10               + agent, follower analysis, content suggestions, growth tips
    agency   $99          unlimited        + competitor tracking, DM drafts, API access, several accounts

`require_feature(user, feature)` raises `PlanRequired` (403) naming the cheapest plan that has the feature.
`change_plan` switches a user's plan at once (every check reads the plan on each request) and records the
change in `plan_changes`, which the KPIs read for conversions. What each feature guards is listed in
docs/economics.md; the agent tools a plan must unlock are `TOOL_FEATURES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from followlytics.db.models import Plan, PlanChange, User, utcnow
from followlytics.errors import InvalidInput, NotFound, PlanRequired
from followlytics.services.platform import Platform


class Feature(StrEnum):
    STATIC_ANALYTICS = "static_analytics"
    AGENT = "agent"
    FOLLOWER_ANALYSIS = "follower_analysis"
    CONTENT_SUGGESTIONS = "content_suggestions"
    GROWTH_TIPS = "growth_tips"
    COMPETITOR_TRACKING = "competitor_tracking"
    DM_DRAFTS = "dm_drafts"
    API_ACCESS = "api_access"
    MULTIPLE_ACCOUNTS = "multiple_accounts"


@dataclass(frozen=True)
class PlanSpec:
    name: str
    price_usd: Decimal
    question_limit: int | None
    """Questions a calendar month (UTC); None is unlimited."""
    features: frozenset[Feature]

    def has(self, feature: Feature) -> bool:
        return feature in self.features


_STARTER = frozenset({Feature.STATIC_ANALYTICS})
_PRO = _STARTER | {Feature.AGENT, Feature.FOLLOWER_ANALYSIS, Feature.CONTENT_SUGGESTIONS, Feature.GROWTH_TIPS}
_AGENCY = _PRO | {
    Feature.COMPETITOR_TRACKING,
    Feature.DM_DRAFTS,
    Feature.API_ACCESS,
    Feature.MULTIPLE_ACCOUNTS,
}

PLANS: dict[str, PlanSpec] = {
    Plan.STARTER: PlanSpec(Plan.STARTER, Decimal("19"), 0, _STARTER),
    Plan.PRO: PlanSpec(Plan.PRO, Decimal("49"), 10, _PRO),
    Plan.AGENCY: PlanSpec(Plan.AGENCY, Decimal("99"), None, _AGENCY),
}
"""Cheapest first: the first plan with a feature is the one an error names."""

TOOL_FEATURES: dict[str, Feature] = {
    "competitor_overlap": Feature.COMPETITOR_TRACKING,
    "competitor_targets": Feature.COMPETITOR_TRACKING,
    "competitor_comparison": Feature.COMPETITOR_TRACKING,
    "collaboration_suggestions": Feature.DM_DRAFTS,
}
"""Agent tools a plan must unlock; every other tool comes with the agent."""

_LABEL = {Feature.DM_DRAFTS: "DM drafts", Feature.API_ACCESS: "API access"}


def plan_spec(plan: str) -> PlanSpec:
    try:
        return PLANS[plan]
    except KeyError:
        raise InvalidInput(f"plan must be one of {', '.join(PLANS)}, got {plan!r}", field="plan") from None


def plan_with(feature: Feature) -> PlanSpec:
    """The cheapest plan with `feature`."""
    return next(spec for spec in PLANS.values() if spec.has(feature))


def upgrade_from(plan: str) -> str | None:
    """The next plan up, or None from the top one."""
    names = list(PLANS)
    index = names.index(plan_spec(plan).name)
    return names[index + 1] if index + 1 < len(names) else None


def require_feature(user: User, feature: Feature) -> None:
    require_plan_feature(user.plan, feature)


def require_plan_feature(plan: str, feature: Feature) -> None:
    """`PlanRequired` (403) unless `plan` has `feature`; the message names the cheapest plan that does."""
    if plan_spec(plan).has(feature):
        return
    needed = plan_with(feature)
    label = _LABEL.get(feature, feature.value.replace("_", " "))
    raise PlanRequired(
        f"{label} is not in the {plan.title()} plan; upgrade to {needed.name.title()} "
        f"(${needed.price_usd}/month) to use it",
        feature=feature.value,
        required_plan=needed.name,
    )


def require_tool(plan: str, tool: str) -> None:
    """The feature an agent tool needs (`TOOL_FEATURES`), checked before it runs."""
    feature = TOOL_FEATURES.get(tool)
    if feature is not None:
        require_plan_feature(plan, feature)


def allowed_tools(plan: str) -> set[str]:
    """The gated tools a plan may use (a model is offered only these and the ungated ones)."""
    spec = plan_spec(plan)
    return {tool for tool, feature in TOOL_FEATURES.items() if spec.has(feature)}


def change_plan(session: Session, *, user: User, plan: str, at: datetime | None = None) -> PlanChange | None:
    """Switch `user` to `plan` now (quotas and features follow on the next request); None if unchanged."""
    new = plan_spec(plan).name
    if user.plan == new:
        return None
    change = PlanChange(user_id=user.id, from_plan=user.plan, to_plan=new, at=at or utcnow())
    session.add(change)
    user.plan = new
    session.flush()
    return change


class PlanInfo(BaseModel):
    name: str
    price_usd: Decimal
    question_limit: int | None
    features: list[str]


class PlanChanged(BaseModel):
    user_id: str
    email: str
    plan: str
    previous_plan: str
    changed_at: datetime | None = Field(description="None when the user already had that plan.")


def plan_table() -> list[PlanInfo]:
    return [
        PlanInfo(
            name=s.name, price_usd=s.price_usd, question_limit=s.question_limit, features=sorted(s.features)
        )
        for s in PLANS.values()
    ]


def set_plan(platform: Platform, *, user_id: str, plan: str) -> PlanChanged:
    """Change a user's plan now (admin endpoint and CLI); the next request sees it."""
    with platform.db.session() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"no user {user_id!r}")
        before = user.plan
        change = change_plan(session, user=user, plan=plan)
        return PlanChanged(
            user_id=user.id,
            email=user.email,
            plan=user.plan,
            previous_plan=before,
            changed_at=change.at if change else None,
        )
