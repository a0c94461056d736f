"""Writing the follower-changes answer in Markdown: gained, lost, net and growth between two snapshots, the
notable gains and losses, what to do about them, and the evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from followlytics.agent.llm.builtin.markdown import (
    Renderer,
    evidence_section,
    fallback_section,
    handle,
    md,
    note_lines,
    plural,
    what_to_do,
)
from followlytics.agent.tools import ToolCallRecord

if TYPE_CHECKING:
    from followlytics.analytics.changes import ChangedFollower, FollowerChangesResult

__all__ = ["RENDERERS", "render_follower_changes"]


def render_follower_changes(record: ToolCallRecord, account_handle: str) -> str:
    # Imported here, not at the top: planning a question never needs the analytics modules loaded.
    from followlytics.analytics.changes import FollowerChangesResult

    result = record.result
    if not isinstance(result, FollowerChangesResult):
        return fallback_section(record, account_handle)
    parts = [_headline(result, account_handle)]
    parts += note_lines(result.notes)
    if result.notable_gains:
        parts.append("**Notable new followers**\n" + _table(result.notable_gains))
    if result.notable_losses:
        parts.append("**Notable followers lost**\n" + _table(result.notable_losses))
    parts.append(what_to_do(_advice(result, record)))
    compared = (
        f"- Compared: `{md(result.previous_snapshot)}` ({md(result.previous_date[:10])}, "
        f"{result.followers_before:,} followers) with `{md(result.newest_snapshot)}` "
        f"({md(result.newest_date[:10])}, {result.followers_now:,} followers)"
    )
    parts.append(evidence_section(record, result.evidence, compared))
    return "\n\n".join(parts)


def _headline(result: FollowerChangesResult, account_handle: str) -> str:
    who = handle(account_handle) if account_handle.strip("@") else "You"
    growth = "" if result.growth_percent is None else f", {result.growth_percent:+.2f}%"
    return (
        f"**{who} gained {result.gained:,} and lost {result.lost:,} followers: "
        f"net {result.net:+,}{growth}** — "
        f"{result.followers_before:,} → {result.followers_now:,} followers between "
        f"{md(result.previous_date[:10])} and {md(result.newest_date[:10])} ({result.days_between:.1f} days)."
    )


def _table(followers: list[ChangedFollower]) -> str:
    rows = ["| # | Follower | Followers | Why notable |", "|---:|---|---:|---|"]
    for rank, follower in enumerate(followers, start=1):
        who = handle(follower.username)
        if follower.name and follower.name != follower.username:
            who += f" ({md(follower.name)})"
        if follower.verified:
            who += " ✓"
        count = "—" if follower.followers_count is None else f"{follower.followers_count:,}"
        why = "; ".join(md(reason) for reason in follower.reasons) or "—"
        rows.append(f"| {rank} | {who} | {count} | {why} |")
    return "\n".join(rows)


def _advice(result: FollowerChangesResult, record: ToolCallRecord) -> list[str]:
    lines: list[str] = []
    if result.notable_gains:
        top = result.notable_gains[0]
        reach = f" ({top.followers_count:,} followers)" if top.followers_count else ""
        lines.append(
            f"Welcome {handle(top.username)}{reach}, your most notable new follower: reply to their next "
            "post while you are new in their feed."
        )
    if result.notable_losses:
        top = result.notable_losses[0]
        reach = f" ({top.followers_count:,} followers)" if top.followers_count else ""
        lines.append(
            f"{handle(top.username)}{reach} left: look at what you posted just before "
            f"{md(result.newest_date[:10])} before doing more of it."
        )
    if result.verified_gained or result.verified_lost:
        lines.append(
            f"Verified accounts: +{result.verified_gained:,} / -{result.verified_lost:,} "
            f"({plural(result.verified_gained - result.verified_lost, 'verified follower')} net)."
        )
    if result.lost > result.gained:
        lines.append(
            f"You lost more followers than you gained ({result.lost:,} vs {result.gained:,}); ask *what "
            "should I post about?* to line your posts up with what your audience cares about."
        )
    elif result.gained and result.lost == 0:
        lines.append(f"No one left in these {result.days_between:.1f} days — keep the current rhythm.")
    if "days" not in record.arguments:
        lines.append("Ask *follower growth over the last 30 days* to compare over a longer window.")
    return lines[:4] or ["Import a new followers snapshot regularly (e.g. weekly) to follow the trend."]


RENDERERS: dict[str, Renderer] = {"follower_changes": render_follower_changes}
