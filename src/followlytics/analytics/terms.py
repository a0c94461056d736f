"""Term tables: the texts of a source (bios, posts) cut into terms once and kept as DuckDB tables.

`term_index(workspace, source, column)` returns three tables derived from `source` (cached until the
source is replaced, see `Workspace.derived`):

    <source>__<column>_docs    rid, lang        one row per non-empty text; `rid` is the source's rowid,
                                                 `lang` the guessed language (NULL when not guessed)
    <source>__<column>_terms   rid, term        each term of a text once (words, hashtags, emoji, phrases)
    <source>__<column>_vocab   term, text, kind, docs
                                                 `kind` is word/hashtag/emoji/phrase, `docs` how many texts
                                                 hold the term

How (the rules for one token are in `analytics.text`): the texts are fetched as Arrow strings and cut in two
parts, each handled on its own core (Arrow compute and numpy let go of the GIL) and merged at the end by
term text. In a part, texts are split at spaces with Arrow compute and the raw tokens dictionary-encoded,
so only the distinct ones are looked at in Python (plain lowercase ASCII words straight away, the rest
through `text.classify`, cached per process). What each distinct token holds (its first and further terms,
the words it starts and ends with, inner phrases, language votes, and a byte of flags saying which of these
it has) is then spread over the millions of token occurrences with numpy. Texts stay in order, so "each
term once per text" is a stable sort of (text, term) keys that are already nearly sorted, and a phrase is
two neighbouring tokens of one text whose touching ends are words. Only the three result tables go back
into DuckDB.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from followlytics.analytics import text
from followlytics.analytics.workspace import Source, Workspace
from followlytics.errors import InvalidInput

_COLUMNS = ("description", "text")  # the text columns of FOLLOWER_SCHEMA and TWEET_SCHEMA
_SIMPLE_WORD = "^[a-z][a-z0-9]*[a-z0-9]$"
_PARTS = ("docs", "terms", "vocab")
_TABLE = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class TermIndex:
    """The names of a source's term tables (see the module docstring) and how many texts they hold.

    `fresh` is the terms table as Arrow, sorted by rid, when this call built it (so a caller that goes on
    to read every row, as segments do, skips the round trip); None when the tables were already there.
    """

    docs: str
    terms: str
    vocab: str
    texts: int
    fresh: pa.Table | None = None


@dataclass(frozen=True)
class _Tables:
    docs: pa.Table
    terms: pa.Table
    vocab: pa.Table


def term_index(workspace: Workspace, source: Source, column: str) -> TermIndex:
    """The term tables of `source.column`, built on the first call for this snapshot."""
    if column not in _COLUMNS:
        raise InvalidInput(f"no term index for column {column!r}", field="column")
    con = workspace.connection
    names = {part: f"{source.table}__{column}_{part}" for part in _PARTS}
    fresh = None
    if not all(_exists(con, name) for name in names.values()):
        tables = build_tables(con, source.table, column)
        fresh = tables.terms
        for part in _PARTS:
            view = f"_arrow_{source.table}_{column}_{part}"
            con.register(view, getattr(tables, part))
            try:
                names[part] = workspace.derived(source, f"{column}_{part}", f"SELECT * FROM {view}")
            finally:
                con.unregister(view)
    ((texts,),) = con.execute(f"SELECT count(*) FROM {names['docs']}").fetchall()
    return TermIndex(names["docs"], names["terms"], names["vocab"], int(texts), fresh)


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = $name", {"name": table})
    return found.fetchall()[0][0] > 0


def build_tables(
    con: duckdb.DuckDBPyConnection, table: str, column: str, *, part_size: int | None = None
) -> _Tables:
    """Cut every non-empty `table.column` into terms; the three tables as Arrow (see the module docstring).

    The texts are cut in parts of `part_size` (default: two halves, or one part up to 100,000 texts).
    """
    if not _TABLE.fullmatch(table) or column not in _COLUMNS:
        raise InvalidInput(f"{table}.{column} is not a plain column reference", field="column")
    fetched = con.sql(
        f"SELECT rowid AS rid, {column} AS body FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''"
    ).to_arrow_table()
    rids = fetched.column("rid").to_numpy()
    bodies = fetched.column("body").combine_chunks()
    # Arrow compute and numpy let go of the GIL, so the texts are cut in parts, one per core, and merged.
    size = part_size or max(_PART_MIN, -(-len(bodies) // _PARTS_AT_MOST))
    slices = [bodies.slice(start, size) for start in range(0, len(bodies), size)] or [bodies]
    with ThreadPoolExecutor(max_workers=_PARTS_AT_MOST) as pool:
        parts = list(pool.map(_part, slices))
    return _merge(parts, rids)


_PARTS_AT_MOST = 2
_PART_MIN = 100_000


@dataclass(frozen=True)
class _Part:
    """One slice of the texts cut into terms: its own vocabulary, and (text, term) once each."""

    vocab: list[tuple[str, str]]
    docs: np.ndarray  # text number within the slice, ascending
    terms: np.ndarray  # index into `vocab`
    languages: pa.Array


def _part(bodies: pa.Array) -> _Part:
    lists = pc.split_pattern(bodies, " ")
    offsets = lists.offsets.to_numpy()
    parent = np.repeat(np.arange(len(lists), dtype=np.int32), np.diff(offsets))
    encoded = pc.dictionary_encode(pc.list_flatten(lists))
    occurrence = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    raws = _RawFacts(pc.utf8_lower(encoded.dictionary))
    flags = raws.flags[occurrence]  # one byte per occurrence says which of the steps below concern it
    languages = _languages(raws, occurrence, parent, flags, len(lists))
    doc_terms, term_ids = _terms(raws, occurrence, parent, flags)
    phrases, phrase_docs, phrase_ids = _phrases(raws, occurrence, parent, flags)
    size = len(raws.vocab) + len(phrases)
    bits = max(size, 1).bit_length()
    # Each (text, term) once: the keys arrive grouped by text, so a stable (run-merging) sort is cheap.
    keys = np.empty(len(doc_terms) + len(phrase_docs), np.int64)
    np.left_shift(doc_terms, bits, out=keys[: len(doc_terms)], dtype=np.int64)
    np.left_shift(phrase_docs, bits, out=keys[len(doc_terms) :], dtype=np.int64)
    keys[: len(doc_terms)] |= term_ids
    keys[len(doc_terms) :] |= phrase_ids
    keys.sort(kind="stable")
    if len(keys):
        keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
    width = max(len(raws.vocab), 1)
    vocab = raws.vocab + [
        (f"{raws.vocab[key // width][0]} {raws.vocab[key % width][0]}", text.PHRASE)
        for key in phrases.tolist()
    ]
    docs, terms = np.empty(len(keys), np.int32), np.empty(len(keys), np.int32)
    np.right_shift(keys, bits, out=docs, casting="unsafe")
    np.bitwise_and(keys, (1 << bits) - 1, out=terms, casting="unsafe")
    return _Part(vocab=vocab, docs=docs, terms=terms, languages=languages)


def _merge(parts: list[_Part], rids: np.ndarray) -> _Tables:
    """One vocabulary for all parts (terms matched by text and kind), and their rows in text order."""
    ids: dict[tuple[str, str], int] = {}
    vocab: list[tuple[str, str]] = []
    rows = sum(len(part.docs) for part in parts)
    row_rids, row_terms = np.empty(rows, np.int64), np.empty(rows, np.int32)
    first_doc = first_row = 0
    for part in parts:
        remap = np.empty(len(part.vocab), np.int32)
        for i, entry in enumerate(part.vocab):
            found = ids.get(entry)
            if found is None:
                found = ids[entry] = len(vocab)
                vocab.append(entry)
            remap[i] = found
        texts, last_row = len(part.languages), first_row + len(part.docs)
        np.take(rids[first_doc : first_doc + texts], part.docs, out=row_rids[first_row:last_row])
        np.take(remap, part.terms, out=row_terms[first_row:last_row])
        first_doc, first_row = first_doc + texts, last_row
    languages = pa.concat_arrays([part.languages for part in parts])
    return _Tables(
        docs=pa.table({"rid": pa.array(rids, pa.int64()), "lang": languages}),
        terms=pa.table({"rid": pa.array(row_rids, pa.int64()), "term": pa.array(row_terms, pa.int32())}),
        vocab=pa.table(
            {
                "term": pa.array(np.arange(len(vocab)), pa.int32()),
                "text": pa.array([t for t, _ in vocab], pa.string()),
                "kind": pa.array([k for _, k in vocab], pa.string()),
                "docs": pa.array(np.bincount(row_terms, minlength=len(vocab)), pa.int64()),
            }
        ),
    )


# What a raw token holds, one bit each, so most occurrences are dealt with by one byte.
_HEAD, _TAIL, _MORE, _INNER, _VOTE = 1, 2, 4, 8, 16


class _RawFacts:
    """What each distinct raw token holds, as arrays indexed by the token's dictionary code: its first term
    (-1: none), any further terms, the words it starts and ends with, its inner phrases and its votes."""

    def __init__(self, lowered: pa.Array) -> None:
        simple = pc.and_(
            pc.match_substring_regex(lowered, _SIMPLE_WORD),
            pc.invert(pc.is_in(lowered, value_set=pa.array(sorted(text.stop_words())))),
        ).to_pylist()
        tokens = lowered.to_pylist()
        count = len(tokens)
        self.vocab: list[tuple[str, str]] = []
        ids: dict[tuple[str, str], int] = {}

        def term_id(value: str, kind: str) -> int:
            found = ids.get((value, kind))
            if found is None:
                found = ids[(value, kind)] = len(self.vocab)
                self.vocab.append((value, kind))
            return found

        self.first = np.full(count, -1, np.int32)
        self.head = np.full(count, -1, np.int64)
        self.tail = np.full(count, -1, np.int64)
        self.flags = np.zeros(count, np.uint8)
        more: list[list[int]] = [[] for _ in range(count)]
        inner: list[list[tuple[int, int]]] = [[] for _ in range(count)]
        self.votes: dict[int, tuple[tuple[str, float], ...]] = {}
        for i, (token, plain) in enumerate(zip(tokens, simple, strict=True)):
            if plain:  # the common case, no need to look closer
                self.first[i] = self.head[i] = self.tail[i] = term_id(token, text.WORD)
                self.flags[i] = _HEAD | _TAIL
                continue
            item = text.classify(token)
            found = list(dict.fromkeys(term_id(t, k) for t, k in item.terms))
            if found:
                self.first[i], more[i] = found[0], found[1:]
            if item.head is not None:
                self.head[i] = term_id(item.head, text.WORD)
            if item.tail is not None:
                self.tail[i] = term_id(item.tail, text.WORD)
            inner[i] = [(term_id(a, text.WORD), term_id(b, text.WORD)) for a, b in _pairs(item)]
            if item.votes:
                self.votes[i] = item.votes
            self.flags[i] = (
                (_HEAD if item.head is not None else 0)
                | (_TAIL if item.tail is not None else 0)
                | (_MORE if more[i] else 0)
                | (_INNER if inner[i] else 0)
                | (_VOTE if item.votes else 0)
            )
        width = max(len(self.vocab), 1)
        self.more_offsets, self.more_values = _csr(more)
        self.inner_offsets, self.inner_values = _csr([[a * width + b for a, b in pairs] for pairs in inner])


def _pairs(item: text.Classified) -> list[tuple[str, str]]:
    return [
        (a.text, b.text)
        for a, b in zip(item.units, item.units[1:], strict=False)
        if a.kind == text.WORD and b.kind == text.WORD
    ]


def _csr(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(items) for items in lists), np.int64, count=len(lists))
    offsets = np.zeros(len(lists) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    values = np.fromiter((v for items in lists for v in items), np.int64, count=int(offsets[-1]))
    return offsets, values


def _terms(
    raws: _RawFacts, occurrence: np.ndarray, parent: np.ndarray, flags: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(text, term) for every term of every occurrence, grouped by text (repeats kept)."""
    first = raws.first[occurrence]
    held = first >= 0
    docs, terms = parent[held], first[held]
    several = np.flatnonzero(flags & _MORE)
    if len(several):
        extra_docs, extra_terms = _expand(
            occurrence[several], parent[several], raws.more_offsets, raws.more_values
        )
        docs, terms = (
            np.concatenate([docs, extra_docs]),
            np.concatenate([terms, extra_terms.astype(np.int32)]),
        )
    return docs, terms


def _phrases(
    raws: _RawFacts, occurrence: np.ndarray, parent: np.ndarray, flags: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct phrase keys (first word id * width + second word id), and (text, phrase id) pairs.

    A phrase joins a token ending in a word to the next token of the same text starting with one, or two
    words inside one token; phrase ids follow the vocabulary's term ids.
    """
    width = max(len(raws.vocab), 1)
    joined = np.flatnonzero(
        ((flags[:-1] & _TAIL) > 0) & ((flags[1:] & _HEAD) > 0) & (parent[1:] == parent[:-1])
    )
    keys = raws.tail[occurrence[joined]] * width + raws.head[occurrence[joined + 1]]
    docs = parent[joined]
    inside = np.flatnonzero(flags & _INNER)
    if len(inside):
        inner_docs, inner_keys = _expand(
            occurrence[inside], parent[inside], raws.inner_offsets, raws.inner_values
        )
        keys, docs = np.concatenate([keys, inner_keys]), np.concatenate([docs, inner_docs])
    phrases = np.unique(keys)
    return phrases, docs, (len(raws.vocab) + np.searchsorted(phrases, keys)).astype(np.int32)


def _expand(
    occurrence: np.ndarray, parent: np.ndarray, offsets: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(text, value) for every value listed for each of these occurrences."""
    lengths = (offsets[1:] - offsets[:-1])[occurrence]
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, parent.dtype), np.zeros(0, np.int64)
    starts = np.repeat(offsets[:-1][occurrence], lengths)
    run_starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(parent, lengths), values[starts + np.arange(total) - run_starts]


def _languages(
    raws: _RawFacts, occurrence: np.ndarray, parent: np.ndarray, flags: np.ndarray, texts: int
) -> pa.Array:
    """Each text's language: summed votes of its tokens, the best one if it is alone at the top."""
    codes = sorted({lang for votes in raws.votes.values() for lang, _ in votes})
    labels = np.full(texts, -1, np.int32)
    voting = np.flatnonzero(flags & _VOTE)
    if codes and len(voting):
        column = {code: j for j, code in enumerate(codes)}
        matrix = np.zeros((len(raws.first), len(codes)), np.float32)
        for i, votes in raws.votes.items():
            for lang, weight in votes:
                matrix[i, column[lang]] += weight
        tokens, owners = occurrence[voting], parent[voting]
        starts = np.flatnonzero(np.concatenate([[True], owners[1:] != owners[:-1]]))
        lengths = np.diff(np.append(starts, len(owners)))
        # A text with one voting token takes that token's own verdict; only the others need summing.
        alone = starts[lengths == 1]
        labels[owners[alone]] = _verdicts(matrix)[tokens[alone]]
        mixed = lengths > 1
        if mixed.any():
            rows = np.flatnonzero(np.repeat(mixed, lengths))
            sub_owners = owners[rows]
            sub_starts = np.flatnonzero(np.concatenate([[True], sub_owners[1:] != sub_owners[:-1]]))
            labels[sub_owners[sub_starts]] = _verdicts(
                np.add.reduceat(matrix[tokens[rows]], sub_starts, axis=0)
            )
    indices = pa.array(labels, pa.int32(), mask=labels < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(codes, pa.string())).cast(pa.string())


def _verdicts(scores: np.ndarray) -> np.ndarray:
    """Per row of language scores: the winning column, or -1 when nothing scored or two share the top."""
    best = scores.max(axis=1)
    known = (best > 0) & ((scores >= best[:, None] - 1e-6).sum(axis=1) == 1)
    return np.where(known, scores.argmax(axis=1), -1)
