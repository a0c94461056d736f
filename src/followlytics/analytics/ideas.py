"""Content ideas (`ideas-v1`): what to post, grounded in the audience's interest segments and, where the
followers' own recent posts are imported, in the terms rising among them; the `content_ideas` tool.

Trends (needs `follower_tweets`): the posts are cut into terms like bios (`analytics.terms`). The recent
window is the `days` before the newest post (`(end - days, end]`), the previous window the `days` before
that. For each word, phrase and hashtag:

    recent, previous   posts in each window using it (a post counts once)
    growth             (recent / recent posts) / ((previous + 1) / (previous posts + 1))
                       the share of recent posts using it over its share before, with one post added to the
                       earlier count so a term nobody used before gets a finite growth

A term is rising when it is in at least `_MIN_POSTS` (5) recent posts by at least `_MIN_AUTHORS` (3)
different followers and its growth is at least `_MIN_GROWTH` (1.5). Rising terms are ranked by growth, then
recent posts, then alphabetically; a term (word, phrase or hashtag) is left out when it contains, or is
contained in, a term ranked above it ("playing pickleball" and "#pickleball" under "pickleball").

Ideas: first one per rising term (up to `limit`), tied to the segment that is over-represented most among
the term's recent authors (its share of them at least 1.25x its share of the audience, and at least 3 of
them; otherwise the idea is for the whole audience); then one per segment not used yet, largest first,
about the phrase most of its members have in their bios. Each idea carries the numbers behind it (posts in
both windows, authors, growth, segment size, share and lean).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from followlytics.analytics import text
from followlytics.analytics.evidence import Evidence
from followlytics.analytics.segments import Segment, SegmentAssignment, assign_segments, display
from followlytics.analytics.terms import term_index
from followlytics.analytics.workspace import AnalyticsTool, Source, Workspace, evidence
from followlytics.audience.datasets import Dataset, import_hint

METHOD = "ideas-v1"
_MIN_POSTS = 5
_MIN_AUTHORS = 3
_MIN_GROWTH = 1.5
_MIN_LEAN = 1.25
_SEGMENTS = 8
# Post formats, one per idea in turn, so five ideas are five different kinds of post.
_FORMATS = (
    "a short thread explaining",
    "a question to your followers about",
    "a practical how-to on",
    "your honest take on",
    "a list of resources on",
)


class ContentIdeasArgs(BaseModel):
    """A `content_ideas` tool call."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, description="The X account to suggest posts for.")
    days: int = Field(default=14, ge=1, le=90, description="Length of the recent window for trends, in days.")
    limit: int = Field(default=5, ge=1, le=10, description="How many post ideas to return.")


class Trend(BaseModel):
    term: str
    kind: str = Field(description="word, phrase or hashtag.")
    recent: int = Field(description="Recent-window posts using it.")
    previous: int = Field(description="Previous-window posts using it.")
    authors: int = Field(description="Followers who used it in the recent window.")
    growth: float = Field(description="Share of recent posts over (smoothed) share of previous posts.")


class Idea(BaseModel):
    title: str
    reasoning: str = Field(description="Why, with the numbers behind it.")
    segment: str | None = Field(description="The segment it speaks to.")
    trend: str | None = Field(description="The rising term it rides on.")
    numbers: dict[str, float] = Field(description="The figures the reasoning quotes.")


class TrendWindow(BaseModel):
    recent_start: str
    previous_start: str
    end: str = Field(description="Time of the newest imported follower post.")
    recent_posts: int
    previous_posts: int


class ContentIdeasResult(BaseModel):
    ideas: list[Idea]
    trends: list[Trend]
    window: TrendWindow | None = Field(description="The two windows compared; None without follower posts.")
    followers: int
    segmented: int
    notes: list[str]
    evidence: Evidence


def run_content_ideas(workspace: Workspace, args: ContentIdeasArgs) -> ContentIdeasResult:
    """The `content_ideas` tool."""
    followers = workspace.source(args.account_id, Dataset.FOLLOWERS)
    assignment = assign_segments(workspace, followers, count=_SEGMENTS)
    posts = workspace.optional_source(args.account_id, Dataset.FOLLOWER_TWEETS)
    notes: list[str] = []
    trends: list[Trend] = []
    window: TrendWindow | None = None
    authors_by_segment: dict[str, dict[int, int]] = {}
    if posts is None or posts.rows == 0:
        notes.append(
            "No recent posts by your followers are imported, so these ideas come from their bios only, "
            f"without trends. {import_hint(Dataset.FOLLOWER_TWEETS, followers.handle)}"
        )
    else:
        window, trends, authors_by_segment = _trends(workspace, posts, assignment, args.days, args.limit)
        if window is None or window.previous_posts == 0:
            notes.append(
                f"No follower posts fall in the {args.days} days before the recent window, so nothing can be"
                " shown to rise; import older posts or ask with fewer days."
            )
        elif not trends:
            notes.append(
                f"No term rose enough in the last {args.days} days (at least {_MIN_POSTS} posts by "
                f"{_MIN_AUTHORS} followers and {_MIN_GROWTH}x its earlier share)."
            )
    if not assignment.segments:
        notes.append("Your followers' bios gave too few shared terms to form segments.")
    phrases = _segment_phrases(workspace, followers, assignment)
    ideas = _ideas(assignment, phrases, trends, authors_by_segment, args)
    sources = [followers, *([posts] if posts is not None else [])]
    in_windows = (window.recent_posts + window.previous_posts) if window else 0
    return ContentIdeasResult(
        ideas=ideas,
        trends=trends,
        window=window,
        followers=assignment.followers,
        segmented=assignment.segmented,
        notes=notes,
        evidence=evidence(
            sources,
            rows_matched=assignment.segmented,
            fields=["description", "id", *(["text", "created_at", "author_id"] if posts is not None else [])],
            method=METHOD,
            filters={"days": args.days, "limit": args.limit},
            sample_sizes={
                "followers": assignment.followers,
                "segmented_followers": assignment.segmented,
                "recent_posts": window.recent_posts if window else 0,
                "previous_posts": window.previous_posts if window else 0,
                "posts_in_windows": in_windows,
            },
        ),
    )


def _trends(
    workspace: Workspace, posts: Source, assignment: SegmentAssignment, days: int, limit: int
) -> tuple[TrendWindow | None, list[Trend], dict[str, dict[int, int]]]:
    con = workspace.connection
    ((end,),) = con.execute(f"SELECT max(created_at) FROM {posts.table}").fetchall()
    if end is None:
        return None, [], {}
    split, start = end - timedelta(days=days), end - timedelta(days=2 * days)
    bounds = {"start": start, "split": split, "end": end}
    windowed = f"""
        SELECT rowid AS rid, author_id, created_at > $split AS recent FROM {posts.table}
        WHERE created_at > $start AND created_at <= $end
    """
    ((recent_posts, previous_posts),) = con.execute(
        f"SELECT count(*) FILTER (WHERE recent), count(*) FILTER (WHERE NOT recent) FROM ({windowed})", bounds
    ).fetchall()
    window = TrendWindow(
        recent_start=_iso(split),
        previous_start=_iso(start),
        end=_iso(end),
        recent_posts=recent_posts,
        previous_posts=previous_posts,
    )
    if not recent_posts or not previous_posts:
        return window, [], {}
    index = term_index(workspace, posts, "text")
    rows = con.execute(
        f"""
        WITH p AS ({windowed}),
        counted AS (
            SELECT t.term,
                   count(*) FILTER (WHERE p.recent) AS recent,
                   count(*) FILTER (WHERE NOT p.recent) AS previous,
                   count(DISTINCT p.author_id) FILTER (WHERE p.recent) AS authors
            FROM {index.terms} t JOIN p USING (rid)
            GROUP BY t.term
        )
        SELECT v.text, v.kind, c.recent, c.previous, c.authors,
               (c.recent / $recent_posts) / ((c.previous + 1) / ($previous_posts + 1)) AS growth
        FROM counted c JOIN {index.vocab} v USING (term)
        WHERE v.kind IN ($word, $phrase, $hashtag) AND c.recent >= $min_posts AND c.authors >= $min_authors
          AND (c.recent / $recent_posts) / ((c.previous + 1) / ($previous_posts + 1)) >= $min_growth
        ORDER BY growth DESC, c.recent DESC, v.text
        LIMIT $candidates
        """,
        {
            **bounds,
            "recent_posts": float(recent_posts),
            "previous_posts": float(previous_posts),
            "word": text.WORD,
            "phrase": text.PHRASE,
            "hashtag": text.HASHTAG,
            "min_posts": _MIN_POSTS,
            "min_authors": _MIN_AUTHORS,
            "min_growth": _MIN_GROWTH,
            "candidates": 4 * limit + 20,
        },
    ).fetchall()
    trends: list[Trend] = []
    for term, kind, recent, previous, authors, growth in rows:
        # A term inside one listed above, or holding one, adds nothing ("agentic workflows" under "agentic").
        words = set(term.split())
        if any(
            words <= set(t.term.split()) or set(t.term.split()) <= words
            for t in trends
            if t.kind != text.HASHTAG
        ):
            continue
        trends.append(
            Trend(
                term=display(term, kind),
                kind=kind,
                recent=int(recent),
                previous=int(previous),
                authors=int(authors),
                growth=round(float(growth), 2),
            )
        )
        if len(trends) == limit:
            break
    return (
        window,
        trends,
        _author_segments(con, index.terms, index.vocab, windowed, bounds, assignment, trends),
    )


def _author_segments(
    con: Any,
    terms: str,
    vocab: str,
    windowed: str,
    bounds: dict[str, Any],
    assignment: SegmentAssignment,
    trends: list[Trend],
) -> dict[str, dict[int, int]]:
    """For each trend: how many of its recent authors are in each segment."""
    if not trends:
        return {}
    wanted = [(t.term.removeprefix("#") if t.kind == text.HASHTAG else t.term, t.kind) for t in trends]
    rows = con.execute(
        f"""
        WITH p AS ({windowed})
        SELECT v.text, v.kind, a.segment, count(DISTINCT p.author_id)
        FROM {terms} t JOIN {vocab} v USING (term) JOIN p USING (rid)
        JOIN {assignment.table} a ON a.id = p.author_id
        WHERE p.recent AND a.segment IS NOT NULL AND v.kind || ':' || v.text IN (SELECT unnest($keys))
        GROUP BY ALL
        """,
        {**bounds, "keys": [f"{k}:{w}" for w, k in wanted]},
    ).fetchall()
    found: dict[str, dict[int, int]] = {}
    for term, kind, segment, authors in rows:
        found.setdefault(display(term, kind), {})[int(segment)] = int(authors)
    return found


def _segment_phrases(
    workspace: Workspace, followers: Source, assignment: SegmentAssignment
) -> dict[int, list[tuple[str, int]]]:
    """Each segment's phrases used by the most of its members, built once per snapshot; among equally
    used ones, those sharing more words with the segment's typical terms first."""
    index = term_index(workspace, followers, "description")
    table = workspace.derived(
        followers,
        f"segment_phrases{_SEGMENTS}",
        f"""
        SELECT a.segment, v.text, count(*) AS members
        FROM {index.terms} t
        JOIN {index.vocab} v ON v.term = t.term AND v.kind = '{text.PHRASE}'
        JOIN (SELECT rowid AS rid, id FROM {{source}}) s ON s.rid = t.rid
        JOIN {assignment.table} a ON a.id = s.id
        WHERE a.segment IS NOT NULL
        GROUP BY a.segment, v.text
        QUALIFY rank() OVER (PARTITION BY a.segment ORDER BY count(*) DESC) <= 3
        """,
    )
    typical = {s.index: set(s.top_terms) for s in assignment.segments}
    found: dict[int, list[tuple[str, int]]] = {}
    rows = workspace.connection.execute(f"SELECT segment, text, members FROM {table}").fetchall()

    def order(row: tuple[int, str, int]) -> tuple[int, int, int, str]:
        segment, phrase, members = row
        return (segment, -members, -len(set(phrase.split()) & typical.get(segment, set())), phrase)

    for segment, phrase, members in sorted(rows, key=order):
        found.setdefault(int(segment), []).append((phrase, int(members)))
    return found


def _ideas(
    assignment: SegmentAssignment,
    phrases: dict[int, list[tuple[str, int]]],
    trends: list[Trend],
    authors_by_segment: dict[str, dict[int, int]],
    args: ContentIdeasArgs,
) -> list[Idea]:
    total = assignment.followers
    segments = {s.index: s for s in assignment.segments}
    ideas: list[Idea] = []
    used: set[int] = set()
    for trend in trends[: args.limit]:
        counts = authors_by_segment.get(trend.term, {})
        segment, lift = _leaning(counts, segments, trend.authors, total)
        form = _FORMATS[len(ideas) % len(_FORMATS)]
        growth = f"{trend.growth:.1f}x its earlier share" if trend.previous else "new in this window"
        reasoning = (
            f'"{trend.term}" was in {trend.recent:,} posts by {trend.authors:,} of your followers in the '
            f"last {args.days} days, against {trend.previous:,} in the {args.days} days before ({growth})."
        )
        numbers: dict[str, float] = {
            "recent_posts": trend.recent,
            "previous_posts": trend.previous,
            "authors": trend.authors,
            "growth": trend.growth,
        }
        if segment is not None:
            used.add(segment.index)
            reasoning += (
                f' {counts[segment.index]:,} of those authors are in your "{segment.name}" segment, '
                f"{lift:.1f}x its share of your audience ({segment.size:,} followers, "
                f"{_share(segment.size, total):.0%})."
            )
            numbers |= {
                "segment_authors": counts[segment.index],
                "segment_size": segment.size,
                "segment_share": _share(segment.size, total),
                "segment_lift": round(lift, 2),
            }
        elif counts:
            reasoning += " Its authors are spread across your segments, so it speaks to your whole audience."
        audience = f' for your "{segment.name}" followers' if segment is not None else ""
        ideas.append(
            Idea(
                title=f'Post {form} "{trend.term}"{audience}',
                reasoning=reasoning,
                segment=segment.name if segment is not None else None,
                trend=trend.term,
                numbers=numbers,
            )
        )
    for segment in sorted(assignment.segments, key=lambda s: (-s.size, s.index)):
        if len(ideas) >= args.limit:
            break
        if segment.index in used or segment.size == 0:
            continue
        form = _FORMATS[len(ideas) % len(_FORMATS)]
        terms = list(segment.top_terms[:3])
        listed = ", ".join(terms[:-1]) + f" and {terms[-1]}" if len(terms) > 1 else terms[0]
        reasoning = (
            f"{segment.size:,} of your followers ({_share(segment.size, total):.0%}) are in this segment; "
            f"their bios mention {listed} more than anyone else's."
        )
        numbers: dict[str, float] = {
            "segment_size": segment.size,
            "segment_share": _share(segment.size, total),
        }
        subject = terms[0]
        if phrases.get(segment.index):
            subject, members = phrases[segment.index][0]
            reasoning += f' {members:,} of them have "{subject}" in their bio.'
            numbers["phrase_members"] = members
        ideas.append(
            Idea(
                title=f'Post {form} "{subject}" for your "{segment.name}" followers',
                reasoning=reasoning,
                segment=segment.name,
                trend=None,
                numbers=numbers,
            )
        )
    return ideas


def _leaning(
    counts: dict[int, int], segments: dict[int, Segment], authors: int, total: int
) -> tuple[Segment | None, float]:
    """The segment over-represented most among a trend's authors (at least `_MIN_AUTHORS` of them and
    `_MIN_LEAN` times its share of the audience), with that ratio; (None, 0) when none stands out."""
    best: tuple[Segment | None, float] = (None, 0.0)
    for index, n in sorted(counts.items()):
        segment = segments.get(index)
        if segment is None or n < _MIN_AUTHORS or not segment.size or not authors:
            continue
        lift = (n / authors) / (segment.size / total)
        if lift >= _MIN_LEAN and lift > best[1]:
            best = (segment, lift)
    return best


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _summarize(result: ContentIdeasResult) -> str:
    trends = f" from {len(result.trends)} rising terms" if result.trends else " from segments only"
    return f"suggested {len(result.ideas)} post ideas{trends}"


TOOLS = [
    AnalyticsTool(
        name="content_ideas",
        description=(
            "Post ideas for the user, grounded in their audience: the interest segments of their followers "
            "(from bios) and, when followers' recent posts are imported, the terms rising among those posts "
            "(used in more posts in the last `days` days than in the `days` before, with counts for both "
            "windows and the growth). Each idea says why, with the numbers behind it (trend counts, segment "
            "size and share). Arguments: `days` recent window for trends (default 14); `limit` how many "
            "ideas (default 5). Use it for 'what should I post about', 'give me content ideas', 'what is "
            "trending among my followers'."
        ),
        arguments=ContentIdeasArgs,
        result=ContentIdeasResult,
        run=run_content_ideas,
        summarize=_summarize,
    )
]
