"""Writing the connection answers in Markdown: influencers, mutual connections (and whom to follow back),
and collaboration suggestions with their DM drafts.

DM drafts are the tool's own text built from extracted bio terms and the handle; they are shown escaped,
as a quote to review, and nothing is sent.
"""

from __future__ import annotations

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
from followlytics.agent.llm.builtin.top_followers import render_top_followers_record
from followlytics.agent.tools import ToolCallRecord
from followlytics.audience.datasets import Dataset, import_hint

if TYPE_CHECKING:
    from followlytics.analytics.growth import (
        CollaborationResult,
        InfluentialFollowersResult,
        MutualConnectionsResult,
    )

__all__ = ["RENDERERS", "render_collaborations", "render_influencers", "render_mutuals"]


def render_influencers(record: ToolCallRecord, account_handle: str) -> str:
    # Imported here, not at the top: planning a question never needs the analytics modules loaded.
    from followlytics.analytics.growth import InfluentialFollowersResult

    result = record.result
    if not isinstance(result, InfluentialFollowersResult):
        return fallback_section(record, account_handle)
    of = f" of {handle(account_handle)}" if account_handle.strip("@") else ""
    threshold = f"{result.threshold:,}+ followers"
    filters = _labels(record.arguments)
    where = f" ({', '.join(filters)})" if filters else ""
    if not result.followers:
        head = (
            f"**No follower{of} has {threshold}{where}** — checked "
            f"{plural(result.total_followers, 'follower')}."
        )
    else:
        ranks = (
            f", ranked {result.offset + 1:,} to {result.offset + len(result.followers):,}"
            if result.offset
            else ""
        )
        head = (
            f"**{plural(result.matched, 'influencer')}{of} with {threshold}{where}** — "
            f"{percent(result.share_of_audience, 1)} of {result.total_followers:,} followers, with a "
            f"combined reach of {result.combined_reach:,} (an upper bound: their audiences overlap). "
            f"Showing {len(result.followers):,}{ranks}."
        )
    parts = [head, *note_lines(result.notes)]
    if result.followers:
        parts.append(follower_table(result.followers))
    parts.append(what_to_do(_influencer_advice(result)))
    parts.append(evidence_section(record, result.evidence))
    return "\n\n".join(parts)


def _influencer_advice(result: InfluentialFollowersResult) -> list[str]:
    if not result.followers:
        lower = max(result.threshold // 10, 1)
        return [f"Lower the threshold, e.g. *influencers over {lower:,} followers*."]
    top = result.followers[0]
    lines = [
        f"**{handle(top.username)}** has the most reach ({(top.followers_count or 0):,} followers): reply to "
        "their posts and look for a collaboration — ask *who should I collaborate with?* for DM drafts.",
        f"{result.verified_matched:,} of these {result.matched:,} "
        f"{'is' if result.verified_matched == 1 else 'are'} verified.",
    ]
    if result.matched > result.offset + len(result.followers):
        lines.append("Ask *and the next 10?* to see more of them.")
    return lines


def render_mutuals(record: ToolCallRecord, account_handle: str) -> str:
    from followlytics.analytics.growth import MutualConnectionsResult

    result = record.result
    if not isinstance(result, MutualConnectionsResult):
        return fallback_section(record, account_handle)
    head = (
        f"**{plural(result.mutual_count, 'mutual connection')}** — "
        f"{percent(result.share_of_followers, 1)} of your {result.total_followers:,} followers, and "
        f"{percent(result.share_of_following, 1)} of the {result.total_following:,} accounts you follow."
    )
    parts = [head, *note_lines(result.notes)]
    if result.mutuals:
        ranks = (
            f" (ranked {result.offset + 1:,} to {result.offset + len(result.mutuals):,})"
            if result.offset
            else ""
        )
        parts.append(f"**Mutuals by value score{ranks}**\n" + follower_table(result.mutuals))
    back = result.follow_back
    if back.top:
        parts.append(
            f"**Worth following back**: {back.count:,} of your {back.high_value_followers:,} highest-value "
            f"followers (top {percent(back.high_value_share)}) are not followed by you.\n"
            + follower_table(back.top)
        )
    parts.append(what_to_do(_mutual_advice(result)))
    parts.append(evidence_section(record, result.evidence))
    return "\n\n".join(parts)


def _mutual_advice(result: MutualConnectionsResult) -> list[str]:
    lines = []
    if result.mutuals:
        top = result.mutuals[0]
        lines.append(
            f"{handle(top.username)} is your strongest mutual (score {top.score:.1f}): mutuals see your "
            "posts and you see theirs, the easiest people to start a collaboration with."
        )
    if result.follow_back.top:
        names = ", ".join(handle(f.username) for f in result.follow_back.top[:3])
        lines.append(f"Follow back {names}: high-value followers you don't follow yet.")
    if not lines:
        lines.append("None of your followers is followed back yet: start with your top followers.")
    return lines


def render_collaborations(record: ToolCallRecord, account_handle: str) -> str:
    from followlytics.analytics.growth import CollaborationResult

    result = record.result
    if not isinstance(result, CollaborationResult):
        return fallback_section(record, account_handle)
    basis = (
        f"the topic {quote(record.arguments.get('topic', ''))}"
        if result.reference == "topic"
        else "your audience's most common bio terms"
    )
    terms = ", ".join(quote(term) for term in result.reference_terms[:8])
    head = (
        f"**{plural(len(result.candidates), 'collaboration candidate')}** — of {result.considered:,} "
        f"followers with {record.arguments.get('min_followers', 10_000):,}+ followers, {result.matched:,} "
        f"{'shares' if result.matched == 1 else 'share'} terms with {basis}"
        + (f" ({terms})." if terms else ".")
    )
    parts = [head, *note_lines(result.notes)]
    if result.candidates:
        parts.append(_candidates_table(result))
        parts.append(_drafts(result))
    parts.append(what_to_do(_collaboration_advice(result, account_handle)))
    parts.append(evidence_section(record, result.evidence))
    return "\n\n".join(parts)


def _candidates_table(result: CollaborationResult) -> str:
    rows = ["| # | Candidate | Followers | Match | Mutual | Shared terms |", "|---:|---|---:|---:|---|---|"]
    for c in result.candidates:
        who = handle(c.username) + (" ✓" if c.verified else "")
        count = "—" if c.followers_count is None else f"{c.followers_count:,}"
        mutual = {True: "yes", False: "no", None: "—"}[c.mutual]
        shared = ", ".join(quote(term) for term in c.shared_terms) or "—"
        rows.append(f"| {c.rank} | {who} | {count} | {c.match:.2f} | {mutual} | {shared} |")
    return "\n".join(rows)


def _drafts(result: CollaborationResult) -> str:
    drafts = [f"{handle(c.username)}:\n> {md(c.dm_draft)}" for c in result.candidates]
    return "**DM drafts to review (nothing is sent)**\n\n" + "\n\n".join(drafts)


def _collaboration_advice(result: CollaborationResult, account_handle: str) -> list[str]:
    if not result.candidates:
        return [
            "Lower the follower minimum (e.g. *collab partners with at least 1k followers*) or try a broader "
            "topic."
        ]
    top = result.candidates[0]
    lines = [
        f"Start with {handle(top.username)} (match {top.match:.2f}): edit the draft so it sounds like you, "
        "then send it yourself."
    ]
    mutuals = sum(1 for c in result.candidates if c.mutual)
    if result.following_imported and mutuals:
        lines.append(
            f"{mutuals:,} of these {len(result.candidates):,} are mutual follows already: the warmest "
            "introductions."
        )
    if not result.following_imported:
        lines.append(
            "So mutual follows rank higher: "
            + inert(import_hint(Dataset.FOLLOWING, account_handle.lstrip("@") or None))
        )
    return lines


def _labels(args: dict[str, object]) -> list[str]:
    labels = []
    if args.get("location"):
        labels.append(f"in {md(args['location'])}")
    if args.get("verified") is True:
        labels.append("verified")
    elif args.get("verified") is False:
        labels.append("unverified")
    return labels


RENDERERS: dict[str, Renderer] = {
    "influential_followers": render_influencers,
    "mutual_connections": render_mutuals,
    "collaboration_suggestions": render_collaborations,
    "top_followers": lambda record, account_handle: render_top_followers_record(record, account_handle),
}
