"""The post side of `competitor_comparison`: how often two accounts post, when, about what, and how much
engagement each post gets, from both accounts' imported `tweets`.

Reposts (`referenced_type = 'retweeted'`) are left out everywhere: their metrics belong to the original
post. For the other posts (originals, replies, quotes):

    engagement            = likes + reposts + replies + quotes    (a missing metric counts as 0; a post
                                                                    with no metric at all is left out)
    engagement per post   = mean engagement
    per 1K impressions    = 1000 * sum(engagement) / sum(impressions), over posts with impressions > 0
    posts per week        = dated posts / max(1, weeks from the first to the last dated post)
    hours and weekdays    = UTC, by how many posts were made in each; the peak window is the 3 consecutive
                            hours (wrapping past midnight) with the most posts
    hashtags and terms    = in how many posts each appears; terms are words of 3+ letters from the text
                            without links, mentions and hashtags, minus the stop words bios use
                            (`text.stop_words()`)

When either account has no `tweets`, nothing is computed and a note says what to import for whom.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, Field

from followlytics.analytics import text
from followlytics.analytics.workspace import Source, Workspace
from followlytics.audience.datasets import Dataset, import_hint
from followlytics.audience.manifest import AccountEntry

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TOP = 3
POST_FIELDS = [
    "created_at",
    "text",
    "like_count",
    "retweet_count",
    "reply_count",
    "quote_count",
    "impression_count",
    "referenced_type",
]
_TOP_WORDS = 8
# Words too common on X to say anything about a topic; the stop-word lists do not have them.
_X_NOISE = frozenset({"amp", "rt", "via", "https", "http"})
# A ratio inside these bounds reads as "about the same" in suggestions.
_SAME_LOW, _SAME_HIGH = 0.85, 1.2

_POSTS = """
SELECT id, text, created_at, impression_count,
       CASE WHEN coalesce(like_count, retweet_count, reply_count, quote_count) IS NOT NULL
            THEN coalesce(like_count, 0) + coalesce(retweet_count, 0) + coalesce(reply_count, 0)
                 + coalesce(quote_count, 0) END AS engagement
FROM {table}
WHERE referenced_type IS DISTINCT FROM 'retweeted'
"""


# Each post's distinct hashtags and terms, kept per posts snapshot (`Workspace.derived`). Terms are read
# from the text without links, mentions and hashtags.
_POST_TERMS = r"""
WITH posts AS (
    SELECT id, lower(text) AS text FROM {source}
    WHERE referenced_type IS DISTINCT FROM 'retweeted' AND text IS NOT NULL
), tags AS (
    SELECT DISTINCT id, '#' || unnest(regexp_extract_all(text, '#([\p{L}\p{N}_]+)', 1)) AS term FROM posts
), words AS (
    SELECT DISTINCT id, unnest(regexp_extract_all(
        regexp_replace(text, 'https?://\S+|[@#][\p{L}\p{N}_]+', ' ', 'g'), '\p{L}[\p{L}\p{N}]{2,}')) AS term
    FROM posts
)
SELECT id, term, true AS hashtag FROM tags
UNION ALL
SELECT id, term, false AS hashtag FROM words WHERE term NOT IN (SELECT unnest($stop))
"""


class SlotShare(BaseModel):
    slot: str = Field(description="'14:00' for an hour (UTC), 'Tuesday' for a weekday.")
    posts: int
    share: float = Field(description="Of the dated posts, 0-1.")


class TermCount(BaseModel):
    term: str
    posts: int = Field(description="Posts it appears in.")


class PostStats(BaseModel):
    account_id: str
    handle: str | None
    posts: int = Field(description="Posts counted (reposts left out).")
    posts_with_metrics: int
    posts_with_impressions: int
    first_post: datetime | None
    last_post: datetime | None
    weeks: float | None = Field(description="Weeks from the first to the last dated post, at least 1.")
    posts_per_week: float | None
    engagement_per_post: float | None = Field(description="Mean likes + reposts + replies + quotes.")
    engagement_per_1k_impressions: float | None
    top_hours: list[SlotShare] = Field(description="UTC hours with the most posts.")
    peak_window: SlotShare | None = Field(description="The 3-hour UTC window with the most posts.")
    top_weekdays: list[SlotShare] = Field(description="Weekdays (UTC) with the most posts.")
    top_hashtags: list[TermCount]
    top_terms: list[TermCount]


class PostComparison(BaseModel):
    own: PostStats
    competitor: PostStats
    posts_per_week_ratio: float | None = Field(description="Competitor's posts per week / the user's.")
    engagement_per_post_ratio: float | None = Field(
        description="Competitor's engagement per post / the user's."
    )
    engagement_per_1k_impressions_ratio: float | None


def compare_posts(
    workspace: Workspace, own_followers: Source, competitor: AccountEntry, notes: list[str]
) -> tuple[PostComparison | None, list[Source]]:
    """Both accounts' post figures and the sources read, or None (and a note per missing account)."""
    own = workspace.optional_source(own_followers.account_id, Dataset.TWEETS)
    rival = workspace.optional_source(competitor.id, Dataset.TWEETS)
    if own is None or rival is None:
        sides = ((own, own_followers.handle, False), (rival, competitor.handle, True))
        for source, handle, is_competitor in sides:
            if source is None:
                whose = f"@{handle}" if handle else "your account"
                hint = import_hint(Dataset.TWEETS, handle, competitor=is_competitor)
                notes.append(f"Posts are not compared: no posts imported for {whose}. {hint}")
        return None, []
    own_stats, rival_stats = post_stats(workspace, own), post_stats(workspace, rival)
    comparison = PostComparison(
        own=own_stats,
        competitor=rival_stats,
        posts_per_week_ratio=_times(rival_stats.posts_per_week, own_stats.posts_per_week),
        engagement_per_post_ratio=_times(rival_stats.engagement_per_post, own_stats.engagement_per_post),
        engagement_per_1k_impressions_ratio=_times(
            rival_stats.engagement_per_1k_impressions, own_stats.engagement_per_1k_impressions
        ),
    )
    if own_stats.posts == 0 or rival_stats.posts == 0:
        notes.append("One of the accounts has no posts besides reposts, so its post figures are empty.")
    return comparison, [own, rival]


def _times(value: float | None, base: float | None) -> float | None:
    return round(value / base, 2) if value is not None and base else None


def post_stats(workspace: Workspace, source: Source) -> PostStats:
    """One account's post figures from its `tweets` source."""
    con = workspace.connection
    posts = _POSTS.format(table=source.table)
    (count, with_metrics, per_post, with_impressions, engaged, impressions, first, last, dated) = con.execute(
        f"""SELECT count(*), count(engagement), avg(engagement),
                   count(*) FILTER (WHERE impression_count > 0 AND engagement IS NOT NULL),
                   sum(engagement) FILTER (WHERE impression_count > 0),
                   sum(impression_count) FILTER (WHERE impression_count > 0 AND engagement IS NOT NULL),
                   min(created_at), max(created_at), count(created_at)
            FROM ({posts})"""
    ).fetchall()[0]
    weeks = None if first is None else max(1.0, (last - first).total_seconds() / 604_800)
    # Hours and weekdays from epoch seconds, so they are UTC whatever the session's time zone is.
    hours = con.execute(
        f"SELECT CAST(floor(epoch(created_at) / 3600) AS BIGINT) % 24 AS h, count(*) FROM ({posts})"
        " WHERE created_at IS NOT NULL GROUP BY h"
    ).fetchall()
    weekdays = con.execute(
        f"SELECT (CAST(floor(epoch(created_at) / 86400) AS BIGINT) + 3) % 7 AS d, count(*) FROM ({posts})"
        " WHERE created_at IS NOT NULL GROUP BY d"
    ).fetchall()
    by_hour = dict(hours)
    terms = workspace.derived(
        source, "post_terms", _POST_TERMS, {"stop": sorted(text.stop_words() | _X_NOISE)}
    )
    return PostStats(
        account_id=source.account_id,
        handle=source.handle,
        posts=count,
        posts_with_metrics=with_metrics,
        posts_with_impressions=with_impressions,
        first_post=first,
        last_post=last,
        weeks=None if weeks is None else round(weeks, 2),
        posts_per_week=None if weeks is None else round(dated / weeks, 2),
        engagement_per_post=None if per_post is None else round(float(per_post), 2),
        engagement_per_1k_impressions=round(1000 * engaged / impressions, 2) if impressions else None,
        top_hours=_top_slots(by_hour, _hour, dated),
        peak_window=_peak_window(by_hour, dated),
        top_weekdays=_top_slots(dict(weekdays), WEEKDAYS.__getitem__, dated),
        top_hashtags=_top_terms(workspace, terms, hashtags=True),
        top_terms=_top_terms(workspace, terms, hashtags=False),
    )


def _top_slots(counts: dict[int, int], label: Callable[[int], str], dated: int) -> list[SlotShare]:
    # Ties go to the earlier hour or weekday, so the same posts always give the same slots.
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:_TOP]
    return [SlotShare(slot=label(key), posts=n, share=round(n / dated, 4)) for key, n in ranked]


def _hour(hour: int) -> str:
    return f"{hour:02d}:00"


def _peak_window(by_hour: dict[int, int], dated: int) -> SlotShare | None:
    """The 3 consecutive hours with the most posts; ties go to the window centred on the busier hour."""
    if not dated:
        return None
    windows = {start: sum(by_hour.get((start + i) % 24, 0) for i in range(3)) for start in range(24)}
    start = max(range(24), key=lambda h: (windows[h], by_hour.get((h + 1) % 24, 0), -h))
    return SlotShare(
        slot=f"{_hour(start)}-{_hour((start + 3) % 24)}",
        posts=windows[start],
        share=round(windows[start] / dated, 4),
    )


def _top_terms(workspace: Workspace, terms_table: str, *, hashtags: bool) -> list[TermCount]:
    rows = workspace.connection.execute(
        f"SELECT term, count(*) AS n FROM {terms_table} WHERE hashtag = $hashtags"
        " GROUP BY term ORDER BY n DESC, term LIMIT $limit",
        {"hashtags": hashtags, "limit": _TOP_WORDS},
    ).fetchall()
    return [TermCount(term=term, posts=n) for term, n in rows]


# --- suggestions ---------------------------------------------------------------------------------------


def rhythm_suggestion(c: PostComparison, rival: str) -> str | None:
    """Engagement per post and posting rhythm, compared, with the next thing to try."""
    own, other = c.own, c.competitor
    if own.posts_per_week is None or other.posts_per_week is None:
        return None
    facts = _frequency_text(c, rival) + (
        f", mostly {other.peak_window.slot} UTC" if other.peak_window else ""
    )
    mine, theirs = own.engagement_per_post, other.engagement_per_post
    if mine is None or theirs is None:
        return f"{facts}; import both accounts' post metrics to compare engagement."
    numbers = f"{theirs:,.1f} vs {mine:,.1f}"
    if other.engagement_per_1k_impressions is not None and own.engagement_per_1k_impressions is not None:
        numbers += (
            f"; per 1K impressions {other.engagement_per_1k_impressions:,.1f}"
            f" vs {own.engagement_per_1k_impressions:,.1f}"
        )
    more_often = (c.posts_per_week_ratio or 0) >= _SAME_HIGH
    if theirs >= _SAME_HIGH * mine and theirs > 0:
        times = f"{theirs / mine:.1f}x your" if mine else "more"
        window = other.peak_window.slot if other.peak_window else "their busiest hours"
        yours = f" (yours peak at {own.peak_window.slot})" if own.peak_window else ""
        return (
            f"{facts}, and gets {times} engagement per post ({numbers}): try a few posts in "
            f"{window} UTC{yours} and compare your engagement per post after two weeks."
        )
    if theirs <= _SAME_LOW * mine:
        times = f"{mine / theirs:.1f}x {rival}'s" if theirs else f"more than {rival}'s"
        advice = "posting more often is the lever to test" if more_often else "keep your rhythm"
        return f"You get {times} engagement per post ({numbers}); {facts}: your posts work, {advice}."
    advice = (
        f"posting more often is what sets {rival} apart"
        if more_often
        else f"posting is not where {rival} differs"
    )
    return f"{facts}, with about your engagement per post ({numbers}): {advice}."


def _frequency_text(c: PostComparison, rival: str) -> str:
    own, other, ratio = c.own, c.competitor, c.posts_per_week_ratio
    numbers = f"{other.posts_per_week:.1f} vs {own.posts_per_week:.1f} posts/week"
    if ratio is None:
        return f"{rival} posts {numbers}"
    if ratio >= _SAME_HIGH:
        return f"{rival} posts {ratio:.1f}x as often as you ({numbers})"
    if ratio <= _SAME_LOW:
        return f"{rival} posts less often than you ({numbers})"
    return f"{rival} posts about as often as you ({numbers})"


def topics_suggestion(c: PostComparison, rival: str) -> str | None:
    """Hashtags (else terms) the competitor uses most that are not among the user's top ones."""
    own_tags = {t.term for t in c.own.top_hashtags}
    tags = [t for t in c.competitor.top_hashtags if t.term not in own_tags][:3]
    if tags:
        listed = ", ".join(f"{t.term} ({t.posts} posts)" for t in tags)
        return (
            f"{rival}'s most used hashtags {listed} are not among your top hashtags; if they fit your "
            f"topics, add them to posts on the same subjects."
        )
    own_terms = {t.term for t in c.own.top_terms}
    terms = [t for t in c.competitor.top_terms if t.term not in own_terms][:3]
    if terms:
        listed = ", ".join(f"'{t.term}' ({t.posts} posts)" for t in terms)
        return f"{rival} often posts about {listed}, which are not among your top terms: worth a test post."
    return None
