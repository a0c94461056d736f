"""Growth: who can widen the user's reach. High-influence followers, mutual connections (and whom to follow
back), and collaboration suggestions with outreach DM drafts.

All three read the followers' cached scored table (`ranking.scored`), so every person listed carries the
value score, its reasons and, when imported, their interactions with the user.

- `influential_followers`: followers with at least `min_followers` followers of their own (10,000 by
  default), by followers_count, then value score. Counts: how many, their share of the audience, and
  their combined reach (the sum of their follower counts: an upper bound, since audiences overlap).
- `mutual_connections`: followers whose id is also in the account's `following` snapshot. Counts: mutuals,
  their share of the followers and of the following; the top mutuals by value score. Follow-back
  candidates: high-value followers (the top `HIGH_VALUE_SHARE` of all followers by value score) whom the
  account does not follow.
- `collaboration_suggestions` (`collab-match-v1`): followers with at least `min_followers` followers,
  scored

      match       = influence * closeness * mutual
      influence   = min(1, lg(followers) / 7)              the value score's reach; lg(x) = log10(1 + x)
      closeness   = min(1, shared / min(3, reference))     3 shared terms (or all of a shorter topic) -> 1
      mutual      = 1.0 when the account follows them back, 0.6 when it does not,
                    1.0 for everyone when no following list is imported (and a note says so)

  `reference` is the audience's `AUDIENCE_TERMS` most common bio words and hashtags, each in at least
  `MIN_TERM_BIOS` bios (a word and the same hashtag are one term, their bio counts added), or the words
  of `topic` when given; `shared` is how many of them the candidate's bio holds. Terms come from the
  themes tokenizer (`analytics.text`, `analytics.terms`: stop words of the main languages removed). A
  candidate must share at least one term. Order: match, then followers_count, then value score.
  Each candidate gets a DM draft to review (nothing is sent) built only from facts in the data: they follow
  the user, whether the user follows them, and up to three shared terms. Bio text is never quoted beyond
  those extracted terms, and the account is greeted by its handle, so profile text cannot steer the draft.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from followlytics.analytics import ranking, terms, text
from followlytics.analytics.evidence import Evidence
from followlytics.analytics.ranking import RankedFollower
from followlytics.analytics.workspace import AnalyticsTool, Source, Workspace, evidence
from followlytics.audience.datasets import Dataset, import_hint, missing
from followlytics.errors import InvalidInput

INFLUENCE_METHOD = "influential-followers-v1"
MUTUAL_METHOD = "mutual-connections-v1"
COLLAB_METHOD = "collab-match-v1"

HIGH_VALUE_SHARE = 0.10
"""Follow-back candidates come from this top share of the followers by value score."""
FOLLOW_BACK_SHOWN = 5
AUDIENCE_TERMS = 20
"""How many of the audience's most common bio terms a candidate's bio is compared with."""
MIN_TERM_BIOS = 2
"""An audience term must appear in at least this many bios: one person's words are not a theme."""
FULL_CLOSENESS_TERMS = 3
MUTUAL_FACTOR = {True: 1.0, False: 0.6}
_DM_TERMS = 3


# --- influential_followers ---------------------------------------------------------------------------


class InfluentialFollowersArgs(BaseModel):
    """An `influential_followers` call."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, description="The X account whose followers to read.")
    min_followers: int = Field(
        default=10_000, ge=0, description="The influence threshold: at least this many followers (inclusive)."
    )
    limit: int = Field(default=10, ge=1, le=100, description="How many followers to return.")
    offset: int | None = Field(default=None, ge=0, le=1_000_000, description="Skip this many first.")
    location: str | None = Field(default=None, description="Case-insensitive text the location must contain.")
    verified: bool | None = Field(default=None, description="True: only verified; False: only unverified.")


class InfluentialFollowersResult(BaseModel):
    followers: list[RankedFollower] = Field(description="By followers_count, then value score.")
    threshold: int = Field(description="The min_followers threshold applied.")
    total_followers: int = Field(description="Rows in the followers snapshot.")
    matched: int = Field(description="Followers at or above the threshold (and the other filters).")
    share_of_audience: float = Field(description="matched / total_followers, 0-1.")
    combined_reach: int = Field(
        description="Sum of the matched followers' follower counts (an upper bound: audiences overlap)."
    )
    verified_matched: int = Field(description="Verified among the matched.")
    offset: int = 0
    has_engagement: bool
    notes: list[str] = Field(default_factory=list)
    evidence: Evidence


def run_influential_followers(
    workspace: Workspace, args: InfluentialFollowersArgs
) -> InfluentialFollowersResult:
    """The `influential_followers` tool."""
    source = workspace.source(args.account_id, Dataset.FOLLOWERS)
    scored = ranking.scored(workspace, source)
    con = workspace.connection
    where, params = ranking.filter_clause(
        location=args.location,
        min_followers=args.min_followers,
        verified=args.verified,
        location_index=scored.location_index,
    )
    matched, verified_matched, reach = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE is_verified),"
        f" coalesce(sum(greatest(followers_count, 0)), 0) FROM {scored.table} WHERE {where}",
        params,
    ).fetchall()[0]
    engaged = ranking.has_engagement(con, scored.table)
    offset = args.offset or 0
    followers = ranking.ranked_followers(
        con,
        scored.table,
        where=where,
        params=params,
        order_by=f"followers_count DESC, {ranking.ORDER_BY_VALUE}",
        limit=args.limit,
        offset=offset,
        has_engagement=engaged,
    )
    total = source.rows
    notes = []
    if matched == 0:
        notes.append(f"No follower has {args.min_followers:,} or more followers with these filters.")
    elif offset >= matched:
        notes.append(f"Offset {offset:,} is past the last of the {matched:,} matched followers.")
    filters = args.model_dump(exclude={"account_id"}, exclude_none=True)
    return InfluentialFollowersResult(
        followers=followers,
        threshold=args.min_followers,
        total_followers=total,
        matched=matched,
        share_of_audience=_share(matched, total),
        combined_reach=int(reach),
        verified_matched=verified_matched,
        offset=offset,
        has_engagement=engaged,
        notes=notes,
        evidence=evidence(
            scored.sources,
            rows_matched=matched,
            fields=[*scored.score_fields(engaged), "location", "id"],
            method=f"{INFLUENCE_METHOD} + {ranking.METHOD}",
            filters=filters,
            sample_sizes={"followers": total, "influential": matched},
        ),
    )


# --- mutual_connections ------------------------------------------------------------------------------


class MutualConnectionsArgs(BaseModel):
    """A `mutual_connections` call."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, description="The X account whose followers and following to read.")
    limit: int = Field(default=10, ge=1, le=100, description="How many mutuals to return.")
    offset: int | None = Field(default=None, ge=0, le=1_000_000, description="Skip this many mutuals first.")


class FollowBack(BaseModel):
    """High-value followers the account does not follow yet."""

    count: int = Field(
        description="Followers in the top share by value score whom the account does not follow."
    )
    high_value_share: float = Field(description="The top share of followers counted as high-value, 0-1.")
    high_value_followers: int = Field(description="How many followers that share is.")
    top: list[RankedFollower] = Field(description="The best of them by value score.")


class MutualConnectionsResult(BaseModel):
    mutuals: list[RankedFollower] = Field(description="Followers the account also follows, by value score.")
    mutual_count: int
    total_followers: int
    total_following: int
    share_of_followers: float = Field(description="mutual_count / total_followers, 0-1.")
    share_of_following: float = Field(description="mutual_count / total_following, 0-1.")
    follow_back: FollowBack
    offset: int = 0
    has_engagement: bool
    notes: list[str] = Field(default_factory=list)
    evidence: Evidence


def run_mutual_connections(workspace: Workspace, args: MutualConnectionsArgs) -> MutualConnectionsResult:
    """The `mutual_connections` tool."""
    source = workspace.source(args.account_id, Dataset.FOLLOWERS)
    following = _following(workspace, source)
    scored = ranking.scored(workspace, source)
    con = workspace.connection
    flags = _follow_flags(workspace, source, scored, following)
    high_value = max(1, math.ceil(source.rows * HIGH_VALUE_SHARE)) if source.rows else 0
    mutual_count, not_followed = con.execute(
        "SELECT count(*) FILTER (WHERE followed),"
        " count(*) FILTER (WHERE NOT followed AND value_rank <= $top)"
        f" FROM {flags}",
        {"top": high_value},
    ).fetchall()[0]
    engaged = ranking.has_engagement(con, scored.table)
    offset = args.offset or 0
    # Page on the narrow flags table first (the ranks of this page and those before it), then read whole
    # rows for just those: several times faster than matching every row of the wide table.
    mutuals = ranking.ranked_followers(
        con,
        scored.table,
        where=f"value_rank IN (SELECT value_rank FROM {flags} WHERE followed ORDER BY value_rank LIMIT $end)",
        params={"end": offset + args.limit},
        order_by=ranking.ORDER_BY_VALUE,
        limit=args.limit,
        offset=offset,
        has_engagement=engaged,
    )
    follow_back = ranking.ranked_followers(
        con,
        scored.table,
        where=(
            f"value_rank IN (SELECT value_rank FROM {flags} WHERE NOT followed AND value_rank <= $top"
            " ORDER BY value_rank LIMIT $shown)"
        ),
        params={"top": high_value, "shown": FOLLOW_BACK_SHOWN},
        order_by=ranking.ORDER_BY_VALUE,
        limit=FOLLOW_BACK_SHOWN,
        has_engagement=engaged,
    )
    # Ranks in the follow-back list count from 1 within it, not within the mutuals.
    follow_back = [f.model_copy(update={"rank": i}) for i, f in enumerate(follow_back, start=1)]
    total_following = following.rows
    notes = []
    if mutual_count == 0:
        notes.append("None of the followers is in the imported following list.")
    elif offset >= mutual_count:
        notes.append(f"Offset {offset:,} is past the last of the {mutual_count:,} mutuals.")
    return MutualConnectionsResult(
        mutuals=mutuals,
        mutual_count=mutual_count,
        total_followers=source.rows,
        total_following=total_following,
        share_of_followers=_share(mutual_count, source.rows),
        share_of_following=_share(mutual_count, total_following),
        follow_back=FollowBack(
            count=not_followed,
            high_value_share=HIGH_VALUE_SHARE,
            high_value_followers=high_value,
            top=follow_back,
        ),
        offset=offset,
        has_engagement=engaged,
        notes=notes,
        evidence=evidence(
            [*scored.sources, following],
            rows_matched=mutual_count,
            fields=["followers.id", "following.id", *scored.score_fields(engaged)],
            method=f"{MUTUAL_METHOD} + {ranking.METHOD}",
            filters=args.model_dump(exclude={"account_id"}, exclude_none=True),
            sample_sizes={
                "followers": source.rows,
                "following": total_following,
                "mutuals": mutual_count,
                "high_value_followers": high_value,
            },
        ),
    )


def _follow_flags(workspace: Workspace, source: Source, scored: ranking.Scored, following: Source) -> str:
    """A cached narrow table: each follower's `value_rank` and whether the account `followed` them.

    Keyed by the scored table and the following snapshot, so a new import of either gives a new table;
    later calls then count and page with integer lookups instead of matching every id again.
    """
    key = hashlib.sha1(f"{scored.table}|{following.snapshot.id}".encode()).hexdigest()[:16]
    sql = f"SELECT value_rank, id IN (SELECT id FROM {following.table}) AS followed FROM {scored.table}"
    return workspace.derived(source, f"follows_{key}", sql)


def _following(workspace: Workspace, source: Source) -> Source:
    following = workspace.optional_source(source.account_id, Dataset.FOLLOWING)
    if following is None:
        raise missing(Dataset.FOLLOWING, source.handle)
    return following


# --- collaboration_suggestions -----------------------------------------------------------------------


class CollaborationArgs(BaseModel):
    """A `collaboration_suggestions` call."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, description="The X account to find collaborators for.")
    limit: int = Field(default=5, ge=1, le=50, description="How many candidates to return.")
    min_followers: int = Field(
        default=10_000, ge=0, description="Only candidates with at least this many followers."
    )
    topic: str | None = Field(
        default=None,
        max_length=200,
        description="What to collaborate on (e.g. 'machine learning'); default: the audience's top terms.",
    )


class MatchComponents(BaseModel):
    influence: float = Field(description="min(1, log10(1 + followers) / 7).")
    closeness: float = Field(description="min(1, shared terms / min(3, reference terms)).")
    mutual: float = Field(description="1.0 mutual (or following not imported), 0.6 not followed back.")


class CollaborationCandidate(BaseModel):
    rank: int
    id: str
    username: str
    followers_count: int | None
    verified: bool
    score: float = Field(description="Value score, 0-100.")
    match: float = Field(description="influence x closeness x mutual, 0-1.")
    components: MatchComponents
    mutual: bool | None = Field(
        description="Whether the account follows them; None without a following list."
    )
    shared_terms: list[str] = Field(description="Reference terms found in their bio, most common first.")
    dm_draft: str = Field(description="An outreach message to review and edit; nothing is sent.")


class CollaborationResult(BaseModel):
    candidates: list[CollaborationCandidate]
    reference: str = Field(description="'audience' (top bio terms) or 'topic'.")
    reference_terms: list[str] = Field(description="The terms candidates were compared with.")
    considered: int = Field(description="Followers at or above min_followers.")
    matched: int = Field(description="Of those, how many share at least one reference term.")
    following_imported: bool
    notes: list[str] = Field(default_factory=list)
    evidence: Evidence


def run_collaboration_suggestions(workspace: Workspace, args: CollaborationArgs) -> CollaborationResult:
    """The `collaboration_suggestions` tool."""
    source = workspace.source(args.account_id, Dataset.FOLLOWERS)
    scored = ranking.scored(workspace, source)
    following = workspace.optional_source(args.account_id, Dataset.FOLLOWING)
    index = terms.term_index(workspace, source, "description")
    con = workspace.connection
    reference, reference_terms = _reference_terms(con, index, args.topic)
    (considered,) = con.execute(
        f"SELECT count(*) FROM {scored.table} WHERE followers_count >= $min_followers",
        {"min_followers": args.min_followers},
    ).fetchall()[0]
    rows, matched = [], 0
    if reference_terms and considered:
        rows, matched = _matches(workspace, scored, index, following, reference_terms, args)
    candidates = [
        _candidate(rank, row, reference, following is not None) for rank, row in enumerate(rows, start=1)
    ]
    notes = []
    if following is None:
        notes.append(
            "No following list imported, so whether you follow a candidate is unknown (mutual factor 1.0 "
            "for everyone). " + import_hint(Dataset.FOLLOWING, source.handle)
        )
    if not reference_terms:
        notes.append("No follower bio holds a term to compare candidates with.")
    elif considered == 0:
        notes.append(f"No follower has {args.min_followers:,} or more followers; lower min_followers.")
    elif matched == 0:
        notes.append("No candidate's bio shares a term with the reference terms.")
    return CollaborationResult(
        candidates=candidates,
        reference=reference,
        reference_terms=reference_terms,
        considered=considered,
        matched=matched,
        following_imported=following is not None,
        notes=notes,
        evidence=evidence(
            [*scored.sources, *([following] if following else [])],
            rows_matched=matched,
            fields=["description", "followers_count", "id", *(["following.id"] if following else [])],
            method=f"{COLLAB_METHOD} + {ranking.METHOD}",
            filters=args.model_dump(exclude={"account_id"}, exclude_none=True),
            sample_sizes={
                "followers": source.rows,
                "bios": index.texts,
                "candidates": considered,
                "reference_terms": len(reference_terms),
            },
        ),
    )


_COLUMNS = [
    "id",
    "username",
    "followers_count",
    "is_verified",
    "score",
    "shared_terms",
    "influence",
    "closeness",
    "mutual",
    "match",
    "matched",
]

# Candidates (few: the threshold keeps a small share of an audience) are joined to their bio terms through
# the source rowid the term index is keyed by; only reference terms are kept, in reference order. The
# `{...}` slots are table names and fixed fragments from code; values are bound.
_MATCH_SQL = """
WITH reference AS (
    SELECT unnest($reference) AS term_text, generate_subscripts($reference, 1) AS position
), wanted AS (
    SELECT v.term, r.term_text, r.position
    FROM {vocab} AS v JOIN reference AS r ON v.text = r.term_text
    WHERE v.kind IN ($word, $hashtag)
), candidates AS (
    SELECT rowid AS rid, id FROM {source} WHERE followers_count >= $min_followers
), hits AS (
    SELECT DISTINCT c.id, w.term_text, w.position
    FROM candidates AS c
    JOIN {terms} AS t ON t.rid = c.rid
    JOIN wanted AS w ON w.term = t.term
), shared AS (
    SELECT id, list(term_text ORDER BY position) AS shared_terms FROM hits GROUP BY id
), components AS (
    SELECT
        sc.id, sc.username, sc.followers_count, sc.is_verified, sc.score, sc.value_rank,
        sh.shared_terms,
        sc.reach AS influence,
        least(1.0, len(sh.shared_terms) / $full) AS closeness,
        {followed} AS mutual
    FROM shared AS sh JOIN {scored} AS sc ON sc.id = sh.id
)
SELECT
    id, username, followers_count, is_verified, score, shared_terms, influence, closeness, mutual,
    influence * closeness * CASE WHEN coalesce(mutual, true) THEN $mutual_yes ELSE $mutual_no END AS match,
    count(*) OVER () AS matched
FROM components
ORDER BY match DESC, followers_count DESC, value_rank
LIMIT $limit
"""


def _matches(
    workspace: Workspace,
    scored: ranking.Scored,
    index: terms.TermIndex,
    following: Source | None,
    reference_terms: list[str],
    args: CollaborationArgs,
) -> tuple[list[tuple[Any, ...]], int]:
    """The top candidates (rows in `_COLUMNS` order) and how many share at least one term."""
    followed = "NULL::BOOLEAN"
    if following is not None:
        flags = _follow_flags(workspace, scored.source, scored, following)
        followed = f"sc.value_rank IN (SELECT value_rank FROM {flags} WHERE followed)"
    sql = _MATCH_SQL.format(
        vocab=index.vocab,
        terms=index.terms,
        source=scored.source.table,
        scored=scored.table,
        followed=followed,
    )
    rows = workspace.connection.execute(
        sql,
        {
            "reference": reference_terms,
            "word": text.WORD,
            "hashtag": text.HASHTAG,
            "min_followers": args.min_followers,
            "full": min(FULL_CLOSENESS_TERMS, len(reference_terms)),
            "mutual_yes": MUTUAL_FACTOR[True],
            "mutual_no": MUTUAL_FACTOR[False],
            "limit": args.limit,
        },
    ).fetchall()
    return rows, (int(rows[0][-1]) if rows else 0)


def _reference_terms(con: Any, index: terms.TermIndex, topic: str | None) -> tuple[str, list[str]]:
    if topic is not None and topic.strip():
        found = text.text_terms(topic)
        words = list(dict.fromkeys([*found.words, *found.hashtags]))
        if not words:
            raise InvalidInput(
                f"topic {topic.strip()!r} has no word to match bios with (only stop words or symbols)",
                field="topic",
            )
        return "topic", words
    rows = con.execute(
        f"SELECT text FROM {index.vocab} WHERE kind IN ($word, $hashtag)"
        " GROUP BY text HAVING max(docs) >= $min_docs ORDER BY sum(docs) DESC, text LIMIT $n",
        {"n": AUDIENCE_TERMS, "min_docs": MIN_TERM_BIOS, "word": text.WORD, "hashtag": text.HASHTAG},
    ).fetchall()
    return "audience", [row[0] for row in rows]


def _candidate(
    rank: int, values: tuple[Any, ...], reference: str, following_imported: bool
) -> CollaborationCandidate:
    row = dict(zip(_COLUMNS, values, strict=True))
    mutual = row["mutual"] if following_imported else None
    factor = MUTUAL_FACTOR[True] if mutual is None else MUTUAL_FACTOR[bool(mutual)]
    shared = list(row["shared_terms"])
    return CollaborationCandidate(
        rank=rank,
        id=row["id"],
        username=row["username"],
        followers_count=row["followers_count"],
        verified=bool(row["is_verified"]),
        score=float(row["score"]),
        match=round(float(row["match"]), 4),
        components=MatchComponents(
            influence=round(float(row["influence"]), 4),
            closeness=round(float(row["closeness"]), 4),
            mutual=factor,
        ),
        mutual=mutual,
        shared_terms=shared,
        dm_draft=_dm_draft(row["username"], shared, mutual, reference),
    )


def _dm_draft(username: str, shared: list[str], mutual: bool | None, reference: str) -> str:
    """A short, personal message from facts in the data only; profile text appears only as extracted terms."""
    quoted = _listing([f"“{term[:30]}”" for term in shared[:_DM_TERMS]])
    opening = "We already follow each other" if mutual else "Thanks for following me"
    why = (
        "which is exactly what I want to post more about"
        if reference == "topic"
        else "which is a lot of what my own followers are into too"
    )
    return (
        f"Hi @{username}! {opening}, and I noticed {quoted} in your bio, {why}. "
        f"Would you be up for a collaboration, say a joint thread or a Space about “{shared[0][:30]}”? "
        "Happy to share a few ideas first if you're interested."
    )


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


# --- tools -------------------------------------------------------------------------------------------


def _summarize_influential(result: InfluentialFollowersResult) -> str:
    return (
        f"{result.matched:,} of {result.total_followers:,} followers have {result.threshold:,}+ followers "
        f"(combined reach {ranking.compact(result.combined_reach)}); returned {len(result.followers):,}"
    )


def _summarize_mutuals(result: MutualConnectionsResult) -> str:
    return (
        f"{result.mutual_count:,} mutuals among {result.total_followers:,} followers and "
        f"{result.total_following:,} following; "
        f"{result.follow_back.count:,} high-value followers not followed"
    )


def _summarize_collaboration(result: CollaborationResult) -> str:
    return (
        f"{result.matched:,} of {result.considered:,} candidates share a term with the {result.reference}; "
        f"returned {len(result.candidates):,} with DM drafts"
    )


TOOLS = [
    AnalyticsTool(
        name="influential_followers",
        description=(
            "The user's high-influence followers: those with at least `min_followers` followers of their "
            "own (default 10,000), biggest first (ties by value score). Returns how many there are, their "
            "share of the audience, their combined reach (sum of their follower counts), how many are "
            "verified, and the list with reasons. Optional: `min_followers` (the threshold), `limit` "
            "(1-100, default 10), `offset` (for 'the next 10'), `location` (profile location contains this "
            "text), `verified`. Use for 'who are my most influential followers', 'followers with 100k+ "
            "followers', 'how many big accounts follow me'."
        ),
        arguments=InfluentialFollowersArgs,
        result=InfluentialFollowersResult,
        run=run_influential_followers,
        summarize=_summarize_influential,
    ),
    AnalyticsTool(
        name="mutual_connections",
        description=(
            "Mutual connections: followers the user also follows (needs the user's following list "
            "imported). Returns how many, their share of the followers and of the following, the top "
            "mutuals by value score, and follow-back candidates: high-value followers (top 10% by value "
            "score) the user does not follow yet, with the best five. Optional: `limit` (1-100, default "
            "10), `offset`. Use for 'who are my mutuals', 'who follows me that I follow back', 'who should "
            "I follow back'."
        ),
        arguments=MutualConnectionsArgs,
        result=MutualConnectionsResult,
        run=run_mutual_connections,
        summarize=_summarize_mutuals,
    ),
    AnalyticsTool(
        name="collaboration_suggestions",
        description=(
            "Who to collaborate with: followers with at least `min_followers` followers (default 10,000) "
            "ranked by influence (their reach) x topical closeness (terms their bio shares with the "
            "audience's most common bio terms, or with `topic` when given) x mutual (1.0 when the user "
            "follows them back, 0.6 when not). Each candidate comes with the shared terms, the score "
            "components and an outreach DM draft for the user to review (nothing is sent). Optional: "
            "`limit` (1-50, default 5), `min_followers`, `topic` (e.g. 'web3 gaming'). Use for 'who should "
            "I collaborate with', 'suggest partners for a podcast about AI', 'draft outreach messages'."
        ),
        arguments=CollaborationArgs,
        result=CollaborationResult,
        run=run_collaboration_suggestions,
        summarize=_summarize_collaboration,
    ),
]
