"""The analytics written the way a data scientist would in pandas: the baseline `followlytics bench
analytics` races the DuckDB tools against, and the second implementation their results are checked with.

Each function takes DataFrames read straight from the snapshots' Parquet files (`pd.read_parquet`) and
recomputes from scratch, as a notebook would; nothing is cached between calls. They follow the methods in
`docs/analytics.md` and the analytics modules' docstrings, written independently of the SQL (groupby,
merge, explode, a small Louvain on a dense matrix), so agreement between the two is a real check.

Reused from the package, as data or as the rule for one string, never an analysis:

- `text.classify` cuts one raw token (the text between two spaces) into words, hashtags, emoji and
  breaks, with its language votes: re-implementing it would only copy its regexes. Everything around it
  (splitting, phrases across tokens, one count per text, language sums and ties) is written here. The
  uncached function is called, so the pandas side pays for its own classification every time.
- `text.stop_words()`, the stop-word lists.
- `geo.locate` reads one free-text location with the gazetteer (uncached here too).

`CHECKS` at the end maps each `bench_analytics.CASES` name to (pandas computation over the frames, the same
view of our tool's JSON result): exact where the definition is exact (ids in order, counts), rounded as the
tools document where floats are involved.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from followlytics.analytics import geo, text

Frames = dict[str, Any]
_LOG10_11 = np.log10(11)


def _share(part: float, whole: float) -> float:
    return round(float(part / whole), 4) if whole else 0.0


def among(ids: pd.Series, others: pd.Series) -> pd.Series:
    """`ids.isin(others)` for X id columns. pandas 3's `str` isin turns every value of `others` into a
    pyarrow scalar in Python (5 s for a million ids); as objects it is the usual hash lookup (0.5 s)."""
    return ids.astype(object).isin(others.astype(object))


# --- value score and rankings (value-score-v1) ----------------------------------------------------------


def _verified(rows: pd.DataFrame) -> pd.Series:
    """Verified as the value score reads it: X says so and the type is not "none"."""
    return rows["verified"].fillna(False) & (rows["verified_type"].fillna("").str.lower() != "none")


def value_scores(
    followers: pd.DataFrame, *, now: pd.Timestamp, interactions: pd.Series | None
) -> pd.DataFrame:
    """value-score-v1 for every follower; `interactions` (by follower id) overrides the imported column."""
    df = followers.copy()
    if interactions is not None:
        df["interactions"] = df["id"].map(interactions).fillna(0).astype("float64")
    has_engagement = df["interactions"].notna().any()
    is_verified = _verified(df)
    n_followers = df["followers_count"].fillna(0).clip(lower=0).astype("float64")
    n_tweets = df["tweet_count"].fillna(0).clip(lower=0).astype("float64")
    n_listed = df["listed_count"].fillna(0).clip(lower=0).astype("float64")
    n_interactions = df["interactions"].fillna(0).clip(lower=0).astype("float64")
    age_days = ((now - df["created_at"]).dt.total_seconds() / 86400.0).clip(lower=0)
    ratio = n_followers / df["following_count"].clip(lower=1)
    ratio = ratio.where(df["followers_count"].notna() & df["following_count"].notna())
    posts_per_day = (n_tweets / age_days.clip(lower=1)).where(df["tweet_count"].notna() & age_days.notna())
    reach = np.minimum(1, np.log10(1 + n_followers) / 7)
    volume = np.minimum(1, np.log10(1 + n_tweets) / 5)
    pace = np.minimum(1, np.log10(1 + posts_per_day) / _LOG10_11)
    activity = volume.where(posts_per_day.isna(), 0.5 * volume + 0.5 * pace)
    vtype = df["verified_type"].fillna("").str.lower()
    c_verified = np.where(~is_verified, 0.0, np.where(vtype.isin(["business", "government"]), 1.0, 0.6))
    c_listed = np.minimum(1, np.log10(1 + n_listed) / 4)
    c_ratio = np.minimum(1, np.log10(1 + ratio) / 3).fillna(0)
    c_age = np.minimum(1, age_days / 3652.5).fillna(0)
    credibility = 0.40 * c_verified + 0.25 * c_listed + 0.20 * c_ratio + 0.15 * c_age
    engagement = np.minimum(1, np.log10(1 + n_interactions) / 2)
    w_engagement = 0.25 if has_engagement else 0.0
    total = 0.35 + 0.15 + 0.25 + w_engagement
    score = 100 * (0.35 * reach + 0.15 * activity + 0.25 * credibility + w_engagement * engagement) / total
    df["score"] = score.round(2)
    df["reach"] = reach
    df["is_verified"] = is_verified
    return df


def by_value(scored: pd.DataFrame) -> pd.DataFrame:
    """Followers best first (score, then followers_count, then id), numbered by `value_rank` from 1."""
    ranked = scored.assign(_n=scored["followers_count"].fillna(0).clip(lower=0)).sort_values(
        ["score", "_n", "id"], ascending=[False, False, True]
    )
    return ranked.assign(value_rank=np.arange(1, len(ranked) + 1))


def top_followers(scored: pd.DataFrame, *, limit: int = 10) -> list[str]:
    """Ids of the top `limit` by score, then followers_count, then id."""
    return by_value(scored)["id"].head(limit).tolist()


def filtered(scored: pd.DataFrame, args: dict) -> pd.DataFrame:
    """The usual follower filters: location substring (any case), verified, min/max followers."""
    location = (args.get("location") or "").strip().lower()
    keep = pd.Series(True, index=scored.index)
    if location:
        keep &= scored["location"].str.lower().str.contains(location, regex=False).fillna(False)
    if args.get("verified") is not None:
        keep &= scored["is_verified"] == args["verified"]
    # Inclusive bounds; a follower whose count is unknown passes neither (docs/analytics.md).
    if args.get("min_followers") is not None:
        keep &= (scored["followers_count"] >= args["min_followers"]).fillna(False)
    if args.get("max_followers") is not None:
        keep &= (scored["followers_count"] <= args["max_followers"]).fillna(False)
    return scored[keep]


def _interaction_counts(frames: Frames) -> pd.Series | None:
    interactions = frames.get("own.interactions")
    return None if interactions is None else interactions.groupby("user_id").size()


def _own_scores(frames: Frames) -> pd.DataFrame:
    return value_scores(
        frames["own.followers"],
        now=frames["own.followers.created_at"],
        interactions=_interaction_counts(frames),
    )


def _rival_scores(frames: Frames) -> pd.DataFrame:
    # The competitor's snapshot has no interactions dataset: its own (empty) column decides.
    return value_scores(
        frames["competitor.followers"], now=frames["competitor.followers.created_at"], interactions=None
    )


def _pandas_top_followers(frames: Frames, args: dict) -> dict:
    matched = filtered(_own_scores(frames), args)
    if args.get("sort") == "engagement":
        engaged = by_value(matched[matched["interactions"] > 0])
        ranked = engaged.sort_values(["interactions", "value_rank"], ascending=[False, True])
        top = list(zip(ranked["id"].head(10), ranked["interactions"].head(10).astype(int), strict=True))
        return {"top": top, "matched": len(engaged), "verified": int(engaged["is_verified"].sum())}
    return {
        "top": top_followers(matched, limit=args.get("limit", 10)),
        "matched": len(matched),
        "verified": int(matched["is_verified"].sum()),
    }


def _ours_top_followers(result: dict) -> dict:
    top = [row["id"] for row in result["followers"]]
    if result["sort"] == "engagement":
        top = [(row["id"], row["interactions"]) for row in result["followers"]]
    return {"top": top, "matched": result["matched"], "verified": result["verified_matched"]}


# --- growth: influential followers, mutuals, collaboration ------------------------------------------------


def _pandas_influential(frames: Frames, args: dict) -> dict:
    scored = _own_scores(frames)
    big = by_value(scored[scored["followers_count"].fillna(0) >= args.get("min_followers", 10_000)])
    ranked = big.sort_values(["followers_count", "value_rank"], ascending=[False, True])
    return {
        "top": ranked["id"].head(10).tolist(),
        "matched": len(big),
        "share": _share(len(big), len(scored)),
        "reach": int(big["followers_count"].clip(lower=0).sum()),
        "verified": int(big["is_verified"].sum()),
    }


def _ours_influential(result: dict) -> dict:
    return {
        "top": [row["id"] for row in result["followers"]],
        "matched": result["matched"],
        "share": result["share_of_audience"],
        "reach": result["combined_reach"],
        "verified": result["verified_matched"],
    }


def _pandas_mutuals(frames: Frames, args: dict) -> dict:
    ranked = by_value(_own_scores(frames))
    following = frames["own.following"]
    followed = among(ranked["id"], following["id"])
    mutuals = ranked[followed]
    # Follow-back: the top 10% by value score (at least one follower) whom the account does not follow.
    high_value = max(1, math.ceil(0.1 * len(ranked)))
    top = ranked.head(high_value)
    follow_back = top[~followed.head(high_value)]
    return {
        "top": mutuals["id"].head(10).tolist(),
        "mutuals": len(mutuals),
        "of_followers": _share(len(mutuals), len(ranked)),
        "of_following": _share(len(mutuals), len(following)),
        "follow_back": len(follow_back),
        "follow_back_top": follow_back["id"].head(5).tolist(),
    }


def _ours_mutuals(result: dict) -> dict:
    return {
        "top": [row["id"] for row in result["mutuals"]],
        "mutuals": result["mutual_count"],
        "of_followers": result["share_of_followers"],
        "of_following": result["share_of_following"],
        "follow_back": result["follow_back"]["count"],
        "follow_back_top": [row["id"] for row in result["follow_back"]["top"]],
    }


def audience_reference_terms(terms: pd.DataFrame, n: int = 20) -> list[str]:
    """The audience's `n` most common bio words and hashtags (a word and its hashtag are one term, their
    bio counts added), each in at least 2 bios; ties alphabetically."""
    words = terms[terms["kind"].isin([text.WORD, text.HASHTAG])]
    counts = words.groupby("term").size().rename("bios").reset_index()
    counts = counts[counts["bios"] >= 2].sort_values(["bios", "term"], ascending=[False, True])
    return counts["term"].head(n).tolist()


def _pandas_collaboration(frames: Frames, args: dict) -> dict:
    followers = frames["own.followers"]
    ranked = by_value(_own_scores(frames))
    terms = bio_terms(followers["description"])
    reference = audience_reference_terms(terms)
    candidates = ranked[ranked["followers_count"].fillna(0) >= args.get("min_followers", 10_000)]
    position = pd.Series(range(len(reference)), index=reference)
    hits = terms[
        terms["doc"].isin(candidates.index)
        & terms["kind"].isin([text.WORD, text.HASHTAG])
        & terms["term"].isin(reference)
    ].drop_duplicates(["doc", "term"])
    shared = (
        hits.assign(position=hits["term"].map(position))
        .sort_values(["doc", "position"])
        .groupby("doc")["term"]
        .agg(list)
    )
    matches = candidates.loc[candidates.index.intersection(shared.index)].copy()
    matches["shared"] = shared
    closeness = np.minimum(1.0, matches["shared"].str.len() / min(3, len(reference)))
    following = frames.get("own.following")
    mutual = 1.0 if following is None else np.where(among(matches["id"], following["id"]), 1.0, 0.6)
    matches["match"] = matches["reach"] * closeness * mutual
    best = matches.sort_values(["match", "followers_count", "value_rank"], ascending=[False, False, True])
    best = best.head(args.get("limit", 5))
    return {
        "top": [
            (i, round(m, 4), s) for i, m, s in zip(best["id"], best["match"], best["shared"], strict=True)
        ],
        "considered": len(candidates),
        "matched": len(matches),
        "reference": reference,
    }


def _ours_collaboration(result: dict) -> dict:
    return {
        "top": [(c["id"], c["match"], c["shared_terms"]) for c in result["candidates"]],
        "considered": result["considered"],
        "matched": result["matched"],
        "reference": result["reference_terms"],
    }


# --- texts into terms (bios, posts) ---------------------------------------------------------------------


class Tokens(NamedTuple):
    """Texts split at spaces: one row per raw token in text order (`doc`: the text's index label, `code`:
    the distinct lowercased token), and what each distinct token holds."""

    occurrences: pd.DataFrame
    classified: list[text.Classified]
    texts: int


def tokenize(texts: pd.Series) -> Tokens:
    """Lowercase, split at single spaces, and classify each distinct token once."""
    texts = texts[texts.notna() & (texts != "")]
    tokens = texts.str.lower().str.split(" ").explode()
    codes, distinct = pd.factorize(tokens)
    classify = text.classify.__wrapped__  # uncached: this side pays for its own classification
    return Tokens(
        occurrences=pd.DataFrame({"doc": tokens.index.to_numpy(), "code": codes}),
        classified=[classify(raw) for raw in distinct],
        texts=len(texts),
    )


def text_terms(tokens: Tokens) -> pd.DataFrame:
    """(doc, term, kind), each term once per text: words, hashtags, emoji, and phrases (two words next to
    each other, inside one token or across two neighbouring tokens, with no break between them)."""
    occurrences, classified = tokens.occurrences, tokens.classified
    per_token = pd.DataFrame(
        [(code, term, kind) for code, c in enumerate(classified) for term, kind in c.terms],
        columns=["code", "term", "kind"],
    )
    inner = pd.DataFrame(
        [(code, phrase, text.PHRASE) for code, c in enumerate(classified) for phrase in c.inner_phrases],
        columns=["code", "term", "kind"],
    )
    heads = pd.Series([c.head for c in classified], dtype=object)
    tails = pd.Series([c.tail for c in classified], dtype=object)
    tail = tails.iloc[occurrences["code"]].reset_index(drop=True)
    next_head = heads.iloc[occurrences["code"]].reset_index(drop=True).shift(-1)
    joined = (occurrences["doc"].shift(-1) == occurrences["doc"]) & tail.notna() & next_head.notna()
    across = pd.DataFrame(
        {
            "doc": occurrences["doc"][joined],
            "term": tail[joined] + " " + next_head[joined],
            "kind": text.PHRASE,
        }
    )
    return pd.concat(
        [
            occurrences.merge(per_token, on="code")[["doc", "term", "kind"]],
            occurrences.merge(inner, on="code")[["doc", "term", "kind"]],
            across,
        ],
        ignore_index=True,
    ).drop_duplicates()


def text_languages(tokens: Tokens) -> pd.Series:
    """Each text's guessed language (by doc; only texts with a guess): summed votes, a single top score."""
    votes = pd.DataFrame(
        [(code, lang, weight) for code, c in enumerate(tokens.classified) for lang, weight in c.votes],
        columns=["code", "lang", "weight"],
    )
    scores = tokens.occurrences.merge(votes, on="code").groupby(["doc", "lang"])["weight"].sum().reset_index()
    top = scores[scores["weight"] >= scores.groupby("doc")["weight"].transform("max") - 1e-6]
    alone = top[(top.groupby("doc")["lang"].transform("size") == 1) & (top["weight"] > 0)]
    return alone.set_index("doc")["lang"]


def bio_terms(texts: pd.Series) -> pd.DataFrame:
    return text_terms(tokenize(texts))


def display(term: str, kind: str) -> str:
    return f"#{term}" if kind == text.HASHTAG else term


# --- interest segments (segments-v1) --------------------------------------------------------------------

_SEGMENT_KINDS = [text.WORD, text.HASHTAG, text.EMOJI]
_KIND_ORDER = {text.WORD: 0, text.HASHTAG: 1, text.EMOJI: 2}
_MAX_SEGMENTS = 10
_LEARN_FROM = 200_000


class Segments(NamedTuple):
    """Learned segments: their terms (term, kind, segment, docs) and display names, 1 = the most common."""

    terms: pd.DataFrame
    names: dict[int, list[str]]


def learn_segments(terms: pd.DataFrame, texts: int) -> Segments:
    """Segments from one audience's bio terms (doc, term, kind): npmi graph of the 300 most used terms,
    Louvain groups, ranked by how many bios use them, named by their most typical terms."""
    vocab = terms.groupby(["term", "kind"]).size().rename("docs").reset_index()
    candidates = (
        vocab[vocab["kind"].isin(_SEGMENT_KINDS) & (vocab["docs"] >= max(2, math.ceil(0.001 * texts)))]
        .sort_values(["docs", "kind", "term"], ascending=[False, True, True])
        .head(300)
        .reset_index(drop=True)
    )
    uses = terms.merge(candidates.reset_index(names="node"), on=["term", "kind"])[["doc", "node"]]
    sample, sampled_texts = _every_kth_bio(uses, texts)
    groups = louvain(_npmi_matrix(sample, len(candidates), sampled_texts))
    support = [sample.loc[sample["node"].isin(group), "doc"].nunique() for group in groups]
    ranked = sorted(range(len(groups)), key=lambda g: (-support[g], min(groups[g])))
    kept = [groups[g] for g in ranked if support[g] > 0 and len(groups[g]) >= 2][:_MAX_SEGMENTS]
    # A segment no bio ends up in (its bios all use more terms of others) is dropped, the rest renumbered.
    segment_of = _numbered(kept, len(candidates))
    winners = assign(uses.assign(segment=segment_of[uses["node"]]), _MAX_SEGMENTS)
    alive = sorted(winners.unique())
    kept = [kept[number - 1] for number in alive]
    segment_of = _numbered(kept, len(candidates))
    model = candidates.assign(segment=segment_of)
    model = model[model["segment"] > 0]
    members = _members(terms, model, assign(_segment_hits(terms, model), _MAX_SEGMENTS))
    model = model.merge(members, on=["term", "kind"], how="left").fillna({"members": 0})
    return Segments(terms=model[["term", "kind", "segment", "docs"]], names=_segment_names(model))


def _every_kth_bio(uses: pd.DataFrame, texts: int) -> tuple[pd.DataFrame, float]:
    """Above 200,000 bios using a candidate, every k-th of them (in snapshot order), and the number of
    bios that sample stands for (all bios / k)."""
    docs = np.sort(uses["doc"].unique())
    step = max(1, math.ceil(len(docs) / _LEARN_FROM))
    if step == 1:
        return uses, float(texts)
    return uses[uses["doc"].isin(docs[::step])], texts / step


def _npmi_matrix(uses: pd.DataFrame, size: int, texts: float) -> np.ndarray:
    """size x size normalised PMI of term pairs used together by at least 2 bios, kept above 0.2."""
    pairs = uses.merge(uses, on="doc")
    pairs = pairs[pairs["node_x"] != pairs["node_y"]]
    together = pairs.groupby(["node_x", "node_y"]).size().rename("together").reset_index()
    bios = uses.groupby("node").size()
    p_ab = together["together"] / texts
    p_a = together["node_x"].map(bios) / texts
    p_b = together["node_y"].map(bios) / texts
    npmi = np.log(p_ab / (p_a * p_b)) / -np.log(p_ab)
    kept = together[(together["together"] >= 2) & (npmi > 0.2) & np.isfinite(npmi)]
    weights = np.zeros((size, size))
    weights[kept["node_x"], kept["node_y"]] = npmi[kept.index]
    return weights


def louvain(weights: np.ndarray) -> list[list[int]]:
    """Louvain modularity maximisation (resolution 1) on a symmetric weight matrix: nodes visited in order,
    ties to the lower group; groups renumbered by first appearance before they become nodes."""
    groups = [[node] for node in range(len(weights))]
    graph = weights
    while len(graph) > 1:
        labels, _ = pd.factorize(_local_moves(graph))
        if labels.max() + 1 == len(graph):
            break
        membership = np.eye(labels.max() + 1)[labels]
        graph = membership.T @ graph @ membership
        groups = [
            sorted(sum((groups[n] for n in np.flatnonzero(labels == g)), [])) for g in range(len(graph))
        ]
    return groups


def _local_moves(graph: np.ndarray) -> np.ndarray:
    """Move each node to the group with the highest modularity gain until none moves."""
    degree = graph.sum(axis=1)
    two_m = degree.sum()
    group = np.arange(len(graph))
    if two_m <= 0:
        return group
    group_degree = degree.copy()
    for _ in range(100):
        moved = False
        for node in range(len(graph)):
            own = group[node]
            group_degree[own] -= degree[node]
            links = np.bincount(group, weights=graph[node], minlength=len(graph))
            links[own] -= graph[node, node]
            gain = links - group_degree * degree[node] / two_m
            best = int(np.argmax(gain))  # first of equal gains: the lower group
            if gain[best] <= gain[own] + 1e-12:  # stay unless strictly better
                best = own
            group[node] = best
            group_degree[best] += degree[node]
            moved |= best != own
        if not moved:
            break
    return group


def _numbered(groups: list[list[int]], size: int) -> np.ndarray:
    segment_of = np.zeros(size, dtype=np.int64)
    for number, group in enumerate(groups, start=1):
        segment_of[group] = number
    return segment_of


def _segment_hits(terms: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """(doc, segment) for every segment term a bio uses; terms matched by text and kind."""
    return terms.merge(model[["term", "kind", "segment"]], on=["term", "kind"])[["doc", "segment"]]


def assign(hits: pd.DataFrame, count: int) -> pd.Series:
    """Each bio's segment among 1..count: the most terms used, ties to the lower number (by doc)."""
    hits = hits[(hits["segment"] > 0) & (hits["segment"] <= count)]
    scores = hits.groupby(["doc", "segment"]).size().rename("hits").reset_index()
    best = scores.sort_values(["doc", "hits", "segment"], ascending=[True, False, True]).drop_duplicates(
        "doc"
    )
    return best.set_index("doc")["segment"]


def assign_segments(terms: pd.DataFrame, model: Segments, count: int = 8) -> pd.Series:
    return assign(_segment_hits(terms, model.terms), count)


def _members(terms: pd.DataFrame, model: pd.DataFrame, segment_by_doc: pd.Series) -> pd.DataFrame:
    """For each segment term, how many bios assigned to its segment use it."""
    used = terms.merge(model[["term", "kind", "segment"]], on=["term", "kind"])
    used = used[used["doc"].map(segment_by_doc) == used["segment"]]
    return used.groupby(["term", "kind"]).size().rename("members").reset_index()


def _segment_names(model: pd.DataFrame) -> dict[int, list[str]]:
    """Each segment's terms, most typical first: members^2 / bios using it, then bios, word before
    hashtag before emoji, then alphabetically."""
    ordered = model.assign(
        typical=model["members"] ** 2 / model["docs"].clip(lower=1), order=model["kind"].map(_KIND_ORDER)
    ).sort_values(["segment", "typical", "docs", "order", "term"], ascending=[True, False, False, True, True])
    shown = [display(term, kind) for term, kind in zip(ordered["term"], ordered["kind"], strict=True)]
    return pd.Series(shown, index=ordered["segment"].to_numpy()).groupby(level=0).agg(list).to_dict()


def _segment_summary(model: Segments, assigned: pd.Series, count: int = 8) -> list[dict]:
    sizes = assigned.value_counts()
    return [
        {"index": int(s), "name": " · ".join(names[:3]), "top_terms": names[:5], "size": int(sizes.get(s, 0))}
        for s, names in sorted(model.names.items())
        if s <= count
    ]


# --- audience themes (themes-v1) ------------------------------------------------------------------------


def _top_terms(terms: pd.DataFrame, kind: str, limit: int) -> list[tuple[str, int]]:
    counts = terms[terms["kind"] == kind].groupby("term").size().rename("n").reset_index()
    counts = counts.sort_values(["n", "term"], ascending=[False, True]).head(limit)
    return [(display(t, kind), int(n)) for t, n in zip(counts["term"], counts["n"], strict=True)]


def _pandas_themes(frames: Frames, args: dict) -> dict:
    followers = frames["own.followers"]
    tokens = tokenize(followers["description"])
    terms = text_terms(tokens)
    model = learn_segments(terms, tokens.texts)
    assigned = assign_segments(terms, model, args.get("segments", 8))
    segments = _segment_summary(model, assigned, args.get("segments", 8))
    members = followers.loc[assigned.index].assign(
        segment=assigned, _n=lambda d: d["followers_count"].fillna(-1)
    )
    examples = (
        members.sort_values(["_n", "id"], ascending=[False, True]).groupby("segment")["username"].agg(list)
    )
    languages = text_languages(tokens).value_counts().rename_axis("lang").reset_index(name="n")
    languages = languages.sort_values(["n", "lang"], ascending=[False, True])
    limit = args.get("limit", 10)
    return {
        "followers": len(followers),
        "with_bio": tokens.texts,
        "lists": [
            _top_terms(terms, kind, limit) for kind in (text.WORD, text.PHRASE, text.HASHTAG, text.EMOJI)
        ],
        "segments": [(s["index"], s["name"], s["size"], examples.get(s["index"], [])[:3]) for s in segments],
        "segmented": len(assigned),
        "languages": list(zip(languages["lang"], languages["n"].astype(int), strict=True)),
        "language_unknown": tokens.texts - int(languages["n"].sum()),
    }


def _ours_themes(result: dict) -> dict:
    return {
        "followers": result["followers"],
        "with_bio": result["with_bio"],
        "lists": [
            [(t["term"], t["count"]) for t in result[kind]]
            for kind in ("keywords", "phrases", "hashtags", "emoji")
        ],
        "segments": [(s["index"], s["name"], s["size"], s["examples"]) for s in result["segments"]],
        "segmented": result["segmented"],
        "languages": [(lang["code"], lang["count"]) for lang in result["languages"]],
        "language_unknown": result["language_unknown"],
    }


# --- places and audience locations (places-v1) ----------------------------------------------------------

_PLACE_FIELDS = ["city", "region", "country_code", "country", "timezone"]


def places(followers: pd.DataFrame) -> pd.DataFrame:
    """One row per follower with a non-empty location: id, location and its place (NaN when unplaced);
    each distinct location string is read once."""
    located = followers.loc[
        followers["location"].notna() & (followers["location"].str.strip() != ""), ["id", "location"]
    ]
    locate = geo.locate.__wrapped__  # uncached, as above
    distinct = located["location"].drop_duplicates()
    found = [locate(location) for location in distinct]
    read = pd.DataFrame(
        [[getattr(p, f) if p is not None else None for f in _PLACE_FIELDS] for p in found],
        columns=_PLACE_FIELDS,
    ).assign(location=distinct.to_numpy())
    return located.merge(read, on="location", how="left")


def _counted(table: pd.DataFrame, keys: list[str], limit: int) -> list[tuple]:
    counts = table.dropna(subset=keys[:1]).groupby(keys).size().rename("n").reset_index()
    counts = counts.sort_values(["n", *keys], ascending=[False, *[True] * len(keys)]).head(limit)
    return [tuple(row) for row in counts[[*keys, "n"]].itertuples(index=False)]


def _pandas_locations(frames: Frames, args: dict) -> dict:
    placed = places(frames["own.followers"])
    limit = args.get("limit", 10)
    unplaced = placed[placed["country_code"].isna()]
    return {
        "with_location": len(placed),
        "placed": int(placed["country_code"].notna().sum()),
        "in_city": int(placed["city"].notna().sum()),
        "cities": _counted(placed, ["city", "country_code"], limit),
        "countries": _counted(placed, ["country_code"], limit),
        "timezones": _counted(placed, ["timezone"], limit),
        "unplaced": _counted(unplaced, ["location"], 5),
    }


def _ours_locations(result: dict) -> dict:
    return {
        "with_location": result["with_location"],
        "placed": result["placed"],
        "in_city": result["placed_in_city"],
        "cities": [(c["city"], c["country_code"], c["count"]) for c in result["cities"]],
        "countries": [(c["country_code"], c["count"]) for c in result["countries"]],
        "timezones": [(z["timezone"], z["count"]) for z in result["timezones"]],
        "unplaced": [(u["location"], u["count"]) for u in result["top_unplaced"]],
    }


# --- content ideas (ideas-v1) ---------------------------------------------------------------------------


def rising_terms(posts: pd.DataFrame, days: int, limit: int) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The windows' post counts, the rising terms (at most `limit`), and the recent window's post terms
    with their authors."""
    end = posts["created_at"].max()
    split, start = end - pd.Timedelta(days=days), end - pd.Timedelta(days=2 * days)
    windowed = posts[(posts["created_at"] > start) & (posts["created_at"] <= end)]
    recent = windowed["created_at"] > split
    window = {"recent_posts": int(recent.sum()), "previous_posts": int((~recent).sum())}
    terms = bio_terms(windowed["text"])
    terms = terms[terms["kind"].isin([text.WORD, text.PHRASE, text.HASHTAG])]
    terms = terms.assign(recent=terms["doc"].map(recent), author=terms["doc"].map(windowed["author_id"]))
    counted = terms.groupby(["term", "kind"]).agg(recent=("recent", "sum"), posts=("recent", "size"))
    counted["previous"] = counted["posts"] - counted["recent"]
    authors = terms[terms["recent"]].groupby(["term", "kind"])["author"].nunique()
    counted["authors"] = authors.reindex(counted.index, fill_value=0)
    counted["growth"] = (counted["recent"] / window["recent_posts"]) / (
        (counted["previous"] + 1) / (window["previous_posts"] + 1)
    )
    rising = counted[(counted["recent"] >= 5) & (counted["authors"] >= 3) & (counted["growth"] >= 1.5)]
    rising = rising.reset_index().sort_values(["growth", "recent", "term"], ascending=[False, False, True])
    trends = []
    for row in rising.itertuples(index=False):
        # A word or phrase inside, or holding, a word or phrase listed above adds nothing.
        words = set(row.term.split())
        if row.kind != text.HASHTAG and any(
            words <= set(t.term.split()) or set(t.term.split()) <= words
            for t in trends
            if t.kind != text.HASHTAG
        ):
            continue
        trends.append(row)
        if len(trends) == limit:
            break
    return window, pd.DataFrame(trends, columns=rising.columns), terms[terms["recent"]]


def _leaning(
    segments: pd.Series, authors: int, sizes: pd.Series, total: int
) -> tuple[int | None, float, int]:
    """The segment most over-represented among a trend's `authors` (`segments`: those who have one; lift
    at least 1.25 and at least 3 of them)."""
    counts = segments.value_counts().sort_index()
    lift = (counts / authors) / (sizes.reindex(counts.index) / total)
    fit = lift[(counts >= 3) & (lift >= 1.25)]
    if fit.empty:
        return None, 0.0, 0
    best = fit.idxmax()  # first of equal lifts: the lower segment
    return int(best), float(fit[best]), int(counts[best])


def _pandas_content_ideas(frames: Frames, args: dict) -> dict:
    followers = frames["own.followers"]
    tokens = tokenize(followers["description"])
    bios = text_terms(tokens)
    model = learn_segments(bios, tokens.texts)
    assigned = assign_segments(bios, model, 8)
    names = {s["index"]: s for s in _segment_summary(model, assigned, 8)}
    sizes = pd.Series({s: info["size"] for s, info in names.items()})
    segment_by_id = pd.Series(assigned.to_numpy(), index=followers.loc[assigned.index, "id"].to_numpy())
    days, limit = args.get("days", 14), args.get("limit", 5)
    window, trends, recent = rising_terms(frames["own.follower_tweets"], days, limit)
    ideas, used = [], set()
    for trend in trends.itertuples(index=False):
        authors = recent.loc[
            (recent["term"] == trend.term) & (recent["kind"] == trend.kind), "author"
        ].unique()
        in_segments = pd.Series(authors).map(segment_by_id).dropna().astype(int)
        segment, lift, n = _leaning(in_segments, trend.authors, sizes, len(followers))
        numbers = {"recent_posts": trend.recent, "previous_posts": trend.previous, "authors": trend.authors}
        numbers["growth"] = round(trend.growth, 2)
        if segment is not None:
            used.add(segment)
            share = _share(names[segment]["size"], len(followers))
            numbers |= {"segment_authors": n, "segment_size": names[segment]["size"], "segment_share": share}
            numbers["segment_lift"] = round(lift, 2)
        name = names[segment]["name"] if segment is not None else None
        ideas.append((name, display(trend.term, trend.kind), numbers))
    phrases = _segment_phrases(bios, assigned, names)
    for index, info in sorted(names.items(), key=lambda item: (-item[1]["size"], item[0])):
        if len(ideas) >= limit:
            break
        if index in used or info["size"] == 0:
            continue
        numbers = {"segment_size": info["size"], "segment_share": _share(info["size"], len(followers))}
        if index in phrases:
            numbers["phrase_members"] = phrases[index]
        ideas.append((info["name"], None, numbers))
    return {
        "window": window,
        "trends": [
            (display(t.term, t.kind), t.kind, t.recent, t.previous, t.authors, round(t.growth, 2))
            for t in trends.itertuples(index=False)
        ],
        "ideas": ideas,
        "segmented": len(assigned),
    }


def _segment_phrases(bios: pd.DataFrame, assigned: pd.Series, names: dict[int, dict]) -> dict[int, int]:
    """Members using each segment's top bio phrase (most members; ties: more words shared with the
    segment's top terms, then alphabetically)."""
    phrases = bios[bios["kind"] == text.PHRASE].assign(segment=lambda d: d["doc"].map(assigned)).dropna()
    counts = phrases.groupby(["segment", "term"]).size().rename("members").reset_index()
    counts["shared"] = [
        len(set(term.split()) & set(names[int(s)]["top_terms"])) if int(s) in names else 0
        for s, term in zip(counts["segment"], counts["term"], strict=True)
    ]
    best = counts.sort_values(["segment", "members", "shared", "term"], ascending=[True, False, False, True])
    return {int(s): int(n) for s, n in best.drop_duplicates("segment")[["segment", "members"]].to_numpy()}


def _ours_content_ideas(result: dict) -> dict:
    window = result["window"]
    return {
        "window": {k: window[k] for k in ("recent_posts", "previous_posts")} if window else None,
        "trends": [
            (t["term"], t["kind"], t["recent"], t["previous"], t["authors"], t["growth"])
            for t in result["trends"]
        ],
        "ideas": [(i["segment"], i["trend"], i["numbers"]) for i in result["ideas"]],
        "segmented": result["segmented"],
    }


# --- competitors: overlap, targets, comparison ----------------------------------------------------------


def overlap(own: pd.DataFrame, competitor: pd.DataFrame) -> dict[str, float]:
    """Shared and exclusive follower counts and the Jaccard index of two audiences."""
    n_own, n_competitor = own["id"].nunique(), competitor["id"].nunique()
    shared = own.loc[among(own["id"], competitor["id"]), "id"].nunique()
    return {
        "own": n_own,
        "competitor": n_competitor,
        "shared": shared,
        "jaccard": _share(shared, n_own + n_competitor - shared),
        "of_own": _share(shared, n_own),
        "of_competitor": _share(shared, n_competitor),
    }


def _pandas_overlap(frames: Frames, args: dict) -> dict:
    rival = frames["competitor.followers"]
    ranked = by_value(_own_scores(frames))
    shared = ranked[among(ranked["id"], rival["id"])]
    return {
        **overlap(frames["own.followers"], rival),
        "top": shared["id"].head(args.get("limit", 10)).tolist(),
    }


def _ours_overlap_counts(counts: dict) -> dict:
    return {
        "own": counts["own_followers"],
        "competitor": counts["competitor_followers"],
        "shared": counts["shared"],
        "jaccard": counts["jaccard"],
        "of_own": counts["shared_share_of_own"],
        "of_competitor": counts["shared_share_of_competitor"],
    }


def _ours_overlap(result: dict) -> dict:
    return _ours_overlap_counts(result["overlap"]) | {"top": [row["id"] for row in result["top_shared"]]}


def _pandas_targets(frames: Frames, args: dict) -> dict:
    scored = _rival_scores(frames)
    not_following = scored[~among(scored["id"], frames["own.followers"]["id"])]
    matched = filtered(not_following, args)
    offset = args.get("offset", 0)
    return {
        "competitor": len(scored),
        "not_following": len(not_following),
        "matched": len(matched),
        "verified": int(matched["is_verified"].sum()),
        "top": by_value(matched)["id"].iloc[offset : offset + args.get("limit", 10)].tolist(),
    }


def _ours_targets(result: dict) -> dict:
    return {
        "competitor": result["competitor_followers"],
        "not_following": result["not_following_you"],
        "matched": result["matched"],
        "verified": result["verified_matched"],
        "top": [row["id"] for row in result["targets"]],
    }


_SIZE_BANDS = [("<100", 0, 100), ("100-1K", 100, 1_000), ("1K-10K", 1_000, 10_000)]
_SIZE_BANDS += [("10K-100K", 10_000, 100_000), ("100K+", 100_000, np.inf)]


def _share_rows(own: pd.Series, rival: pd.Series, own_total: int, rival_total: int) -> pd.DataFrame:
    """Counts per name on both sides, shares (4 decimals) and competitor share minus own share."""
    rows = pd.DataFrame({"own": own, "rival": rival}).fillna(0).astype(int)
    rows["own_share"] = [_share(n, own_total) for n in rows["own"]]
    rows["rival_share"] = [_share(n, rival_total) for n in rows["rival"]]
    rows["difference"] = (rows["rival_share"] - rows["own_share"]).round(4)
    return rows


def _audience(followers: pd.DataFrame, located: pd.DataFrame, segmented: int) -> dict:
    counts = followers["followers_count"]
    bands = [int(counts.between(low, high, inclusive="left").sum()) for _, low, high in _SIZE_BANDS]
    return {
        "followers": len(followers),
        "verified": int(_verified(followers).sum()),
        "median": float(counts.median()) if counts.notna().any() else None,
        "with_count": int(counts.notna().sum()),
        "placed": int(located["country"].notna().sum()),
        "segmented": segmented,
        "bands": bands,
    }


def _place_rows(own: pd.DataFrame, rival: pd.DataFrame, key: Callable[[pd.DataFrame], pd.Series]) -> list:
    """Places in either side's top 5, as shares of each side's placed followers, biggest share first."""
    own, rival = own[own["country"].notna()], rival[rival["country"].notna()]
    own_counts, rival_counts = key(own).value_counts(), key(rival).value_counts()

    def top(counts: pd.Series) -> list[str]:
        return (
            counts.rename_axis("name")
            .reset_index()
            .sort_values(["count", "name"], ascending=[False, True])["name"]
            .head(5)
            .tolist()
        )

    names = sorted(set(top(own_counts)) | set(top(rival_counts)))
    rows = _share_rows(own_counts.reindex(names), rival_counts.reindex(names), len(own), len(rival))
    rows["first"] = rows[["own_share", "rival_share"]].max(axis=1)
    rows = rows.rename_axis("name").reset_index().sort_values(["first", "name"], ascending=[False, True])
    return [tuple(r) for r in rows[["name", "own", "rival"]].itertuples(index=False)]


def _pandas_comparison(frames: Frames, args: dict) -> dict:
    own, rival = frames["own.followers"], frames["competitor.followers"]
    own_tokens, rival_tokens = tokenize(own["description"]), tokenize(rival["description"])
    own_terms, rival_terms = text_terms(own_tokens), text_terms(rival_tokens)
    model = learn_segments(own_terms, own_tokens.texts)
    own_assigned, rival_assigned = assign_segments(own_terms, model), assign_segments(rival_terms, model)
    segments = _segment_summary(model, own_assigned)
    segment_rows = _share_rows(
        pd.Series({s["index"]: s["size"] for s in segments}),
        rival_assigned.value_counts(),
        len(own),
        len(rival),
    ).loc[[s["index"] for s in segments]]
    segment_rows["gap"] = segment_rows["difference"].abs()
    segment_rows = (
        segment_rows.rename_axis("index").reset_index().sort_values(["gap", "index"], ascending=[False, True])
    )
    names = {s["index"]: s["name"] for s in segments}
    own_places, rival_places = places(own), places(rival)
    return {
        "own": _audience(own, own_places, len(own_assigned)),
        "competitor": _audience(rival, rival_places, len(rival_assigned)),
        "overlap": overlap(own, rival),
        "segments": [
            (names[i], int(o), int(r)) for i, o, r in segment_rows[["index", "own", "rival"]].to_numpy()
        ],
        "countries": _place_rows(own_places, rival_places, lambda p: p["country"]),
        "cities": _place_rows(
            own_places, rival_places, lambda p: (p["city"] + ", " + p["country_code"]).dropna()
        ),
        "posts": [post_stats(frames["own.tweets"]), post_stats(frames["competitor.tweets"])],
    }


def _ours_comparison(result: dict) -> dict:
    def side(figures: dict, bands: list[int]) -> dict:
        return {
            "followers": figures["followers"],
            "verified": figures["verified"],
            "median": figures["median_followers"],
            "with_count": figures["with_follower_count"],
            "placed": figures["placed"],
            "segmented": figures["segmented"],
            "bands": bands,
        }

    def rows(key: str) -> list:
        return [(r["name"], r["own_count"], r["competitor_count"]) for r in result[key]]

    bands = result["size_bands"]
    posts = result["posts"]
    return {
        "own": side(result["own_audience"], [b["own_count"] for b in bands]),
        "competitor": side(result["competitor_audience"], [b["competitor_count"] for b in bands]),
        "overlap": _ours_overlap_counts(result["overlap"]),
        "segments": rows("segments"),
        "countries": rows("countries"),
        "cities": rows("cities"),
        "posts": None
        if posts is None
        else [_ours_post_stats(posts["own"]), _ours_post_stats(posts["competitor"])],
    }


# Post terms: words of 3+ letters from the text without links, mentions and hashtags.
_LINKS_AND_TAGS = re.compile(r"https?://\S+|[@#]\w+")
_HASHTAG = re.compile(r"#(\w+)")
_TERM = re.compile(r"[^\W\d_][^\W_]{2,}")
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def post_stats(tweets: pd.DataFrame) -> dict:
    """One account's post figures (reposts left out): rhythm, engagement, hours, weekdays, topics."""
    posts = tweets[tweets["referenced_type"].fillna("") != "retweeted"]
    metrics = posts[["like_count", "retweet_count", "reply_count", "quote_count"]]
    engagement = metrics.fillna(0).sum(axis=1).where(metrics.notna().any(axis=1))
    impressions = posts["impression_count"]
    seen = (impressions > 0) & engagement.notna()
    dated = posts["created_at"].dropna()
    weeks = max(1.0, (dated.max() - dated.min()) / pd.Timedelta(weeks=1)) if len(dated) else None
    by_hour = dated.dt.hour.value_counts()
    lowered = posts["text"].dropna().str.lower()
    hashtags = "#" + lowered.str.findall(_HASHTAG).explode()
    words = lowered.str.replace(_LINKS_AND_TAGS, " ", regex=True).str.findall(_TERM).explode()
    words = words[~words.isin(text.stop_words())]
    return {
        "posts": len(posts),
        "with_metrics": int(engagement.notna().sum()),
        "with_impressions": int(seen.sum()),
        "weeks": None if weeks is None else round(weeks, 2),
        "per_week": None if weeks is None else round(len(dated) / weeks, 2),
        "per_post": round(float(engagement.mean()), 2) if engagement.notna().any() else None,
        "per_1k": round(float(1000 * engagement[seen].sum() / impressions[seen].sum()), 2)
        if seen.any()
        else None,
        "hours": _top_slots(by_hour, lambda h: f"{h:02d}:00", len(dated)),
        "peak": _peak_window(by_hour, len(dated)),
        "weekdays": _top_slots(dated.dt.day_of_week.value_counts(), _WEEKDAYS.__getitem__, len(dated)),
        "hashtags": _most_used(hashtags),
        "terms": _most_used(words),
    }


def _top_slots(counts: pd.Series, label: Callable[[int], str], dated: int) -> list[tuple]:
    ranked = counts.rename_axis("slot").reset_index().sort_values(["count", "slot"], ascending=[False, True])
    return [(label(s), int(n), _share(n, dated)) for s, n in ranked.head(3).to_numpy()]


def _peak_window(by_hour: pd.Series, dated: int) -> tuple | None:
    """The 3 consecutive hours (wrapping midnight) with the most posts; ties: the window centred on the
    busier hour, then the earlier one."""
    if not dated:
        return None
    hours = by_hour.reindex(range(24), fill_value=0).to_numpy()
    windows = pd.DataFrame({"posts": sum(np.roll(hours, -i) for i in range(3)), "centre": np.roll(hours, -1)})
    start = windows.sort_values(["posts", "centre"], ascending=False, kind="stable").index[0]
    posts = int(windows["posts"][start])
    return (f"{start:02d}:00-{(start + 3) % 24:02d}:00", posts, _share(posts, dated))


def _most_used(terms: pd.Series) -> list[tuple[str, int]]:
    """The 8 terms in the most posts (`terms`: exploded, indexed by post), ties alphabetically."""
    once = terms.dropna().rename("term").reset_index().drop_duplicates()
    counts = once["term"].value_counts().reset_index()
    counts = counts.sort_values(["count", "term"], ascending=[False, True]).head(8)
    return [(t, int(n)) for t, n in counts.to_numpy()]


def _ours_post_stats(stats: dict) -> dict:
    def slots(items: list[dict]) -> list[tuple]:
        return [(s["slot"], s["posts"], s["share"]) for s in items]

    peak = stats["peak_window"]
    return {
        "posts": stats["posts"],
        "with_metrics": stats["posts_with_metrics"],
        "with_impressions": stats["posts_with_impressions"],
        "weeks": stats["weeks"],
        "per_week": stats["posts_per_week"],
        "per_post": stats["engagement_per_post"],
        "per_1k": stats["engagement_per_1k_impressions"],
        "hours": slots(stats["top_hours"]),
        "peak": None if peak is None else (peak["slot"], peak["posts"], peak["share"]),
        "weekdays": slots(stats["top_weekdays"]),
        "hashtags": [(t["term"], t["posts"]) for t in stats["top_hashtags"]],
        "terms": [(t["term"], t["posts"]) for t in stats["top_terms"]],
    }


# --- posting times (posting-times-v1) -------------------------------------------------------------------


def _slot(times: pd.Series, tz: str) -> pd.Series:
    """Weekday x hour cell (0..167, Monday 00:00 first) of each instant in time zone `tz`."""
    local = times.dt.tz_convert(tz)
    return local.dt.day_of_week * 24 + local.dt.hour


def _post_values(tweets: pd.DataFrame, tz: str) -> tuple[pd.Series, pd.Series]:
    """Own posts per cell, and each cell's engagement rate, capped and shrunk towards the mean."""
    posts = tweets[tweets["created_at"].notna() & (tweets["referenced_type"].fillna("") != "retweeted")]
    metrics = ["like_count", "retweet_count", "reply_count", "quote_count"]
    engagement = posts[metrics].fillna(0).sum(axis=1).astype("float64")
    impressions = posts["impression_count"].fillna(0)
    if (impressions > 0).sum() >= 0.5 * len(posts):
        rate = (engagement / impressions)[impressions > 0]
    else:  # the frames hold only the newest followers snapshot: its count stands for every post
        rate = engagement / max(1, len(tweets))
    median = rate.median()
    capped = rate.clip(upper=5 * median) if median > 0 else rate
    cells = _slot(posts.loc[capped.index, "created_at"], tz)
    counts = cells.value_counts().reindex(range(168), fill_value=0)
    sums = capped.groupby(cells).sum().reindex(range(168), fill_value=0.0)
    mean = capped.sum() / len(capped)
    return counts, ((sums + mean) / (counts + 1)).where(counts > 0, mean)


def _follower_activity(posts: pd.DataFrame, tz: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Each follower spreads a weight of 1 over the cells they post in; also posts and authors per cell."""
    posts = posts[posts["created_at"].notna() & posts["author_id"].notna()]
    cells = _slot(posts["created_at"], tz)
    weight = 1 / posts.groupby("author_id")["author_id"].transform("size")
    activity = weight.groupby(cells).sum().reindex(range(168), fill_value=0.0)
    return (
        activity,
        cells.value_counts().reindex(range(168), fill_value=0),
        posts["author_id"].groupby(cells).nunique(),
    )


def _min_max(values: pd.Series) -> pd.Series:
    low, high = values.min(), values.max()
    return values * 0.0 if high - low <= 1e-12 else (values - low) / (high - low)


def best_slots(score: pd.Series, top: int = 3) -> list[tuple[int, list[str]]]:
    """The best cells (ties: weekday, then hour), each with the other weekdays scoring exactly the same at
    that hour (to 9 decimals), folded into it."""
    rounded = score.round(9)
    chosen: list[tuple[int, list[str]]] = []
    for cell in rounded.sort_values(ascending=False, kind="stable").index:
        twin = next((c for c in chosen if c[0] % 24 == cell % 24 and rounded[c[0]] == rounded[cell]), None)
        if twin is not None:
            twin[1].append(_WEEKDAYS[cell // 24])
        elif len(chosen) < top:
            chosen.append((int(cell), []))
    return chosen


def _pandas_posting_times(frames: Frames, args: dict) -> dict:
    """Own posts blended with followers' posting hours (the bench data has both; the time-zone estimate
    used without followers' posts is not written here)."""
    zones = places(frames["own.followers"])["timezone"].value_counts().rename_axis("tz").reset_index()
    tz = zones.sort_values(["count", "tz"], ascending=[False, True])["tz"].iloc[0] if len(zones) else "UTC"
    counts, values = _post_values(frames["own.tweets"], tz)
    activity, follower_posts, authors = _follower_activity(frames["own.follower_tweets"], tz)
    score = 0.6 * _min_max(values) + 0.4 * _min_max(activity)

    def slot(cell: int, twins: list[str]) -> tuple:
        figures = (int(counts[cell]), int(follower_posts[cell]), int(authors.get(cell, 0)))
        return (cell // 24, cell % 24, twins, round(float(score[cell]), 4), *figures)

    return {
        "timezone": tz,
        "top": [slot(cell, twins) for cell, twins in best_slots(score)],
        "heatmap": score.round(4).tolist(),
        "posts_heatmap": counts.tolist(),
        "posts_analyzed": int(counts.sum()),
    }


def _ours_posting_times(result: dict) -> dict:
    return {
        "timezone": result["timezone"],
        "top": [
            (
                s["weekday_index"],
                s["hour"],
                s["same_score_on"],
                s["score"],
                s["posts"],
                s["follower_posts"],
                s["followers"],
            )
            for s in result["top_slots"]
        ],
        "heatmap": [v for row in result["heatmap"] for v in row],
        "posts_heatmap": [v for row in result["posts_heatmap"] for v in row],
        "posts_analyzed": result["posts_analyzed"],
    }


# --- change over time (snapshot-diff-v1) ----------------------------------------------------------------


def _notable(rows: pd.DataFrame, limit: int) -> list[str]:
    """Ids by their own follower count (missing = 0), verified first, then id."""
    ranked = rows.assign(_n=rows["followers_count"].fillna(0), _v=_verified(rows)).sort_values(
        ["_n", "_v", "id"], ascending=[False, False, True]
    )
    return ranked["id"].head(limit).tolist()


def _pandas_changes(frames: Frames, args: dict) -> dict:
    now, before = frames["own.followers"], frames["own.followers.previous"]
    gained, lost = now[~among(now["id"], before["id"])], before[~among(before["id"], now["id"])]
    limit = args.get("limit", 10)
    return {
        "now": len(now),
        "before": len(before),
        "gained": len(gained),
        "lost": len(lost),
        "net": len(gained) - len(lost),
        "growth": round(100 * (len(now) - len(before)) / len(before), 2) if len(before) else None,
        "verified_gained": int(_verified(gained).sum()),
        "verified_lost": int(_verified(lost).sum()),
        "gains": _notable(gained, limit),
        "losses": _notable(lost, limit),
    }


def _ours_changes(result: dict) -> dict:
    return {
        "now": result["followers_now"],
        "before": result["followers_before"],
        "gained": result["gained"],
        "lost": result["lost"],
        "net": result["net"],
        "growth": result["growth_percent"],
        "verified_gained": result["verified_gained"],
        "verified_lost": result["verified_lost"],
        "gains": [row["id"] for row in result["notable_gains"]],
        "losses": [row["id"] for row in result["notable_losses"]],
    }


# --- the cases `followlytics bench analytics` compares --------------------------------------------------
# Each entry: (pandas computation over the frames, the same view of our tool's JSON result). The two views
# must be equal for the case to agree.

CHECKS: dict[str, tuple[Callable[[Frames, dict], Any], Callable[[dict], Any]]] = {
    "top_followers": (_pandas_top_followers, _ours_top_followers),
    "top_followers_filtered": (_pandas_top_followers, _ours_top_followers),
    "most_engaged": (_pandas_top_followers, _ours_top_followers),
    "influential_followers": (_pandas_influential, _ours_influential),
    "mutual_connections": (_pandas_mutuals, _ours_mutuals),
    "collaboration_suggestions": (_pandas_collaboration, _ours_collaboration),
    "audience_themes": (_pandas_themes, _ours_themes),
    "audience_locations": (_pandas_locations, _ours_locations),
    "content_ideas": (_pandas_content_ideas, _ours_content_ideas),
    "competitor_overlap": (_pandas_overlap, _ours_overlap),
    "competitor_targets": (_pandas_targets, _ours_targets),
    "competitor_comparison": (_pandas_comparison, _ours_comparison),
    "posting_times": (_pandas_posting_times, _ours_posting_times),
    "follower_changes": (_pandas_changes, _ours_changes),
}
