"""A fake sandbox for the agent tests: a real executor that ranks rows defined here, not a mock.

It answers `top_followers` the way the sandbox runtime does (filters, order by score, limit) and returns
`TopFollowersResult.model_dump(mode="json")`, so the registry and engine see the real wire shape.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from followlytics.analytics.evidence import Evidence
from followlytics.analytics.ranking import RankedFollower, TopFollowersResult
from followlytics.errors import ToolFailed

SNAPSHOT_ID = "snap-20240601T120000Z"
HOSTILE_NAME = "Evil | [x](http://evil) **bold**"
HOSTILE_LOCATION = "London | [y](http://evil.example)"


def _row(username: str, location: str | None, followers: int, score: float, **extra: Any) -> dict[str, Any]:
    return {
        "username": username,
        "name": extra.pop("name", username.capitalize()),
        "location": location,
        "followers_count": followers,
        "verified": extra.pop("verified", False),
        "protected": extra.pop("protected", False),
        "score": score,
    }


ROWS: list[dict[str, Any]] = [
    _row("alice", "London", 1_200_000, 92.0, verified=True),
    _row("bob", "London", 45_000, 85.5),
    _row("carol", "New York, NY", 300_000, 80.0, verified=True),
    _row("dave", "London", 8_000, 74.0, protected=True),
    _row("erin", "São Paulo, Brasil", 150_000, 70.0, verified=True),
    _row("frank", "london", 2_500, 60.0),
    _row("grace", "Berlin", 20_000, 55.0),
    _row("heidi", "London, UK", 900, 50.0),
    _row("ivan", "New York", 12_000, 45.0, protected=True),
    _row("judy", None, 100, 40.0),
    _row("mallory", HOSTILE_LOCATION, 5_000, 35.0, name=HOSTILE_NAME),
    _row("oscar", "Tokyo", 50, 20.0),
]


class FakeSandbox:
    """Executes `top_followers` over `rows`; remembers every call it was given."""

    def __init__(self, rows: list[dict[str, Any]], *, has_engagement: bool = False) -> None:
        self.rows = rows
        self.has_engagement = has_engagement
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((name, dict(args)))
        if name != "top_followers":
            raise ToolFailed(f"no tool {name!r} in this sandbox")
        matched = [row for row in self.rows if _passes(row, args)]
        ranked = sorted(matched, key=lambda row: row["score"], reverse=True)[: args.get("limit", 10)]
        followers = [_ranked(position, row) for position, row in enumerate(ranked, start=1)]
        locations = Counter(row["location"] for row in ranked if row["location"])
        filters = {key: args[key] for key in ("location", "min_followers", "verified") if key in args}
        result = TopFollowersResult(
            followers=followers,
            total_followers=len(self.rows),
            matched=len(matched),
            verified_matched=sum(1 for row in matched if row["verified"]),
            has_engagement=self.has_engagement,
            top_locations=locations.most_common(5),
            evidence=Evidence(
                snapshot=SNAPSHOT_ID,
                snapshot_created_at="2024-06-01T12:00:00+00:00",
                account_id=args["account_id"],
                rows_read=len(self.rows),
                rows_matched=len(matched),
                fields=["followers_count", "tweet_count", "listed_count", "verified", "location"],
                filters=filters,
                method="value-score-v1",
            ),
        )
        return result.model_dump(mode="json")


def _passes(row: dict[str, Any], args: dict[str, Any]) -> bool:
    if "location" in args and args["location"].lower() not in (row["location"] or "").lower():
        return False
    if "min_followers" in args and row["followers_count"] < args["min_followers"]:
        return False
    return "verified" not in args or row["verified"] == args["verified"]


def _ranked(rank: int, row: dict[str, Any]) -> RankedFollower:
    reasons = [f"{row['followers_count']:,} followers"]
    if row["verified"]:
        reasons.append("verified")
    if row["location"]:
        reasons.append(f"based in {row['location']}")
    return RankedFollower(
        rank=rank,
        id=f"id-{row['username']}",
        username=row["username"],
        name=row["name"],
        location=row["location"],
        followers_count=row["followers_count"],
        following_count=100,
        tweet_count=1_000,
        listed_count=10,
        verified=row["verified"],
        verified_type="blue" if row["verified"] else None,
        protected=row["protected"],
        score=row["score"],
        factors={"reach": 0.5, "activity": 0.5, "credibility": 0.5, "engagement": 0.0},
        reasons=reasons,
    )


@pytest.fixture
def sandbox() -> FakeSandbox:
    return FakeSandbox(ROWS)


@pytest.fixture
def make_sandbox():
    """Build a sandbox over `ROWS` with or without engagement data."""

    def make(*, has_engagement: bool = False) -> FakeSandbox:
        return FakeSandbox(ROWS, has_engagement=has_engagement)

    return make


@pytest.fixture
def hostile() -> tuple[str, str]:
    """The display name and location of the follower who tries to inject Markdown."""
    return HOSTILE_NAME, HOSTILE_LOCATION
