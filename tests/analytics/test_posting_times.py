"""Best posting times: exact heatmap cells and top slots from posts with known metrics, time zones across
daylight saving changes, follower activity from their posts or their time zones, and which source was used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from followlytics.analytics.posting_times import PostingTimesArgs, PostingTimesResult, run_posting_times
from followlytics.audience.datasets import Dataset
from followlytics.audience.manifest import AccountEntry, write_manifest
from followlytics.audience.paths import account_dir
from followlytics.audience.snapshots import write_snapshot
from followlytics.errors import InvalidInput, NoAudienceData
from followlytics.sandbox.runtime import Runtime

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "u1"
    write_manifest(root, [AccountEntry("acc_me", "me", "own")])
    return root


def _write(root: Path, dataset: Dataset, rows: list[dict[str, Any]], when: datetime | None = None) -> str:
    """Import `rows` as a snapshot of `dataset`, taken at `when` (the id is the import time)."""
    info = write_snapshot(
        account_dir(root, "acc_me"),
        pa.Table.from_pylist(rows, schema=dataset.schema),
        sources=["t"],
        dataset=dataset,
    )
    if when is None:
        return info.id
    snapshot_id = when.strftime("%Y%m%dT%H%M%S%fZ")
    info.path.rename(info.path.with_name(f"{snapshot_id}.parquet"))
    return snapshot_id


_ids = iter(range(10**9))


def _post(at: datetime, likes: int = 0, impressions: int | None = None, **values: Any) -> dict[str, Any]:
    return {"id": str(next(_ids)), "author_id": "1", "created_at": at, "like_count": likes,
            "impression_count": impressions, **values}  # fmt: skip


def _by(author: str, at: datetime) -> dict[str, Any]:
    return {"id": str(next(_ids)), "author_id": author, "created_at": at}


def _run(root: Path, **args: Any) -> PostingTimesResult:
    return run_posting_times(Runtime(root), PostingTimesArgs(account_id="acc_me", **args))


def _utc(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-5)  # rates are reported to six significant digits


def _labels(result: PostingTimesResult) -> list[str]:
    return [slot.label for slot in result.top_slots]


# January 2026: Monday 5, Tuesday 6, Thursday 8, Saturday 10, Tuesday 13.
POSTS = [
    _post(_utc(6, 14, 10), likes=30, retweet_count=5, reply_count=3, quote_count=2, impressions=1000),  # 0.04
    _post(_utc(13, 14, 40), likes=20, impressions=1000),  # Tuesday 14:00 again: 0.02
    _post(_utc(8, 9), likes=10, impressions=1000),  # Thursday 09:00: 0.01
    _post(_utc(5, 20), likes=10, impressions=500),  # Monday 20:00: 0.02
    _post(_utc(10, 3), likes=5, impressions=1000),  # Saturday 03:00: 0.005
]


def test_own_posts_give_exact_cells_and_top_slots(root: Path):
    # A repost carries the original's metrics, so it must not count for the account.
    repost = _post(
        _utc(7, 12), likes=9_000, impressions=10_000, referenced_type="retweeted", referenced_id="9"
    )
    _write(root, Dataset.TWEETS, [*POSTS, repost])

    result = _run(root, timezone="UTC")

    # Rates 0.04, 0.02, 0.01, 0.02, 0.005: median 0.02, nothing above the 5x cap; mean 0.019.
    mean = 0.019
    tue_14, mon_20, thu_9, sat_3 = (0.06 + mean) / 3, (0.02 + mean) / 2, (0.01 + mean) / 2, (0.005 + mean) / 2
    assert result.engagement_heatmap is not None
    assert result.engagement_heatmap[TUE][14] == _approx(tue_14)
    assert result.engagement_heatmap[MON][20] == _approx(mon_20)
    assert result.engagement_heatmap[SAT][3] == _approx(sat_3)
    assert result.engagement_heatmap[WED][12] is None
    assert result.posts_heatmap[TUE][14] == 2 and result.posts_heatmap[THU][9] == 1
    assert sum(map(sum, result.posts_heatmap)) == result.posts_analyzed == 5
    # The score is min-max normalised: the lowest slot (Saturday 03:00) is 0, an empty slot sits at the mean.
    span = tue_14 - sat_3
    assert result.heatmap[SAT][3] == 0.0
    assert result.heatmap[WED][12] == pytest.approx((mean - sat_3) / span, abs=1e-4)
    assert _labels(result) == ["Tuesday 14:00-15:00", "Monday 20:00-21:00", "Thursday 09:00-10:00"]
    best = result.top_slots[0]
    assert (best.weekday, best.weekday_index, best.hour, best.posts, best.score) == (
        "Tuesday",
        TUE,
        14,
        2,
        1.0,
    )
    assert best.engagement_rate == _approx(tue_14)
    assert best.basis == "2 of your posts (engagement 2.63% of impressions)"
    assert result.top_slots[2].score == pytest.approx((thu_9 - sat_3) / span, abs=1e-4)
    assert result.sources_used == ["tweets"] and result.weights == {"posts": 1.0}
    assert result.normalisation == "impressions"
    assert result.activity_heatmap is None
    assert "Left out 1 repost: their metrics belong to the original post." in result.notes
    assert "Used your posts' engagement only" in result.notes[1]
    assert "--kind follower-tweets" in result.notes[1]
    assert result.evidence.method == "posting-times-v1"
    assert result.evidence.rows_read == 6 and result.evidence.rows_matched == 5
    assert [s.dataset for s in result.evidence.sources] == ["tweets"]


def test_one_viral_post_is_capped_at_five_times_the_median(root: Path):
    _write(
        root,
        Dataset.TWEETS,
        [
            _post(_utc(5, 10), likes=10, impressions=1000),
            _post(_utc(6, 10), likes=10, impressions=1000),
            _post(_utc(7, 10), likes=500, impressions=1000),  # 0.5, capped at 5 x 0.01
        ],
    )

    result = _run(root, timezone="UTC")

    mean = (0.01 + 0.01 + 0.05) / 3
    assert result.engagement_heatmap[WED][10] == _approx((0.05 + mean) / 2)
    assert result.engagement_heatmap[MON][10] == _approx((0.01 + mean) / 2)


def test_without_impressions_engagement_is_divided_by_the_follower_count_at_the_time(root: Path):
    _write(root, Dataset.FOLLOWERS, [{"id": str(i), "username": f"u{i}"} for i in range(100)], _utc(1, 0))
    _write(
        root,
        Dataset.FOLLOWERS,
        [{"id": str(i), "username": f"u{i}"} for i in range(200)],
        _utc(1, 0, month=2),
    )
    _write(
        root,
        Dataset.TWEETS,
        [
            _post(datetime(2025, 12, 29, 10, tzinfo=UTC), likes=10),  # before any snapshot: the oldest, 100
            _post(_utc(14, 10), likes=10),  # Wednesday: January's 100 followers
            _post(_utc(4, 10, month=2), likes=10),  # Wednesday: February's 200 followers
        ],
    )

    result = _run(root, timezone="UTC", source="tweets")

    assert result.normalisation == "followers"
    mean = (0.1 + 0.1 + 0.05) / 3
    assert result.engagement_heatmap[MON][10] == _approx((0.1 + mean) / 2)
    assert result.engagement_heatmap[WED][10] == _approx((0.15 + mean) / 3)
    assert any("divided by your follower count at the time" in note for note in result.notes)


def test_each_post_is_converted_with_its_own_dates_daylight_saving(root: Path):
    # Berlin moves from UTC+1 to UTC+2 at 01:00 UTC on Sunday 29 March 2026, and back on 25 October.
    _write(
        root,
        Dataset.TWEETS,
        [
            _post(_utc(28, 13, month=3), likes=1, impressions=100),  # Saturday 14:00 CET
            _post(_utc(29, 0, 30, month=3), likes=1, impressions=100),  # Sunday 01:30 CET
            _post(_utc(29, 1, 30, month=3), likes=1, impressions=100),  # Sunday 03:30 CEST
            _post(_utc(30, 13, month=3), likes=1, impressions=100),  # Monday 15:00 CEST
            _post(_utc(25, 0, 30, month=10), likes=1, impressions=100),  # Sunday 02:30 CEST
            _post(_utc(25, 1, 30, month=10), likes=1, impressions=100),  # Sunday 02:30 CET, the repeated hour
        ],
    )

    result = _run(root, timezone="europe/berlin", source="tweets")

    assert result.timezone == "Europe/Berlin"
    assert result.timezone_reason == "the time zone you asked for"
    cells = {(d, h): n for d, row in enumerate(result.posts_heatmap) for h, n in enumerate(row) if n}
    assert cells == {(SAT, 14): 1, (SUN, 1): 1, (SUN, 3): 1, (MON, 15): 1, (SUN, 2): 2}
    # The answer's zone was given, so no follower data was read to choose one.
    assert [s.dataset for s in result.evidence.sources] == ["tweets"]


def test_an_unknown_time_zone_names_the_field(root: Path):
    _write(root, Dataset.TWEETS, POSTS)
    with pytest.raises(InvalidInput) as caught:
        _run(root, timezone="Mars/Olympus_Mons")
    assert caught.value.field == "timezone"


def test_weeks_keeps_only_posts_in_the_window_before_the_newest(root: Path):
    newest = _utc(28, 12)  # Wednesday
    _write(
        root,
        Dataset.TWEETS,
        [
            _post(newest, likes=10, impressions=1000),
            _post(newest - timedelta(days=7), likes=10, impressions=1000),  # exactly one week: kept
            _post(newest - timedelta(days=7, seconds=1), likes=10, impressions=1000),
            _post(newest - timedelta(days=20), likes=10, impressions=1000),
        ],
    )

    everything = _run(root, timezone="UTC")
    last_week = _run(root, timezone="UTC", weeks=1)

    assert everything.posts_analyzed == 4 and everything.window_start is None
    assert last_week.posts_analyzed == 2
    assert last_week.window_start == (newest - timedelta(days=7)).isoformat()
    assert last_week.window_end == newest.isoformat()
    assert last_week.posts_heatmap[WED][12] == 2
    assert last_week.evidence.filters == {"source": "auto", "timezone": "UTC", "weeks": 1}


def test_followers_posting_hours_weigh_each_follower_once(root: Path):
    _write(
        root,
        Dataset.FOLLOWER_TWEETS,
        [
            *[_by("10", _utc(6, 10, minute)) for minute in (1, 2, 3)],  # three posts on Tuesday 10:00
            _by("10", _utc(7, 10)),  # and one on Wednesday 10:00: shares 3/4 and 1/4
            _by("20", _utc(9, 18)),  # one post on Friday 18:00: share 1
            *[
                _by("30", _utc(5, 8, minute % 60) + timedelta(days=7 * (minute // 60)))
                for minute in range(100)
            ],
        ],
    )

    result = _run(root, timezone="UTC", source="followers")

    assert result.sources_used == ["follower_tweets"] and result.weights == {"followers": 1.0}
    assert result.notes[1] == "Used followers' posting hours only, as asked."
    assert result.activity_heatmap[TUE][10] == 0.75
    assert result.activity_heatmap[WED][10] == 0.25
    # A follower posting 100 times on Monday 08:00 counts as much as one posting once on Friday 18:00.
    assert result.activity_heatmap[MON][8] == result.activity_heatmap[FRI][18] == 1.0
    assert _labels(result) == ["Monday 08:00-09:00", "Friday 18:00-19:00", "Tuesday 10:00-11:00"]
    assert [(s.followers, s.follower_posts, s.posts) for s in result.top_slots] == [
        (1, 100, 0),
        (1, 1, 0),
        (1, 3, 0),
    ]
    assert result.top_slots[2].basis == "1 follower posted 3 times in this hour"
    assert result.posts_analyzed == 0 and result.engagement_heatmap is None
    assert result.evidence.sample_sizes["follower_posts"] == 105
    assert result.evidence.sample_sizes["followers_posting"] == 3


def test_posts_and_follower_activity_blend_sixty_forty(root: Path):
    _write(root, Dataset.TWEETS, POSTS)
    _write(
        root, Dataset.FOLLOWER_TWEETS, [_by("10", _utc(6, 14)), _by("20", _utc(8, 9)), _by("20", _utc(5, 6))]
    )

    result = _run(root, timezone="UTC")

    assert result.sources_used == ["tweets", "follower_tweets"]
    assert result.weights == {"posts": 0.6, "followers": 0.4}
    assert (
        result.notes[1]
        == "Used your posts' engagement (weight 0.6) and followers' posting hours (weight 0.4)."
    )
    # Tuesday 14:00 is best in both parts; Thursday 09:00 is 0.174 of posts and 0.5 of followers.
    mean = 0.019
    thu_posts = ((0.01 + mean) / 2 - (0.005 + mean) / 2) / ((0.06 + mean) / 3 - (0.005 + mean) / 2)
    assert result.heatmap[TUE][14] == 1.0
    assert result.heatmap[THU][9] == pytest.approx(0.6 * thu_posts + 0.4 * 0.5, abs=1e-4)
    assert result.heatmap[MON][6] == pytest.approx(result.heatmap[WED][0] + 0.4 * 0.5, abs=1e-4)  # no posts
    best = result.top_slots[0]
    assert best.label == "Tuesday 14:00-15:00"
    assert (best.posts, best.followers, best.follower_posts) == (2, 1, 1)
    assert (
        best.basis
        == "2 of your posts (engagement 2.63% of impressions); 1 follower posted 1 time in this hour"
    )
    assert [s.dataset for s in result.evidence.sources] == ["tweets", "follower_tweets"]


def _followers(root: Path, locations: list[str | None], when: datetime) -> None:
    rows = [{"id": str(i), "username": f"u{i}", "location": loc} for i, loc in enumerate(locations)]
    _write(root, Dataset.FOLLOWERS, rows, when)


def test_follower_time_zones_shift_the_assumed_daily_profile(root: Path):
    # In January New York is UTC-5: 20:00 there on Monday to Friday, the assumed peak, is 01:00 UTC next day.
    _followers(root, ["New York, NY", "New York City", None], _utc(15, 12))

    result = _run(root, timezone="UTC", source="followers")

    assert result.sources_used == ["follower_locations"]
    assert result.notes[1] == "Used follower time zones only, as asked."
    assert _labels(result) == [
        "Tuesday to Saturday 01:00-02:00",  # local 20:00, Monday to Friday
        "Tuesday to Saturday 00:00-01:00",  # local 19:00
        "Monday to Friday 17:00-18:00",  # local 12:00 (as high as 18:00, which comes later in the week)
    ]
    assert result.top_slots[0].same_score_on == ["Wednesday", "Thursday", "Friday", "Saturday"]
    assert result.top_slots[0].followers == 2
    assert result.top_slots[0].basis == "estimated from the time zones of 2 placed followers"
    # Normalised: the quietest cell is a weekend night at 0.05 x 0.85.
    low = 0.05 * 0.85
    assert result.activity_heatmap[MON][17] == pytest.approx((0.95 - low) / (1 - low), abs=1e-4)
    assert result.activity_heatmap[SUN][8] == pytest.approx((0.05 * 0.85 - low) / (1 - low), abs=1e-4)
    assert result.evidence.sample_sizes["followers_placed"] == 2


def test_a_half_hour_time_zone_splits_its_weight_between_two_hours(root: Path):
    _followers(root, ["Mumbai, India"], _utc(15, 12))  # UTC+5:30

    result = _run(root, timezone="UTC", source="followers")

    # 14:00-15:00 UTC is 19:30-20:30 in Mumbai: half of 19:00 (0.97) and half of 20:00 (1.00), the best.
    assert result.top_slots[0].label == "Monday to Friday 14:00-15:00"
    low = 0.05 * 0.85
    assert result.activity_heatmap[MON][13] == pytest.approx(
        (0.5 * 0.95 + 0.5 * 0.97 - low) / (0.985 - low), 1e-3
    )


def test_without_a_time_zone_the_most_common_follower_zone_is_used(root: Path):
    _followers(root, ["Berlin, Germany", "Berlin", "New York, NY", "somewhere nice", None], _utc(15, 12))
    _write(root, Dataset.TWEETS, [_post(_utc(6, 14), likes=1, impressions=100)])  # 15:00 in Berlin

    result = _run(root)

    assert result.timezone == "Europe/Berlin"
    assert result.timezone_reason.startswith("the most common time zone among your followers (2 of 3 placed")
    assert result.posts_heatmap[TUE][15] == 1
    assert result.sources_used == ["tweets", "follower_locations"]
    assert result.evidence.sample_sizes["followers_placed"] == 3
    assert result.evidence.sample_sizes["followers_with_location"] == 4
    assert [s.dataset for s in result.evidence.sources] == ["tweets", "followers"]


def test_with_no_placeable_follower_the_answer_is_in_utc_and_says_why(root: Path):
    _followers(root, [None, None], _utc(15, 12))
    _write(root, Dataset.TWEETS, POSTS)

    result = _run(root)

    assert result.timezone == "UTC"
    assert result.timezone_reason == "no time zone was given and no follower location could be placed in one"
    assert result.sources_used == ["tweets"]


def test_missing_data_says_what_to_import(root: Path):
    with pytest.raises(NoAudienceData) as caught:
        _run(root)
    assert "--kind tweets --account me" in caught.value.message
    with pytest.raises(NoAudienceData) as caught:
        _run(root, source="followers")
    assert "No followers imported for @me" in caught.value.message
    _followers(root, ["nowhere at all"], _utc(15, 12))
    with pytest.raises(NoAudienceData) as caught:
        _run(root, source="followers")
    assert "--kind follower-tweets" in caught.value.message
    with pytest.raises(NoAudienceData):
        _run(root, source="tweets")


def test_the_tool_answers_over_the_wire(root: Path):
    _write(root, Dataset.TWEETS, POSTS)
    rt = Runtime(root)

    answer = rt.handle(
        {"id": 1, "tool": "posting_times", "args": {"account_id": "acc_me", "timezone": "UTC"}}
    )

    assert answer["ok"] is True, answer
    assert answer["result"]["top_slots"][0]["label"] == "Tuesday 14:00-15:00"
    assert len(answer["result"]["heatmap"]) == 7 and {len(row) for row in answer["result"]["heatmap"]} == {24}
    bad = rt.handle({"id": 2, "tool": "posting_times", "args": {"account_id": "acc_me", "source": "both"}})
    assert bad["ok"] is False and bad["error"]["field"] == "source"


def test_planted_best_slots_are_found_in_half_a_year_of_posts(root: Path):
    rng = np.random.default_rng(7)
    end = _utc(30, 0, month=6)
    posts, follower_posts = [], []
    for second in rng.integers(0, 26 * 7 * 86400, 3_000):
        at = end - timedelta(seconds=int(second))
        planted = at.weekday() in (TUE, THU) and 14 <= at.hour <= 16
        impressions = int(rng.integers(1_000, 10_000))
        likes = int(impressions * (0.03 if planted else 0.01) * rng.uniform(0.7, 1.3))
        posts.append(_post(at, likes=likes, impressions=impressions))
    for author in range(2_000):
        # Each follower posts at their own habitual hour; most are evening people.
        hour = int(rng.choice([19, 20, 21, 8, 12], p=[0.3, 0.3, 0.2, 0.1, 0.1]))
        for day in rng.integers(0, 28, 5):
            follower_posts.append(
                _by(str(author), end - timedelta(days=int(day)) + timedelta(hours=hour - 24))
            )
    _write(root, Dataset.TWEETS, posts)
    _write(root, Dataset.FOLLOWER_TWEETS, follower_posts)

    own = _run(root, timezone="UTC", source="tweets")
    blended = _run(root, timezone="UTC")

    assert {(s.weekday_index, s.hour) for s in own.top_slots} <= {
        (d, h) for d in (TUE, THU) for h in (14, 15, 16)
    }
    assert all(s.posts >= 10 for s in own.top_slots)
    assert blended.posts_analyzed == 3_000
    assert blended.evidence.sample_sizes["followers_posting"] == 2_000
    assert sum(map(sum, blended.posts_heatmap)) == 3_000
    assert blended.activity_heatmap is not None and max(max(row) for row in blended.activity_heatmap) == 1.0
