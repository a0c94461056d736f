"""Interest segments (`segments-v1`): groups of bio terms that followers use together, and the group each
follower belongs to.

Learning the groups, on one audience's bios (its term tables, `analytics.terms`):

1. Candidates: the `_CANDIDATES` (300) words, hashtags and emoji used by the most bios (ties by kind, then
   text), each used by at least `max(2, 0.1% of bios)` bios. Phrases are left out: their words are in.
2. Graph: candidates are nodes; two used together by at least 2 bios are joined by an edge weighing
   their normalised pointwise mutual information, `npmi = ln(p(a,b) / (p(a) p(b))) / -ln(p(a,b))` with
   p = share of bios: 0 when they meet as often as chance would have it, 1 when they only ever appear
   together. Edges with npmi <= 0.2 are dropped. (Raw co-occurrence counts let common words such as
   "open" or "digital" glue unrelated topics together. On two synthetic audiences of 300K and 1M with
   planted topics, the share of segmented followers whose segment is their topic's was 78% with counts,
   74-84% with plain PMI and 86-87% with npmi > 0.2, which also kept all 10 topics apart.)
   Above `_LEARN_FROM` (200,000) bios using a candidate, the graph is built from every k-th of them: a few
   hundred terms are grouped as clearly from 200,000 bios as from millions, at a fraction of the cost.
3. Groups: Louvain modularity maximisation on that graph (resolution 1): each term moves to the group it
   has the most edge weight to beyond what chance predicts, then groups become nodes and the step repeats
   until nothing moves. Terms are visited most-used first and ties go to the lower group number, so the same
   bios always give the same groups.
4. Ranked: by how many bios use at least one of a group's terms. Groups of one term are not segments
   (nothing was used with it); the first `MAX_SEGMENTS` others are kept, less any that no bio ends up in
   (its bios all use more terms of other segments), and segment `i` is the `i`-th. Asking for `count`
   segments uses segments 1..count.

Assigning followers: a follower's score for a segment is how many of its terms their bio uses; the highest
score wins, ties go to the lower segment number (the more common one), and a follower using no segment
term (or with no bio) has no segment. A segment is named by its terms most typical of it: ranked by
`members using it ^ 2 / bios using it`, i.e. used by many of its members and mostly by its members (ties:
more bios, then words before hashtags before emoji, then alphabetically).

Why this way: the graph has a few hundred nodes, so grouping takes milliseconds and the cost is one pass
over the term rows; every segment is a short list of terms anyone can check against a bio, and the rule
that assigns a follower fits in one sentence. Learning on one audience and assigning another (`reference`)
makes segment shares comparable between the user and a competitor.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from followlytics.analytics import text
from followlytics.analytics.terms import TermIndex, term_index
from followlytics.analytics.workspace import Source, Workspace
from followlytics.errors import InvalidInput

METHOD = "segments-v1"
MAX_SEGMENTS = 10
_CANDIDATES = 300
_MIN_SHARE = 0.001
_NAME_TERMS = 3
_TOP_TERMS = 5
_MAX_PASSES = 50
_MIN_NPMI = 0.2
_LEARN_FROM = 200_000
_COLUMN = "description"
_MODEL = "segment_model"


@dataclass(frozen=True)
class Segment:
    """One interest segment: its number (1 = the most common), name, most typical terms, and size."""

    index: int
    name: str
    top_terms: tuple[str, ...]
    size: int


@dataclass(frozen=True)
class SegmentAssignment:
    """`table` has one row per follower of the source: `id`, `segment` (NULL when no term matched), and
    `rid`, the follower's rowid in the source table (joins on it are cheaper than on `id`).

    `model` is the derived table of the learned segments: segment, text, kind, docs, members.
    """

    table: str
    segments: list[Segment]
    followers: int
    segmented: int
    model: str


def assign_segments(
    workspace: Workspace, source: Source, *, reference: Source | None = None, count: int = 8
) -> SegmentAssignment:
    """Segment `source`'s followers by segments learned on `reference` (default: on `source` itself)."""
    if not 1 <= count <= MAX_SEGMENTS:
        raise InvalidInput(f"count must be 1-{MAX_SEGMENTS}, got {count}", field="segments")
    learner = reference or source
    con = workspace.connection
    model, learned = _model(workspace, learner)
    name = f"segments{count}" if learner is source else f"segments{count}_by_{learner.table}"
    table = f"{source.table}__{name}"
    if not _exists(con, table):
        if learned is None or learner is not source:
            learned = _winners(*_matches(con, term_index(workspace, source, _COLUMN), model))
        rids, segments = _chosen(learned, count)
        view = f"_arrow_{source.table}_{name}"
        con.register(
            view, pa.table({"rid": pa.array(rids, pa.int64()), "segment": pa.array(segments, pa.int32())})
        )
        try:
            table = workspace.derived(
                source,
                name,
                f"SELECT s.id, a.segment, s.rowid AS rid"
                f" FROM {{source}} s LEFT JOIN {view} a ON s.rowid = a.rid",
            )
        finally:
            con.unregister(view)
    sizes = dict(con.execute(f"SELECT segment, count(*) FROM {table} GROUP BY segment").fetchall())
    segments = [
        Segment(
            index=index,
            name=" · ".join(terms[:_NAME_TERMS]),
            top_terms=tuple(terms[:_TOP_TERMS]),
            size=int(sizes.get(index, 0)),
        )
        for index, terms in _names(con, model)
        if index <= count
    ]
    followers = int(sum(sizes.values()))
    return SegmentAssignment(
        table=table,
        segments=segments,
        followers=followers,
        segmented=followers - int(sizes.get(None, 0)),
        model=model,
    )


def display(term: str, kind: str) -> str:
    """How a term is shown: hashtags with their `#`."""
    return f"#{term}" if kind == text.HASHTAG else term


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = $name", {"name": table})
    return found.fetchall()[0][0] > 0


# (rid, segment) per bio and segment term it uses, grouped by rid: what assignment reads.
_Matches = tuple[np.ndarray, np.ndarray]
# The rids of bios using a segment term, and their segment (0: none) for each count 1, 2, ... kept.
_Winners = tuple[np.ndarray, list[np.ndarray]]


def _model(workspace: Workspace, learner: Source) -> tuple[str, _Winners | None]:
    """The derived table of the learned segments, and the learner's own segments when built just now."""
    table = f"{learner.table}__{_MODEL}"
    con = workspace.connection
    if _exists(con, table):
        return table, None
    index = term_index(workspace, learner, _COLUMN)
    candidates = con.execute(
        f"""
        SELECT term, text, kind, docs FROM {index.vocab}
        WHERE kind IN ($word, $hashtag, $emoji) AND docs >= $min_docs
        ORDER BY docs DESC, kind, text LIMIT $limit
        """,
        {
            "word": text.WORD,
            "hashtag": text.HASHTAG,
            "emoji": text.EMOJI,
            "min_docs": max(2, int(np.ceil(_MIN_SHARE * index.texts))),
            "limit": _CANDIDATES,
        },
    ).fetchall()
    rids, local = _rows(con, index, [term for term, *_ in candidates])
    # Groups are learned on every k-th bio using a candidate, at most `_LEARN_FROM` of them: the graph of a
    # few hundred terms is as clear from 200,000 bios as from millions, and learning costs a fifth.
    sample_rids, sample_local, step = _sample(rids, local)
    uses = np.bincount(sample_local, minlength=len(candidates)).astype(np.float64)
    sampled_texts = index.texts / step
    groups = _louvain(_npmi(_cooccurrence(sample_rids, sample_local, len(candidates)), uses, sampled_texts))
    support = _support(sample_rids, sample_local, groups)
    ranked = sorted(range(len(groups)), key=lambda g: (-support[g], min(groups[g])))
    kept_groups = [g for g in ranked if support[g] > 0 and len(groups[g]) >= 2][:MAX_SEGMENTS]
    segment_of = _numbered(groups, kept_groups, len(candidates))
    # A segment whose bios all go to others (they use more of another's terms) is dropped; since it won
    # no bio, dropping it changes no one else's segment, only the numbers after it.
    winners = _winners(rids, segment_of[local])
    alive = sorted(set(np.unique(winners[1][-1]).tolist()) - {0}) if winners[1] else []
    if len(alive) < len(kept_groups):
        kept_groups = [kept_groups[number - 1] for number in alive]
        segment_of = _numbered(groups, kept_groups, len(candidates))
        winners = _winners(rids, segment_of[local])
    members = _member_hits((rids, segment_of[local]), local, _chosen(winners, MAX_SEGMENTS), len(candidates))
    kept = [p for p in range(len(candidates)) if segment_of[p]]
    columns = {
        "segment": pa.array([int(segment_of[p]) for p in kept], pa.int32()),
        "text": pa.array([candidates[p][1] for p in kept], pa.string()),
        "kind": pa.array([candidates[p][2] for p in kept], pa.string()),
        "docs": pa.array([candidates[p][3] for p in kept], pa.int64()),
        "members": pa.array([members[p] for p in kept], pa.int64()),
    }
    view = f"_arrow_{learner.table}_{_MODEL}"
    con.register(view, pa.table(columns))
    try:
        return workspace.derived(learner, _MODEL, f"SELECT * FROM {view}"), winners
    finally:
        con.unregister(view)


def _sample(rids: np.ndarray, local: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The rows of every k-th bio (k = 1 up to `_LEARN_FROM` bios), and k."""
    starts = _runs(rids)
    step = max(1, -(-len(starts) // _LEARN_FROM))
    if step == 1:
        return rids, local, 1
    run = np.cumsum(np.concatenate([[False], rids[1:] != rids[:-1]]))
    kept = np.flatnonzero(run % step == 0)
    return rids[kept], local[kept], step


def _numbered(groups: list[list[int]], kept: list[int], size: int) -> np.ndarray:
    """Segment number (1, 2, ...) of each candidate term, in the order of `kept`; 0 for the others."""
    segment_of = np.zeros(size, np.int64)
    for number, g in enumerate(kept, start=1):
        segment_of[groups[g]] = number
    return segment_of


def _names(con: duckdb.DuckDBPyConnection, model: str) -> list[tuple[int, list[str]]]:
    rows = con.execute(
        f"""
        SELECT segment, text, kind FROM {model}
        ORDER BY segment, members * members / greatest(docs, 1) DESC, docs DESC,
                 CASE kind WHEN 'word' THEN 0 WHEN 'hashtag' THEN 1 ELSE 2 END, text
        """
    ).fetchall()
    named: dict[int, list[str]] = {}
    for segment, term, kind in rows:
        named.setdefault(int(segment), []).append(display(term, kind))
    return sorted(named.items())


def _rows(
    con: duckdb.DuckDBPyConnection, index: TermIndex, terms: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """(rid, position in `terms`) for every bio using one of `terms`, grouped by rid."""
    empty = np.zeros(0, np.int64)
    if not terms:
        return empty, empty
    if index.fresh is not None:  # just built, already sorted by rid: pick the rows in memory
        all_terms = index.fresh.column("term").to_numpy()
        lookup = np.full(max(int(all_terms.max(initial=0)), max(terms)) + 1, -1, np.int32)
        lookup[np.asarray(terms, np.int64)] = np.arange(len(terms))
        positions = lookup[all_terms]
        wanted = np.flatnonzero(positions >= 0)
        return index.fresh.column("rid").to_numpy()[wanted], positions[wanted].astype(np.int64)
    listed = pa.table(
        {"term": pa.array(terms, pa.int32()), "position": pa.array(range(len(terms)), pa.int64())}
    )
    con.register("_segment_terms", listed)
    try:
        found = con.execute(
            f"SELECT t.rid, s.position FROM {index.terms} t JOIN _segment_terms s USING (term)"
        ).fetchnumpy()
    finally:
        con.unregister("_segment_terms")
    rids, positions = np.asarray(found["rid"], np.int64), np.asarray(found["position"], np.int64)
    # The join hands rows back mostly in table order (by rid), so a run-merging sort is nearly free.
    order = np.argsort(rids, kind="stable")
    return rids[order], positions[order]


def _runs(values: np.ndarray) -> np.ndarray:
    """Start of each run of equal values."""
    if not len(values):
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))


def _cooccurrence(rids: np.ndarray, local: np.ndarray, size: int) -> np.ndarray:
    """size x size: how many bios use both terms (rows grouped by rid, each term once per bio)."""
    counts = np.zeros(size * size, np.float64)
    starts = _runs(rids)
    lengths = np.diff(np.append(starts, len(rids)))
    # How many rows of the same bio follow each row; pairs (row, row + k) exist while k <= that.
    after = np.repeat(starts + lengths, lengths) - np.arange(len(rids)) - 1
    rows = np.flatnonzero(after > 0)
    offset = 1
    while len(rows):
        counts += np.bincount(local[rows] * size + local[rows + offset], minlength=size * size)
        offset += 1
        rows = rows[after[rows] >= offset]
    matrix = counts.reshape(size, size)
    return matrix + matrix.T


def _npmi(together: np.ndarray, uses: np.ndarray, texts: int) -> np.ndarray:
    """Normalised PMI of each pair used together by at least 2 bios, where it exceeds `_MIN_NPMI`; else 0."""
    total = max(texts, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.log(together * total / np.outer(uses, uses)) / -np.log(together / total)
    return np.where((together >= 2) & np.isfinite(npmi) & (npmi > _MIN_NPMI), npmi, 0.0)


def _louvain(weights: np.ndarray) -> list[list[int]]:
    """Groups of node numbers by Louvain modularity maximisation; deterministic for the same weights."""
    groups = [[i] for i in range(len(weights))]
    graph = weights.copy()
    while len(graph) > 1:
        community = _local_moves(graph)
        if len(set(community.tolist())) == len(graph):
            break
        # Renumber in order of first appearance so the result does not depend on label values.
        _, first, inverse = np.unique(community, return_index=True, return_inverse=True)
        labels = np.argsort(np.argsort(first))[inverse]
        membership = np.zeros((len(graph), labels.max() + 1))
        membership[np.arange(len(graph)), labels] = 1.0
        graph = membership.T @ graph @ membership
        merged: list[list[int]] = [[] for _ in range(len(graph))]
        for node, label in enumerate(labels.tolist()):
            merged[label].extend(groups[node])
        groups = merged
    return [sorted(group) for group in groups]


def _local_moves(graph: np.ndarray) -> np.ndarray:
    size = len(graph)
    degree = graph.sum(axis=1)
    total = degree.sum()
    community = np.arange(size)
    if total <= 0:
        return community
    community_degree = degree.copy()
    for _ in range(_MAX_PASSES):
        moved = False
        for node in range(size):
            current = community[node]
            community_degree[current] -= degree[node]
            links = np.bincount(community, weights=graph[node], minlength=size)
            links[current] -= graph[node, node]
            gain = links - community_degree * degree[node] / total
            best = int(np.argmax(gain))  # the lowest-numbered of equally good groups
            if gain[best] <= gain[current] + 1e-12:
                best = current
            community[node] = best
            community_degree[best] += degree[node]
            moved |= best != current
        if not moved:
            break
    return community


def _support(rids: np.ndarray, local: np.ndarray, groups: list[list[int]]) -> list[int]:
    """For each group, how many bios use at least one of its terms (rows grouped by rid)."""
    support = [0] * len(groups)
    if not len(rids):
        return support
    starts = _runs(rids)
    group_of = np.zeros(sum(len(g) for g in groups), np.int64)
    for number, group in enumerate(groups):
        group_of[group] = number
    # One bit per group, OR-ed over each bio's rows: 63 groups per pass, no sorting.
    for base in range(0, len(groups), 63):
        bit = group_of[local] - base
        inside = (bit >= 0) & (bit < 63)
        present = np.bitwise_or.reduceat(
            np.where(inside, np.left_shift(1, np.where(inside, bit, 0)), 0), starts
        )
        for g in range(base, min(base + 63, len(groups))):
            support[g] = int(np.count_nonzero(present & (1 << (g - base))))
    return support


def _winners(rids: np.ndarray, segments: np.ndarray) -> _Winners:
    """Each bio's segment, for every count of segments kept: the one with most hits among 1..count, ties
    to the lower number. Rows are grouped by rid; segment 0 is no segment.

    Each row adds 1 to its segment's 6-bit field of a 64-bit number, summed per bio (a bio of at most 160
    characters holds far fewer than 64 distinct terms, so no field overflows); one pass over the fields in
    segment order then gives the winner for every count.
    """
    keep = np.flatnonzero(segments > 0)
    rids, segments = rids[keep], segments[keep]
    if not len(rids):
        return rids, []
    starts = _runs(rids)
    packed = np.add.reduceat(np.left_shift(np.int64(1), 6 * (segments - 1)), starts)
    best_hits = np.zeros(len(starts), np.int64)
    winners = np.zeros(len(starts), np.int8)
    hits = np.empty_like(packed)
    better = np.empty(len(starts), bool)
    by_count = []
    for segment in range(1, int(segments.max()) + 1):  # strictly more hits wins: ties keep the lower one
        np.bitwise_and(np.right_shift(packed, 6 * (segment - 1), out=hits), 63, out=hits)
        np.greater(hits, best_hits, out=better)
        np.copyto(winners, segment, where=better)
        np.maximum(best_hits, hits, out=best_hits)
        by_count.append(winners.copy())
    return rids[starts], by_count


def _chosen(winners: _Winners, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(rid, segment) of the bios with a segment when `count` segments are kept."""
    rids, by_count = winners
    if not by_count:
        return rids, np.zeros(0, np.int8)
    chosen = by_count[min(count, len(by_count)) - 1]
    placed = np.flatnonzero(chosen > 0)
    return rids[placed], chosen[placed]


def _member_hits(
    matches: _Matches, local: np.ndarray, assigned: tuple[np.ndarray, np.ndarray], size: int
) -> list[int]:
    """For each candidate term: how many bios assigned (`assigned`: rid, segment) to its segment use it."""
    rids, segments = matches
    assigned_rids, assigned_segments = assigned
    if not len(assigned_rids):
        return [0] * size
    segment_by_rid = np.zeros(int(rids.max()) + 1, np.int64)
    segment_by_rid[assigned_rids] = assigned_segments
    member = (segments > 0) & (segment_by_rid[rids] == segments)
    return np.bincount(local[member], minlength=size).tolist()


def _matches(con: duckdb.DuckDBPyConnection, index: TermIndex, model: str) -> _Matches:
    """(rid, segment) for every bio and model term it uses; terms are matched by text and kind, so a model
    learned on one audience fits another."""
    found = con.execute(
        f"""
        SELECT v.term, m.segment FROM {index.vocab} v
        JOIN {model} m ON v.text = m.text AND v.kind = m.kind
        ORDER BY v.term
        """
    ).fetchall()
    rids, local = _rows(con, index, [term for term, _ in found])
    return rids, np.array([segment for _, segment in found], np.int64)[local]
