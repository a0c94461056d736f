"""Writing the competitor answers in Markdown: overlap, who to win, and the audience (and post) comparison
with where the competitor is ahead, each quoting the counts and shares it rests on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from followlytics.agent.llm.builtin.answers import follower_table
from followlytics.agent.llm.builtin.markdown import (
    Renderer,
    evidence_section,
    fallback_section,
    handle,
    inert,
    md,
    note_lines,
    percent,
    plural,
    quote,
    what_to_do,
)
from followlytics.agent.tools import ToolCallRecord

if TYPE_CHECKING:
    from followlytics.analytics.competitor_posts import PostComparison
    from followlytics.analytics.competitors import (
        AccountRef,
        CompetitorComparisonResult,
        CompetitorOverlapResult,
        CompetitorTargetsResult,
        OverlapCounts,
        ShareRow,
    )

__all__ = ["RENDERERS", "render_comparison", "render_overlap", "render_targets"]

_NOTABLE_GAP = 0.03  # a share difference below 3 points is noise, as in the comparison's own suggestions
_ROWS = 6


def _name(account: AccountRef, fallback: str) -> str:
    return handle(account.handle) if account.handle else fallback


def render_overlap(record: ToolCallRecord, account_handle: str) -> str:
    # Imported here, not at the top: planning a question never needs the analytics modules loaded.
    from followlytics.analytics.competitors import CompetitorOverlapResult

    result = record.result
    if not isinstance(result, CompetitorOverlapResult):
        return fallback_section(record, account_handle)
    you, rival = _name(result.account, "You"), _name(result.competitor, "your competitor")
    counts = result.overlap
    parts = [
        f"**{you} and {rival} share {plural(counts.shared, 'follower')}** — {_overlap_line(counts, rival)}"
    ]
    parts += note_lines(result.notes)
    if result.top_shared:
        parts.append("**Shared followers worth most to you**\n" + follower_table(result.top_shared))
    parts.append(what_to_do(_overlap_advice(result, rival)))
    parts.append(evidence_section(record, result.evidence))
    return "\n\n".join(parts)


def _overlap_line(counts: OverlapCounts, rival: str) -> str:
    return (
        f"{percent(counts.shared_share_of_own, 1)} of your {counts.own_followers:,} followers and "
        f"{percent(counts.shared_share_of_competitor, 1)} of {rival}'s {counts.competitor_followers:,} "
        f"(Jaccard {counts.jaccard:.3f}); {counts.only_competitor:,} follow only {rival}, "
        f"{counts.only_own:,} only you."
    )


def _overlap_advice(result: CompetitorOverlapResult, rival: str) -> list[str]:
    counts = result.overlap
    lines = [
        f"{counts.only_competitor:,} people follow {rival} but not you — ask *who can I win from {rival}?* "
        "for the best of them."
    ]
    if result.top_shared:
        top = result.top_shared[0]
        lines.append(
            f"{handle(top.username)} (score {top.score:.1f}) follows you both: keep them engaged, they see "
            f"{rival}'s posts too."
        )
    return lines


def render_targets(record: ToolCallRecord, account_handle: str) -> str:
    from followlytics.analytics.competitors import CompetitorTargetsResult

    result = record.result
    if not isinstance(result, CompetitorTargetsResult):
        return fallback_section(record, account_handle)
    rival = _name(result.competitor, "your competitor")
    offset = int(record.arguments.get("offset", 0) or 0)
    shown = len(result.targets)
    ranks = f", ranked {offset + 1:,} to {offset + shown:,}" if offset and shown else ""
    filtered = f"; {result.matched:,} pass the filters" if result.matched != result.not_following_you else ""
    parts = [
        f"**{result.not_following_you:,} of {rival}'s {result.competitor_followers:,} followers don't follow "
        f"you**{filtered}. The best {shown:,} to win by value score{ranks}:"
    ]
    parts += note_lines(result.notes)
    if result.targets:
        parts.append(follower_table(result.targets))
    parts.append(what_to_do(_targets_advice(result, rival, offset)))
    parts.append(evidence_section(record, result.evidence))
    return "\n\n".join(parts)


def _targets_advice(result: CompetitorTargetsResult, rival: str, offset: int) -> list[str]:
    if not result.targets:
        return ["Loosen the filters (a broader place, a lower follower minimum) to see more of them."]
    top = result.targets[0]
    lines = [
        f"Start with {handle(top.username)} ({(top.followers_count or 0):,} followers, score "
        f"{top.score:.1f}): reply to their posts for a while before you follow or DM — they already like "
        "what this niche posts.",
        f"{result.verified_matched:,} of these {result.matched:,} "
        f"{'is' if result.verified_matched == 1 else 'are'} verified.",
    ]
    if result.matched > offset + len(result.targets):
        lines.append("Ask *and the next 10?* for more of them.")
    return lines


def render_comparison(record: ToolCallRecord, account_handle: str) -> str:
    from followlytics.analytics.competitors import CompetitorComparisonResult

    result = record.result
    if not isinstance(result, CompetitorComparisonResult):
        return fallback_section(record, account_handle)
    you, rival = _name(result.account, "You"), _name(result.competitor, "your competitor")
    own, theirs = result.own_audience.followers, result.competitor_audience.followers
    parts = [
        f"**{you} vs {rival}**: {own:,} vs {theirs:,} followers, "
        f"{plural(result.overlap.shared, 'follower')} in common (Jaccard {result.overlap.jaccard:.3f})."
    ]
    parts += note_lines(result.notes)
    ahead = _ahead(result, rival)
    if ahead:
        parts.append(f"**Where {rival} is ahead**\n" + "\n".join(f"- {line}" for line in ahead))
    parts.append(_figures(result, rival))
    if result.segments:
        parts.append(
            "**Interest segments** (learned on your followers)\n" + _shares(result.segments, rival, True)
        )
    if result.countries:
        parts.append("**Countries**\n" + _shares(result.countries, rival))
    if result.size_bands:
        parts.append(
            "**Followers by their own follower count**\n" + _shares(result.size_bands, rival, keep=True)
        )
    if result.posts is not None:
        parts.append(_posts(result.posts, rival))
    parts.append(what_to_do([inert(line) for line in result.suggestions] or ["Nothing stands out yet."]))
    parts.append(evidence_section(record, result.evidence))
    return "\n\n".join(parts)


def _ahead(result: CompetitorComparisonResult, rival: str) -> list[str]:
    lines = []
    for label, rows in (("segment", result.segments), ("country", result.countries)):
        for row in sorted(rows, key=lambda r: -r.difference)[:2]:
            if row.difference >= _NOTABLE_GAP:
                lines.append(
                    f"The {label} {quote(row.name)}: {percent(row.competitor_share)} of {rival}'s followers "
                    f"vs {percent(row.own_share)} of yours ({row.competitor_count:,} vs {row.own_count:,})."
                )
    if result.competitor_audience.verified_share - result.own_audience.verified_share >= 0.01:
        lines.append(
            f"Verified followers: {percent(result.competitor_audience.verified_share, 1)} vs "
            f"{percent(result.own_audience.verified_share, 1)} of yours."
        )
    posts = result.posts
    if posts is not None and (posts.engagement_per_post_ratio or 0) > 1.1:
        lines.append(
            f"Engagement per post: {_num(posts.competitor.engagement_per_post)} vs "
            f"{_num(posts.own.engagement_per_post)} ({posts.engagement_per_post_ratio:.1f}x yours)."
        )
    if posts is not None and (posts.posts_per_week_ratio or 0) > 1.1:
        lines.append(
            f"Posting pace: {_num(posts.competitor.posts_per_week)} posts a week vs "
            f"{_num(posts.own.posts_per_week)} ({posts.posts_per_week_ratio:.1f}x yours)."
        )
    return lines


def _figures(result: CompetitorComparisonResult, rival: str) -> str:
    own, other = result.own_audience, result.competitor_audience
    rows = [
        f"| | You | {rival} |",
        "|---|---:|---:|",
        f"| Followers | {own.followers:,} | {other.followers:,} |",
        f"| Verified | {own.verified:,} ({percent(own.verified_share, 1)}) | "
        f"{other.verified:,} ({percent(other.verified_share, 1)}) |",
        f"| Median follower count | {_num(own.median_followers)} | {_num(other.median_followers)} |",
        f"| Placed in a country | {own.placed:,} | {other.placed:,} |",
        f"| In a segment | {own.segmented:,} | {other.segmented:,} |",
    ]
    return "\n".join(rows)


def _shares(rows: Sequence[ShareRow], rival: str, quoted: bool = False, *, keep: bool = False) -> str:
    shown = list(rows) if keep else sorted(rows, key=lambda r: -abs(r.difference))[:_ROWS]
    lines = [f"| | You | {rival} | Difference |", "|---|---:|---:|---:|"]
    for row in shown:
        name = quote(row.name) if quoted else md(row.name)
        lines.append(
            f"| {name} | {percent(row.own_share)} ({row.own_count:,}) | {percent(row.competitor_share)} "
            f"({row.competitor_count:,}) | {row.difference * 100:+.1f} pts |"
        )
    return "\n".join(lines)


def _posts(posts: PostComparison, rival: str) -> str:
    own, other = posts.own, posts.competitor
    rows = [
        f"| Posts | You | {rival} |",
        "|---|---:|---:|",
        f"| Posts counted | {own.posts:,} | {other.posts:,} |",
        f"| Posts per week | {_num(own.posts_per_week)} | {_num(other.posts_per_week)} |",
        f"| Engagement per post | {_num(own.engagement_per_post)} | {_num(other.engagement_per_post)} |",
        f"| Busiest 3 hours (UTC) | {_slot(own.peak_window)} | {_slot(other.peak_window)} |",
        f"| Top hashtags | {_tags(own.top_hashtags)} | {_tags(other.top_hashtags)} |",
    ]
    return "\n".join(rows)


def _tags(tags: Sequence[object]) -> str:
    return ", ".join(quote(getattr(tag, "term", "")) for tag in tags[:3]) or "—"


def _slot(slot: object) -> str:
    if slot is None:
        return "—"
    return f"{md(getattr(slot, 'slot', ''))} ({percent(getattr(slot, 'share', 0.0))})"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


RENDERERS: dict[str, Renderer] = {
    "competitor_overlap": render_overlap,
    "competitor_targets": render_targets,
    "competitor_comparison": render_comparison,
}
