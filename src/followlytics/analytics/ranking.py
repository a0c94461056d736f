"""Top followers by value score: who in an audience is worth the user's attention, and why.

The value score (`value-score-v1`) is 0-100 and combines four factors, each in [0, 1]. Missing values
count as 0 for the part of a factor that reads them; `lg(x)` is `log10(1 + x)`; "age" is the account's
age at the time of the snapshot (so a score can be reproduced from its snapshot).

    reach       = min(1, lg(followers) / 7)                            10M followers -> 1
    activity    = volume                                 when created_at is unknown
                = 0.5 * volume + 0.5 * pace              otherwise
        volume  = min(1, lg(tweets) / 5)                               100K posts -> 1
        pace    = min(1, lg(tweets / max(1, age in days)) / lg(10))    10 posts/day -> 1
    credibility = 0.40 * verified + 0.25 * listed + 0.20 * ratio + 0.15 * age
        verified = 1 for business or government, 0.6 for blue (or verified with no type),
                   0 when not verified or verified_type is "none"
        listed   = min(1, lg(listed_count) / 4)                        listed 10K times -> 1
        ratio    = min(1, lg(followers / max(1, following)) / 3)       1,000:1 -> 1
        age      = min(1, age in years / 10)
    engagement  = min(1, lg(interactions) / 2)                         100 interactions -> 1

    score = 100 * (0.35 * reach + 0.15 * activity + 0.25 * credibility + 0.25 * engagement)

When no follower in the snapshot has an `interactions` value, engagement is left out and the other
weights are renormalised: score = 100 * (0.35 * reach + 0.15 * activity + 0.25 * credibility) / 0.75.

Followers are ordered by score (rounded to 2 decimals, as shown), then followers_count, then id, so
equal inputs always give the same order. Filters: `location` matches a case-insensitive literal
substring ("london" finds "London, UK"; `%` and `_` are plain characters), `min_followers` is
inclusive, `verified` uses the verified rule above. Each returned follower gets 1-3 reasons, the parts
that added the most points first, each quoting the number behind it ("reach: 1.2M followers").

The score is computed in DuckDB over the whole table; only the returned rows come back to Python,
where their reasons are written.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import duckdb
from pydantic import BaseModel, ConfigDict, Field

from followlytics.analytics.evidence import Evidence
from followlytics.analytics.workspace import AnalyticsTool, Workspace
from followlytics.audience.datasets import Dataset
from followlytics.errors import InvalidInput

METHOD = "value-score-v1"


class TopFollowersFilters(BaseModel):
    limit: int = Field(default=10, ge=1, le=100, description="How many followers to return.")
    location: str | None = Field(default=None, description="Case-insensitive text the location must contain.")
    min_followers: int | None = Field(
        default=None, ge=0, description="Only followers with at least this many followers."
    )
    verified: bool | None = Field(default=None, description="True: only verified; False: only unverified.")


class TopFollowersArgs(TopFollowersFilters):
    """A `top_followers` tool call: the filters plus the account whose snapshot they run over."""

    # A typo'd argument should fail loudly rather than silently drop a filter.
    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, description="The X account whose followers to rank.")


class RankedFollower(BaseModel):
    rank: int
    id: str
    username: str
    name: str
    location: str | None
    followers_count: int | None
    following_count: int | None
    tweet_count: int | None
    listed_count: int | None
    verified: bool
    verified_type: str | None
    protected: bool
    score: float = Field(description="Value score, 0-100.")
    factors: dict[str, float] = Field(
        description="Each factor's 0-1 value: reach, activity, credibility, engagement."
    )
    reasons: list[str] = Field(description="Plain-language reasons, strongest first.")


class TopFollowersResult(BaseModel):
    followers: list[RankedFollower]
    total_followers: int = Field(description="Rows in the snapshot.")
    matched: int = Field(description="Rows that passed the filters.")
    verified_matched: int = Field(description="Verified rows among the matched.")
    has_engagement: bool = Field(description="Whether engagement data was part of the score.")
    top_locations: list[tuple[str, int]] = Field(description="Most common locations among the returned rows.")
    evidence: Evidence


_TABLE = re.compile(r"^[a-z_][a-z0-9_]*$")
_WEIGHTS = {"reach": 0.35, "activity": 0.15, "credibility": 0.25, "engagement": 0.25}
_CREDIBILITY_WEIGHTS = {"verified": 0.40, "listed": 0.25, "ratio": 0.20, "age": 0.15}
_MIN_REASON_SHARE = 0.005
_SCORE_FIELDS = [
    "followers_count",
    "following_count",
    "tweet_count",
    "listed_count",
    "created_at",
    "verified",
    "verified_type",
]

# NULLs are handled with CASE/coalesce because DuckDB's least()/greatest() skip NULL arguments.
# A follower counts as verified only when X says so and the type is not "none".
_IS_VERIFIED = "(coalesce(verified, false) AND lower(coalesce(verified_type, '')) <> 'none')"

# One row per follower with its factors. The `{...}` slots are filled only from code (a checked
# identifier and fixed fragments); every user value is a bound `$parameter`.
_SCORED_SQL = """
WITH base AS (
    SELECT
        *,
        {is_verified} AS is_verified,
        greatest(coalesce(followers_count, 0), 0)::DOUBLE AS n_followers,
        greatest(coalesce(tweet_count, 0), 0)::DOUBLE AS n_tweets,
        greatest(coalesce(listed_count, 0), 0)::DOUBLE AS n_listed,
        greatest(coalesce(interactions, 0), 0)::DOUBLE AS n_interactions,
        CASE WHEN created_at IS NOT NULL
             THEN greatest(($now - epoch(created_at)) / 86400.0, 0) END AS age_days,
        CASE WHEN followers_count IS NOT NULL AND following_count IS NOT NULL
             THEN greatest(followers_count, 0)::DOUBLE / greatest(following_count, 1) END AS ratio_value
    FROM {table}
    WHERE {where}
), parts AS (
    SELECT
        *,
        CASE WHEN tweet_count IS NOT NULL AND age_days IS NOT NULL
             THEN n_tweets / greatest(age_days, 1) END AS posts_per_day,
        least(1, log10(1 + n_followers) / 7) AS reach,
        least(1, log10(1 + n_tweets) / 5) AS volume,
        CASE WHEN NOT is_verified THEN 0.0
             WHEN lower(verified_type) IN ('business', 'government') THEN 1.0
             ELSE 0.6 END::DOUBLE AS c_verified,
        least(1, log10(1 + n_listed) / 4) AS c_listed,
        CASE WHEN ratio_value IS NULL THEN 0 ELSE least(1, log10(1 + ratio_value) / 3) END AS c_ratio,
        CASE WHEN age_days IS NULL THEN 0 ELSE least(1, age_days / 3652.5) END AS c_age,
        least(1, log10(1 + n_interactions) / 2) AS engagement
    FROM base
), factors AS (
    SELECT
        *,
        CASE WHEN posts_per_day IS NULL THEN volume
             ELSE 0.5 * volume + 0.5 * least(1, log10(1 + posts_per_day) / log10(11)) END AS activity,
        $cw_verified * c_verified + $cw_listed * c_listed + $cw_ratio * c_ratio + $cw_age * c_age
            AS credibility
    FROM parts
)
SELECT
    *,
    round(100 * ($w_reach * reach + $w_activity * activity + $w_credibility * credibility
                 + $w_engagement * engagement) / $w_total, 2) AS score
FROM factors
"""

_ROW_COLUMNS = [
    "id",
    "username",
    "name",
    "location",
    "followers_count",
    "following_count",
    "tweet_count",
    "listed_count",
    "is_verified",
    "verified_type",
    "protected",
    "interactions",
    "age_days",
    "ratio_value",
    "posts_per_day",
    "reach",
    "activity",
    "credibility",
    "engagement",
    "c_verified",
    "c_listed",
    "c_ratio",
    "c_age",
    "score",
]


def top_followers(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    snapshot_id: str,
    snapshot_created_at: str | None,
    account_id: str | None,
    filters: TopFollowersFilters,
) -> TopFollowersResult:
    """Rank the followers in `table` (FOLLOWER_SCHEMA) by value score, filtered, with reasons and evidence."""
    if not _TABLE.fullmatch(table):
        raise InvalidInput(f"table {table!r} is not a plain identifier", field="table")
    total, with_interactions = con.execute(f"SELECT count(*), count(interactions) FROM {table}").fetchone()
    has_engagement = with_interactions > 0
    where, filter_params = _where(filters)
    weights = dict(_WEIGHTS) if has_engagement else {**_WEIGHTS, "engagement": 0.0}
    params: dict[str, Any] = {
        **filter_params,
        "now": _reference_time(snapshot_created_at).timestamp(),
        **{f"w_{name}": weight for name, weight in weights.items()},
        "w_total": sum(weights.values()),
        **{f"cw_{name}": weight for name, weight in _CREDIBILITY_WEIGHTS.items()},
    }
    scored = _SCORED_SQL.format(table=table, where=where, is_verified=_IS_VERIFIED)
    matched, verified_matched = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE is_verified) FROM ({scored})", params
    ).fetchone()
    rows = con.execute(
        f"SELECT {', '.join(_ROW_COLUMNS)} FROM ({scored})"
        " ORDER BY score DESC, n_followers DESC, id LIMIT $limit",
        {**params, "limit": filters.limit},
    ).fetchall()
    total_weight = sum(weights.values())
    followers = [
        _ranked(rank, dict(zip(_ROW_COLUMNS, row, strict=True)), weights, total_weight)
        for rank, row in enumerate(rows, start=1)
    ]
    fields = [*_SCORE_FIELDS, *(["interactions"] if has_engagement else []), "location", "id"]
    return TopFollowersResult(
        followers=followers,
        total_followers=total,
        matched=matched,
        verified_matched=verified_matched,
        has_engagement=has_engagement,
        top_locations=_top_locations(followers),
        evidence=Evidence(
            snapshot=snapshot_id,
            snapshot_created_at=snapshot_created_at,
            account_id=account_id,
            rows_read=total,
            rows_matched=matched,
            fields=fields,
            filters=filters.model_dump(exclude_none=True),
            method=METHOD,
        ),
    )


def _where(filters: TopFollowersFilters) -> tuple[str, dict[str, Any]]:
    clauses = ["true"]
    params: dict[str, Any] = {}
    location = (filters.location or "").strip()
    if location:
        # contains() matches literally, so '%' and '_' in the user's text are plain characters.
        clauses.append("contains(lower(location), lower($location))")
        params["location"] = location
    if filters.min_followers is not None:
        clauses.append("coalesce(followers_count, 0) >= $min_followers")
        params["min_followers"] = filters.min_followers
    if filters.verified is not None:
        clauses.append(_IS_VERIFIED if filters.verified else f"NOT {_IS_VERIFIED}")
    return " AND ".join(clauses), params


def _reference_time(snapshot_created_at: str | None) -> datetime:
    if snapshot_created_at is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(snapshot_created_at)
    except ValueError as exc:
        raise InvalidInput(
            f"snapshot_created_at {snapshot_created_at!r} is not an ISO time", field="snapshot_created_at"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ranked(rank: int, row: dict[str, Any], weights: dict[str, float], total_weight: float) -> RankedFollower:
    factors = {name: round(float(row[name]), 4) for name in _WEIGHTS}
    return RankedFollower(
        rank=rank,
        id=row["id"],
        username=row["username"],
        name=row["name"] or "",
        location=row["location"],
        followers_count=row["followers_count"],
        following_count=row["following_count"],
        tweet_count=row["tweet_count"],
        listed_count=row["listed_count"],
        verified=bool(row["is_verified"]),
        verified_type=row["verified_type"],
        protected=bool(row["protected"]),
        score=float(row["score"]),
        factors=factors,
        reasons=_reasons(row, weights, total_weight),
    )


def _reasons(row: dict[str, Any], weights: dict[str, float], total_weight: float) -> list[str]:
    """Up to three reasons, by how many score points each part contributed."""
    share = {name: weight / total_weight for name, weight in weights.items()}
    credibility = {name: share["credibility"] * weight for name, weight in _CREDIBILITY_WEIGHTS.items()}
    # Texts are built only for parts that contributed, so their numbers are never missing.
    candidates: list[tuple[float, Callable[[dict[str, Any]], str]]] = [
        (share["reach"] * row["reach"], _reach_text),
        (share["activity"] * row["activity"], _activity_text),
        (share["engagement"] * row["engagement"], _engagement_text),
        (credibility["verified"] * row["c_verified"], _verified_text),
        (credibility["listed"] * row["c_listed"], _listed_text),
        (credibility["ratio"] * row["c_ratio"], _ratio_text),
        (credibility["age"] * row["c_age"], _age_text),
    ]
    # sorted() is stable, so equal contributions keep the order above. Parts worth less than half a
    # point are noise next to the first reason, so they only appear when nothing else does.
    strongest = sorted((c for c in candidates if c[0] > 0), key=lambda c: -c[0])[:3]
    kept = [text(row) for i, (points, text) in enumerate(strongest) if i == 0 or points >= _MIN_REASON_SHARE]
    return kept or ["no follower, post, list or verification data to score"]


def _reach_text(row: dict[str, Any]) -> str:
    return f"reach: {_compact(row['followers_count'])} followers"


def _engagement_text(row: dict[str, Any]) -> str:
    return f"engaged with you {_times(row['interactions'])}"


def _listed_text(row: dict[str, Any]) -> str:
    return f"listed {_times(row['listed_count'])}"


def _activity_text(row: dict[str, Any]) -> str:
    if row["posts_per_day"] is not None:
        return f"active: {row['posts_per_day']:.1f} posts/day ({_compact(row['tweet_count'])} posts)"
    return f"active: {_compact(row['tweet_count'])} posts"


def _verified_text(row: dict[str, Any]) -> str:
    kind = row["verified_type"]
    return f"verified ({kind})" if kind else "verified"


def _ratio_text(row: dict[str, Any]) -> str:
    ratio = row["ratio_value"]
    if ratio >= 10:
        shown = f"{ratio:,.0f}:1"
    elif ratio >= 1:
        shown = f"{ratio:.1f}:1"
    else:
        shown = f"1:{1 / ratio:,.1f}"
    followers, following = _compact(row["followers_count"]), _compact(row["following_count"])
    return f"follower ratio {shown} ({followers} followers, following {following})"


def _age_text(row: dict[str, Any]) -> str:
    years = row["age_days"] / 365.25
    return f"on X for {years:.1f} years" if years < 10 else f"on X for {math.floor(years)} years"


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count:,} times"


def _compact(count: int) -> str:
    """1,234 / 12.3K / 1.2M / 3.4B: short, but still the real number."""
    for scale, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (10_000, "K")):
        if abs(count) >= scale:
            divisor = 1_000 if suffix == "K" else scale
            return f"{count / divisor:.1f}".removesuffix(".0") + suffix
    return f"{count:,}"


def _top_locations(followers: list[RankedFollower]) -> list[tuple[str, int]]:
    counts = Counter(f.location.strip() for f in followers if f.location and f.location.strip())
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]


def run_top_followers(workspace: Workspace, args: TopFollowersArgs) -> TopFollowersResult:
    """The `top_followers` tool: rank the account's newest followers snapshot."""
    source = workspace.source(args.account_id, Dataset.FOLLOWERS)
    return top_followers(
        workspace.connection,
        table=source.table,
        snapshot_id=source.snapshot.id,
        snapshot_created_at=source.snapshot.created_at.isoformat(),
        account_id=args.account_id,
        filters=TopFollowersFilters(**args.model_dump(exclude={"account_id"})),
    )


def _summarize(result: TopFollowersResult) -> str:
    returned = f"returned top {len(result.followers):,}" if result.followers else "returned none"
    return f"ranked {result.total_followers:,} followers of which {result.matched:,} matched; {returned}"


TOOLS = [
    AnalyticsTool(
        name="top_followers",
        description=(
            "Rank the user's followers by value score (0-100), which combines reach (their follower "
            "count), activity (how much they post), credibility (verification, list memberships) and, "
            "when engagement data was imported, how often they engage with the user's posts. Returns "
            "the top followers with plain-language reasons, how many followers matched the filters, how"
            " many of those are verified, and the most common locations among the returned rows. "
            "Filters (all optional, combined with AND): `location` keeps followers whose profile "
            "location contains this text, case-insensitive (e.g. 'London'); `min_followers` keeps "
            "followers who themselves have at least this many followers; `verified` true keeps only "
            "verified accounts, false only unverified ones; `limit` is how many followers to return "
            "(1-100, default 10). Use it for questions like 'who are my most valuable followers', 'top "
            "5 followers in London' or 'verified followers with over 10k followers'."
        ),
        arguments=TopFollowersArgs,
        result=TopFollowersResult,
        run=run_top_followers,
        summarize=_summarize,
    )
]
