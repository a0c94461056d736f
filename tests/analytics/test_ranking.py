"""Top followers: the value score, its filters, its reasons and its evidence, over real Parquet snapshots."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from followlytics.analytics.ranking import METHOD, TopFollowersFilters, TopFollowersResult, top_followers
from followlytics.audience.schema import FOLLOWER_SCHEMA
from followlytics.audience.snapshots import write_snapshot
from followlytics.errors import InvalidInput

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
