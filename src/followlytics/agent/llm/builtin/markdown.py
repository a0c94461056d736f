"""Writing Markdown safely, and the parts every answer shares: the evidence section, the "import this"
section for calls whose data is missing, and a plain section for a tool no renderer knows yet.

Text that came from the user's audience (names, bios, locations, extracted terms) or from the question goes
through `md` (inert: no markup, links or table breaks) or `quote` (a short term in quotes, cut to length),
so follower profiles cannot write instructions or links into an answer. Usernames are shown as `@name`
after the same escaping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from followlytics.agent.llm import MissingData, Plan
from followlytics.agent.tools import ToolCallRecord
from followlytics.analytics.evidence import Evidence

__all__ = [
    "Renderer",
    "code",
    "evidence_section",
    "fallback_section",
    "handle",
    "inert",
    "md",
    "note_lines",
    "missing_section",
    "number",
    "percent",
    "plain",
    "plural",
    "quote",
    "render_plan",
    "render_records",
    "what_to_do",
]

Renderer = Callable[[ToolCallRecord, str], str]
"""Writes one tool call's section from its record and the account's handle."""

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#!|~&])")
_MAX_QUOTED = 40


def md(text: object) -> str:
    """User-provided text made inert inside Markdown: one line, no markup, no links, no table breaks."""
    flat = " ".join(str(text).split())
    escaped = _MD_SPECIAL.sub(r"\\\1", flat)
    # GFM turns bare URLs into links; breaking the scheme separator and `www.` keeps them plain text.
    escaped = re.sub(r"(?i)(?<=[a-z0-9]):(/+)", lambda m: ":" + "\\/" * len(m.group(1)), escaped)
    return re.sub(r"(?i)\bwww\.", r"www\\.", escaped)


def quote(term: object, *, limit: int = _MAX_QUOTED) -> str:
    """A short extracted term (a keyword, hashtag, segment name) in quotes, escaped and cut to `limit`."""
    flat = " ".join(str(term).split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return f"“{md(flat)}”"


def handle(username: object) -> str:
    return f"@{md(str(username).lstrip('@'))}"


def code(text: object) -> str:
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (plural_word or word + 's')}"


def number(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def percent(share: float | None, digits: int = 0) -> str:
    """A 0-1 share as a percentage ("37%"); a share too small to show is "<0.1%", not "0.0%"."""
    if share is None:
        return "—"
    smallest = 10.0**-digits
    if 0 < share * 100 < smallest:
        return f"<{smallest:.{digits}f}%"
    return f"{share * 100:.{digits}f}%"


def note_lines(notes: Sequence[str]) -> list[str]:
    """Each note as an italic line; commands in `code` stay runnable, the rest is escaped."""
    return [f"_Note: {inert(note)}_" for note in dict.fromkeys(notes)]


def plain(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def what_to_do(lines: Sequence[str]) -> str:
    return "**What to do**\n" + "\n".join(f"- {line}" for line in lines if line)


def evidence_section(record: ToolCallRecord, evidence: Evidence | None, *extra: str) -> str:
    """Snapshots read, rows, fields, filters, method and the tool call, plus any `extra` lines."""
    lines: list[str] = []
    if evidence is not None:
        taken = f" (taken {md(evidence.snapshot_created_at)})" if evidence.snapshot_created_at else ""
        lines.append(f"- Snapshot: {code(evidence.snapshot)}{taken}")
        others = [source for source in evidence.sources[1:]]
        for source in others:
            whose = f" of {handle(source.handle)}" if source.handle else ""
            lines.append(
                f"- Also read: {md(source.dataset)}{whose} {code(source.snapshot)} ({source.rows:,} rows)"
            )
        lines.append(f"- Rows read: {evidence.rows_read:,}; rows matched: {evidence.rows_matched:,}")
        lines.append(f"- Fields used: {', '.join(md(field) for field in evidence.fields) or 'none'}")
        filters = ", ".join(f"{md(key)} = {md(plain(value))}" for key, value in evidence.filters.items())
        lines.append(f"- Filters: {filters or 'none'}")
        if evidence.sample_sizes:
            sizes = ", ".join(f"{md(key)}: {value:,}" for key, value in evidence.sample_sizes.items())
            lines.append(f"- Sample sizes: {sizes}")
        lines.append(f"- Method: {md(evidence.method)}")
    lines.extend(extra)
    lines.append(f"- Tool: {code(record.name)} — {md(record.summary)}")
    return "**Evidence**\n" + "\n".join(lines)


def missing_section(records: Sequence[ToolCallRecord]) -> str:
    """What to import for every call that could not run, quoting each error's instructions."""
    lines = []
    seen: set[str] = set()
    for record in records:
        if not isinstance(record.result, MissingData):
            continue
        message = inert(record.result.message)
        if message in seen:
            continue
        seen.add(message)
        lines.append(f"- {code(record.name)}: {message}")
    return "**Data needed**\n" + "\n".join(lines)


def fallback_section(record: ToolCallRecord, account_handle: str) -> str:
    """A tool's one-line summary and its evidence, for a tool with no renderer of its own."""
    evidence = getattr(record.result, "evidence", None)
    summary = f"**{md(record.name.replace('_', ' ').capitalize())}**: {md(record.summary)}"
    return "\n\n".join(
        [summary, evidence_section(record, evidence if isinstance(evidence, Evidence) else None)]
    )


def render_records(
    records: Sequence[ToolCallRecord], renderers: Mapping[str, Renderer], account_handle: str
) -> list[str]:
    """One section per record, by its tool's renderer (or the plain fallback)."""
    return [renderers.get(record.name, fallback_section)(record, account_handle) for record in records]


def inert(message: str) -> str:
    """A note or error message with its `code spans` kept (the commands to run) and the rest escaped."""
    parts = message.split("`")
    if len(parts) % 2 == 0:  # an unbalanced backtick: treat all of it as text
        return md(message)
    return "".join(_md_spaced(part) if index % 2 == 0 else code(part) for index, part in enumerate(parts))


def _md_spaced(text: str) -> str:
    """`md(text)` keeping one space at either end, so text next to a code span stays apart from it."""
    core = md(text)
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() and core else ""
    return lead + core + trail


def render_plan(
    plan: Plan, records: Sequence[ToolCallRecord], renderers: Mapping[str, Renderer], account_handle: str
) -> str:
    """The plan's notes, then one section per record."""
    parts = note_lines(plan.notes)
    parts += render_records(records, renderers, account_handle)
    return "\n\n".join(parts)
