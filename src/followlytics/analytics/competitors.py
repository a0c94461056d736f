"""Competitor intelligence: how the user's audience overlaps a competitor's, whom to win from it, and how
the two audiences (and, when imported, the two accounts' posts) differ.

    competitor_overlap     counts, Jaccard and the shared followers worth most to the user
    competitor_targets     the competitor's followers who do not follow the user, by value score
    competitor_comparison  segments, places, verified share, size bands, median reach, posts; suggestions

Followers are matched by X user id. Each snapshot's ids are unique (the importer de-duplicates them), so

    shared = |own ∩ competitor|          jaccard = shared / (own + competitor - shared)

The shared followers are found once per pair of snapshots and kept as narrow derived tables: on the user's
snapshot (`id`, `value_rank` in the user's scored table: `ranking.scored_table`, the user's own scoring, with
engagement when imported) and on the competitor's (their `value_rank` in the competitor's scored table).
Repeat questions then read ~30% of one table, or exclude integers, instead of joining two id columns. The
competitor's snapshot has no engagement data, so targets are ranked by the no-engagement formula.

The post figures (`competitor_posts`) only come when both accounts have `tweets` imported; otherwise the
result says what to import.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from followlytics.analytics import geo, ranking, segments
from followlytics.analytics.accounts import resolve_competitor
from followlytics.analytics.competitor_posts import (
    POST_FIELDS,
    PostComparison,
    compare_posts,
    rhythm_suggestion,
    topics_suggestion,
)
from followlytics.analytics.evidence import Evidence
from followlytics.analytics.workspace import AnalyticsTool, Source, Workspace, evidence
from followlytics.audience.datasets import Dataset
from followlytics.audience.manifest import AccountEntry

OVERLAP_METHOD = "follower-overlap-v1"
TARGETS_METHOD = "competitor-targets-v1"
COMPARISON_METHOD = "audience-comparison-v1"

_COMPETITOR_FIELD = Field(
    default=None,
    max_length=64,
    description=(
        "The competitor's X handle ('@' optional, any case), e.g. 'rival' or '@Rival'. Leave it out when "
        "the user has imported exactly one competitor."
    ),
)

# Follower-size bands: (label, lower bound inclusive, upper bound exclusive or None).
SIZE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("<100", 0, 100),
    ("100-1K", 100, 1_000),
    ("1K-10K", 1_000, 10_000),
    ("10K-100K", 10_000, 100_000),
    ("100K+", 100_000, None),
)
_TOP_PLACES = 5
# Segments read bios, places read locations; figures and bands read the score's fields.
_COMPARISON_FIELDS = ["id", "description", "location", *ranking.SCORE_FIELDS]
_SEGMENT_COUNT = 8
# A difference in audience share smaller than this is noise for a suggestion (3 percentage points), and
# so is one resting on fewer followers than `_MIN_SAMPLE`.
_NOTABLE_GAP = 0.03
_MIN_SAMPLE = 20


# --- arguments -----------------------------------------------------------------------------------------


class _CompetitorArgs(BaseModel):
    # A typo'd argument should fail loudly rather than silently drop a filter.
    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, description="The user's own X account.")
    competitor: str | None = _COMPETITOR_FIELD


class CompetitorOverlapArgs(_CompetitorArgs):
    limit: int = Field(
        default=10, ge=1, le=100, description="How many shared followers to return, highest value first."
    )


class CompetitorTargetsArgs(_CompetitorArgs):
    limit: int = Field(default=10, ge=1, le=100, description="How many followers to return.")
    offset: int = Field(default=0, ge=0, description="How many of the best to skip (for 'the next 10').")
    location: str | None = Field(default=None, description="Case-insensitive text the location must contain.")
    min_followers: int | None = Field(
        default=None, ge=0, description="Only followers with at least this many followers."
    )


class CompetitorComparisonArgs(_CompetitorArgs):
    pass


# --- results -------------------------------------------------------------------------------------------


class AccountRef(BaseModel):
    account_id: str
    handle: str | None


class OverlapCounts(BaseModel):
    own_followers: int = Field(description="Followers in the user's snapshot.")
    competitor_followers: int = Field(description="Followers in the competitor's snapshot.")
    shared: int = Field(description="Accounts following both.")
    only_own: int = Field(description="Accounts following the user but not the competitor.")
    only_competitor: int = Field(description="Accounts following the competitor but not the user.")
    jaccard: float = Field(description="shared / (own + competitor - shared), 0-1.")
    shared_share_of_own: float = Field(description="shared / own followers, 0-1.")
    shared_share_of_competitor: float = Field(description="shared / competitor followers, 0-1.")


class CompetitorOverlapResult(BaseModel):
    account: AccountRef
    competitor: AccountRef
    overlap: OverlapCounts
    top_shared: list[ranking.RankedFollower] = Field(
        description="Shared followers by the user's value score."
    )
    notes: list[str]
    evidence: Evidence


class CompetitorTargetsResult(BaseModel):
    account: AccountRef
    competitor: AccountRef
    competitor_followers: int
    not_following_you: int = Field(description="Competitor followers who do not follow the user.")
    matched: int = Field(description="Of those, how many passed the filters.")
    verified_matched: int
    targets: list[ranking.RankedFollower]
    notes: list[str]
    evidence: Evidence


class ShareRow(BaseModel):
    """One category's share of each audience; `difference` is competitor share minus own share."""

    name: str
    own_count: int
    own_share: float
    competitor_count: int
    competitor_share: float
    difference: float


class SegmentShare(ShareRow):
    index: int
    top_terms: list[str]


class AudienceFigures(BaseModel):
    followers: int
    verified: int
    verified_share: float
    median_followers: float | None = Field(description="Median of followers' own follower counts.")
    with_follower_count: int = Field(description="Followers whose follower count is known.")
    placed: int = Field(description="Followers whose location was placed in a country.")
    segmented: int = Field(description="Followers assigned to one of the segments.")


class CompetitorComparisonResult(BaseModel):
    account: AccountRef
    competitor: AccountRef
    own_audience: AudienceFigures
    competitor_audience: AudienceFigures
    overlap: OverlapCounts
    segments: list[SegmentShare] = Field(description="Segments learned on the user's followers, both shares.")
    countries: list[ShareRow] = Field(description="Shares of followers placed in a country.")
    cities: list[ShareRow] = Field(
        description="Shares of followers placed in a country (city, country code)."
    )
    size_bands: list[ShareRow] = Field(description="Followers by their own follower count.")
    posts: PostComparison | None = Field(description="Post figures, when both accounts' posts are imported.")
    suggestions: list[str] = Field(description="3-5 concrete suggestions grounded in the numbers above.")
    notes: list[str]
    evidence: Evidence


# --- the pair of audiences -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pair:
    own: Source
    rival: Source
    competitor: AccountEntry

    @property
    def rival_name(self) -> str:
        return f"@{self.competitor.handle}"

    def refs(self) -> tuple[AccountRef, AccountRef]:
        return (
            AccountRef(account_id=self.own.account_id, handle=self.own.handle),
            AccountRef(account_id=self.competitor.id, handle=self.competitor.handle),
        )


def _pair(workspace: Workspace, account_id: str, competitor: str | None) -> _Pair:
    entry = resolve_competitor(workspace, competitor)
    own = workspace.source(account_id, Dataset.FOLLOWERS)
    rival = workspace.source(entry.id, Dataset.FOLLOWERS)
    return _Pair(own=own, rival=rival, competitor=entry)


def _shared_table(workspace: Workspace, pair: _Pair, scored: ranking.Scored) -> str:
    """The followers of both, with their rank by the user's value score: once per pair of snapshots."""
    # Table names are generated identifiers, never user text. The name carries the competitor's snapshot
    # table and a digest of the scored table's name (which changes with a new interactions import), so
    # either import gives a new table; it is dropped with the user's followers snapshot.
    digest = zlib.crc32(scored.table.encode())
    return workspace.derived(
        pair.own,
        f"shared_{pair.rival.table}_{digest:08x}",
        f"SELECT id, value_rank FROM {scored.table} WHERE id IN (SELECT id FROM {pair.rival.table})",
    )


def _shared_ranks(workspace: Workspace, pair: _Pair, rival_scored: ranking.Scored, shared_table: str) -> str:
    """The shared followers again, as their ranks in the competitor's scored table: once per pair."""
    # Excluding integers is several times faster than excluding id strings, on every targets call.
    digest = zlib.crc32(rival_scored.table.encode())
    return workspace.derived(
        pair.rival,
        f"shared_{pair.own.table}_{digest:08x}",
        f"SELECT value_rank FROM {rival_scored.table} WHERE id IN (SELECT id FROM {shared_table})",
    )


def _overlap(workspace: Workspace, pair: _Pair, scored: ranking.Scored) -> tuple[OverlapCounts, str]:
    shared_table = _shared_table(workspace, pair, scored)
    (shared,) = workspace.connection.execute(f"SELECT count(*) FROM {shared_table}").fetchall()[0]
    own, rival = pair.own.rows, pair.rival.rows
    counts = OverlapCounts(
        own_followers=own,
        competitor_followers=rival,
        shared=shared,
        only_own=own - shared,
        only_competitor=rival - shared,
        jaccard=_ratio(shared, own + rival - shared),
        shared_share_of_own=_ratio(shared, own),
        shared_share_of_competitor=_ratio(shared, rival),
    )
    return counts, shared_table


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def _sample_sizes(counts: OverlapCounts) -> dict[str, int]:
    return {
        "own_followers": counts.own_followers,
        "competitor_followers": counts.competitor_followers,
        "shared": counts.shared,
    }


# --- competitor_overlap --------------------------------------------------------------------------------


def run_competitor_overlap(workspace: Workspace, args: CompetitorOverlapArgs) -> CompetitorOverlapResult:
    """The `competitor_overlap` tool."""
    pair = _pair(workspace, args.account_id, args.competitor)
    scored = ranking.scored(workspace, pair.own)
    counts, shared_table = _overlap(workspace, pair, scored)
    con = workspace.connection
    # The page is the best `limit` ranks of the narrow shared table; `ranked_followers` reads their rows.
    top = ranking.ranked_followers(
        con,
        scored.table,
        where=f"value_rank IN (SELECT x.value_rank FROM {shared_table} x ORDER BY x.value_rank LIMIT $top)",
        params={"top": args.limit},
        order_by=ranking.ORDER_BY_VALUE,
        limit=args.limit,
        has_engagement=ranking.has_engagement(con, scored.table),
    )
    account, competitor = pair.refs()
    notes = []
    if counts.shared == 0:
        notes.append(f"No follower of yours also follows {pair.rival_name} in these snapshots.")
    return CompetitorOverlapResult(
        account=account,
        competitor=competitor,
        overlap=counts,
        top_shared=top,
        notes=notes,
        evidence=evidence(
            [*scored.sources, pair.rival],
            rows_matched=counts.shared,
            fields=["id", *ranking.SCORE_FIELDS, *scored.engagement_fields],
            method=f"{OVERLAP_METHOD} + {ranking.METHOD}",
            filters={"competitor": pair.competitor.handle, "limit": args.limit},
            sample_sizes=_sample_sizes(counts),
        ),
    )


# --- competitor_targets --------------------------------------------------------------------------------


def run_competitor_targets(workspace: Workspace, args: CompetitorTargetsArgs) -> CompetitorTargetsResult:
    """The `competitor_targets` tool: the competitor's followers who do not follow the user, best first."""
    pair = _pair(workspace, args.account_id, args.competitor)
    counts, shared_table = _overlap(workspace, pair, ranking.scored(workspace, pair.own))
    scored = ranking.scored(workspace, pair.rival)
    shared_ranks = _shared_ranks(workspace, pair, scored, shared_table)
    where, params = ranking.filter_clause(
        location=args.location, min_followers=args.min_followers, location_index=scored.location_index
    )
    where = f"{where} AND value_rank NOT IN (SELECT value_rank FROM {shared_ranks})"
    con = workspace.connection
    matched, verified_matched = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE is_verified) FROM {scored.table} WHERE {where}", params
    ).fetchall()[0]
    targets = ranking.ranked_followers(
        con,
        scored.table,
        where=where,
        params=params,
        order_by=ranking.ORDER_BY_VALUE,
        limit=args.limit,
        offset=args.offset,
        has_engagement=ranking.has_engagement(con, scored.table),
    )
    account, competitor = pair.refs()
    notes = []
    if counts.only_competitor == 0:
        notes.append(f"Every follower of {pair.rival_name} already follows you.")
    elif matched == 0:
        notes.append(f"None of {pair.rival_name}'s followers who do not follow you passed the filters.")
    elif not targets:
        notes.append(f"Offset {args.offset:,} is past the last of the {matched:,} matched followers.")
    filters = args.model_dump(exclude={"account_id"}, exclude_none=True)
    return CompetitorTargetsResult(
        account=account,
        competitor=competitor,
        competitor_followers=counts.competitor_followers,
        not_following_you=counts.only_competitor,
        matched=matched,
        verified_matched=verified_matched,
        targets=targets,
        notes=notes,
        evidence=evidence(
            [*scored.sources, pair.own],
            rows_matched=matched,
            fields=["id", "location", *ranking.SCORE_FIELDS],
            method=f"{TARGETS_METHOD} + {ranking.METHOD}",
            filters={**filters, "competitor": pair.competitor.handle},
            sample_sizes={
                **_sample_sizes(counts),
                "not_following_you": counts.only_competitor,
                "matched": matched,
            },
        ),
    )


# --- competitor_comparison -----------------------------------------------------------------------------


def run_competitor_comparison(
    workspace: Workspace, args: CompetitorComparisonArgs
) -> CompetitorComparisonResult:
    """The `competitor_comparison` tool."""
    pair = _pair(workspace, args.account_id, args.competitor)
    counts, _ = _overlap(workspace, pair, ranking.scored(workspace, pair.own))
    # Segments are learned on the user's followers and applied to both, so their shares compare.
    own_segments = segments.assign_segments(workspace, pair.own, count=_SEGMENT_COUNT)
    rival_segments = segments.assign_segments(workspace, pair.rival, reference=pair.own, count=_SEGMENT_COUNT)
    own_places, rival_places = geo.places(workspace, pair.own), geo.places(workspace, pair.rival)
    own, own_bands = _figures(workspace, pair.own, own_segments, own_places)
    rival, rival_bands = _figures(workspace, pair.rival, rival_segments, rival_places)
    own_countries, own_cities = _place_counts(workspace, own_places)
    rival_countries, rival_cities = _place_counts(workspace, rival_places)

    notes: list[str] = []
    posts, post_sources = compare_posts(workspace, pair.own, pair.competitor, notes)
    if own.placed == 0 and rival.placed == 0:
        notes.append("No follower location could be placed on a map, so places are not compared.")
    if not own_segments.segments:
        notes.append("Your followers' bios have too few shared terms to learn segments from.")

    account, competitor = pair.refs()
    sample_sizes = {
        "own_followers": own.followers,
        "competitor_followers": rival.followers,
        "own_placed": own.placed,
        "competitor_placed": rival.placed,
        "own_segmented": own.segmented,
        "competitor_segmented": rival.segmented,
        "own_with_follower_count": own.with_follower_count,
        "competitor_with_follower_count": rival.with_follower_count,
    }
    if posts is not None:
        sample_sizes |= {"own_posts": posts.own.posts, "competitor_posts": posts.competitor.posts}
    result = CompetitorComparisonResult(
        account=account,
        competitor=competitor,
        own_audience=own,
        competitor_audience=rival,
        overlap=counts,
        segments=_segment_shares(own_segments, rival_segments, own, rival),
        countries=_place_shares(own_countries, rival_countries, own.placed, rival.placed),
        cities=_place_shares(own_cities, rival_cities, own.placed, rival.placed),
        size_bands=[
            _share_row(
                label, own_bands[i], own.with_follower_count, rival_bands[i], rival.with_follower_count
            )
            for i, (label, _, _) in enumerate(SIZE_BANDS)
        ],
        posts=posts,
        suggestions=[],
        notes=notes,
        evidence=evidence(
            [pair.own, pair.rival, *post_sources],
            rows_matched=own.followers + rival.followers,
            fields=[*_COMPARISON_FIELDS, *(POST_FIELDS if posts is not None else [])],
            method=f"{COMPARISON_METHOD} + {segments.METHOD} + {geo.METHOD}",
            filters={"competitor": pair.competitor.handle},
            sample_sizes=sample_sizes,
        ),
    )
    result.suggestions = suggestions(result, pair.rival_name)
    return result


def _figures(
    workspace: Workspace, source: Source, assignment: segments.SegmentAssignment, places_table: str
) -> tuple[AudienceFigures, list[int]]:
    """One audience's figures, and its follower count in each of `SIZE_BANDS`."""
    bands = ", ".join(
        f"count(*) FILTER (WHERE followers_count >= {low}"
        + (f" AND followers_count < {high})" if high is not None else ")")
        for _, low, high in SIZE_BANDS
    )
    con = workspace.connection
    followers, verified, median, with_count, *band_counts = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE is_verified), median(followers_count),"
        f" count(followers_count), {bands} FROM {ranking.scored_table(workspace, source)}"
    ).fetchall()[0]
    (placed,) = con.execute(f"SELECT count(*) FROM {places_table} WHERE country IS NOT NULL").fetchall()[0]
    figures = AudienceFigures(
        followers=followers,
        verified=verified,
        verified_share=_ratio(verified, followers),
        median_followers=None if median is None else float(median),
        with_follower_count=with_count,
        placed=placed,
        segmented=assignment.segmented,
    )
    return figures, band_counts


def _share_row(name: str, own: int, own_total: int, rival: int, rival_total: int) -> ShareRow:
    own_share, rival_share = _ratio(own, own_total), _ratio(rival, rival_total)
    return ShareRow(
        name=name,
        own_count=own,
        own_share=own_share,
        competitor_count=rival,
        competitor_share=rival_share,
        difference=round(rival_share - own_share, 4),
    )


def _segment_shares(
    own_segments: segments.SegmentAssignment,
    rival_segments: segments.SegmentAssignment,
    own: AudienceFigures,
    rival: AudienceFigures,
) -> list[SegmentShare]:
    """Each segment's share of all followers on both sides, the biggest differences first."""
    rival_sizes = {segment.index: segment.size for segment in rival_segments.segments}
    rows = [
        SegmentShare(
            index=segment.index,
            top_terms=list(segment.top_terms),
            **_share_row(
                segment.name, segment.size, own.followers, rival_sizes.get(segment.index, 0), rival.followers
            ).model_dump(),
        )
        for segment in own_segments.segments
    ]
    return sorted(rows, key=lambda row: (-abs(row.difference), row.index))


def _place_counts(workspace: Workspace, places_table: str) -> tuple[dict[str, int], dict[str, int]]:
    """Placed followers per country and per city ("City, CC"), in one pass over the places table."""
    rows = workspace.connection.execute(
        "SELECT grouping(country) AS by_city, country, city, country_code, count(*)"
        f" FROM {places_table} WHERE country IS NOT NULL"
        " GROUP BY GROUPING SETS ((country), (city, country_code))"
    ).fetchall()
    countries = {country: n for by_city, country, _, _, n in rows if not by_city}
    # A city is named with its country code, so Paris (FR) and Paris (US) stay apart.
    cities = {f"{city}, {code}": n for by_city, _, city, code, n in rows if by_city and city is not None}
    return countries, cities


def _place_shares(
    own: dict[str, int], rival: dict[str, int], own_placed: int, rival_placed: int
) -> list[ShareRow]:
    """The places in either audience's top 5, as shares of each audience's placed followers."""

    def top(counts: dict[str, int]) -> set[str]:
        return {
            name for name, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:_TOP_PLACES]
        }

    rows = [
        _share_row(name, own.get(name, 0), own_placed, rival.get(name, 0), rival_placed)
        for name in top(own) | top(rival)
    ]
    return sorted(rows, key=lambda row: (-max(row.own_share, row.competitor_share), row.name))


# --- suggestions ---------------------------------------------------------------------------------------


def suggestions(result: CompetitorComparisonResult, rival: str) -> list[str]:
    """3-5 suggestions, each quoting the numbers it rests on, most actionable first.

    The differences come first; when fewer than three stand out (two alike audiences), facts that always
    hold fill in: the overlap, what importing posts would add, the competitor's largest segment.
    """
    posts = result.posts
    differences = [
        rhythm_suggestion(posts, rival) if posts is not None else None,
        _segment_suggestion(result, rival),
        topics_suggestion(posts, rival) if posts is not None else None,
        _place_suggestion(result, rival),
        _targets_suggestion(result, rival),
        _reach_suggestion(result, rival),
    ]
    fillers = [
        _overlap_suggestion(result, rival),
        None if posts is not None else _posts_suggestion(rival),
        _largest_segment_suggestion(result, rival),
    ]
    picked = [text for text in differences if text]
    picked += [text for text in fillers if text][: max(0, 3 - len(picked))]
    return picked[:5]


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%" if share >= 0.1 or share == 0 else f"{100 * share:.1f}%"


def _segment_suggestion(result: CompetitorComparisonResult, rival: str) -> str | None:
    rows = [row for row in result.segments if max(row.competitor_count, row.own_count) >= _MIN_SAMPLE]
    if not rows:
        return None
    gap = max(rows, key=lambda row: (row.difference, -row.index))
    if gap.difference >= _NOTABLE_GAP:
        return (
            f"Segment '{gap.name}' is {_pct(gap.competitor_share)} of {rival}'s audience vs "
            f"{_pct(gap.own_share)} of yours ({gap.competitor_count:,} vs {gap.own_count:,} followers): "
            f"posts about {', '.join(gap.top_terms[:3])} could win that group over."
        )
    lead = min(rows, key=lambda row: (row.difference, row.index))
    if -lead.difference >= _NOTABLE_GAP:
        return (
            f"Segment '{lead.name}' is {_pct(lead.own_share)} of your audience vs "
            f"{_pct(lead.competitor_share)} of {rival}'s: that is your edge, keep serving it."
        )
    return None


def _place_suggestion(result: CompetitorComparisonResult, rival: str) -> str | None:
    rows = [row for row in result.countries if row.competitor_count >= _MIN_SAMPLE]
    if not rows:
        return None
    gap = max(rows, key=lambda row: (row.difference, row.name))
    if gap.difference < _NOTABLE_GAP:
        return None
    return (
        f"{_pct(gap.competitor_share)} of {rival}'s placed followers are in {gap.name} vs "
        f"{_pct(gap.own_share)} of yours ({gap.competitor_count:,} vs {gap.own_count:,}): try posts "
        f"timed for daytime in {gap.name} and on topics local to it."
    )


def _reach_suggestion(result: CompetitorComparisonResult, rival: str) -> str | None:
    """Whose followers have more reach, when the two audiences clearly differ in it."""
    own, other = result.own_audience, result.competitor_audience
    if own.median_followers is None or other.median_followers is None:
        return None
    # The last two bands are 10K-100K and 100K+.
    own_big = sum(row.own_share for row in result.size_bands[-2:])
    rival_big = sum(row.competitor_share for row in result.size_bands[-2:])
    # Which side leads: the median first (by 10% or more), then the 10K+ share, then the verified share
    # (by a percentage point or more); alike on all three says nothing worth suggesting.
    leads = [
        _lead(other.median_followers, own.median_followers, relative=0.1),
        _lead(rival_big, own_big, absolute=0.01),
        _lead(other.verified_share, own.verified_share, absolute=0.01),
    ]
    lead = next((side for side in leads if side), 0)
    if not lead:
        return None
    text = (
        f"{rival}'s followers have a median of {other.median_followers:,.0f} followers vs "
        f"{own.median_followers:,.0f} for yours; {_pct(rival_big)} have 10K+ followers vs "
        f"{_pct(own_big)}, and {_pct(other.verified_share)} are verified vs {_pct(own.verified_share)}"
    )
    if lead > 0:
        return (
            f"{text}: their audience has more reach; find those accounts with competitor_targets "
            f"(min_followers 10000) and join their conversations."
        )
    return f"{text}: your audience carries more reach per follower, so ask them to repost your best posts."


def _lead(theirs: float, mine: float, *, relative: float = 0.0, absolute: float = 0.0) -> int:
    """1 when `theirs` is ahead by the margin, -1 when `mine` is, else 0."""
    margin = max(absolute, relative * max(abs(theirs), abs(mine)))
    if theirs - mine >= margin and theirs != mine:
        return 1
    if mine - theirs >= margin and theirs != mine:
        return -1
    return 0


def _targets_suggestion(result: CompetitorComparisonResult, rival: str) -> str | None:
    counts = result.overlap
    if counts.only_competitor == 0:
        return None
    return (
        f"{counts.only_competitor:,} of {rival}'s {counts.competitor_followers:,} followers "
        f"({_pct(1 - counts.shared_share_of_competitor)}) do not follow you yet: start with the top of "
        f"competitor_targets, reply to their posts and follow the ones who fit your topics."
    )


def _overlap_suggestion(result: CompetitorComparisonResult, rival: str) -> str:
    counts = result.overlap
    return (
        f"{counts.shared:,} accounts follow both of you ({_pct(counts.shared_share_of_own)} of your "
        f"audience, Jaccard {counts.jaccard:.2f}): what works for {rival} is likely to reach yours too."
    )


def _posts_suggestion(rival: str) -> str:
    return (
        f"Import your posts and {rival}'s (--kind tweets) to compare engagement per post, posting "
        f"frequency and hours: that is where two alike audiences usually differ."
    )


def _largest_segment_suggestion(result: CompetitorComparisonResult, rival: str) -> str | None:
    if not result.segments:
        return None
    top = max(result.segments, key=lambda row: (row.competitor_share, -row.index))
    if top.competitor_count == 0:
        return None
    return (
        f"Segment '{top.name}' is the largest in {rival}'s audience ({_pct(top.competitor_share)}; "
        f"{_pct(top.own_share)} of yours): posts about {', '.join(top.top_terms[:3])} serve both audiences."
    )


def _summarize_overlap(result: CompetitorOverlapResult) -> str:
    o = result.overlap
    return (
        f"compared {o.own_followers:,} followers with @{result.competitor.handle}'s "
        f"{o.competitor_followers:,}: {o.shared:,} shared (Jaccard {o.jaccard:.3f})"
    )


def _summarize_targets(result: CompetitorTargetsResult) -> str:
    return (
        f"{result.not_following_you:,} of @{result.competitor.handle}'s {result.competitor_followers:,} "
        f"followers do not follow you; {result.matched:,} matched, returned {len(result.targets):,}"
    )


def _summarize_comparison(result: CompetitorComparisonResult) -> str:
    posts = "with posts" if result.posts is not None else "without posts"
    return (
        f"compared {result.own_audience.followers:,} followers with @{result.competitor.handle}'s "
        f"{result.competitor_audience.followers:,} ({posts}); {len(result.suggestions)} suggestions"
    )


TOOLS = [
    AnalyticsTool(
        name="competitor_overlap",
        description=(
            "How the user's audience overlaps a competitor's (whose followers the user imported): "
            "followers of each, shared followers, followers of only one, the Jaccard index, the share of "
            "each audience that is shared, and the shared followers most valuable to the user (by value "
            "score, with reasons). `competitor` is the competitor's handle (optional when the user has "
            "one competitor); `limit` is how many shared followers to list (1-100, default 10). Use it for "
            "'how much does my audience overlap with @rival', 'who follows both me and @rival'."
        ),
        arguments=CompetitorOverlapArgs,
        result=CompetitorOverlapResult,
        run=run_competitor_overlap,
        summarize=_summarize_overlap,
    ),
    AnalyticsTool(
        name="competitor_targets",
        description=(
            "Who to win from a competitor: the competitor's followers who do not follow the user, ranked "
            "by value score (reach, activity, credibility) with reasons, plus how many there are. "
            "`competitor` is the handle (optional when there is one competitor); `location` keeps those "
            "whose profile location contains this text (case-insensitive); `min_followers` keeps those "
            "with at least this many followers; `limit` (1-100, default 10) and `offset` page through "
            "them ('and the next 10'). Use it for 'which of @rival's followers should I target', 'who "
            "follows my competitor but not me'."
        ),
        arguments=CompetitorTargetsArgs,
        result=CompetitorTargetsResult,
        run=run_competitor_targets,
        summarize=_summarize_targets,
    ),
    AnalyticsTool(
        name="competitor_comparison",
        description=(
            "What a competitor does better: compares the two audiences (interest segments learned on the "
            "user's followers, top countries and cities, verified share, follower-size bands, median "
            "follower count, overlap) and, when both accounts' posts are imported, engagement per post "
            "(and per 1K impressions), posts per week, top posting hours (UTC) and weekdays, and top "
            "hashtags and terms. Ends with 3-5 concrete suggestions grounded in those numbers. "
            "`competitor` is the handle (optional when there is one competitor). Use it for 'what is "
            "@rival doing better than me', 'compare my audience with @rival'."
        ),
        arguments=CompetitorComparisonArgs,
        result=CompetitorComparisonResult,
        run=run_competitor_comparison,
        summarize=_summarize_comparison,
    ),
]
