"""Top followers by value score: who in an audience is worth the user's attention, and why; and the cached
scored table (`scored_table`) every analysis that ranks people builds on.

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

Engagement (`interactions`, and `likes`, `retweets`, `replies`, `quotes`) comes from the account's
`interactions` dataset when one is imported: one row per (post, user, kind), counted per follower id; a
follower with no row there engaged 0 times. Without that dataset it is the followers snapshot's own
`interactions` column (no per-kind counts). When neither holds a value, engagement is left out and the
other weights are renormalised: score = 100 * (0.35 * reach + 0.15 * activity + 0.25 * credibility) / 0.75.

`scored_table` computes all of this once per snapshot in DuckDB and keeps it (`Workspace.derived`), named
after the interactions snapshot too, so importing either dataset gives a fresh table. A `top_followers`
call is then a filtered count, a top-N over `value_rank` and a read of that page's rows.

Followers are ordered by score (rounded to 2 decimals, as shown), then followers_count, then id, so
equal inputs always give the same order; `sort="engagement"` orders followers who engaged at least once
by interactions, then the same keys (`engagement-rank-v1`). Filters: `location` matches a
case-insensitive literal substring ("london" finds "London, UK"; `%` and `_` are plain characters),
`min_followers` and `max_followers` are inclusive (a follower whose count is unknown passes neither),
`verified` uses the verified rule above; `offset` skips that many ranked followers ("the next 10").
Each returned follower gets 1-3 reasons, the parts that added the most points first, each quoting the
number behind it ("reach: 1.2M followers").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field

from followlytics.analytics.evidence import Evidence
from followlytics.analytics.workspace import AnalyticsTool, Source, Workspace, evidence
from followlytics.audience.datasets import Dataset, import_hint, missing
from followlytics.audience.schema import FOLLOWER_COLUMNS
from followlytics.errors import InvalidInput

METHOD = "value-score-v1"
ENGAGEMENT_METHOD = "engagement-rank-v1"

SortBy = Literal["value", "engagement"]


class TopFollowersFilters(BaseModel):
    limit: int = Field(default=10, ge=1, le=100, description="How many followers to return.")
    # Optional fields default to None (not 0 / "value") so a call that does not use them sends the same
    # arguments as before they existed.
    offset: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description="Skip this many ranked followers first, for 'the next 10' (offset 10). Default 0.",
    )
    location: str | None = Field(default=None, description="Case-insensitive text the location must contain.")
    min_followers: int | None = Field(
        default=None, ge=0, description="Only followers with at least this many followers."
    )
    max_followers: int | None = Field(
        default=None, ge=0, description="Only followers with at most this many followers (inclusive)."
    )
    verified: bool | None = Field(default=None, description="True: only verified; False: only unverified.")
    sort: SortBy | None = Field(
        default=None,
        description=(
            "'value' (default): by value score. 'engagement': only followers who liked, reposted, replied "
            "to or quoted the user's posts, most interactions first, then by value score."
        ),
    )


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
    interactions: int | None = Field(
        default=None, description="How often this follower engaged with the user's posts, when known."
    )
    likes: int | None = Field(default=None, description="Likes of the user's posts (interactions dataset).")
    retweets: int | None = Field(default=None, description="Reposts of the user's posts.")
    replies: int | None = Field(default=None, description="Replies to the user's posts.")
    quotes: int | None = Field(default=None, description="Quotes of the user's posts.")


class TopFollowersResult(BaseModel):
    followers: list[RankedFollower]
    total_followers: int = Field(description="Rows in the snapshot.")
    matched: int = Field(
        description="Rows that passed the filters (and, when sorting by engagement, engaged at least once)."
    )
    verified_matched: int = Field(description="Verified rows among the matched.")
    has_engagement: bool = Field(description="Whether engagement data was part of the score.")
    top_locations: list[tuple[str, int]] = Field(description="Most common locations among the returned rows.")
    evidence: Evidence
    offset: int = Field(default=0, description="Ranked followers skipped before the first returned one.")
    sort: SortBy = Field(default="value", description="What the ranking is ordered by.")
    engaged: int | None = Field(
        default=None,
        description="Followers passing the filters who engaged at least once; None without engagement data.",
    )
    engagement_source: str | None = Field(
        default=None,
        description="'interactions' (the interactions dataset), 'followers' (the imported column) or None.",
    )
    notes: list[str] = Field(default_factory=list, description="Caveats the answer must mention.")


@dataclass(frozen=True)
class Scored:
    """A scored followers table (`scored_table`) and the snapshots it was computed from."""

    table: str
    source: Source
    interactions: Source | None  # the interactions snapshot merged in, when the account has one
    location_index: str  # each distinct location with its `location_id`, for `filter_clause`

    @property
    def sources(self) -> list[Source]:
        return [self.source, *([self.interactions] if self.interactions else [])]

    @property
    def engagement_fields(self) -> list[str]:
        """The columns engagement was read from, for evidence."""
        if self.interactions is not None:
            return ["interactions.user_id", "interactions.kind"]
        return ["interactions"]

    def score_fields(self, has_engagement: bool) -> list[str]:
        """Every column the value score read, for evidence."""
        return [*SCORE_FIELDS, *(self.engagement_fields if has_engagement else [])]


_TABLE = re.compile(r"^[a-z_][a-z0-9_]*$")
_WEIGHTS = {"reach": 0.35, "activity": 0.15, "credibility": 0.25, "engagement": 0.25}
_CREDIBILITY_WEIGHTS = {"verified": 0.40, "listed": 0.25, "ratio": 0.20, "age": 0.15}
_MIN_REASON_SHARE = 0.005
SCORE_FIELDS = [  # what the value score reads, besides engagement
    "followers_count",
    "following_count",
    "tweet_count",
    "listed_count",
    "created_at",
    "verified",
    "verified_type",
]
KINDS = {"likes": "like", "retweets": "retweet", "replies": "reply", "quotes": "quote"}

# NULLs are handled with CASE/coalesce because DuckDB's least()/greatest() skip NULL arguments.
# A follower counts as verified only when X says so and the type is not "none".
_IS_VERIFIED = "(coalesce(verified, false) AND lower(coalesce(verified_type, '')) <> 'none')"

# The score inputs with engagement attached: from the interactions dataset (per kind, and their total) ...
_MERGED_FROM_INTERACTIONS = """
engagement AS (
    SELECT
        user_id,
        {kind_counts}
    FROM {interactions}
    GROUP BY user_id
), merged AS (
    SELECT
        {input_columns},
        {kind_columns},
        coalesce({kind_total}, 0)::BIGINT AS interactions
    FROM {table} AS f LEFT JOIN engagement AS e ON e.user_id = f.id
)"""
# ... or from the followers' own `interactions` column, with no per-kind counts.
_MERGED_FROM_COLUMN = """
merged AS (
    SELECT {input_columns}, {kind_nulls}, f.interactions FROM {table} AS f
)"""

# One row per follower with its factors, score and rank. The score is computed over the few columns it
# reads and only then joined back to the whole row, which is several times cheaper than carrying every
# column through each step. `value_rank` (1 = best) is the order `top_followers` shows, so a top-N query
# sorts one integer; `location_id` (from the location index) lets a location filter test each distinct
# location once (`filter_clause`). The `{...}` slots are filled only from code (checked identifiers and
# fixed fragments); every value is a bound `$parameter`.
_SCORED_SQL = """
WITH {merged}, base AS (
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
    FROM merged
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
), flag AS (
    SELECT {has_engagement} AS has_engagement
), scores AS (
    SELECT
        {score_columns},
        round(100 * ($w_reach * reach + $w_activity * activity + $w_credibility * credibility
                     + CASE WHEN has_engagement THEN $w_engagement * engagement ELSE 0 END)
              / CASE WHEN has_engagement THEN 1.0 ELSE $w_without_engagement END, 2) AS score
    FROM factors CROSS JOIN flag
), ranked AS (
    SELECT *, row_number() OVER (ORDER BY score DESC, n_followers DESC, id) AS value_rank FROM scores
)
SELECT {follower_columns}, l.location_id, r.* EXCLUDE (id)
FROM {table} AS f JOIN ranked AS r ON r.id = f.id LEFT JOIN {location_index} AS l ON l.location = f.location
"""

# Each distinct location once with a number; the scored table carries the number as `location_id`.
_LOCATION_INDEX_SQL = (
    "SELECT location, row_number() OVER () AS location_id"
    " FROM (SELECT DISTINCT location FROM {source} WHERE location IS NOT NULL)"
)

# What the score reads from a follower row.
_INPUT_COLUMNS = ["id", *SCORE_FIELDS]

# The factors and the parts the reasons quote, as the score computes them.
_PARTS = [
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
]

_DERIVED_COLUMNS = ["is_verified", "n_followers", *_PARTS]

ROW_COLUMNS = [
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
    *KINDS,
    *_PARTS,
    "score",
]
"""The columns `ranked_followers` reads from a scored table (or a query over one)."""

ORDER_BY_VALUE = "value_rank"
"""Score, then followers_count, then id (precomputed as `value_rank`)."""
ORDER_BY_ENGAGEMENT = "interactions DESC, value_rank"


def scored_table(workspace: Workspace, source: Source) -> str:
    """The name of the cached table of `source` (FOLLOWER_SCHEMA) with its value score per follower.

    Columns: every FOLLOWER_SCHEMA column (`interactions` replaced by the interactions dataset's total when
    the account has one), `likes`, `retweets`, `replies`, `quotes` (NULL without that dataset), `score`
    (0-100), the factors `reach`, `activity`, `credibility`, `engagement` (0-1), `is_verified`,
    `value_rank` (1 = highest score; ties by followers_count, then id: order by it for "top"),
    `location_id` (see `filter_clause`), and the parts the reasons quote (`n_followers`, `age_days`,
    `ratio_value`, `posts_per_day`, `c_*`). Kept until `source` or the interactions snapshot changes.
    """
    return scored(workspace, source).table


def scored(workspace: Workspace, source: Source) -> Scored:
    """`scored_table`, with the sources it read (for evidence)."""
    interactions = None
    # Interactions are the account's own; they describe the people in its followers or following lists.
    if source.dataset in (Dataset.FOLLOWERS, Dataset.FOLLOWING):
        interactions = workspace.optional_source(source.account_id, Dataset.INTERACTIONS)
    # The name carries the interactions snapshot, so a new import of either dataset means a new table.
    name = "scored" if interactions is None else f"scored_{_snapshot_key(interactions)}"
    location_index = workspace.derived(source, "location_index", _LOCATION_INDEX_SQL)
    sql, params = _scored_sql(
        "{source}",
        interactions.table if interactions else None,
        location_index,
        source.snapshot.created_at.isoformat(),
    )
    table = workspace.derived(source, name, sql, params)
    return Scored(table, source, interactions, location_index)


def _snapshot_key(source: Source) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", source.snapshot.id.lower()).strip("_")
    return key[-28:] or "x"  # derived names are at most 41 characters


def _scored_sql(
    table: str, interactions: str | None, location_index: str, snapshot_created_at: str | None
) -> tuple[str, dict[str, Any]]:
    """The scoring SELECT over `table` (optionally merged with `interactions`) and its parameters."""
    for name in (table, interactions, location_index):
        if name is not None and name != "{source}" and not _TABLE.fullmatch(name):
            raise InvalidInput(f"table {name!r} is not a plain identifier", field="table")
    input_columns = ", ".join(f"f.{column}" for column in _INPUT_COLUMNS)
    if interactions is None:
        merged = _MERGED_FROM_COLUMN.format(
            input_columns=input_columns,
            kind_nulls=", ".join(f"NULL::BIGINT AS {column}" for column in KINDS),
            table=table,
        )
        has_engagement = f"(SELECT count(interactions) > 0 FROM {table})"
    else:
        merged = _MERGED_FROM_INTERACTIONS.format(
            kind_counts=",\n        ".join(
                f"count(*) FILTER (WHERE kind = '{kind}') AS {column}" for column, kind in KINDS.items()
            ),
            interactions=interactions,
            input_columns=input_columns,
            kind_columns=", ".join(f"coalesce(e.{column}, 0)::BIGINT AS {column}" for column in KINDS),
            kind_total=" + ".join(f"e.{column}" for column in KINDS),
            table=table,
        )
        has_engagement = "true"
    sql = _SCORED_SQL.format(
        merged=merged.strip(),
        is_verified=_IS_VERIFIED,
        has_engagement=has_engagement,
        score_columns=", ".join(["id", *KINDS, "interactions", *_DERIVED_COLUMNS]),
        follower_columns=", ".join(f"f.{column}" for column in FOLLOWER_COLUMNS if column != "interactions"),
        table=table,
        location_index=location_index,
    )
    return sql, _score_params(snapshot_created_at)


def _score_params(snapshot_created_at: str | None) -> dict[str, Any]:
    return {
        "now": _reference_time(snapshot_created_at).timestamp(),
        **{f"w_{name}": weight for name, weight in _WEIGHTS.items()},
        "w_without_engagement": sum(w for name, w in _WEIGHTS.items() if name != "engagement"),
        **{f"cw_{name}": weight for name, weight in _CREDIBILITY_WEIGHTS.items()},
    }


def filter_clause(
    *,
    location: str | None = None,
    min_followers: int | None = None,
    max_followers: int | None = None,
    verified: bool | None = None,
    location_index: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """A WHERE condition over a scored table for the usual follower filters, and its bound parameters.

    With `location_index` (`Scored.location_index`) the location text is matched against each distinct
    location once and rows are picked by `location_id`, many times faster than lower-casing every row.
    """
    if min_followers is not None and max_followers is not None and max_followers < min_followers:
        raise InvalidInput(
            f"max_followers ({max_followers:,}) is below min_followers ({min_followers:,})",
            field="max_followers",
        )
    clauses = ["true"]
    params: dict[str, Any] = {}
    location = (location or "").strip()
    if min_followers is not None:
        clauses.append("followers_count >= $min_followers")
        params["min_followers"] = min_followers
    if max_followers is not None:
        clauses.append("followers_count <= $max_followers")
        params["max_followers"] = max_followers
    if verified is not None:
        clauses.append("is_verified" if verified else "NOT is_verified")
    if location:
        # contains() matches literally, so '%' and '_' in the user's text are plain characters.
        matches = "contains(lower(location), lower($location))"
        if location_index is None:
            clauses.append(matches)
        elif _TABLE.fullmatch(location_index):
            clauses.append(f"location_id IN (SELECT location_id FROM {location_index} WHERE {matches})")
        else:
            raise InvalidInput(f"table {location_index!r} is not a plain identifier", field="table")
        params["location"] = location
    return " AND ".join(clauses), params


def ranked_followers(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    *,
    where: str,
    params: dict[str, Any],
    order_by: str,
    limit: int,
    offset: int = 0,
    has_engagement: bool,
) -> list[RankedFollower]:
    """Rows `offset+1 .. offset+limit` of `relation` (a scored table) under `where`, with reasons.

    `relation` must hold `value_rank` (any query over a scored table does). `where` and `order_by` are
    SQL written by code (e.g. `filter_clause`, `ORDER_BY_VALUE`); values in `params` are bound.
    """
    # Two steps: the page's ranks from the narrow columns the filter and order need, then whole rows for
    # just those. DuckDB cannot defer reading the wide columns past a join (a location or id filter), so
    # one query would read every column of every matching row.
    page = f"SELECT value_rank FROM {relation} WHERE {where} ORDER BY {order_by} LIMIT $limit OFFSET $offset"
    ranks = [row[0] for row in con.execute(page, {**params, "limit": limit, "offset": offset}).fetchall()]
    if not ranks:
        return []
    found = con.execute(
        f"SELECT value_rank, {', '.join(ROW_COLUMNS)} FROM {relation} WHERE value_rank = ANY($ranks)",
        {"ranks": ranks},
    ).fetchall()
    by_rank = {row[0]: dict(zip(ROW_COLUMNS, row[1:], strict=True)) for row in found}
    weights = _weights(has_engagement)
    return [
        _ranked(rank, by_rank[value_rank], weights) for rank, value_rank in enumerate(ranks, start=offset + 1)
    ]


def has_engagement(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """Whether any follower in a scored table has an engagement value (so the score used it)."""
    # fetchall, never fetchone, here and below: DuckDB 2 keeps a half-read result open on the shared
    # connection and then refuses relational calls (`con.sql(...)`) by the next analysis.
    return con.execute(f"SELECT count(interactions) > 0 FROM {relation}").fetchall()[0][0]


@dataclass(frozen=True)
class _Ranking:
    followers: list[RankedFollower]
    total: int
    matched: int
    verified_matched: int
    engaged: int | None
    has_engagement: bool
    offset: int
    sort: SortBy


def _rank(
    con: duckdb.DuckDBPyConnection,
    table: str,
    location_index: str | None,
    filters: TopFollowersFilters,
    handle: str | None,
) -> _Ranking:
    where, params = filter_clause(
        location=filters.location,
        min_followers=filters.min_followers,
        max_followers=filters.max_followers,
        verified=filters.verified,
        location_index=location_index,
    )
    total, with_interactions = con.execute(f"SELECT count(*), count(interactions) FROM {table}").fetchall()[0]
    matched, verified_matched, engaged, verified_engaged = con.execute(
        f"""SELECT count(*),
                   count(*) FILTER (WHERE is_verified),
                   count(*) FILTER (WHERE interactions > 0),
                   count(*) FILTER (WHERE is_verified AND interactions > 0)
            FROM {table} WHERE {where}""",
        params,
    ).fetchall()[0]
    engagement_known = with_interactions > 0
    sort: SortBy = filters.sort or "value"
    offset = filters.offset or 0
    if sort == "engagement":
        if not engagement_known:
            raise missing(Dataset.INTERACTIONS, handle)
        where = f"{where} AND interactions > 0"
        matched, verified_matched = engaged, verified_engaged
    followers = ranked_followers(
        con,
        table,
        where=where,
        params=params,
        order_by=ORDER_BY_ENGAGEMENT if sort == "engagement" else ORDER_BY_VALUE,
        limit=filters.limit,
        offset=offset,
        has_engagement=engagement_known,
    )
    return _Ranking(
        followers=followers,
        total=total,
        matched=matched,
        verified_matched=verified_matched,
        engaged=engaged if engagement_known else None,
        has_engagement=engagement_known,
        offset=offset,
        sort=sort,
    )


def _notes(ranking: _Ranking, handle: str | None) -> list[str]:
    notes = []
    if not ranking.has_engagement:
        notes.append(
            "Engagement is not part of these scores: no interactions with the account's posts are imported. "
            + import_hint(Dataset.INTERACTIONS, handle)
        )
    if ranking.offset and ranking.offset >= ranking.matched:
        last = f"{ranking.matched:,} matched followers"
        notes.append(f"Offset {ranking.offset:,} is past the last of the {last}.")
    return notes


def top_followers(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    snapshot_id: str,
    snapshot_created_at: str | None,
    account_id: str | None,
    filters: TopFollowersFilters,
) -> TopFollowersResult:
    """Rank the followers in `table` (FOLLOWER_SCHEMA) by value score, filtered, with reasons and evidence.

    Engagement is the table's own `interactions` column. The scores are computed once per `table` and
    `snapshot_id` on this connection and kept beside it (as `scored_table` does for a workspace).
    """
    if not _TABLE.fullmatch(table):
        raise InvalidInput(f"table {table!r} is not a plain identifier", field="table")
    key = re.sub(r"[^a-z0-9]+", "_", snapshot_id.lower()).strip("_")
    scored_name, index_name = f"{table}__scored_{key}", f"{table}__locations_{key}"
    if not _TABLE.fullmatch(scored_name):
        raise InvalidInput(f"snapshot_id {snapshot_id!r} cannot name a table", field="snapshot_id")
    known = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if index_name not in known:
        con.execute(f"CREATE TABLE {index_name} AS {_LOCATION_INDEX_SQL.replace('{source}', table)}")
    if scored_name not in known:
        sql, params = _scored_sql(table, None, index_name, snapshot_created_at)
        con.execute(f"CREATE TABLE {scored_name} AS {sql}", params)
    ranking = _rank(con, scored_name, index_name, filters, None)
    fields = [*SCORE_FIELDS, *(["interactions"] if ranking.has_engagement else []), "location", "id"]
    return _result(
        ranking,
        filters,
        engagement_source="followers" if ranking.has_engagement else None,
        notes=_notes(ranking, None),
        evidence=Evidence(
            snapshot=snapshot_id,
            snapshot_created_at=snapshot_created_at,
            account_id=account_id,
            rows_read=ranking.total,
            rows_matched=ranking.matched,
            fields=fields,
            filters=filters.model_dump(exclude_none=True),
            method=ENGAGEMENT_METHOD if ranking.sort == "engagement" else METHOD,
        ),
    )


def _result(
    ranking: _Ranking,
    filters: TopFollowersFilters,
    *,
    engagement_source: str | None,
    notes: list[str],
    evidence: Evidence,
) -> TopFollowersResult:
    return TopFollowersResult(
        followers=ranking.followers,
        total_followers=ranking.total,
        matched=ranking.matched,
        verified_matched=ranking.verified_matched,
        has_engagement=ranking.has_engagement,
        top_locations=_top_locations(ranking.followers),
        evidence=evidence,
        offset=ranking.offset,
        sort=ranking.sort,
        engaged=ranking.engaged,
        engagement_source=engagement_source,
        notes=notes,
    )


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


def _weights(has_engagement: bool) -> dict[str, float]:
    return dict(_WEIGHTS) if has_engagement else {**_WEIGHTS, "engagement": 0.0}


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _ranked(rank: int, row: dict[str, Any], weights: dict[str, float]) -> RankedFollower:
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
        reasons=_reasons(row, weights),
        interactions=_optional_int(row["interactions"]),
        **{column: _optional_int(row[column]) for column in KINDS},
    )


def _reasons(row: dict[str, Any], weights: dict[str, float]) -> list[str]:
    """Up to three reasons, by how many score points each part contributed."""
    total_weight = sum(weights.values())
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
    return f"reach: {compact(row['followers_count'])} followers"


_KIND_WORDS = {
    "likes": ("like", "likes"),
    "retweets": ("repost", "reposts"),
    "replies": ("reply", "replies"),
    "quotes": ("quote", "quotes"),
}


def _engagement_text(row: dict[str, Any]) -> str:
    text = f"engaged with you {_times(row['interactions'])}"
    parts = [
        f"{row[column]:,} {words[0] if row[column] == 1 else words[1]}"
        for column, words in _KIND_WORDS.items()
        if row.get(column)
    ]
    return f"{text} ({', '.join(parts)})" if parts else text


def _listed_text(row: dict[str, Any]) -> str:
    return f"listed {_times(row['listed_count'])}"


def _activity_text(row: dict[str, Any]) -> str:
    if row["posts_per_day"] is not None:
        return f"active: {row['posts_per_day']:.1f} posts/day ({compact(row['tweet_count'])} posts)"
    return f"active: {compact(row['tweet_count'])} posts"


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
    followers, following = compact(row["followers_count"]), compact(row["following_count"])
    return f"follower ratio {shown} ({followers} followers, following {following})"


def _age_text(row: dict[str, Any]) -> str:
    years = row["age_days"] / 365.25
    return f"on X for {years:.1f} years" if years < 10 else f"on X for {math.floor(years)} years"


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count:,} times"


def compact(count: int) -> str:
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
    """The `top_followers` tool: rank the account's newest followers snapshot (its cached scored table)."""
    source = workspace.source(args.account_id, Dataset.FOLLOWERS)
    scoring = scored(workspace, source)
    filters = TopFollowersFilters(**args.model_dump(exclude={"account_id"}))
    ranking = _rank(workspace.connection, scoring.table, scoring.location_index, filters, source.handle)
    fields = [*scoring.score_fields(ranking.has_engagement), "location", "id"]
    sample_sizes = {"followers": ranking.total}
    if scoring.interactions is not None:
        sample_sizes["interactions"] = scoring.interactions.rows
    if ranking.engaged is not None:
        sample_sizes["engaged_followers"] = ranking.engaged
    engagement_source = None
    if ranking.has_engagement:
        engagement_source = "interactions" if scoring.interactions is not None else "followers"
    return _result(
        ranking,
        filters,
        engagement_source=engagement_source,
        notes=_notes(ranking, source.handle),
        evidence=evidence(
            scoring.sources,
            rows_matched=ranking.matched,
            fields=fields,
            method=ENGAGEMENT_METHOD if ranking.sort == "engagement" else METHOD,
            filters=filters.model_dump(exclude_none=True),
            sample_sizes=sample_sizes,
        ),
    )


def _summarize(result: TopFollowersResult) -> str:
    returned = f"returned top {len(result.followers):,}" if result.followers else "returned none"
    if result.offset:
        returned = f"returned {len(result.followers):,} from rank {result.offset + 1:,}"
    by = " by engagement" if result.sort == "engagement" else ""
    return f"ranked {result.total_followers:,} followers{by} of which {result.matched:,} matched; {returned}"


TOOLS = [
    AnalyticsTool(
        name="top_followers",
        description=(
            "Rank the user's followers by value score (0-100), which combines reach (their follower "
            "count), activity (how much they post), credibility (verification, list memberships) and, "
            "when engagement data was imported, how often they engage with the user's posts (likes, "
            "reposts, replies, quotes). Returns the top followers with plain-language reasons and their "
            "interaction counts, how many followers matched the filters, how many of those are verified, "
            "how many engaged at all, and the most common locations among the returned rows. "
            "Filters (all optional, combined with AND): `location` keeps followers whose profile "
            "location contains this text, case-insensitive (e.g. 'London'); `min_followers` / "
            "`max_followers` keep followers who themselves have at least / at most this many followers; "
            "`verified` true keeps only verified accounts, false only unverified ones; `limit` is how "
            "many followers to return (1-100, default 10); `offset` skips that many (offset 10 for 'the "
            "next 10'); `sort` 'engagement' ranks only followers who engaged with the user, most "
            "interactions first (needs imported interactions). Use it for questions like 'who are my "
            "most valuable followers', 'top 5 followers in London', 'verified followers with over 10k "
            "followers', 'who are my most engaged followers' (sort engagement) or 'and the next 10?'."
        ),
        arguments=TopFollowersArgs,
        result=TopFollowersResult,
        run=run_top_followers,
        summarize=_summarize,
    )
]
