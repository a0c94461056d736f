"""Writing the posting-times answer in Markdown: the top slots in the answer's time zone with what backs
each, the strongest and weakest days, what the times rest on, what to do, and the evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from followlytics.agent.llm.builtin.markdown import (
    Renderer,
    evidence_section,
    fallback_section,
    inert,
    md,
    note_lines,
    plural,
    what_to_do,
)
from followlytics.agent.tools import ToolCallRecord
from followlytics.audience.datasets import Dataset, import_hint

if TYPE_CHECKING:
    from followlytics.analytics.posting_times import PostingTimesResult

__all__ = ["RENDERERS", "render_posting_times"]

_SOURCES = {
    "tweets": "how your own posts did",
    "follower_tweets": "when your followers post",
    "follower_locations": "your followers' time zones (from their locations)",
}
_THIN_POSTS = 30  # below this many posts, say the engagement part is thin


def render_posting_times(record: ToolCallRecord, account_handle: str) -> str:
    # Imported here, not at the top: planning a question never needs the analytics modules loaded.
    from followlytics.analytics.posting_times import PostingTimesResult

    result = record.result
    if not isinstance(result, PostingTimesResult):
        return fallback_section(record, account_handle)
    zone = md(result.timezone)
    parts = []
    if result.top_slots:
        labels = ", ".join(f"**{md(slot.label)}**" for slot in result.top_slots)
        parts.append(f"**Best times to post** (times in {zone}): {labels}.")
        parts.append(_table(result))
    else:
        parts.append(
            f"**No posting time stands out yet** (times in {zone}): there is not enough data to rank slots."
        )
    parts += note_lines(result.notes)
    parts.append(_basis(result))
    parts.append(what_to_do(_advice(result, account_handle)))
    window = ""
    if result.window_start or result.window_end:
        window = f"- Window: {md((result.window_start or '…')[:10])} to {md((result.window_end or '…')[:10])}"
    parts.append(evidence_section(record, result.evidence, *([window] if window else [])))
    return "\n\n".join(parts)


def _table(result: PostingTimesResult) -> str:
    rows = [
        "| # | Slot | Score | Your posts | Engagement rate | Follower activity | Backed by |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for slot in result.top_slots:
        rate = _rate(slot.engagement_rate, result.normalisation)
        activity = "—" if slot.follower_activity is None else f"{slot.follower_activity:.2f}"
        rows.append(
            f"| {slot.rank} | {md(slot.label)} | {slot.score:.2f} | {slot.posts:,} | {rate} | {activity} "
            f"| {md(slot.basis)} |"
        )
    return "\n".join(rows)


def _rate(rate: float | None, normalisation: str | None) -> str:
    """An engagement rate as people read it: % of impressions, per 1,000 followers, or interactions."""
    if rate is None:
        return "—"
    if normalisation == "impressions":
        return f"{rate * 100:.2f}% of impressions"
    if normalisation == "followers":
        return f"{rate * 1000:.2f} per 1k followers"
    return f"{rate:,.1f} interactions"


def _basis(result: PostingTimesResult) -> str:
    used = [
        f"{_SOURCES.get(name, md(name))} (weight {result.weights.get(_part(name), 1.0):.0%})"
        for name in result.sources_used
    ]
    line = "These times rest on " + (" and ".join(used) if used else "no data") + "."
    if result.posts_analyzed:
        by = {"impressions": "impressions", "followers": "follower count", "none": "nothing"}.get(
            result.normalisation or "none", "nothing"
        )
        line += f" {plural(result.posts_analyzed, 'post')} analysed; engagement divided by {by}."
    return line


def _part(source: str) -> str:
    return "posts" if source == "tweets" else "followers"


def _advice(result: PostingTimesResult, account_handle: str) -> list[str]:
    lines: list[str] = []
    if result.top_slots:
        first = result.top_slots[0]
        lines.append(
            f"Schedule your next important post for {md(first.label)} ({md(result.timezone)}); it scores "
            f"{first.score:.2f} of 1 — {md(first.basis)}."
        )
    if len(result.top_slots) > 1:
        others = " and ".join(md(slot.label) for slot in result.top_slots[1:])
        lines.append(f"Use {others} for the rest of the week, and compare how those posts do.")
    if "tweets" not in result.sources_used:
        lines.append(
            "These times come from your followers, not from how your own posts did: "
            + _import(result, Dataset.TWEETS, account_handle)
        )
    elif result.posts_analyzed < _THIN_POSTS:
        lines.append(
            f"Only {plural(result.posts_analyzed, 'post')} back the engagement part; the ranking firms up "
            "as you post more in different slots."
        )
    if not any(name.startswith("follower") for name in result.sources_used):
        lines.append(
            "To blend in when your followers are online: "
            + _import(result, Dataset.FOLLOWER_TWEETS, account_handle)
        )
    return lines[:4]


def _import(result: PostingTimesResult, dataset: Dataset, account_handle: str) -> str:
    """How to import `dataset`, unless a note of the tool already says it (then point to it)."""
    if any(f"--kind {dataset.cli_kind}" in note for note in result.notes):
        return f"import your {dataset.description} as the note above says."
    return inert(import_hint(dataset, account_handle.lstrip("@") or None))


RENDERERS: dict[str, Renderer] = {"posting_times": render_posting_times}
