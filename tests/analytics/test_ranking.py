"""Top followers: the value score, its filters, its reasons and its evidence, over real Parquet snapshots."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from followlytics.analytics.ranking import (
    ENGAGEMENT_METHOD,
    KINDS,
    METHOD,
    TopFollowersArgs,
    TopFollowersFilters,
    TopFollowersResult,
    run_top_followers,
    scored_table,
    top_followers,
)
from followlytics.audience.datasets import Dataset
from followlytics.audience.manifest import AccountEntry, write_manifest
from followlytics.audience.paths import account_dir
from followlytics.audience.schema import FOLLOWER_COLUMNS, FOLLOWER_SCHEMA
from followlytics.audience.snapshots import write_snapshot
from followlytics.errors import InvalidInput, NoAudienceData
from followlytics.sandbox.runtime import Runtime

SNAPSHOT_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def _row(id: str, **values: Any) -> dict[str, Any]:
    return {"id": id, "username": f"user_{id}", **values}


def _load(tmp_path: Path, rows: list[dict[str, Any]]) -> tuple[duckdb.DuckDBPyConnection, str]:
    info = write_snapshot(
        tmp_path / "acc", pa.Table.from_pylist(rows, schema=FOLLOWER_SCHEMA), sources=["test"]
    )
    con = duckdb.connect()
    con.execute("CREATE TABLE followers AS SELECT * FROM read_parquet($path)", {"path": str(info.path)})
    return con, info.id


def _rank(tmp_path: Path, rows: list[dict[str, Any]], **filters: Any) -> TopFollowersResult:
    con, snapshot_id = _load(tmp_path, rows)
    return top_followers(
        con,
        table="followers",
        snapshot_id=snapshot_id,
        snapshot_created_at=SNAPSHOT_TIME.isoformat(),
        account_id="acc",
        filters=TopFollowersFilters(**filters),
    )


def _ids(result: TopFollowersResult) -> list[str]:
    return [f.id for f in result.followers]


BIG = _row(
    "big",
    name="Big Co",
    location="London, UK",
    created_at=SNAPSHOT_TIME - timedelta(days=4000),
    verified=True,
    verified_type="business",
    followers_count=1_200_000,
    following_count=300,
    tweet_count=45_000,
    listed_count=3_400,
)
TINY = _row("tiny", name="Tiny", followers_count=12, following_count=500, tweet_count=3, listed_count=0)


def test_a_verified_high_reach_follower_outranks_a_tiny_one_and_the_reasons_quote_the_data(tmp_path: Path):
    result = _rank(tmp_path, [TINY, BIG])

    assert _ids(result) == ["big", "tiny"]
    big, tiny = result.followers
    assert [big.rank, tiny.rank] == [1, 2]
    assert 0 <= tiny.score < big.score <= 100
    assert set(big.factors) == {"reach", "activity", "credibility", "engagement"}
    assert all(0 <= value <= 1 for value in big.factors.values())
    assert big.reasons == [
        "reach: 1.2M followers",
        "active: 11.2 posts/day (45K posts)",
        "verified (business)",
    ]
    assert tiny.reasons[0] == "reach: 12 followers"
    assert 1 <= len(tiny.reasons) <= 3
    assert big.verified is True and big.verified_type == "business" and big.name == "Big Co"


def test_the_score_is_the_documented_formula(tmp_path: Path):
    row = _row(
        "x",
        created_at=SNAPSHOT_TIME - timedelta(days=1000),
        verified=True,
        verified_type="blue",
        followers_count=9_999,
        following_count=99,
        tweet_count=2_000,
        listed_count=99,
    )
    (ranked,) = _rank(tmp_path, [row]).followers

    lg = math.log10
    reach = lg(1 + 9_999) / 7
    activity = 0.5 * (lg(1 + 2_000) / 5) + 0.5 * (lg(1 + 2_000 / 1000) / lg(11))
    credibility = (
        0.40 * 0.6 + 0.25 * (lg(1 + 99) / 4) + 0.20 * (lg(1 + 9_999 / 99) / 3) + 0.15 * (1000 / 3652.5)
    )
    # No interactions anywhere in the snapshot: engagement is dropped and the rest renormalised.
    expected = 100 * (0.35 * reach + 0.15 * activity + 0.25 * credibility) / 0.75
    assert ranked.score == pytest.approx(expected, abs=0.005)
    assert ranked.factors["reach"] == pytest.approx(reach, abs=1e-4)
    assert ranked.factors["activity"] == pytest.approx(activity, abs=1e-4)
    assert ranked.factors["credibility"] == pytest.approx(credibility, abs=1e-4)


def test_a_follower_maxing_every_factor_scores_100_and_engagement_weighs_a_quarter(tmp_path: Path):
    perfect = _row(
        "p",
        created_at=SNAPSHOT_TIME - timedelta(days=4000),
        verified=True,
        verified_type="government",
        followers_count=10_000_000,
        following_count=1,
        tweet_count=100_000,
        listed_count=10_000,
    )
    assert _rank(tmp_path / "a", [perfect]).followers[0].score == 100.0

    other = _row("o", interactions=0)  # interactions now exist in the snapshot, but not for `perfect`
    result = _rank(tmp_path / "b", [perfect, other])
    assert result.has_engagement is True
    assert result.followers[0].score == 75.0


def test_interactions_move_an_engaged_follower_up(tmp_path: Path):
    base = {"followers_count": 5_000, "following_count": 400, "tweet_count": 3_000, "listed_count": 10}
    rows = [_row("a", **base), _row("b", **base)]
    without = _rank(tmp_path / "without", rows)
    assert _ids(without) == ["a", "b"]
    assert without.has_engagement is False
    assert "interactions" not in without.evidence.fields
    assert all(f.factors["engagement"] == 0 for f in without.followers)

    engaged = [_row("a", **base), _row("b", **base, interactions=14)]
    with_engagement = _rank(tmp_path / "with", engaged)
    assert _ids(with_engagement) == ["b", "a"]
    assert with_engagement.has_engagement is True
    assert "interactions" in with_engagement.evidence.fields
    assert "engaged with you 14 times" in with_engagement.followers[0].reasons
    assert with_engagement.followers[0].factors["engagement"] == pytest.approx(math.log10(15) / 2, abs=1e-4)


def test_location_is_a_case_insensitive_substring(tmp_path: Path):
    rows = [
        _row("1", location="London, UK"),
        _row("2", location="NEW LONDON"),
        _row("3", location="Paris"),
        _row("4", location=None),
    ]
    result = _rank(tmp_path, rows, location="london")
    assert sorted(_ids(result)) == ["1", "2"]
    assert result.matched == 2
    assert result.total_followers == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [("100%", ["pct"]), ("a_b", ["underscore"]), ("\\", ["backslash"])],
)
def test_like_wildcards_in_the_location_are_plain_characters(tmp_path: Path, text: str, expected: list[str]):
    rows = [
        _row("pct", location="100% remote"),
        _row("thousand", location="1000 remote"),
        _row("underscore", location="a_b city"),
        _row("axb", location="axb city"),
        _row("backslash", location="c:\\ home"),
    ]
    assert _ids(_rank(tmp_path, rows, location=text)) == expected


def test_verified_filter_and_count(tmp_path: Path):
    rows = [
        _row("business", verified=True, verified_type="business"),
        _row("blue", verified=True, verified_type="blue"),
        _row("typeless", verified=True, verified_type=None),
        _row("none", verified=True, verified_type="none"),
        _row("no", verified=False, verified_type=None),
        _row("unknown"),
    ]
    everyone = _rank(tmp_path / "all", rows)
    assert everyone.verified_matched == 3

    only = _rank(tmp_path / "yes", rows, verified=True)
    assert sorted(_ids(only)) == ["blue", "business", "typeless"]
    assert only.verified_matched == 3
    assert all(f.verified for f in only.followers)

    others = _rank(tmp_path / "no", rows, verified=False)
    assert sorted(_ids(others)) == ["no", "none", "unknown"]
    assert others.verified_matched == 0
    assert not any(f.verified for f in others.followers)


def test_verified_kinds_weigh_differently(tmp_path: Path):
    rows = [
        _row("business", verified=True, verified_type="business"),
        _row("blue", verified=True, verified_type="blue"),
        _row("none", verified=True, verified_type="none"),
    ]
    result = _rank(tmp_path, rows)
    assert _ids(result) == ["business", "blue", "none"]
    assert result.followers[0].reasons == ["verified (business)"]
    assert result.followers[1].reasons == ["verified (blue)"]


def test_min_followers_is_inclusive_and_skips_unknown_counts(tmp_path: Path):
    rows = [
        _row("below", followers_count=999),
        _row("at", followers_count=1_000),
        _row("above", followers_count=50_000),
        _row("unknown"),
    ]
    result = _rank(tmp_path, rows, min_followers=1_000)
    assert _ids(result) == ["above", "at"]
    assert result.matched == 2


def test_limit_and_filters_combine(tmp_path: Path):
    rows = [
        _row(str(i), location="Berlin" if i % 2 else "Rome", followers_count=i * 100, verified=i % 3 == 0)
        for i in range(1, 31)
    ]
    result = _rank(tmp_path, rows, location="BERLIN", min_followers=1_000, verified=False, limit=3)
    # Odd i (Berlin), i >= 10, not a multiple of 3, highest followers first.
    assert _ids(result) == ["29", "25", "23"]
    assert result.matched == len([i for i in range(10, 31) if i % 2 and i % 3])


def test_missing_metrics_score_zero_without_crashing(tmp_path: Path):
    rows = [
        _row("bare"),
        _row(
            "negative",
            followers_count=-5,
            following_count=-1,
            tweet_count=-3,
            listed_count=-2,
            interactions=-1,
        ),
        _row("future", created_at=SNAPSHOT_TIME + timedelta(days=30), tweet_count=10),
        _row("only_following", following_count=10),
    ]
    result = _rank(tmp_path, rows)
    by_id = {f.id: f for f in result.followers}
    assert by_id["bare"].score == 0
    assert by_id["bare"].reasons == ["no follower, post, list or verification data to score"]
    assert by_id["bare"].name == "" and by_id["bare"].verified is False and by_id["bare"].protected is False
    assert by_id["negative"].score == 0
    assert by_id["future"].score > 0
    assert by_id["only_following"].factors["credibility"] == 0


def test_ties_break_by_followers_then_id(tmp_path: Path):
    same = {"followers_count": 100, "tweet_count": 10}
    rows = [_row("c", **same), _row("a", **same), _row("b", **same)]
    result = _rank(tmp_path, rows)
    assert _ids(result) == ["a", "b", "c"]
    assert len({f.score for f in result.followers}) == 1


def test_top_locations_count_the_returned_rows(tmp_path: Path):
    rows = [
        _row("1", location="Berlin", followers_count=900),
        _row("2", location="Berlin", followers_count=800),
        _row("3", location="Rome", followers_count=700),
        _row("4", location="  ", followers_count=600),
        _row("5", location="Oslo", followers_count=500),
        _row("6", location="Lima", followers_count=400),
        _row("7", location="Lima", followers_count=10),  # not returned with limit 6
    ]
    result = _rank(tmp_path, rows, limit=6)
    assert result.top_locations == [("Berlin", 2), ("Lima", 1), ("Oslo", 1)]


def test_evidence_says_what_was_read(tmp_path: Path):
    rows = [BIG, TINY, _row("paris", location="Paris")]
    con, snapshot_id = _load(tmp_path, rows)
    result = top_followers(
        con,
        table="followers",
        snapshot_id=snapshot_id,
        snapshot_created_at="2026-01-01T00:00:00+00:00",
        account_id="acc_1",
        filters=TopFollowersFilters(location="London", limit=5),
    )
    evidence = result.evidence
    assert evidence.snapshot == snapshot_id
    assert evidence.snapshot_created_at == "2026-01-01T00:00:00+00:00"
    assert evidence.account_id == "acc_1"
    assert evidence.rows_read == 3
    assert evidence.rows_matched == 1
    assert evidence.filters == {"limit": 5, "location": "London"}
    assert evidence.method == METHOD == "value-score-v1"
    assert set(evidence.fields) == {
        "id",
        "followers_count",
        "following_count",
        "tweet_count",
        "listed_count",
        "created_at",
        "verified",
        "verified_type",
        "location",
    }


def test_a_table_name_that_is_not_an_identifier_is_refused(tmp_path: Path):
    con, snapshot_id = _load(tmp_path, [TINY])
    with pytest.raises(InvalidInput) as caught:
        top_followers(
            con,
            table="followers; DROP TABLE followers",
            snapshot_id=snapshot_id,
            snapshot_created_at=None,
            account_id=None,
            filters=TopFollowersFilters(),
        )
    assert caught.value.field == "table"
    assert con.execute("SELECT count(*) FROM followers").fetchone() == (1,)


# --- the workspace path: the cached scored table, interactions, engagement sort, paging ----------------


def _own_user(tmp_path: Path) -> Path:
    root = tmp_path / "u1"
    write_manifest(root, [AccountEntry("acc_me", "me", "own")])
    return root


def _import(root: Path, dataset: Dataset, rows: list[dict[str, Any]]) -> str:
    table = pa.Table.from_pylist(rows, schema=dataset.schema)
    return write_snapshot(account_dir(root, "acc_me"), table, sources=["test"], dataset=dataset).id


def _likes(user: str, *kinds_by_tweet: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"tweet_id": tweet, "user_id": user, "kind": kind} for tweet, kind in kinds_by_tweet]


def _run(rt: Runtime, **args: Any) -> TopFollowersResult:
    return run_top_followers(rt, TopFollowersArgs(account_id="acc_me", **args))


SAME = {"followers_count": 5_000, "following_count": 400, "tweet_count": 3_000, "listed_count": 10}


def test_the_interactions_dataset_is_counted_per_kind_and_reorders_the_ranking(tmp_path: Path):
    root = _own_user(tmp_path)
    _import(root, Dataset.FOLLOWERS, [_row("a", **SAME), _row("b", **SAME), _row("c", **SAME)])
    rt = Runtime(root)
    before = _run(rt)
    assert _ids(before) == ["a", "b", "c"]  # equal profiles: by id
    assert before.has_engagement is False and before.engagement_source is None
    assert before.followers[0].likes is None and before.followers[0].interactions is None
    assert "--kind interactions" in before.notes[0]

    interactions = [
        *_likes("b", ("t1", "like"), ("t2", "like"), ("t3", "like"), ("t1", "reply")),
        *_likes("c", ("t1", "like")),
        *_likes("999", ("t1", "like"), ("t2", "quote")),  # not a follower: ignored
    ]
    interactions_id = _import(root, Dataset.INTERACTIONS, interactions)
    after = _run(rt)

    assert _ids(after) == ["b", "c", "a"]
    b, c, a = after.followers
    assert (b.interactions, b.likes, b.retweets, b.replies, b.quotes) == (4, 3, 0, 1, 0)
    assert (c.interactions, c.likes) == (1, 1)
    assert (a.interactions, a.likes, a.replies) == (0, 0, 0)
    assert b.factors["engagement"] == pytest.approx(math.log10(5) / 2, abs=1e-4)
    assert "engaged with you 4 times (3 likes, 1 reply)" in b.reasons
    # Same profile, so the score gap is engagement's quarter of the points.
    assert b.score - a.score == pytest.approx(25 * math.log10(5) / 2, abs=0.011)
    assert after.has_engagement is True and after.engagement_source == "interactions"
    assert after.engaged == 2 and after.notes == []
    assert [s.dataset for s in after.evidence.sources] == ["followers", "interactions"]
    assert after.evidence.sources[1].snapshot == interactions_id
    assert after.evidence.sample_sizes == {"followers": 3, "interactions": 7, "engaged_followers": 2}
    assert {"interactions.user_id", "interactions.kind"} <= set(after.evidence.fields)


def test_a_new_interactions_snapshot_replaces_the_cached_scores(tmp_path: Path):
    root = _own_user(tmp_path)
    _import(root, Dataset.FOLLOWERS, [_row("a", **SAME), _row("b", **SAME)])
    first_id = _import(root, Dataset.INTERACTIONS, _likes("a", ("t1", "like")))
    rt = Runtime(root)
    source = rt.source("acc_me", Dataset.FOLLOWERS)

    first = scored_table(rt, source)
    assert first.endswith(first_id.lower())
    assert scored_table(rt, source) == first  # cached: same table, not rebuilt
    assert _ids(_run(rt)) == ["a", "b"]

    second_id = _import(root, Dataset.INTERACTIONS, _likes("b", ("t1", "like"), ("t2", "retweet")))
    second = scored_table(rt, source)
    assert second != first and second.endswith(second_id.lower())
    result = _run(rt)
    assert _ids(result) == ["b", "a"]
    assert (result.followers[0].likes, result.followers[0].retweets) == (1, 1)
    assert result.evidence.sources[1].snapshot == second_id

    # A new followers snapshot is a new source, so its scores are computed afresh as well.
    _import(root, Dataset.FOLLOWERS, [_row("a", **SAME), _row("b", **SAME), _row("c", **SAME)])
    assert _run(rt).total_followers == 3


def test_the_scored_table_holds_every_follower_column_and_the_same_scores_as_the_ranking(tmp_path: Path):
    root = _own_user(tmp_path)
    _import(root, Dataset.FOLLOWERS, [BIG, TINY, _row("mid", followers_count=800, interactions=3)])
    rt = Runtime(root)
    table = scored_table(rt, rt.source("acc_me", Dataset.FOLLOWERS))
    columns = [c[0] for c in rt.connection.execute(f"DESCRIBE {table}").fetchall()]
    documented = ["score", "reach", "activity", "credibility", "engagement", "is_verified", "value_rank"]
    assert set(FOLLOWER_COLUMNS) | set(KINDS) | set(documented) <= set(columns)
    query = f"SELECT id, score, interactions, likes FROM {table} ORDER BY value_rank"
    rows = rt.connection.execute(query).fetchall()
    ranked = _run(rt)
    assert [(f.id, f.score, f.interactions, f.likes) for f in ranked.followers] == rows
    assert ranked.engagement_source == "followers"  # the imported column, no per-kind counts


FAN_BASE = {"following_count": 100, "tweet_count": 100}


def _engagement_audience(root: Path) -> Runtime:
    _import(
        root,
        Dataset.FOLLOWERS,
        [
            _row("star", followers_count=2_000_000, **FAN_BASE),  # best score, never engaged
            _row("y", followers_count=100, **FAN_BASE),
            _row("z", followers_count=50, **FAN_BASE),
            _row("w", followers_count=9_000, verified=True, verified_type="blue", **FAN_BASE),
        ],
    )
    _import(
        root,
        Dataset.INTERACTIONS,
        [
            *_likes("y", ("t1", "like"), ("t2", "like")),
            *_likes("z", *[(f"t{i}", "like") for i in range(5)]),
            *_likes("w", ("t1", "retweet"), ("t1", "like")),
        ],
    )
    return Runtime(root)


def test_sorting_by_engagement_ranks_only_followers_who_engaged(tmp_path: Path):
    rt = _engagement_audience(_own_user(tmp_path))
    result = _run(rt, sort="engagement")
    # z engaged 5 times; y and w twice each, and w has the higher value score.
    assert _ids(result) == ["z", "w", "y"]
    assert [f.interactions for f in result.followers] == [5, 2, 2]
    assert (result.total_followers, result.matched, result.engaged, result.verified_matched) == (4, 3, 3, 1)
    assert result.sort == "engagement" and result.evidence.method == ENGAGEMENT_METHOD
    assert result.evidence.rows_matched == 3

    by_value = _run(rt)
    assert by_value.followers[0].id == "star" and by_value.engaged == 3 and by_value.matched == 4

    filtered = _run(rt, sort="engagement", verified=False)
    assert _ids(filtered) == ["z", "y"] and filtered.engaged == 2


def test_sorting_by_engagement_without_engagement_data_says_what_to_import(tmp_path: Path):
    root = _own_user(tmp_path)
    _import(root, Dataset.FOLLOWERS, [_row("a", **SAME)])
    with pytest.raises(NoAudienceData) as raised:
        _run(Runtime(root), sort="engagement")
    assert raised.value.dataset == "interactions"
    assert "--kind interactions --account me" in raised.value.message


def test_offset_pages_through_the_ranking(tmp_path: Path):
    root = _own_user(tmp_path)
    _import(root, Dataset.FOLLOWERS, [_row(f"{i:02d}", followers_count=i * 100) for i in range(1, 26)])
    rt = Runtime(root)
    first, second, last = _run(rt), _run(rt, offset=10), _run(rt, offset=20, limit=10)
    assert _ids(first) == [f"{i:02d}" for i in range(25, 15, -1)]
    assert _ids(second) == [f"{i:02d}" for i in range(15, 5, -1)]
    assert [f.rank for f in second.followers] == list(range(11, 21))
    assert _ids(last) == ["05", "04", "03", "02", "01"]
    assert (
        second.offset == 10
        and second.matched == 25
        and second.evidence.filters == {"limit": 10, "offset": 10}
    )

    past = _run(rt, offset=30)
    assert past.followers == [] and "past the last of the 25 matched followers" in past.notes[-1]


def test_max_followers_is_an_inclusive_upper_bound(tmp_path: Path):
    rows = [
        _row("small", followers_count=10),
        _row("at", followers_count=1_000),
        _row("above", followers_count=1_001),
        _row("unknown"),
    ]
    assert _ids(_rank(tmp_path / "a", rows, max_followers=1_000)) == ["at", "small"]
    assert _ids(_rank(tmp_path / "b", rows, min_followers=11, max_followers=1_000)) == ["at"]
    with pytest.raises(InvalidInput) as raised:
        _rank(tmp_path / "c", rows, min_followers=500, max_followers=100)
    assert raised.value.field == "max_followers"


def test_the_tool_over_the_wire_pages_and_sorts_by_engagement(tmp_path: Path):
    rt = _engagement_audience(_own_user(tmp_path))
    answer = rt.handle(
        {
            "id": 9,
            "tool": "top_followers",
            "args": {"account_id": "acc_me", "sort": "engagement", "limit": 1, "offset": 1},
        }
    )
    assert answer["ok"] is True
    result = answer["result"]
    assert [(f["rank"], f["id"], f["likes"], f["retweets"]) for f in result["followers"]] == [(2, "w", 1, 1)]
    assert result["engaged"] == 3 and result["sort"] == "engagement"

    refused = rt.handle({"id": 10, "tool": "top_followers", "args": {"account_id": "acc_me", "sort": "loud"}})
    assert refused["ok"] is False and refused["error"]["field"] == "sort"


def test_a_larger_audience_ranks_by_the_counted_interactions(tmp_path: Path):
    """3,000 synthetic followers, 2,000 random interactions: engagement order matches a count in Python."""
    rng = random.Random(7)
    root = _own_user(tmp_path)
    rows = [
        _row(str(i), followers_count=rng.randrange(0, 200_000), tweet_count=rng.randrange(0, 50_000))
        for i in range(3_000)
    ]
    _import(root, Dataset.FOLLOWERS, rows)
    # Heavy-tailed: a few fans engage a lot, many once; ids 3,000+ are not followers.
    users = [
        str(int(rng.paretovariate(1.2)) if rng.random() < 0.5 else rng.randrange(3_100)) for _ in range(2_000)
    ]
    events = {(f"t{rng.randrange(40)}", user, rng.choice(list(KINDS.values()))) for user in users}
    _import(root, Dataset.INTERACTIONS, [{"tweet_id": t, "user_id": u, "kind": k} for t, u, k in events])
    rt = Runtime(root)

    counts = Counter(user for _, user, _ in events if int(user) < 3_000)
    result = _run(rt, sort="engagement", limit=100)
    assert result.engaged == len(counts)
    got = [(f.id, f.interactions) for f in result.followers]
    assert [n for _, n in got] == sorted(counts.values(), reverse=True)[:100]
    assert all(counts[user] == n for user, n in got)
    # Equal counts are ordered by value score.
    ordered = [(f.interactions, f.score) for f in result.followers]
    assert all(a[1] >= b[1] for a, b in zip(ordered, ordered[1:], strict=False) if a[0] == b[0])
    by_value = _run(rt, limit=100)
    scores = [f.score for f in by_value.followers]
    assert scores == sorted(scores, reverse=True)
