"""Best posting times (`posting-times-v1`): a weekday x hour heatmap of when the account's posts do best and
when its followers are active, blended, with the three best slots and the data behind each.

All cells are in one display time zone: the `timezone` asked for, else the most common time zone among the
followers whose location could be placed (`analytics.geo.places`), else UTC. Every timestamp is converted on
its own with DuckDB's ICU time zone functions, so daylight saving is applied per post. Rows are weekdays
Monday (0) to Sunday (6), columns hours 0-23 (the hour starting then).

Own posts (the `tweets` dataset; reposts are left out, their metrics belong to the original):

    engagement = likes + reposts + replies + quotes                (missing counts as 0)
    rate       = engagement / impressions        when at least half the posts have impressions (> 0);
                                                 posts without them are then left out
               = engagement / followers          otherwise, followers = rows of the newest followers
                                                 snapshot imported at or before the post (the oldest
                                                 snapshot for posts before it)
               = engagement                      when there is no followers snapshot either
    capped     = min(rate, 5 x median rate)      one viral post cannot make a slot
    slot value = (sum of capped rates in the slot + 1 x mean capped rate) / (posts in the slot + 1)

The slot value is the mean shrunk towards the overall mean by one pseudo-post, so a slot with a single
lucky post does not beat a slot with a steady record; an empty slot's value is the overall mean.

Follower activity, from followers' own posts (`follower_tweets`) when imported: each follower spreads a
weight of 1 over the slots of their posts (share of their posts in each slot), so a chatty follower counts
as much as a quiet one; a slot's activity is the sum of those shares. Otherwise it is estimated from
followers' time zones (inferred from their profile locations): each placed follower contributes the
assumed local activity profile `_ACTIVITY_BY_HOUR` x `_WEEKDAY_FACTOR` shifted into the display time zone
by the difference of the two zones' UTC offsets at the followers snapshot's time (half-hour zones split
their weight between the two hours they straddle).

Blend: each part is min-max normalised to 0-1 over the 168 cells (a flat part becomes 0), then
`score = 0.6 x posts + 0.4 x followers`; with one part alone, score = that part. With the posts part alone
only slots with at least one post can be a top slot. Ties break by weekday, then hour; cells at the same
hour with exactly the same score (the time-zone estimate repeats every weekday) are one slot, "Monday to
Friday 19:00-20:00".

`weeks` keeps the posts (own, and followers') in the last `weeks` x 7 days before the newest one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from followlytics.analytics import geo
from followlytics.analytics.evidence import Evidence
from followlytics.analytics.workspace import AnalyticsTool, Source, Workspace, evidence
from followlytics.audience.datasets import Dataset, import_hint, missing
from followlytics.errors import InvalidInput, NoAudienceData

METHOD = "posting-times-v1"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SLOTS = 7 * 24

# Assumed share of people awake and on X at each local hour (peak = 1): quiet at night, rising from 07:00,
# a lunchtime bump and the evening peak. Saturday and Sunday are assumed 15% quieter. Only used when
# followers' own posting times are not imported.
_ACTIVITY_BY_HOUR = (
    0.35, 0.20, 0.10, 0.05, 0.05, 0.10, 0.25, 0.50, 0.70, 0.80, 0.85, 0.90,
    0.95, 0.90, 0.85, 0.85, 0.85, 0.90, 0.95, 0.97, 1.00, 0.92, 0.75, 0.55,
)  # fmt: skip
_WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.0, 0.85, 0.85)
_WEIGHTS = {"posts": 0.6, "followers": 0.4}
_CAP_X_MEDIAN = 5.0
_PRIOR_POSTS = 1.0
_IMPRESSIONS_SHARE = 0.5  # at least this share of posts must have impressions to normalise by them
_TOP = 3

Normalisation = Literal["impressions", "followers", "none"]


class PostingTimesArgs(BaseModel):
    """A `posting_times` tool call."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, description="The X account whose posting times to analyse.")
    timezone: str | None = Field(
        default=None,
        max_length=64,
        description="IANA time zone for the answer, e.g. 'Europe/Berlin'; default: the most common "
        "follower time zone, else UTC.",
    )
    source: Literal["auto", "tweets", "followers"] = Field(
        default="auto",
        description="'tweets': only how the user's own posts did; 'followers': only when followers are "
        "active; 'auto': both when available, blended.",
    )
    weeks: int | None = Field(
        default=None, ge=1, le=520, description="Only posts from the last N weeks before the newest post."
    )


class TimeSlot(BaseModel):
    rank: int
    weekday: str
    weekday_index: int = Field(description="0 = Monday ... 6 = Sunday.")
    hour: int = Field(description="Hour of day 0-23 in the answer's time zone; the slot is hour:00-hour:59.")
    label: str = Field(description="E.g. 'Tuesday 14:00-15:00', or 'Monday to Friday 19:00-20:00'.")
    same_score_on: list[str] = Field(
        description="Other weekdays scoring exactly the same at this hour (folded into this slot)."
    )
    score: float = Field(description="Blended score 0-1.")
    posts: int = Field(description="The user's own posts in this slot.")
    engagement_rate: float | None = Field(
        description="Mean (capped, shrunk) engagement rate of the posts in this slot; None without posts."
    )
    follower_activity: float | None = Field(description="Follower activity 0-1; None when not used.")
    follower_posts: int | None = Field(description="Followers' posts in this slot (follower_tweets only).")
    followers: int | None = Field(
        description="Followers behind the activity part: who posted in this slot, or every placed follower."
    )
    basis: str = Field(description="How much data backs this slot, in words.")


class PostingTimesResult(BaseModel):
    timezone: str
    timezone_reason: str
    sources_used: list[str] = Field(
        description="Parts used: 'tweets', 'follower_tweets' and/or 'follower_locations'."
    )
    weights: dict[str, float] = Field(description="Blend weight of each part used.")
    normalisation: Normalisation | None = Field(
        description="What engagement was divided by; None without own posts."
    )
    top_slots: list[TimeSlot]
    heatmap: list[list[float]] = Field(description="7 x 24 blended scores 0-1, rows Monday..Sunday.")
    posts_heatmap: list[list[int]] = Field(description="7 x 24 counts of the user's posts.")
    engagement_heatmap: list[list[float | None]] | None = Field(
        description="7 x 24 slot engagement values (None where no post); None without own posts."
    )
    activity_heatmap: list[list[float]] | None = Field(
        description="7 x 24 follower activity 0-1; None without the follower part."
    )
    posts_analyzed: int
    window_start: str | None = Field(description="First moment counted (UTC) when `weeks` is given.")
    window_end: str | None = Field(description="Newest post counted (UTC).")
    notes: list[str]
    evidence: Evidence


@dataclass
class _Posts:
    source: Source
    values: list[float | None]  # shrunk slot values, None where no post
    filled: list[float]  # the same with empty slots at the overall mean
    counts: list[int]
    analyzed: int
    normalisation: Normalisation
    window_start: datetime | None
    window_end: datetime | None
    notes: list[str] = field(default_factory=list)


@dataclass
class _Activity:
    kind: Literal["follower_tweets", "follower_locations"]
    source: Source
    values: list[float]
    followers: int  # followers behind the whole part
    slot_posts: list[int] | None  # follower_tweets: their posts per slot
    posts: int
    tables: tuple[str, str] | None  # follower_tweets: per follower and quarter hour, and per quarter hour
    notes: list[str] = field(default_factory=list)


@dataclass
class _Zones:
    """Followers' time zones: counts per valid IANA name, and how many could not be placed."""

    source: Source | None
    counts: list[tuple[str, int, float]]  # name, followers, UTC offset in hours at the snapshot time
    placed: int
    with_location: int


def run_posting_times(workspace: Workspace, args: PostingTimesArgs) -> PostingTimesResult:
    """The `posting_times` tool."""
    account = args.account_id
    handle = _handle(workspace, account)
    tweets = None if args.source == "followers" else workspace.optional_source(account, Dataset.TWEETS)
    if args.source == "tweets" and tweets is None:
        raise missing(Dataset.TWEETS, handle)
    followers = workspace.optional_source(account, Dataset.FOLLOWERS)
    # Follower time zones are read only when needed: to choose the answer's zone, or as the activity part.
    zones = _zones(workspace, followers) if args.timezone is None else None
    tz, tz_reason = _display_zone(workspace, args.timezone, zones)

    posts = _posts(workspace, tweets, tz, args.weeks) if tweets is not None else None
    activity = None
    if args.source != "tweets":
        follower_tweets = workspace.optional_source(account, Dataset.FOLLOWER_TWEETS)
        if follower_tweets is not None:
            activity = _activity_from_posts(workspace, follower_tweets, tz, args.weeks)
        if activity is None:
            zones = zones or _zones(workspace, followers)
            if zones.placed > 0:
                activity = _activity_from_zones(workspace, zones, tz)
    if posts is None and activity is None:
        raise _nothing_to_use(args.source, handle, followers is not None)

    return _result(workspace, args, handle, tz, tz_reason, posts, activity, zones)


# --- display time zone ----------------------------------------------------------------------------------


def _zones(workspace: Workspace, followers: Source | None) -> _Zones:
    if followers is None:
        return _Zones(None, [], 0, 0)
    places = geo.places(workspace, followers)
    # Counted once per snapshot, with each zone's UTC offset at the snapshot's time (NULL for a name ICU does
    # not know), so a warm call does not depend on the audience size.
    counts_table = workspace.derived(
        followers,
        "tz_counts",
        f"""
        WITH counts AS (SELECT timezone, count(*)::BIGINT AS n FROM {places} GROUP BY timezone)
        SELECT timezone, n,
               CASE WHEN timezone IN (SELECT name FROM pg_timezone_names())
                    THEN (epoch(timezone(timezone, $at)) - epoch(timezone('UTC', $at))) / 3600.0
               END AS offset_hours
        FROM counts
        """,
        {"at": followers.snapshot.created_at},
    )
    rows = workspace.connection.execute(
        f"SELECT timezone, n, offset_hours FROM {counts_table} ORDER BY n DESC, timezone"
    ).fetchall()
    counts = [(name, int(n), float(offset)) for name, n, offset in rows if offset is not None]
    with_location = sum(int(n) for _, n, _ in rows)
    return _Zones(followers, counts, sum(n for _, n, _ in counts), with_location)


def _display_zone(workspace: Workspace, asked: str | None, zones: _Zones | None) -> tuple[str, str]:
    if asked is not None:
        return _checked_zone(workspace, asked.strip()), "the time zone you asked for"
    if zones is not None and zones.counts:
        name, n, _ = zones.counts[0]
        share = 100 * n / zones.placed
        return name, (
            f"the most common time zone among your followers ({n:,} of {zones.placed:,} placed followers, "
            f"{share:.0f}%); pass a time zone to use another"
        )
    return "UTC", "no time zone was given and no follower location could be placed in one"


def _checked_zone(workspace: Workspace, name: str) -> str:
    """The canonical spelling of an IANA zone known to DuckDB's ICU data, matched case-insensitively."""
    found = workspace.connection.execute(
        "SELECT name FROM pg_timezone_names() WHERE lower(name) = lower($name) ORDER BY name = $name DESC, "
        "name LIMIT 1",
        {"name": name},
    ).fetchall()
    if not found:
        raise InvalidInput(
            f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin', 'America/New_York' "
            "or 'UTC'",
            field="timezone",
        )
    return str(found[0][0])


# --- own posts ------------------------------------------------------------------------------------------

_POSTS_SQL = """
WITH kept AS (
    SELECT created_at,
           (coalesce(like_count, 0) + coalesce(retweet_count, 0) + coalesce(reply_count, 0)
            + coalesce(quote_count, 0))::DOUBLE AS engagement,
           impression_count
    FROM {table}
    WHERE created_at IS NOT NULL AND coalesce(referenced_type, '') <> 'retweeted'
      AND ($start IS NULL OR created_at >= $start)
), audience AS (
    SELECT unnest($snapshot_times) AS taken_at, unnest($snapshot_rows) AS followers
), rated AS (
    SELECT timezone($tz, k.created_at) AS local_time,
           CASE $mode
               WHEN 'impressions' THEN k.engagement / k.impression_count
               WHEN 'followers' THEN k.engagement / greatest(coalesce(a.followers, $first_rows), 1)
               ELSE k.engagement
           END AS rate
    FROM kept k ASOF LEFT JOIN audience a ON k.created_at >= a.taken_at
    WHERE $mode <> 'impressions' OR coalesce(k.impression_count, 0) > 0
), capped AS (
    SELECT local_time,
           CASE WHEN m.median_rate > 0 THEN least(rate, $cap * m.median_rate) ELSE rate END AS rate
    FROM rated, (SELECT median(rate) AS median_rate FROM rated) m
)
SELECT isodow(local_time) - 1 AS weekday, hour(local_time) AS hour, count(*) AS posts, sum(rate) AS rate_sum
FROM capped
GROUP BY ALL
"""


def _posts(workspace: Workspace, tweets: Source, tz: str, weeks: int | None) -> _Posts | None:
    con = workspace.connection
    newest, reposts = con.execute(
        f"SELECT max(created_at), count(*) FILTER (WHERE referenced_type = 'retweeted') "
        f"FROM {tweets.table} WHERE created_at IS NOT NULL"
    ).fetchall()[0]
    notes: list[str] = []
    if newest is None:
        return None
    start = newest - timedelta(weeks=weeks) if weeks else None
    in_window, with_impressions = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE impression_count > 0) FROM {tweets.table} "
        "WHERE created_at IS NOT NULL AND coalesce(referenced_type, '') <> 'retweeted' "
        "AND ($start IS NULL OR created_at >= $start)",
        {"start": start},
    ).fetchall()[0]
    if in_window == 0:
        return None
    snapshots = workspace.snapshots(tweets.account_id, Dataset.FOLLOWERS)
    mode: Normalisation
    if with_impressions >= _IMPRESSIONS_SHARE * in_window:
        mode = "impressions"
        if with_impressions < in_window:
            notes.append(
                f"{in_window - with_impressions:,} of {in_window:,} posts had no impressions and were left "
                "out (engagement is divided by impressions)."
            )
    elif snapshots:
        mode = "followers"
        notes.append(
            "Posts have no impression counts, so engagement is divided by your follower count at the time "
            "(the followers snapshot in effect when each post went out)."
        )
    else:
        mode = "none"
        notes.append(
            "Posts have no impression counts and no followers snapshot was imported, so raw engagement per "
            "post (likes + reposts + replies + quotes) is compared."
        )
    if reposts:
        notes.append(f"Left out {_count(reposts, 'repost')}: their metrics belong to the original post.")
    rows = con.execute(
        _POSTS_SQL.format(table=tweets.table),
        {
            "tz": tz,
            "start": start,
            "mode": mode,
            "cap": _CAP_X_MEDIAN,
            "snapshot_times": [s.created_at for s in snapshots] or [newest],
            "snapshot_rows": [s.rows for s in snapshots] or [0],
            "first_rows": snapshots[0].rows if snapshots else 0,
        },
    ).fetchall()
    counts = [0] * SLOTS
    sums = [0.0] * SLOTS
    for weekday, hour, n, rate_sum in rows:
        counts[weekday * 24 + hour] = int(n)
        sums[weekday * 24 + hour] = float(rate_sum)
    analyzed = sum(counts)
    mean = sum(sums) / analyzed
    values: list[float | None] = [
        (sums[i] + _PRIOR_POSTS * mean) / (counts[i] + _PRIOR_POSTS) if counts[i] else None
        for i in range(SLOTS)
    ]
    filled = [mean if v is None else v for v in values]
    return _Posts(tweets, values, filled, counts, analyzed, mode, start, newest, notes)


# --- follower activity ----------------------------------------------------------------------------------

# Each follower's posts share a weight of 1 (1 / their post count each). Both tables are built once per
# snapshot and window: one row per follower (as a small integer) and quarter hour, and their sums per quarter
# hour. Every UTC offset is a whole number of quarter hours, so a call converts only the few thousand
# quarter-hour instants to the display time zone, not every post.
_FOLLOWER_QUARTERS_SQL = """
WITH kept AS (
    SELECT author_id, created_at FROM {source}
    WHERE created_at IS NOT NULL AND author_id IS NOT NULL AND ($start IS NULL OR created_at >= $start)
), totals AS (
    SELECT author_id, count(*) AS n, row_number() OVER (ORDER BY author_id) AS author
    FROM kept GROUP BY author_id
)
SELECT author::INTEGER AS author, epoch_us(created_at) // 900000000 AS quarter, count(*)::INTEGER AS posts,
       count(*) / any_value(n) AS weight
FROM kept JOIN totals USING (author_id)
GROUP BY ALL
"""

_QUARTER_SUMS_SQL = (
    "SELECT quarter, sum(weight) AS weight, sum(posts) AS posts FROM {quarters} GROUP BY quarter"
)

_LOCAL_SLOT = (
    "(isodow(timezone($tz, make_timestamptz(quarter * 900000000))) - 1) * 24"
    " + hour(timezone($tz, make_timestamptz(quarter * 900000000)))"
)


def _activity_from_posts(
    workspace: Workspace, source: Source, tz: str, weeks: int | None
) -> _Activity | None:
    con = workspace.connection
    newest = con.execute(
        f"SELECT max(created_at) FROM {source.table} WHERE created_at IS NOT NULL AND author_id IS NOT NULL"
    ).fetchall()[0][0]
    if newest is None:
        return None
    start = newest - timedelta(weeks=weeks) if weeks else None
    name = f"quarters_w{weeks}" if weeks else "quarters"
    quarters = workspace.derived(source, name, _FOLLOWER_QUARTERS_SQL, {"start": start})
    sums = workspace.derived(source, f"{name}_sums", _QUARTER_SUMS_SQL.format(quarters=quarters))
    authors = con.execute(f"SELECT count(DISTINCT author) FROM {quarters}").fetchall()[0][0]
    rows = con.execute(
        f"SELECT {_LOCAL_SLOT} AS slot, sum(weight), sum(posts) FROM {sums} GROUP BY slot", {"tz": tz}
    ).fetchall()
    values = [0.0] * SLOTS
    slot_posts = [0] * SLOTS
    for slot, weight, posts in rows:
        values[slot], slot_posts[slot] = float(weight), int(posts)
    posts = sum(slot_posts)
    notes = [
        f"Follower activity comes from {posts:,} recent posts by {authors:,} followers; each follower counts "
        "once, spread over the hours they post."
    ]
    return _Activity(
        "follower_tweets", source, values, int(authors), slot_posts, posts, (quarters, sums), notes
    )


def _followers_posting_in(
    workspace: Workspace, activity: _Activity, tz: str, slots: list[int]
) -> dict[int, int]:
    """How many distinct followers posted in each of `slots` (only asked for the few top slots)."""
    if activity.tables is None or not slots:
        return {}
    quarters, sums = activity.tables
    rows = workspace.connection.execute(
        f"""
        WITH local AS (SELECT quarter, {_LOCAL_SLOT} AS slot FROM {sums})
        SELECT slot, count(DISTINCT author) FROM {quarters} JOIN local USING (quarter)
        WHERE list_contains($slots, slot) GROUP BY slot
        """,
        {"tz": tz, "slots": slots},
    ).fetchall()
    return {int(slot): int(n) for slot, n in rows}


def _activity_from_zones(workspace: Workspace, zones: _Zones, tz: str) -> _Activity:
    assert zones.source is not None  # zones are only placed from a followers snapshot
    display_offset = workspace.connection.execute(
        "SELECT (epoch(timezone($tz, $at)) - epoch(timezone('UTC', $at))) / 3600.0",
        {"tz": tz, "at": zones.source.snapshot.created_at},
    ).fetchall()[0][0]
    profile = np.array([_WEEKDAY_FACTOR[d] * _ACTIVITY_BY_HOUR[h] for d in range(7) for h in range(24)])
    by_shift: dict[float, int] = {}
    for _, n, offset in zones.counts:
        shift = round(offset - float(display_offset), 4)
        by_shift[shift] = by_shift.get(shift, 0) + n
    curve = np.zeros(SLOTS)
    for shift, n in sorted(by_shift.items()):
        # Display hour i is local hour i + shift for these followers; a fractional shift straddles two hours.
        whole = math.floor(shift)
        part = shift - whole
        curve += n * ((1 - part) * np.roll(profile, -whole) + part * np.roll(profile, -(whole + 1)))
    unplaced = zones.with_location - zones.placed
    total = zones.source.rows
    notes = [
        f"Follower activity is estimated from the time zones of {zones.placed:,} of {total:,} followers "
        f"placed from their profile locations ({unplaced:,} locations could not be placed, "
        f"{total - zones.with_location:,} followers have none), assuming people are most active around "
        "12:00 and 19:00-21:00 local time and 15% less on weekends, so it barely tells weekdays apart.",
        "Followers' own posts would show their real hours: "
        + import_hint(Dataset.FOLLOWER_TWEETS, zones.source.handle),
    ]
    return _Activity("follower_locations", zones.source, curve.tolist(), zones.placed, None, 0, None, notes)


# --- blending and the answer ----------------------------------------------------------------------------


def _normalised(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    if high - low <= 1e-12:
        return [0.0] * len(values)
    return [(v - low) / (high - low) for v in values]


def _result(
    workspace: Workspace,
    args: PostingTimesArgs,
    handle: str | None,
    tz: str,
    tz_reason: str,
    posts: _Posts | None,
    activity: _Activity | None,
    zones: _Zones | None,
) -> PostingTimesResult:
    parts: dict[str, list[float]] = {}
    if posts is not None:
        parts["posts"] = _normalised(posts.filled)
    if activity is not None:
        parts["followers"] = _normalised(activity.values)
    total_weight = sum(_WEIGHTS[name] for name in parts)
    weights = {name: _WEIGHTS[name] / total_weight for name in parts}
    score = [sum(weights[name] * part[i] for name, part in parts.items()) for i in range(SLOTS)]

    counts = posts.counts if posts is not None else [0] * SLOTS
    candidates = [i for i in range(SLOTS) if activity is not None or counts[i] > 0]
    top = _top(score, candidates)
    follower_part = parts.get("followers")
    posting = _followers_posting_in(workspace, activity, tz, [i for i, _ in top]) if activity else {}
    slots = [
        _slot(rank, i, twins, score, posts, activity, follower_part, posting)
        for rank, (i, twins) in enumerate(top, start=1)
    ]

    notes = [f"Times are in {tz}: {tz_reason}. Daylight saving time is applied to each post's own date."]
    notes.append(_used_note(posts, activity, handle, args.source))
    if posts is not None:
        notes.extend(posts.notes)
    if activity is not None:
        notes.extend(activity.notes)
    if args.weeks and activity is not None and activity.kind == "follower_locations":
        notes.append(
            "`weeks` applies to posts only; follower time zones come from the newest followers snapshot."
        )

    sources_used = (["tweets"] if posts is not None else []) + (
        [activity.kind] if activity is not None else []
    )
    ev_sources = [s for s in (posts and posts.source, activity and activity.source) if s is not None]
    if zones is not None and zones.source is not None and zones.source not in ev_sources:
        ev_sources.append(zones.source)  # read to choose the time zone
    sample_sizes = {"posts": posts.analyzed if posts else 0}
    if activity is not None and activity.kind == "follower_tweets":
        sample_sizes |= {"follower_posts": activity.posts, "followers_posting": activity.followers}
    if zones is not None and zones.source is not None:
        sample_sizes |= {"followers_placed": zones.placed, "followers_with_location": zones.with_location}
    # Own posts analysed when used; else followers' posts, or followers placed in a time zone.
    if posts is not None:
        rows_matched = posts.analyzed
    else:
        assert activity is not None  # run_posting_times raised when neither part had data
        rows_matched = activity.posts if activity.kind == "follower_tweets" else activity.followers
    fields = []
    if posts is not None:
        fields += [
            "created_at",
            "like_count",
            "retweet_count",
            "reply_count",
            "quote_count",
            "referenced_type",
        ]
        fields += ["impression_count"] if posts.normalisation == "impressions" else []
    if activity is not None and activity.kind == "follower_tweets":
        fields += ["follower_tweets.author_id", "follower_tweets.created_at"]
    if zones is not None and zones.source is not None:
        fields += ["followers.location"]
    return PostingTimesResult(
        timezone=tz,
        timezone_reason=tz_reason,
        sources_used=sources_used,
        weights={name: round(w, 4) for name, w in weights.items()},
        normalisation=posts.normalisation if posts else None,
        top_slots=slots,
        heatmap=_grid([round(v, 4) for v in score]),
        posts_heatmap=_grid(counts),
        engagement_heatmap=_grid([None if v is None else _sig(v) for v in posts.values]) if posts else None,
        activity_heatmap=_grid([round(v, 4) for v in follower_part]) if follower_part else None,
        posts_analyzed=posts.analyzed if posts else 0,
        window_start=posts.window_start.isoformat() if posts and posts.window_start else None,
        window_end=posts.window_end.isoformat() if posts and posts.window_end else None,
        notes=notes,
        evidence=evidence(
            ev_sources,
            rows_matched=rows_matched,
            fields=fields,
            method=METHOD,
            filters=args.model_dump(exclude={"account_id"}, exclude_none=True),
            sample_sizes=sample_sizes,
        ),
    )


def _top(score: list[float], candidates: list[int]) -> list[tuple[int, list[int]]]:
    """The best `_TOP` slots, best first, each with the other weekdays that score exactly the same at that
    hour (folded in rather than filling the list with one hour on several days)."""
    chosen: list[tuple[int, list[int]]] = []
    for i in sorted(candidates, key=lambda i: (-round(score[i], 9), i)):
        twin = next(
            (c for c in chosen if c[0] % 24 == i % 24 and round(score[c[0]], 9) == round(score[i], 9)), None
        )
        if twin is not None:
            twin[1].append(i // 24)
        elif len(chosen) < _TOP:
            chosen.append((i, []))
    return chosen


def _slot(
    rank: int,
    i: int,
    twins: list[int],
    score: list[float],
    posts: _Posts | None,
    activity: _Activity | None,
    follower_part: list[float] | None,
    posting: dict[int, int],
) -> TimeSlot:
    weekday, hour = divmod(i, 24)
    n_posts = posts.counts[i] if posts else 0
    rate = posts.values[i] if posts else None
    follower_posts = activity.slot_posts[i] if activity and activity.slot_posts is not None else None
    if activity is None:
        followers = None
    elif activity.kind == "follower_tweets":
        followers = posting.get(i, 0)
    else:
        followers = activity.followers
    basis = []
    if posts is not None:
        basis.append(_posts_basis(n_posts, rate, posts.normalisation))
    if activity is not None:
        if activity.kind == "follower_tweets":
            basis.append(
                f"{_count(followers, 'follower')} posted {_count(follower_posts, 'time')} in this hour"
            )
        else:
            basis.append(f"estimated from the time zones of {activity.followers:,} placed followers")
    days = _days([weekday, *twins])
    return TimeSlot(
        rank=rank,
        weekday=WEEKDAYS[weekday],
        weekday_index=weekday,
        hour=hour,
        label=f"{days} {hour:02d}:00-{(hour + 1) % 24:02d}:00",
        same_score_on=[WEEKDAYS[d] for d in twins],
        score=round(score[i], 4),
        posts=n_posts,
        engagement_rate=None if rate is None else _sig(rate),
        follower_activity=None if follower_part is None else round(follower_part[i], 4),
        follower_posts=follower_posts,
        followers=followers,
        basis="; ".join(basis),
    )


def _days(weekdays: list[int]) -> str:
    """'Tuesday', 'Monday, Wednesday' or, for a run of three or more, 'Monday to Friday'."""
    ordered = sorted(weekdays)
    if len(ordered) >= 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{WEEKDAYS[ordered[0]]} to {WEEKDAYS[ordered[-1]]}"
    return ", ".join(WEEKDAYS[d] for d in ordered)


def _posts_basis(n: int, rate: float | None, normalisation: Normalisation) -> str:
    if n == 0 or rate is None:
        return "none of your posts went out in this hour yet"
    what = {"impressions": "of impressions", "followers": "of followers", "none": "engagements per post"}
    shown = f"{rate:.1f}" if normalisation == "none" else f"{100 * rate:.2f}%"
    return f"{n:,} of your posts (engagement {shown} {what[normalisation]})"


def _used_note(posts: _Posts | None, activity: _Activity | None, handle: str | None, asked: str) -> str:
    if posts is not None and activity is not None:
        follower = "followers' posting hours" if activity.kind == "follower_tweets" else "follower time zones"
        return f"Used your posts' engagement (weight 0.6) and {follower} (weight 0.4)."
    if posts is not None:
        if asked == "tweets":
            return "Used your posts' engagement only, as asked."
        return (
            "Used your posts' engagement only: no followers' posts and no placeable follower locations. "
            + import_hint(Dataset.FOLLOWER_TWEETS, handle)
        )
    assert activity is not None
    follower = "followers' posting hours" if activity.kind == "follower_tweets" else "follower time zones"
    if asked == "followers":
        return f"Used {follower} only, as asked."
    return f"Used {follower} only: none of your posts are imported. {import_hint(Dataset.TWEETS, handle)}"


def _nothing_to_use(source: str, handle: str | None, has_followers: bool) -> NoAudienceData:
    if source == "followers":
        if not has_followers:
            return missing(Dataset.FOLLOWERS, handle)
        whose = f"@{handle}" if handle else "this account"
        return NoAudienceData(
            f"No followers' posts are imported for {whose} and none of its followers' locations could be "
            f"placed in a time zone. {import_hint(Dataset.FOLLOWER_TWEETS, handle)}",
            dataset=Dataset.FOLLOWER_TWEETS.value,
        )
    return missing(Dataset.TWEETS, handle)


def _sig(value: float) -> float:
    """Six significant digits: rates per follower can be tiny and raw engagement large."""
    return float(f"{value:.6g}")


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _grid(values: list[Any]) -> list[list[Any]]:
    return [values[d * 24 : (d + 1) * 24] for d in range(7)]


def _handle(workspace: Workspace, account_id: str) -> str | None:
    return next((a.handle for a in workspace.accounts() if a.id == account_id), None)


def _summarize(result: PostingTimesResult) -> str:
    best = result.top_slots[0].label if result.top_slots else "none"
    used = " + ".join(result.sources_used)
    return f"posting times from {used} ({result.posts_analyzed:,} posts) in {result.timezone}; best {best}"


TOOLS = [
    AnalyticsTool(
        name="posting_times",
        description=(
            "When should the user post? Builds a weekday x hour heatmap (7 x 24) from how well the user's "
            "own posts did at each hour (engagement per impression, or per follower when impressions are "
            "missing) blended with when their followers are active (followers' own posting hours when "
            "imported, else follower time zones inferred from profile locations), and returns the three "
            "best slots with how many posts and followers back each. Arguments (all optional): "
            "`timezone` an IANA name like 'Europe/Berlin' or 'America/New_York' for the answer (default: "
            "the most common follower time zone, else UTC); `source` 'tweets' (only own posts' "
            "engagement), 'followers' (only follower activity) or 'auto' (both when available); `weeks` "
            "only counts posts from the last N weeks. Use it for 'when should I post', 'best time to tweet "
            "in New York time', 'when are my followers online', 'best posting times over the last 8 weeks'."
        ),
        arguments=PostingTimesArgs,
        result=PostingTimesResult,
        run=run_posting_times,
        summarize=_summarize,
    )
]
