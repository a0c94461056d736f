"""Synthetic activity: deterministic files that import through the real importers and hold the planted facts
(checked here with plain Python over the written files, independently of how they were generated)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from typer.testing import CliRunner

from followlytics.audience.datasets import Dataset
from followlytics.audience.importers import parse_files
from followlytics.audience.posts import parse_interactions, parse_posts
from followlytics.audience.snapshots import list_snapshots
from followlytics.audience.synth import write_jsonl
from followlytics.audience.synth_activity import RISING_TERMS, ActivitySummary, write_activity
from followlytics.cli import app
from followlytics.config import Settings
from followlytics.errors import InvalidInput
from followlytics.services.demo import seed_demo
from followlytics.services.platform import Platform

END = datetime(2026, 11, 1, tzinfo=UTC)
N = 3_000


@dataclass
class Generated:
    folder: Path
    summary: ActivitySummary
    followers: list[dict[str, Any]]

    def posts(self, name: str) -> list[dict[str, Any]]:
        return _lines(self.folder / name)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _engagement(post: dict[str, Any]) -> int:
    m = post["public_metrics"]
    return m["like_count"] + m["retweet_count"] + m["reply_count"] + m["quote_count"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    folder = tmp_path_factory.mktemp("activity")
    audience = write_jsonl(folder / "followers.jsonl", N, seed=7, competitor_overlap=0.3)
    summary = write_activity(folder, audience.path, seed=7, competitor_path=audience.competitor_path)
    return Generated(folder, summary, _lines(audience.path))


def test_the_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    audience = write_jsonl(tmp_path / "followers.jsonl", 600, seed=3, competitor_overlap=0.5)
    runs = {}
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        folder = tmp_path / name
        folder.mkdir()
        for path in (audience.path, audience.competitor_path):
            assert path is not None
            shutil.copy(path, folder / path.name)
        competitor = folder / "followers.competitor.jsonl"
        write_activity(folder, folder / "followers.jsonl", seed=seed, competitor_path=competitor)
        runs[name] = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}

    assert set(runs["a"]) == {
        "followers.jsonl",
        "followers.competitor.jsonl",
        "followers.previous.jsonl",
        "following.jsonl",
        "tweets.jsonl",
        "interactions.csv",
        "follower_tweets.jsonl",
        "competitor.tweets.jsonl",
    }
    assert runs["a"] == runs["b"]
    assert runs["a"]["tweets.jsonl"] != runs["c"]["tweets.jsonl"]
    assert runs["a"]["followers.jsonl"] == audience.path.read_bytes()  # the audience itself is only read


def test_every_file_imports_through_the_real_importers(made: Generated) -> None:
    s = made.summary
    expected = {
        s.previous_path: (parse_files, s.previous_followers),
        s.following_path: (parse_files, s.following),
        s.tweets_path: (parse_posts, s.tweets),
        s.interactions_path: (parse_interactions, s.interactions),
        s.follower_tweets_path: (parse_posts, s.follower_tweets),
        s.competitor_tweets_path: (parse_posts, s.competitor_tweets),
    }
    for path, (parse, rows) in expected.items():
        parsed = parse([path])
        assert (parsed.table.num_rows, parsed.duplicates, parsed.warnings) == (rows, 0, []), path.name
        assert rows > 0
    tweets = parse_posts([s.tweets_path]).table
    assert set(tweets.column("author_id").to_pylist()) == {s.account_id}
    assert tweets.column("like_count").null_count == 0


def test_posts_are_x_api_v2_objects_with_snowflake_ids(made: Generated) -> None:
    for name in ("tweets.jsonl", "follower_tweets.jsonl", "competitor.tweets.jsonl"):
        posts = made.posts(name)
        assert len({p["id"] for p in posts}) == len(posts)
        for post in posts[:200]:
            assert re.fullmatch(r"[0-9]{18,19}", post["id"]) and post["edit_history_tweet_ids"] == [
                post["id"]
            ]
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", post["created_at"])
            # A snowflake id encodes its post's time (milliseconds since 2010-11-04T01:42:54.657Z).
            moment = (int(post["id"]) >> 22) + 1_288_834_974_657
            assert moment == int(_time(post["created_at"]).timestamp() * 1000)
            assert set(post["public_metrics"]) <= {
                "retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count",
                "impression_count",
            }  # fmt: skip
            assert END - timedelta(weeks=26) <= _time(post["created_at"]) < END
        references = Counter(p["referenced_tweets"][0]["type"] for p in posts if "referenced_tweets" in p)
        assert set(references) <= {"replied_to", "quoted"} and references


def test_the_previous_snapshot_lacks_recent_gains_and_holds_lost_followers(made: Generated) -> None:
    current = {u["id"]: u for u in made.followers}
    previous = {u["id"]: u for u in _lines(made.summary.previous_path)}
    gained = current.keys() - previous.keys()
    lost = previous.keys() - current.keys()

    assert len(gained) == made.summary.gained == 90  # 3% of 3,000
    assert len(lost) == made.summary.lost == 60  # 2%
    assert sum(current[i]["public_metrics"]["followers_count"] >= 10_000 for i in gained) >= 5
    assert sum(previous[i]["public_metrics"]["followers_count"] >= 10_000 for i in lost) >= 3
    # Followers in both snapshots are the same user objects.
    assert all(previous[i] == current[i] for i in list(previous.keys() & current.keys())[:500])


def test_the_following_list_has_40_percent_mutuals_and_influential_accounts(made: Generated) -> None:
    following = _lines(made.summary.following_path)
    followers = {u["id"] for u in made.followers}
    mutual = [u for u in following if u["id"] in followers]

    assert len(following) == N // 10 and len({u["id"] for u in following}) == len(following)
    assert len(mutual) / len(following) == pytest.approx(0.4)
    assert sum(u["public_metrics"]["followers_count"] >= 10_000 for u in following) >= 0.1 * len(following)
    handles = {u["username"].lower() for u in made.followers}
    assert not any(u["username"].lower() in handles for u in following if u["id"] not in followers)


def test_own_posts_peak_at_the_planted_slots(made: Generated) -> None:
    tweets = made.posts("tweets.jsonl")
    engagement: dict[tuple[int, int], int] = defaultdict(int)
    impressions: dict[tuple[int, int], int] = defaultdict(int)
    per_post: dict[tuple[int, int], list[int]] = defaultdict(list)
    for post in tweets:
        at = _time(post["created_at"])
        slot = (at.weekday(), at.hour)
        per_post[slot].append(_engagement(post))
        if "impression_count" in post["public_metrics"]:
            engagement[slot] += _engagement(post)
            impressions[slot] += post["public_metrics"]["impression_count"]
    backed = [slot for slot, posts in per_post.items() if len(posts) >= 3]
    by_rate = sorted(backed, key=lambda s: engagement[s] / impressions[s], reverse=True)
    by_post = sorted(backed, key=lambda s: sum(per_post[s]) / len(per_post[s]), reverse=True)

    assert by_rate[:2] == [(1, 14), (3, 15)]  # Tuesday 14:00 and Thursday 15:00 UTC
    assert by_post[:2] == [(1, 14), (3, 15)]
    # Clearly ahead of the best unplanted slot, even at this size where a few posts make a slot.
    assert engagement[(1, 14)] / impressions[(1, 14)] > 1.3 * engagement[by_rate[2]] / impressions[by_rate[2]]
    assert 0.9 * 4 * 182 <= len(tweets) <= 1.1 * 4 * 182
    # Impressions are missing exactly on the posts older than 160 days, as the API omits them.
    old = [p for p in tweets if _time(p["created_at"]) < END - timedelta(days=160)]
    assert old and all("impression_count" not in p["public_metrics"] for p in old)
    assert all("impression_count" in p["public_metrics"] for p in tweets if p not in old)


def test_a_heavy_tailed_minority_of_followers_does_most_interactions(made: Generated) -> None:
    with made.summary.interactions_path.open() as f:
        assert f.readline() == "tweet_id,user_id,kind,created_at\n"
        f.seek(0)
        rows = list(csv.DictReader(f))
    tweets = {p["id"]: p for p in made.posts("tweets.jsonl")}
    followers = {u["id"] for u in made.followers}
    by_user = Counter(r["user_id"] for r in rows if r["user_id"] in followers)

    assert all(r["tweet_id"] in tweets for r in rows)
    assert len({(r["tweet_id"], r["user_id"], r["kind"]) for r in rows}) == len(rows)
    assert {r["kind"] for r in rows} == {"like", "retweet", "reply", "quote"}
    assert 0.01 <= 1 - sum(by_user.values()) / len(rows) <= 0.08  # a few non-followers
    top = [count for _, count in by_user.most_common()]
    assert sum(top[: N // 100]) / sum(top) >= 0.35  # the top 1% of followers do over a third
    assert len(by_user) <= 0.1 * N and top[0] > 1.5 * top[9]
    for r in rows[:2000]:
        post = tweets[r["tweet_id"]]
        assert _time(post["created_at"]) <= _time(r["created_at"]) < END
    per_post_kind = Counter((r["tweet_id"], r["kind"]) for r in rows)
    metric = {
        "like": "like_count",
        "retweet": "retweet_count",
        "reply": "reply_count",
        "quote": "quote_count",
    }
    assert all(c <= tweets[t]["public_metrics"][metric[k]] for (t, k), c in per_post_kind.items())


def test_followers_posts_carry_the_planted_rising_terms(made: Generated) -> None:
    posts = made.posts("follower_tweets.jsonl")
    followers = {u["id"] for u in made.followers}
    recent, earlier = Counter(), Counter()
    for post in posts:
        words = set(re.findall(r"[#\w]+", post["text"].lower()))
        (recent if _time(post["created_at"]) >= END - timedelta(days=14) else earlier).update(words)
    n_recent = sum(_time(p["created_at"]) >= END - timedelta(days=14) for p in posts)
    n_earlier = len(posts) - n_recent

    def rise(word: str) -> float:
        return ((recent[word] + 1) / n_recent) / ((earlier[word] + 1) / n_earlier)

    rising = sorted((w for w in recent if recent[w] >= 10), key=rise, reverse=True)
    assert sorted(rising[:3]) == sorted(RISING_TERMS)
    assert all(rise(term) >= 4 for term in RISING_TERMS)
    assert all(p["author_id"] in followers for p in posts)
    assert all(END - timedelta(days=28) <= _time(p["created_at"]) < END for p in posts)
    assert 200 <= len({p["author_id"] for p in posts}) <= 240  # 8% of followers, at least 200
    assert {p["lang"] for p in posts} == {"en", "es", "fr", "de", "pt", "ja"}


def test_followers_post_at_local_hours_of_their_time_zones(made: Generated) -> None:
    zones = {
        "London": "Europe/London",
        "東京": "Asia/Tokyo",
        "NYC": "America/New_York",
        "Berlin": "Europe/Berlin",
    }
    where = {u["id"]: zones.get(u.get("location", "")) for u in made.followers}
    local_hours: Counter[int] = Counter()
    utc_hours: dict[str, Counter[int]] = defaultdict(Counter)
    for post in made.posts("follower_tweets.jsonl"):
        zone = where[post["author_id"]]
        if zone:
            at = _time(post["created_at"])
            local_hours[at.astimezone(ZoneInfo(zone)).hour] += 1
            utc_hours[zone][at.hour] += 1
    total = sum(local_hours.values())

    assert total >= 100
    assert sum(local_hours[h] for h in range(2, 6)) / total < 0.04  # nights are quiet, local time
    assert sum(local_hours[h] for h in range(18, 23)) / total > 0.3  # evenings are busy
    # In UTC, Tokyo's evening comes 8-9 hours before London's.
    tokyo, london = utc_hours["Asia/Tokyo"], utc_hours["Europe/London"]
    assert sum(tokyo[h] for h in range(9, 14)) > sum(tokyo[h] for h in range(18, 23))
    assert sum(london[h] for h in range(18, 23)) > sum(london[h] for h in range(9, 14))


def test_the_competitor_posts_at_other_hours_with_more_engagement(made: Generated) -> None:
    own = made.posts("tweets.jsonl")
    theirs = made.posts("competitor.tweets.jsonl")
    hours = Counter(_time(p["created_at"]).hour for p in theirs)

    assert {p["author_id"] for p in theirs} == {made.summary.competitor_account_id}
    assert made.summary.competitor_account_id != made.summary.account_id
    assert sum(_engagement(p) for p in theirs) / len(theirs) > 1.3 * sum(_engagement(p) for p in own) / len(
        own
    )
    assert sum(hours[h] for h in range(17, 22)) / len(theirs) > 0.6
    assert 2 * 182 <= len(theirs) <= 3 * 182


def test_sizes_scale_with_the_audience(tmp_path: Path) -> None:
    counts = {}
    for n in (1_000, 4_000):
        folder = tmp_path / str(n)
        folder.mkdir()
        audience = write_jsonl(folder / "followers.jsonl", n, seed=1)
        counts[n] = write_activity(folder, audience.path, seed=1)

    small, large = counts[1_000], counts[4_000]
    assert (small.following, large.following) == (100, 400)
    assert (small.gained, small.lost, large.gained, large.lost) == (30, 20, 120, 80)
    assert large.interactions > 1.5 * small.interactions
    assert large.follower_tweets > 1.2 * small.follower_tweets
    assert (
        small.competitor_tweets_path is None and not (tmp_path / "1000" / "competitor.tweets.jsonl").exists()
    )


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as missing:
        write_activity(tmp_path, tmp_path / "none.jsonl", seed=1)
    assert missing.value.field == "followers"
    audience = write_jsonl(tmp_path / "followers.jsonl", 50, seed=1)
    with pytest.raises(InvalidInput):
        write_activity(tmp_path, audience.path, seed=1, weeks=0)


def test_the_synth_command_writes_the_activity_beside_the_followers(tmp_path: Path) -> None:
    out = tmp_path / "new" / "followers.jsonl"
    args = ["synth", "--followers", "400", "--seed", "2", "--out", str(out), "--competitor-overlap", "0.3"]
    result = CliRunner().invoke(app, [*args, "--activity", "--json"])

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["users"] == 400 and data["activity"]["best_slots"] == ["Tue 14:00 UTC", "Thu 15:00 UTC"]
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "competitor.tweets.jsonl",
        "follower_tweets.jsonl",
        "followers.competitor.jsonl",
        "followers.jsonl",
        "followers.previous.jsonl",
        "following.jsonl",
        "interactions.csv",
        "tweets.jsonl",
    ]


def test_the_demo_seeds_two_snapshots_and_every_dataset(tmp_path: Path) -> None:
    platform = Platform.from_settings(Settings(data_dir=tmp_path, database_url=None))
    try:
        pro, agency = seed_demo(platform, pro_followers=400, agency_followers=300)
    finally:
        platform.close()

    assert [(i.account, i.dataset, i.rows) for i in pro.imports] == [("pro_creator", "followers", 400)]
    assert [i.dataset for i in pro.activity] == [
        "followers", "following", "tweets", "interactions", "follower_tweets",
    ]  # fmt: skip
    assert [(i.account, i.kind) for i in agency.imports] == [
        ("agency_brand", "own"),
        ("rival_brand", "competitor"),
    ]
    assert ("rival_brand", "tweets") in {(i.account, i.dataset) for i in agency.activity}
    # The older snapshot was imported first, so the current one is the account's newest.
    (current,) = (tmp_path / "users").glob(f"*/accounts/*/followers/{pro.imports[0].snapshot_id}.parquet")
    snapshots = list_snapshots(current.parents[1], Dataset.FOLLOWERS)
    assert [(s.id, s.rows) for s in snapshots] == [
        (pro.activity[0].snapshot_id, pro.activity[0].rows),
        (pro.imports[0].snapshot_id, 400),
    ]
