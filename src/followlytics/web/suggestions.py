"""Suggested questions on the chat page, one group per use case the agent answers (docs/engine.md), with the
plan feature a group needs: a plan without it sees which plan unlocks the group instead of its questions."""

from __future__ import annotations

from followlytics.services.plans import Feature, plan_spec, plan_with

SUGGESTIONS: tuple[tuple[str, Feature | None, tuple[str, ...]], ...] = (
    (
        "Valuable followers",
        None,
        ("Who are my most valuable followers?", "Who are my most engaged followers?"),
    ),
    ("What to post", None, ("What should I post about?", "What are my followers interested in?")),
    ("When to post", None, ("When should I post?",)),
    ("Collaborations", Feature.DM_DRAFTS, ("Who should I collaborate with?",)),
    ("Competitors", Feature.COMPETITOR_TRACKING, ("How does my audience overlap with my competitor?",)),
    ("Growth", None, ("Who unfollowed me?", "Where are my followers?")),
)


def suggestions_for(plan: str) -> tuple[list[tuple[str, tuple[str, ...]]], list[tuple[str, str]]]:
    """The groups `plan` can ask, and the others as (use case, the plan that unlocks it)."""
    spec = plan_spec(plan)
    open_groups = [
        (name, questions) for name, need, questions in SUGGESTIONS if need is None or spec.has(need)
    ]
    locked = [
        (name, plan_with(need).name)
        for name, need, _ in SUGGESTIONS
        if need is not None and not spec.has(need)
    ]
    return open_groups, locked
