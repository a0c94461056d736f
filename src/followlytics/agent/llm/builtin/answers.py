"""Writing the top-followers answer in Markdown: headline, table, recommendations and evidence; and the
ranked-follower table the influencer and mutual answers share (`follower_table`).

User-provided text (follower names, locations, reasons, the question's own filters) is escaped with `_md`
before it reaches the answer, so a follower's profile cannot inject links, markup or table breaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from followlytics.agent.llm.builtin.markdown import code as _code
from followlytics.agent.llm.builtin.markdown import md as _md
from followlytics.agent.llm.builtin.markdown import note_lines
from followlytics.agent.llm.builtin.markdown import plain as _plain
from followlytics.agent.llm.builtin.markdown import plural as _plural
from followlytics.agent.llm.builtin.questions import DEFAULT_LIMIT
from followlytics.agent.tools import ToolCallRecord
from followlytics.analytics.ranking import RankedFollower, TopFollowersResult

__all__ = ["follower_table", "render_top_followers"]


def _filter_labels(args: dict[str, Any]) -> list[str]:
    labels = []
    if args.get("location"):
        labels.append(f"in {_md(args['location'])}")
    if args.get("verified") is True:
        labels.append("verified")
    elif args.get("verified") is False:
        labels.append("unverified")
    if args.get("min_followers") is not None:
        labels.append(f"at least {args['min_followers']:,} followers")
    if args.get("max_followers") is not None:
        labels.append(f"at most {args['max_followers']:,} followers")
    return labels


def render_top_followers(
    record: ToolCallRecord, result: TopFollowersResult, notes: Sequence[str], account_handle: str
) -> str:
    args = record.arguments
    handle = _md(account_handle.lstrip("@"))
    labels = _filter_labels(args)
    parts = [_headline(result, labels, handle)]
    parts += note_lines([*notes, *result.notes])
    if result.followers:
        parts.append(_table(result))
        recommendations = _recommendations(result, args, labels)
    else:
        recommendations = _relax_recommendations(result, args)
    parts.append("**What to do**\n" + "\n".join(f"- {line}" for line in recommendations))
    parts.append(_evidence(record, result))
    return "\n\n".join(parts)


def _headline(result: TopFollowersResult, labels: list[str], handle: str) -> str:
    # No handle: the followers came with the question (a stateless ask), not from a named account.
    of = f" of @{handle}" if handle else ""
    filters = f"filters: {', '.join(labels)}"
    if result.total_followers == 0:
        return f"**No followers to rank{of} yet** — the snapshot holds no followers."
    if not result.followers:
        return (
            f"**No follower{of} matched the filters** ({filters}) — "
            f"checked {_plural(result.total_followers, 'follower')}."
        )
    shown = len(result.followers)
    kind = "most engaged" if result.sort == "engagement" else "most valuable"
    what = f"{kind} follower" if shown == 1 else f"{shown:,} {kind} followers"
    if result.offset:
        what += f", ranked {result.offset + 1:,} to {result.offset + shown:,},"
    # "The ... of @rival_brand" reads right for an own account and a competitor alike.
    title = f"The {what}{of}" if handle else f"Your {what}"
    if labels:
        return f"**{title}** — {result.matched:,} of {result.total_followers:,} followers match ({filters})"
    if result.sort == "engagement" and result.engaged is not None:
        return (
            f"**{title}** — {result.engaged:,} of {result.total_followers:,} followers engaged with "
            "the account's posts"
        )
    return f"**{title}** — out of {_plural(result.total_followers, 'follower')}"


def _table(result: TopFollowersResult) -> str:
    return follower_table(result.followers)


def follower_table(followers: Sequence[RankedFollower]) -> str:
    """Rank, follower (escaped name, ✓ verified, protected), follower count, value score and reasons."""
    rows = ["| # | Follower | Followers | Score | Why |", "|---:|---|---:|---:|---|"]
    for follower in followers:
        who = f"@{_md(follower.username)}"
        if follower.name and follower.name != follower.username:
            who += f" ({_md(follower.name)})"
        if follower.verified:
            who += " ✓"
        if follower.protected:
            who += " (protected)"
        count = "—" if follower.followers_count is None else f"{follower.followers_count:,}"
        why = "; ".join(_md(reason) for reason in follower.reasons) or "—"
        rows.append(f"| {follower.rank} | {who} | {count} | {follower.score:.1f} | {why} |")
    return "\n".join(rows)


def _recommendations(result: TopFollowersResult, args: dict[str, Any], labels: list[str]) -> list[str]:
    candidates = [
        _too_few(result, args, labels),
        _most_engaged(result),
        _reach(result),
        _verified_share(result, args, labels),
        _location_cluster(result, args),
        _engagement(result),
        _protected(result),
    ]
    chosen = [line for line in candidates if line][:4]
    if len(chosen) < 2:
        chosen.append(_narrow_down(result, labels))
    return chosen


def _too_few(result: TopFollowersResult, args: dict[str, Any], labels: list[str]) -> str | None:
    asked = int(args.get("limit", DEFAULT_LIMIT))
    if not labels or result.matched >= asked:
        return None
    if args.get("min_followers"):
        loosen = f"a lower minimum than {args['min_followers']:,} followers"
    elif args.get("location"):
        loosen = "a broader location (the region or country)"
    else:
        loosen = "no verification filter"
    return (
        f"Only {_plural(result.matched, 'follower')} {'matches' if result.matched == 1 else 'match'} "
        f"these filters (you asked for {asked:,}) — "
        f"try {loosen} to see more."
    )


def _reach(result: TopFollowersResult) -> str | None:
    counted = [f for f in result.followers if f.followers_count is not None]
    if not counted:
        return None
    top = max(counted, key=lambda f: (f.followers_count or 0, -f.rank))
    count = top.followers_count or 0
    lead = f"**@{_md(top.username)}** has the most reach here ({count:,} followers, ranked #{top.rank})"
    if top.protected:
        return f"{lead}; it is protected, so reach out directly: DM them or reply when they mention you."
    return (
        f"{lead}. Reply to their next posts and look for a collaboration: one share from them puts you in "
        f"front of {count:,} people."
    )


def _most_engaged(result: TopFollowersResult) -> str | None:
    if result.sort != "engagement" or not result.followers:
        return None
    top = result.followers[0]
    if not top.interactions:
        return None
    return (
        f"**@{_md(top.username)}** engaged with you most ({_plural(top.interactions, 'time')}): thank them, "
        "reply to them first, or feature one of their replies — engaged followers are the ones who share."
    )


def _verified_share(result: TopFollowersResult, args: dict[str, Any], labels: list[str]) -> str | None:
    if args.get("verified") is not None or result.verified_matched == 0:
        return None  # a verification filter decides it already, or there is no one verified to compare
    shown = len(result.followers)
    top_verified = sum(1 for f in result.followers if f.verified)
    top_share = top_verified / shown
    all_share = result.verified_matched / result.matched
    engaged = result.sort == "engagement"
    whom = "engaged " if engaged else ("matching " if labels else "")
    line = (
        f"{top_verified:,} of your top {shown:,} {'is' if top_verified == 1 else 'are'} verified, versus "
        f"{all_share:.0%} of {'all' if labels or engaged else 'all your'} {result.matched:,} "
        f"{whom}followers ({result.verified_matched:,} verified)"
    )
    if top_verified == 0:
        who = "your most engaged followers" if engaged else "your most valuable followers"
        earned = "engagement" if engaged else "reach and activity"
        return f"{line} — {who} earned it through {earned}, not a checkmark."
    # "Above their weight" means clearly over-represented: at least twice the audience's share and 5 points.
    if top_share >= 2 * all_share and top_share - all_share >= 0.05:
        return f"{line} — verified accounts punch above their weight here; engage them first."
    return f"{line} — in line with your audience as a whole."


def _location_cluster(result: TopFollowersResult, args: dict[str, Any]) -> str | None:
    if args.get("location") or not result.top_locations:
        return None
    place, count = result.top_locations[0]
    shown = len(result.followers)
    if count < 2 or count / shown < 0.3:
        return None
    place = _md(place)
    return (
        f"{count:,} of your top {shown:,} are in {place} — worth a local meetup, or time some posts for "
        f"{place} hours."
    )


def _protected(result: TopFollowersResult) -> str | None:
    locked = [f for f in result.followers if f.protected]
    if not locked:
        return None
    names = ", ".join(f"@{_md(f.username)}" for f in locked[:3]) + (", …" if len(locked) > 3 else "")
    verb = "is a protected account" if len(locked) == 1 else "are protected accounts"
    return (
        f"{len(locked):,} of your top {len(result.followers):,} {verb} ({names}): you can't see their posts "
        "unless they accept a follow request — send one, or engage when they reply to you."
    )


def _engagement(result: TopFollowersResult) -> str | None:
    # The ranking's own note already says what to import when engagement is missing.
    if result.has_engagement or any("interactions" in note for note in result.notes):
        return None
    return (
        "These scores use profile data only. Import engagement data (a CSV with an `interactions` column) "
        "so followers who actually like, reply to and repost you rank higher."
    )


def _narrow_down(result: TopFollowersResult, labels: list[str]) -> str:
    if labels:
        return "Widen or drop a filter to compare these followers with the rest of your audience."
    place = _md(result.top_locations[0][0]) if result.top_locations else "London"
    return f"Narrow it down with a filter, e.g. *top 10 verified followers in {place}*."


def _relax_recommendations(result: TopFollowersResult, args: dict[str, Any]) -> list[str]:
    if result.total_followers == 0:
        return [
            "Import your followers (an X API sync, or a JSONL or CSV file) and ask again.",
            "Add engagement data (an `interactions` column) at the same time so the ranking can use it.",
        ]
    lines = []
    if args.get("location"):
        lines.append(
            f"No follower's profile location contains “{_md(args['location'])}” (with the other filters) — "
            "try a broader place (the country or region), another spelling, or drop the location."
        )
    if args.get("min_followers") is not None:
        lower = max(args["min_followers"] // 10, 1)
        lines.append(f"Lower the minimum from {args['min_followers']:,} followers, e.g. to {lower:,}.")
    if args.get("verified") is not None:
        word = "verified" if args["verified"] else "unverified"
        lines.append(f"Drop “{word}” to include every account.")
    lines.append(
        f"Ask *who are my most valuable followers?* with no filters to rank all "
        f"{result.total_followers:,} of them."
    )
    return lines[:4]


def _evidence(record: ToolCallRecord, result: TopFollowersResult) -> str:
    evidence = result.evidence
    taken = f" (taken {_md(evidence.snapshot_created_at)})" if evidence.snapshot_created_at else ""
    filters = ", ".join(f"{_md(key)} = {_md(_plain(value))}" for key, value in evidence.filters.items())
    engagement = "used" if result.has_engagement else "not imported"
    lines = [
        f"- Snapshot: {_code(evidence.snapshot)}{taken}",
        f"- Rows read: {evidence.rows_read:,}; rows matched: {evidence.rows_matched:,}",
        f"- Fields used: {', '.join(_md(field) for field in evidence.fields) or 'none'}",
        f"- Filters: {filters or 'none'}",
        f"- Method: {_md(evidence.method)}; engagement data: {engagement}",
        f"- Tool: {_code(record.name)} — {record.summary}",
    ]
    return "**Evidence**\n" + "\n".join(lines)
