"""Audience themes (`themes-v1`): what followers say about themselves in their bios, and the
`audience_themes` tool.

From the bios of the account's newest followers snapshot (optionally only followers whose location contains
some text), cut into terms by `analytics.terms` / `analytics.text`:

    keywords   words, stop words of the main languages removed (also URLs, @mentions, numbers, 1-letter)
    phrases    two words next to each other with no stop word or punctuation between them
    hashtags   `#tag`, case-insensitive
    emoji      one emoji or flag, skin tones and variation selectors ignored
    segments   interest segments (`analytics.segments`): groups of terms used together, each follower in
               the group whose terms their bio uses most, with its 3 followers with the most followers
    languages  each bio's language guessed from stop words, script and letters (`analytics.text`)

Every count is of followers (a term used twice in one bio counts once); every share is of the followers in
scope (after the location filter), except language shares, which are of the followers with a bio. Lists are
ordered by count, then alphabetically, so the same snapshot always gives the same answer. The term tables
and the segments are built once per snapshot (`Workspace.derived`); later calls only count.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from followlytics.analytics import segments as segments_module
from followlytics.analytics import text
from followlytics.analytics.evidence import Evidence
from followlytics.analytics.segments import MAX_SEGMENTS, Segment, SegmentAssignment, assign_segments
from followlytics.analytics.terms import term_index
from followlytics.analytics.workspace import AnalyticsTool, Source, Workspace, evidence
from followlytics.audience.datasets import Dataset

__all__ = ["Segment", "SegmentAssignment", "assign_segments", "audience_themes", "run_audience_themes"]

METHOD = f"themes-v1 + {segments_module.METHOD}"
_EXAMPLES = 3
_KINDS = (text.WORD, text.PHRASE, text.HASHTAG, text.EMOJI)


class AudienceThemesArgs(BaseModel):
    """An `audience_themes` tool call."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, description="The X account whose followers' bios to read.")
    limit: int = Field(
        default=10, ge=1, le=50, description="How many keywords, phrases, hashtags, emoji to list."
    )
    segments: int = Field(
        default=8, ge=1, le=MAX_SEGMENTS, description="At most how many interest segments to form (1-10)."
    )
    location: str | None = Field(
        default=None, description="Only followers whose location contains this text, case-insensitive."
    )


class TermCount(BaseModel):
    term: str
    count: int = Field(description="Followers whose bio uses it.")
    share: float = Field(description="Of the followers in scope.")


class SegmentSummary(BaseModel):
    index: int = Field(description="Segment number, 1 = the most common in the whole audience.")
    name: str = Field(description="Its three most typical terms.")
    top_terms: list[str]
    size: int = Field(description="Followers in scope assigned to it.")
    share: float = Field(description="Of the followers in scope.")
    examples: list[str] = Field(description="Usernames of its members with the most followers.")


class LanguageCount(BaseModel):
    code: str
    language: str
    count: int
    share: float = Field(description="Of the followers in scope with a bio.")


class AudienceThemesResult(BaseModel):
    followers: int = Field(description="Followers in scope (after the location filter).")
    with_bio: int = Field(description="Followers in scope with a non-empty bio.")
    keywords: list[TermCount]
    phrases: list[TermCount]
    hashtags: list[TermCount]
    emoji: list[TermCount]
    segments: list[SegmentSummary]
    segmented: int = Field(description="Followers in scope assigned to one of the segments.")
    languages: list[LanguageCount]
    language_unknown: int = Field(description="Bios whose language could not be guessed.")
    notes: list[str]
    evidence: Evidence


def audience_themes(workspace: Workspace, source: Source, args: AudienceThemesArgs) -> AudienceThemesResult:
    """The themes of the followers in `source` (see the module docstring)."""
    con = workspace.connection
    index = term_index(workspace, source, "description")
    assignment = assign_segments(workspace, source, count=args.segments)
    location = (args.location or "").strip()
    params: dict[str, Any] = {"location": location} if location else {}
    # Followers in scope, as rowids of the source; everything below is counted over them.
    scope = f"SELECT rowid FROM {source.table} WHERE contains(lower(location), lower($location))"
    if location:
        ((followers,),) = con.execute(f"SELECT count(*) FROM ({scope})", params).fetchall()
        ((with_bio,),) = con.execute(
            f"SELECT count(*) FROM {index.docs} WHERE rid IN ({scope})", params
        ).fetchall()
        counts = _filtered_counts(con, index.terms, index.vocab, scope, params, args.limit)
    else:
        followers, with_bio = source.rows, index.texts
        counts = _counts(con, index.vocab, args.limit)
    lists = {
        kind: [TermCount(term=t, count=n, share=_share(n, followers)) for t, n in counts.get(kind, [])]
        for kind in _KINDS
    }
    segment_rows, segmented = _segments(workspace, source, assignment, location, params, followers)
    languages, unknown = _languages(con, index.docs, scope if location else None, params, with_bio)

    notes = []
    if followers == 0:
        notes.append(
            f"No follower's location contains {location!r}." if location else "The snapshot has no followers."
        )
    elif with_bio == 0:
        notes.append("None of these followers has a bio, so there are no themes to read.")
    elif unknown:
        notes.append(
            f"The language of {unknown:,} of {with_bio:,} bios could not be guessed (too short, or no stop"
            " words)."
        )
    if location:
        notes.append(
            "Segments are learned on the whole audience; sizes and shares count only the matching followers."
        )
    return AudienceThemesResult(
        followers=followers,
        with_bio=with_bio,
        keywords=lists[text.WORD],
        phrases=lists[text.PHRASE],
        hashtags=lists[text.HASHTAG],
        emoji=lists[text.EMOJI],
        segments=segment_rows,
        segmented=segmented,
        languages=languages,
        language_unknown=unknown,
        notes=notes,
        evidence=evidence(
            [source],
            rows_matched=followers,
            fields=["description", "username", "followers_count", "id", *(["location"] if location else [])],
            method=METHOD,
            filters={k: v for k, v in args.model_dump(exclude={"account_id"}).items() if v is not None},
            sample_sizes={
                "followers": followers,
                "with_bio": with_bio,
                "segmented": segmented,
                "language_guessed": with_bio - unknown,
                "segments_learned_on": assignment.followers,
            },
        ),
    )


def _counts(con: Any, vocab: str, limit: int) -> dict[str, list[tuple[str, int]]]:
    rows = con.execute(
        f"""
        SELECT kind, text, docs FROM {vocab}
        QUALIFY row_number() OVER (PARTITION BY kind ORDER BY docs DESC, text) <= $limit
        """,
        {"limit": limit},
    ).fetchall()
    return _by_kind(rows)


def _filtered_counts(
    con: Any, terms: str, vocab: str, scope: str, params: dict[str, Any], limit: int
) -> dict[str, list[tuple[str, int]]]:
    rows = con.execute(
        f"""
        WITH counted AS (
            SELECT term, count(*) AS n FROM {terms} WHERE rid IN ({scope}) GROUP BY term
        )
        SELECT v.kind, v.text, c.n FROM counted c JOIN {vocab} v USING (term)
        QUALIFY row_number() OVER (PARTITION BY v.kind ORDER BY c.n DESC, v.text) <= $limit
        """,
        {**params, "limit": limit},
    ).fetchall()
    return _by_kind(rows)


def _by_kind(rows: list[tuple[str, str, int]]) -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = {}
    for kind, term, n in sorted(rows, key=lambda row: (row[0], -row[2], row[1])):
        found.setdefault(kind, []).append((segments_module.display(term, kind), int(n)))
    return found


def _segments(
    workspace: Workspace,
    source: Source,
    assignment: SegmentAssignment,
    location: str,
    params: dict[str, Any],
    followers: int,
) -> tuple[list[SegmentSummary], int]:
    where = "AND contains(lower(s.location), lower($location))" if location else ""
    query = f"""
        SELECT a.segment, count(*) AS size,
               min_by(s.username, (-coalesce(s.followers_count, -1), s.id), {_EXAMPLES}) AS examples
        FROM {assignment.table} a JOIN {{source}} s ON s.rowid = a.rid
        WHERE a.segment IS NOT NULL {where}
        GROUP BY a.segment
    """
    con = workspace.connection
    if location:
        rows = con.execute(query.replace("{source}", source.table), params).fetchall()
    else:  # the whole audience's sizes and examples are kept with the snapshot
        name = f"{assignment.table.removeprefix(source.table + '__')}_examples"
        table = workspace.derived(source, name, query)
        rows = con.execute(f"SELECT segment, size, examples FROM {table}").fetchall()
    found = {int(segment): (int(size), list(examples)) for segment, size, examples in rows}
    summaries = [
        SegmentSummary(
            index=segment.index,
            name=segment.name,
            top_terms=list(segment.top_terms),
            size=found.get(segment.index, (0, []))[0],
            share=_share(found.get(segment.index, (0, []))[0], followers),
            examples=found.get(segment.index, (0, []))[1],
        )
        for segment in assignment.segments
    ]
    return summaries, sum(size for size, _ in found.values())


def _languages(
    con: Any, docs: str, scope: str | None, params: dict[str, Any], with_bio: int
) -> tuple[list[LanguageCount], int]:
    where = f"WHERE rid IN ({scope})" if scope else ""
    rows = con.execute(
        f"SELECT lang, count(*) AS n FROM {docs} {where} GROUP BY lang", params if scope else {}
    ).fetchall()
    unknown = sum(int(n) for lang, n in rows if lang is None)
    known = sorted(
        ((lang, int(n)) for lang, n in rows if lang is not None), key=lambda row: (-row[1], row[0])
    )
    return [
        LanguageCount(
            code=lang, language=text.LANGUAGE_NAMES.get(lang, lang), count=n, share=_share(n, with_bio)
        )
        for lang, n in known
    ], unknown


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def run_audience_themes(workspace: Workspace, args: AudienceThemesArgs) -> AudienceThemesResult:
    """The `audience_themes` tool: themes of the account's newest followers snapshot."""
    return audience_themes(workspace, workspace.source(args.account_id, Dataset.FOLLOWERS), args)


def _summarize(result: AudienceThemesResult) -> str:
    top = f"; top keyword {result.keywords[0].term!r}" if result.keywords else ""
    segments = len(result.segments)
    return f"read {result.with_bio:,} bios of {result.followers:,} followers into {segments} segments{top}"


TOOLS = [
    AnalyticsTool(
        name="audience_themes",
        description=(
            "What the user's followers are about, read from their bios: the top keywords and two-word "
            "phrases (stop words of English, Spanish, French, German, Portuguese, Japanese and more "
            "removed), "
            "hashtags and emoji, each with how many followers use it and their share; interest segments "
            "(groups of terms followers use together, named by their most typical terms, with sizes, shares "
            "and three example members with the most followers); and the languages of the bios. Arguments: "
            "`limit` terms per list (default 10); `segments` at most how many segments (1-10, default 8); "
            "`location` keeps only followers whose location contains this text (e.g. 'Berlin'). Use it for "
            "'what are my followers interested in', 'what topics does my audience care about', 'what do my "
            "followers in London talk about', 'which languages do my followers speak'."
        ),
        arguments=AudienceThemesArgs,
        result=AudienceThemesResult,
        run=run_audience_themes,
        summarize=_summarize,
    )
]
