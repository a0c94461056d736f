"""Writing the content-ideas answer in Markdown: the ideas with the numbers behind each, the terms rising
among followers' posts, what to do, and the evidence.

Ideas are the tool's own sentences built from extracted terms and counts; they are escaped like any other
text, and trend terms are quoted and cut short.
"""

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
    quote,
    what_to_do,
)
from followlytics.agent.tools import ToolCallRecord

if TYPE_CHECKING:
    from followlytics.analytics.ideas import ContentIdeasResult

__all__ = ["RENDERERS", "render_content_ideas"]


def render_content_ideas(record: ToolCallRecord, account_handle: str) -> str:
    # Imported here, not at the top: planning a question never needs the analytics modules loaded.
    from followlytics.analytics.ideas import ContentIdeasResult

    result = record.result
    if not isinstance(result, ContentIdeasResult):
        return fallback_section(record, account_handle)
    parts = [_headline(result, record)]
    parts += note_lines(result.notes)
    if result.ideas:
        parts.append(
            "\n".join(
                f"{rank}. **{md(idea.title)}** — {inert(idea.reasoning)}"
                for rank, idea in enumerate(result.ideas, start=1)
            )
        )
    if result.trends:
        rows = [
            "| Rising term | Recent posts | Posts before | Followers using it | Growth |",
            "|---|---:|---:|---:|---:|",
        ]
        rows += [
            f"| {quote(t.term)} | {t.recent:,} | {t.previous:,} | {t.authors:,} | {t.growth:.1f}x |"
            for t in result.trends
        ]
        parts.append("\n".join(rows))
    parts.append(what_to_do(_advice(result)))
    window = []
    if result.window is not None:
        w = result.window
        window.append(
            f"- Windows: recent {md(w.recent_start[:10])} to {md(w.end[:10])} ({w.recent_posts:,} posts), "
            f"before from {md(w.previous_start[:10])} ({w.previous_posts:,} posts)"
        )
    parts.append(evidence_section(record, result.evidence, *window))
    return "\n\n".join(parts)


def _headline(result: ContentIdeasResult, record: ToolCallRecord) -> str:
    basis = f"the interest segments of {result.segmented:,} of your {result.followers:,} followers"
    if result.window is not None and result.trends:
        days = record.arguments.get("days", 14)
        basis += f" and {plural(len(result.trends), 'term')} rising in their posts over the last {days} days"
    return f"**{plural(len(result.ideas), 'post idea')}** — grounded in {basis}."


def _advice(result: ContentIdeasResult) -> list[str]:
    lines = []
    if result.ideas:
        first = result.ideas[0]
        lines.append(f"Start with “{md(first.title)}”: it rests on the strongest numbers here.")
    if result.trends:
        top = result.trends[0]
        lines.append(
            f"{quote(top.term)} is rising fastest ({top.recent:,} recent posts by {top.authors:,} followers, "
            f"{top.growth:.1f}x): post about it while it is still rising."
        )
    lines.append("Ask *when should I post?* to schedule them at your best times.")
    return lines


RENDERERS: dict[str, Renderer] = {"content_ideas": render_content_ideas}
