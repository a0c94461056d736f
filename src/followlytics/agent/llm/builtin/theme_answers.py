"""Writing the audience answers in Markdown: themes (segments, keywords, phrases, hashtags, emoji,
languages) and where followers are (countries, cities, time zones, what could not be placed).

Bios and locations are the followers' own text: only extracted terms and place names appear, each quoted,
escaped and cut short (`quote`), never a whole bio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from followlytics.agent.llm.builtin.markdown import (
    Renderer,
    evidence_section,
    fallback_section,
    handle,
    md,
    note_lines,
    percent,
    plural,
    quote,
    what_to_do,
)
from followlytics.agent.tools import ToolCallRecord

if TYPE_CHECKING:
    from followlytics.analytics.geo import AudienceLocationsResult
    from followlytics.analytics.themes import AudienceThemesResult, TermCount

__all__ = ["RENDERERS", "render_locations", "render_themes"]

_SECOND_LANGUAGE_SHARE = 0.10  # a language this common among bios is worth posting in


def render_themes(record: ToolCallRecord, account_handle: str) -> str:
    # Imported here, not at the top: planning a question never needs the analytics modules loaded.
    from followlytics.analytics.themes import AudienceThemesResult

    result = record.result
    if not isinstance(result, AudienceThemesResult):
        return fallback_section(record, account_handle)
    where = f" in {md(record.arguments['location'])}" if record.arguments.get("location") else ""
    parts = [
        f"**What your {plural(result.followers, 'follower')}{where} say about themselves** — "
        f"{result.with_bio:,} have a bio ({percent(_share(result.with_bio, result.followers))}), "
        f"{result.segmented:,} fall into {plural(len(result.segments), 'interest segment')} "
        f"({percent(_share(result.segmented, result.followers))})."
    ]
    parts += note_lines(result.notes)
    if result.segments:
        rows = ["| # | Segment | Top terms | Followers | Share | Examples |", "|---:|---|---|---:|---:|---|"]
        for segment in result.segments:
            terms = ", ".join(quote(term) for term in segment.top_terms[:5])
            examples = ", ".join(handle(name) for name in segment.examples[:3]) or "—"
            rows.append(
                f"| {segment.index} | {quote(segment.name, limit=60)} | {terms} | {segment.size:,} | "
                f"{percent(segment.share, 1)} | {examples} |"
            )
        parts.append("\n".join(rows))
    lists = [
        _terms("Keywords", result.keywords),
        _terms("Phrases", result.phrases),
        _terms("Hashtags", result.hashtags),
        _terms("Emoji", result.emoji),
        _languages(result),
    ]
    parts.append("\n".join(f"- {line}" for line in lists if line))
    parts.append(what_to_do(_theme_advice(result)))
    parts.append(evidence_section(record, result.evidence))
    return "\n\n".join(parts)


def _terms(label: str, terms: list[TermCount]) -> str | None:
    if not terms:
        return None
    shown = ", ".join(f"{quote(t.term)} {t.count:,} ({percent(t.share, 1)})" for t in terms)
    return f"**{label}** (followers using it): {shown}"


def _languages(result: AudienceThemesResult) -> str | None:
    if not result.languages:
        return None
    shown = ", ".join(
        f"{md(lang.language)} {percent(lang.share)} ({lang.count:,})" for lang in result.languages[:6]
    )
    unknown = f"; not guessed for {result.language_unknown:,}" if result.language_unknown else ""
    return f"**Languages** (of {result.with_bio:,} bios): {shown}{unknown}"


def _theme_advice(result: AudienceThemesResult) -> list[str]:
    lines = []
    if result.segments:
        top = result.segments[0]
        lines.append(
            f"Your largest segment is {quote(top.name, limit=60)} ({top.size:,} followers, "
            f"{percent(top.share, 1)}): write for them first — ask *what should I post about?* for ideas."
        )
    if result.hashtags:
        tag = result.hashtags[0]
        lines.append(
            f"{quote(tag.term)} is in {tag.count:,} bios: use it on posts aimed at this audience so they are "
            "found by people like them."
        )
    second = [lang for lang in result.languages[1:] if lang.share >= _SECOND_LANGUAGE_SHARE]
    if second:
        lang = second[0]
        lines.append(
            f"{percent(lang.share)} of bios are in {md(lang.language)} ({lang.count:,}): a post in "
            f"{md(lang.language)} now and then speaks to them directly."
        )
    if not lines:
        lines.append("Too few bios to find themes yet: import a fuller followers snapshot.")
    return lines[:4]


def render_locations(record: ToolCallRecord, account_handle: str) -> str:
    from followlytics.analytics.geo import AudienceLocationsResult

    result = record.result
    if not isinstance(result, AudienceLocationsResult):
        return fallback_section(record, account_handle)
    silent = result.followers - result.with_location
    parts = [
        f"**Where your followers are** — {result.placed:,} of the {result.with_location:,} followers who "
        f"give a location could be placed ({percent(_share(result.placed, result.with_location))}); "
        f"{result.unplaced:,} could not, and {silent:,} give none."
    ]
    parts += note_lines(result.notes)
    if result.countries:
        rows = ["| # | Country | Followers | Share of placed |", "|---:|---|---:|---:|"]
        rows += [
            f"| {rank} | {md(c.country)} | {c.count:,} | {percent(c.share, 1)} |"
            for rank, c in enumerate(result.countries, start=1)
        ]
        parts.append("\n".join(rows))
    if result.cities:
        rows = ["| # | City | Country | Followers | Share of placed |", "|---:|---|---|---:|---:|"]
        rows += [
            f"| {rank} | {md(c.city)} | {md(c.country_code)} | {c.count:,} | {percent(c.share, 1)} |"
            for rank, c in enumerate(result.cities, start=1)
        ]
        parts.append("\n".join(rows))
    extra = []
    if result.timezones:
        zones = ", ".join(f"{md(z.timezone)} {percent(z.share)}" for z in result.timezones[:3])
        extra.append(f"**Time zones**: {zones}")
    if result.top_unplaced:
        unplaced = ", ".join(f"{quote(u.location, limit=30)} ({u.count:,})" for u in result.top_unplaced[:3])
        extra.append(f"**Most common locations that name no place**: {unplaced}")
    if extra:
        parts.append("\n".join(f"- {line}" for line in extra))
    parts.append(what_to_do(_location_advice(result)))
    parts.append(evidence_section(record, result.evidence))
    return "\n\n".join(parts)


def _location_advice(result: AudienceLocationsResult) -> list[str]:
    lines = []
    if result.timezones:
        zone = result.timezones[0]
        lines.append(
            f"{percent(zone.share)} of your placed followers live in {md(zone.timezone)} time: ask *best "
            f"time to post in {md(zone.timezone)}* to schedule for them."
        )
    if result.cities:
        city = result.cities[0]
        lines.append(
            f"{md(city.city)} is your biggest city ({city.count:,} followers): ask *top followers in "
            f"{md(city.city)}* to see who is there, for a meetup or a local collaboration."
        )
    if result.with_location and result.unplaced / result.with_location > 0.3:
        lines.append("Many locations are jokes or vague text, so treat these shares as a sample.")
    return lines or ["Too few followers give a location to say where your audience is."]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


RENDERERS: dict[str, Renderer] = {"audience_themes": render_themes, "audience_locations": render_locations}
