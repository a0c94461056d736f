"""Synthetic activity around a synthetic audience: the files every analysis needs, with planted signals.

`write_activity(out_dir, followers_path, seed=S)` reads a followers JSONL (as `synth.write_jsonl` writes it)
and writes beside it, deterministically for the seed (byte-identical files) and relative to the fixed
`REFERENCE_END` (2026-11-01T00:00Z, the same end the audience uses; nothing depends on today):

    <stem>.previous.jsonl     an older followers snapshot (X API v2 user objects)
    following.jsonl           the accounts the user follows (user objects)
    tweets.jsonl              the user's own posts (X API v2 post objects with public_metrics)
    interactions.csv          tweet_id,user_id,kind,created_at (kind: like, retweet, reply, quote)
    follower_tweets.jsonl     recent posts by a sample of followers
    competitor.tweets.jsonl   the competitor's posts (only with `competitor_path`)

Posts carry `id` (a snowflake for their time), `text`, `created_at`, `author_id`, `lang`,
`edit_history_tweet_ids`, `public_metrics` (retweet, reply, like, quote, bookmark, impression counts) and,
for some, `referenced_tweets` ([{type: replied_to|quoted, id}]).

This module reads the audience, writes the snapshot, following list and interactions, and runs the rest;
the posts are drawn in `synth_posts`. Planted signals (the analyses must find them; tests and benchmarks
check that they do):

- Best posting times: the account posts about 4 times a day for `weeks` (26) weeks, mostly 08-22 UTC,
  plus one post every Tuesday 14:00-15:00 and every Thursday 15:00-16:00 UTC. Engagement per impression is
  1% times a per-post noise (log-normal, sigma 0.2), lifted 2.5x at Tuesday 14h and 2x at Thursday 15h UTC
  (`BEST_SLOTS`), so those are the best and second-best weekday/hour slots by engagement per impression and
  per post. Impressions are (0.1 x N + 20 x sqrt(N)) x noise for N followers; posts older than 160 days
  carry no `impression_count` (as the API omits it where it has none). Topics follow the audience: the topic
  shares detected in followers' bios, squared and renormalised.
- Most engaged followers: 8% of followers (the engagers) make every recorded follower interaction, each with a
  log-normal propensity (sigma 1.3), so a small minority does most liking, reposting, replying and quoting
  and the top engagers are clear. Of each post's like/retweet/reply/quote counts, about 80% appear in
  `interactions.csv` as followers (one row per post, user and kind) and about 3% as non-followers (lost
  followers and a few strangers). Every `tweet_id` is one of the account's posts.
- Mutuals and collaborations: the user follows min(5,000, followers / 10) accounts; 40% of them are
  followers (chosen by sqrt(followers_count), 4x more likely among engagers), the rest new accounts of
  which 20% have 10K+ followers.
- Trends: 8% of followers (at least 200, at most 25,000) post over the 28 days before the end, in their
  language, about their bio's topic, at local hours (lunch and evening peaks) converted to UTC with the
  time zone of their location. `RISING_TERMS` ("agentic", "pickleball", "solarpunk") are in 0.2% of posts
  each in the earlier 14 days and in 6%, 4.5% and 3.5% of posts in the recent 14 days (`WINDOW_DAYS`); a
  share of posts end with a subject clause as often in both windows, and the terms take the subject's place,
  so no other word rises with them. Some followers' posts reply to or quote the account's recent posts.
- Change over time: the previous snapshot lacks 3% of current followers (recent gains, including up to 5
  accounts with 10K+ followers, drawn by size) and holds 2% more who have since left (3 of them with 10K+
  followers).
- Competitor: about 2.5 posts a day, mostly 17-21 UTC and more at weekends, with 1.8% engagement per
  impression (1.8x the account's base rate), so the competitor gets more engagement per post.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.json as pj

from followlytics.audience.synth import END_MS, atomic_write, extra_users, gc_paused
from followlytics.audience.synth_posts import (
    BEST_SLOTS,
    HOUR,
    RISING_TERMS,
    SECOND,
    WINDOW_DAYS,
    Authors,
    PostIds,
    Posts,
    audience_topic_weights,
    competitor_posts,
    follower_posts,
    iso,
    own_posts,
    write_posts,
)
from followlytics.errors import InvalidInput

__all__ = ["BEST_SLOTS", "RISING_TERMS", "WINDOW_DAYS", "ActivitySummary", "write_activity"]

REFERENCE_END = "2026-11-01T00:00:00Z"
TWEETS_FILE = "tweets.jsonl"
FOLLOWING_FILE = "following.jsonl"
INTERACTIONS_FILE = "interactions.csv"
FOLLOWER_TWEETS_FILE = "follower_tweets.jsonl"
COMPETITOR_TWEETS_FILE = "competitor.tweets.jsonl"

_KINDS = ("like", "retweet", "reply", "quote")  # the first four columns of `Posts.metrics`
_ENGAGER_SHARE = 0.08
_RECORDED_SHARE = 0.8
_STRANGER_SHARE = 0.03
_READ_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("username", pa.string()),
        ("location", pa.string()),
        ("description", pa.string()),
        ("public_metrics", pa.struct([("followers_count", pa.int64())])),
    ]
)


@dataclass(frozen=True)
class ActivitySummary:
    """What `write_activity` wrote, and the planted facts an analysis should find."""

    previous_path: Path
    following_path: Path
    tweets_path: Path
    interactions_path: Path
    follower_tweets_path: Path
    competitor_tweets_path: Path | None
    account_id: str
    competitor_account_id: str | None
    previous_followers: int
    gained: int
    lost: int
    following: int
    mutuals: int
    tweets: int
    interactions: int
    follower_tweets: int
    competitor_tweets: int
    best_slots: tuple[str, ...]
    rising_terms: tuple[str, ...]


def write_activity(
    out_dir: Path,
    followers_path: Path,
    *,
    seed: int,
    competitor_path: Path | None = None,
    weeks: int = 26,
    tweets_per_day: float = 4.0,
) -> ActivitySummary:
    """Write the activity files for the audience in `followers_path` into `out_dir` (see the module doc)."""
    if not 1 <= weeks <= 520:
        raise InvalidInput(f"weeks must be between 1 and 520, got {weeks}", field="weeks")
    if not 0.5 <= tweets_per_day <= 50:
        raise InvalidInput(
            f"tweets_per_day must be between 0.5 and 50, got {tweets_per_day}", field="tweets_per_day"
        )
    out_dir = Path(out_dir)
    followers_path = Path(followers_path)
    with gc_paused():
        run = _Run(_Audience.read(followers_path), seed=seed)
        previous = out_dir / f"{followers_path.stem}.previous.jsonl"
        snapshot = run.write_previous_and_following(followers_path, previous, out_dir / FOLLOWING_FILE)
        own = own_posts(
            run.rng(3),
            run.post_ids,
            author_id=run.account_id,
            audience=run.audience.n,
            weeks=weeks,
            per_day=tweets_per_day,
            topic_weights=run.topic_weights,
        )
        write_posts(out_dir / TWEETS_FILE, own)
        interactions = run.write_interactions(out_dir / INTERACTIONS_FILE, own)
        followers_posts = run.follower_posts(own)
        write_posts(out_dir / FOLLOWER_TWEETS_FILE, followers_posts)
        rival = None
        if competitor_path is not None:
            rival = competitor_posts(
                run.rng(6),
                run.post_ids,
                author_id=run.competitor_id,
                audience=_count_lines(Path(competitor_path)),
                weeks=weeks,
                topic_weights=run.topic_weights,
            )
            write_posts(out_dir / COMPETITOR_TWEETS_FILE, rival)
    return ActivitySummary(
        previous_path=previous,
        following_path=out_dir / FOLLOWING_FILE,
        tweets_path=out_dir / TWEETS_FILE,
        interactions_path=out_dir / INTERACTIONS_FILE,
        follower_tweets_path=out_dir / FOLLOWER_TWEETS_FILE,
        competitor_tweets_path=None if rival is None else out_dir / COMPETITOR_TWEETS_FILE,
        account_id=run.account_id,
        competitor_account_id=None if rival is None else run.competitor_id,
        previous_followers=snapshot["previous"],
        gained=snapshot["gained"],
        lost=snapshot["lost"],
        following=snapshot["following"],
        mutuals=snapshot["mutuals"],
        tweets=len(own.ids),
        interactions=interactions,
        follower_tweets=len(followers_posts.ids),
        competitor_tweets=0 if rival is None else len(rival.ids),
        best_slots=tuple(str(slot) for slot in BEST_SLOTS),
        rising_terms=RISING_TERMS,
    )


@dataclass
class _Audience:
    """The columns of the followers file the activity depends on, in file order."""

    table: pa.Table
    ids: np.ndarray
    followers: np.ndarray

    @classmethod
    def read(cls, path: Path) -> _Audience:
        if not path.is_file() or path.stat().st_size == 0:
            raise InvalidInput(f"{path} holds no followers to build activity around", field="followers")
        try:
            table = pj.read_json(
                path,
                read_options=pj.ReadOptions(block_size=16 << 20),
                parse_options=pj.ParseOptions(
                    explicit_schema=_READ_SCHEMA, unexpected_field_behavior="ignore"
                ),
            )
            ids = pc.cast(table["id"], pa.int64()).to_numpy()
        except pa.ArrowInvalid as exc:
            raise InvalidInput(
                f"{path} is not JSON Lines of X user objects with numeric ids ({exc})", field="followers"
            ) from exc
        metrics = table["public_metrics"].combine_chunks()
        followers = pc.struct_field(metrics, "followers_count").to_numpy(zero_copy_only=False)
        # Absent metrics count as no followers.
        return cls(table=table, ids=ids, followers=np.nan_to_num(followers, nan=0).astype(np.int64))

    @property
    def n(self) -> int:
        return len(self.ids)

    def column(self, name: str, rows: np.ndarray) -> list[Any]:
        return self.table[name].take(pa.array(rows, pa.int64())).to_pylist()


class _Run:
    """One deterministic activity run; each file draws from its own random stream."""

    def __init__(self, audience: _Audience, *, seed: int) -> None:
        self.audience = audience
        self.seed = seed
        self.used_ids: set[int] = set(audience.ids.tolist())
        self.post_ids = PostIds()
        rng = self.rng(0)
        self.account_id = str(self._new_user_id(rng))
        self.competitor_id = str(self._new_user_id(rng))
        n = audience.n
        engagers = max(min(n, 20), round(_ENGAGER_SHARE * n))
        self.engagers = np.sort(rng.choice(n, size=engagers, replace=False))
        propensity = rng.lognormal(0.0, 1.3, engagers)
        self.engager_cdf = np.cumsum(propensity) / propensity.sum()
        sample = np.sort(rng.choice(n, size=min(n, 20_000), replace=False))
        self.topic_weights = audience_topic_weights(audience.column("description", sample))
        self.lost_ids: list[str] = []

    def rng(self, stream: int) -> np.random.Generator:
        # Streams 0-2 belong to `synth`; activity streams start at 20.
        return np.random.default_rng([self.seed, 20 + stream])

    def _new_user_id(self, rng: np.random.Generator) -> int:
        value = int(rng.integers(100_000_000, 4_700_000_000))
        while value in self.used_ids:
            value += 1
        self.used_ids.add(value)
        return value

    # --- followers: the previous snapshot and the following list ------------------------------------------

    def write_previous_and_following(self, source: Path, previous: Path, following: Path) -> dict[str, int]:
        a = self.audience
        n = a.n
        rng = self.rng(1)
        gained = _gains(a.followers, round(0.03 * n), rng)
        handles = set(pc.utf8_lower(a.table["username"]).to_pylist())
        users_rng = self.rng(2)
        lost = extra_users(round(0.02 * n), rng=users_rng, used_ids=self.used_ids, used_handles=handles)
        for user in lost[:3]:
            _make_notable(user, rng)
        self.lost_ids = [user["id"] for user in lost]
        size = min(5000, max(1, round(n / 10)))
        mutual_count = min(n, round(0.4 * size))
        weights = np.sqrt(a.followers + 10.0)
        weights[self.engagers] *= 4
        keys = np.log(weights) + rng.gumbel(size=n)
        mutual = np.sort(np.argpartition(-keys, mutual_count - 1)[:mutual_count]) if mutual_count else []
        strangers = extra_users(
            size - mutual_count, rng=users_rng, used_ids=self.used_ids, used_handles=handles
        )
        for user in strangers:
            if rng.random() < 0.2:
                _make_notable(user, rng)
        # Positions (line numbers) before which each lost follower is listed, as if they were still there.
        insert_at = np.sort(rng.integers(0, n + 1, len(lost))).tolist()
        lost_lines = [orjson.dumps(user) + b"\n" for user in lost]
        starts = _line_starts(source)
        if len(starts) - 1 != n:
            raise InvalidInput(
                f"{source} must hold one user object per line, no blank lines", field="followers"
            )
        with source.open("rb") as src, mmap.mmap(src.fileno(), 0, access=mmap.ACCESS_READ) as data:
            mutual_lines = [_line(data, starts, i) for i in mutual]
            with atomic_write(previous) as out:
                _copy_lines(out, data, starts, skip=gained.tolist(), insert_at=insert_at, inserted=lost_lines)
        lines = mutual_lines + [orjson.dumps(user) + b"\n" for user in strangers]
        with atomic_write(following) as out:
            out.writelines(lines[i] for i in rng.permutation(len(lines)).tolist())
        return {
            "previous": n - len(gained) + len(lost),
            "gained": len(gained),
            "lost": len(lost),
            "following": len(lines),
            "mutuals": len(mutual_lines),
        }

    # --- who engaged with the account's posts ---------------------------------------------------------------

    def write_interactions(self, path: Path, own: Posts) -> int:
        rng = self.rng(4)
        strangers = self.lost_ids + [
            str(self._new_user_id(rng)) for _ in range(max(5, self.audience.n // 1000))
        ]
        # Who can appear: the engagers (0 .. count-1), then the strangers.
        names = pa.array(self.audience.column("id", self.engagers) + strangers, pa.string())
        count, others = len(self.engagers), len(strangers)
        tweets, users, kinds, delays = [], [], [], []
        for k, kind in enumerate(_KINDS):
            # Of a post's count, some are recorded followers, some strangers, the rest not in the export.
            shares = (_RECORDED_SHARE, _STRANGER_SHARE, 1 - _RECORDED_SHARE - _STRANGER_SHARE)
            recorded, from_strangers, _ = rng.multinomial(own.metrics[:, k], shares).T
            tweet = np.repeat(np.arange(len(own.ids)), recorded)
            member = np.searchsorted(self.engager_cdf, rng.random(len(tweet)), side="right")
            # One row per (post, user, kind): a fan drawn twice for the same post liked it once.
            key = np.unique(tweet * count + np.minimum(member, count - 1))
            tweet = np.repeat(np.arange(len(own.ids)), from_strangers)
            stranger = np.unique(tweet * others + rng.integers(0, others, len(tweet)))
            for t, who in ((key // count, key % count), (stranger // others, count + stranger % others)):
                tweets.append(t)
                users.append(who)
                kinds.append(np.full(len(t), k))
                scale = 3 * HOUR if kind in ("like", "retweet") else 6 * HOUR
                delays.append(rng.exponential(scale, len(t)).astype(np.int64))
        tweet = np.concatenate(tweets)
        kind = np.concatenate(kinds)
        created = np.minimum(own.ms[tweet] + np.concatenate(delays), END_MS - SECOND)
        created -= created % SECOND
        order = np.lexsort((kind, created, tweet))
        table = pa.table(
            {
                "tweet_id": pa.array([str(i) for i in own.ids], pa.string()).take(tweet[order]),
                "user_id": names.take(np.concatenate(users)[order]),
                "kind": pa.array(_KINDS).take(kind[order]),
                "created_at": pa.array(iso(created[order])).cast(pa.string()),
            }
        )
        with atomic_write(path) as out:
            out.write(b"tweet_id,user_id,kind,created_at\n")
            # Digits, kinds and timestamps never need quoting.
            pcsv.write_csv(table, out, pcsv.WriteOptions(include_header=False, quoting_style="none"))
        return table.num_rows

    # --- followers' posts ----------------------------------------------------------------------------------

    def follower_posts(self, own: Posts) -> Posts:
        """Posts by 8% of followers (at least 200, at most 25,000)."""
        rng = self.rng(5)
        a = self.audience
        count = min(a.n, max(min(a.n, 200), min(25_000, round(_ENGAGER_SHARE * a.n))))
        rows = np.sort(rng.choice(a.n, size=count, replace=False))
        authors = Authors(
            ids=a.column("id", rows),
            locations=a.column("location", rows),
            bios=a.column("description", rows),
            followers=a.followers[rows],
        )
        return follower_posts(rng, self.post_ids, authors=authors, own=own)


def _gains(followers: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Which followers are recent (absent from the previous snapshot): up to 5 with 10K+ followers, drawn
    by size, and the rest at random."""
    n = len(followers)
    notable = np.flatnonzero(followers >= 10_000)
    picked = min(5, len(notable), count)
    big = np.zeros(0, dtype=np.int64)
    if picked:
        big = rng.choice(notable, size=picked, replace=False, p=followers[notable] / followers[notable].sum())
    rest = rng.choice(n, size=min(n, count + picked), replace=False)
    rest = rest[~np.isin(rest, big)][: count - picked]
    return np.sort(np.concatenate([big, rest]).astype(np.int64))


def _make_notable(user: dict[str, Any], rng: np.random.Generator) -> None:
    metrics = user["public_metrics"]
    metrics["followers_count"] = int(min(10_000 * (1 + rng.pareto(1.1)), 50_000_000))
    metrics["listed_count"] = max(metrics["listed_count"], metrics["followers_count"] // 200)


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as f:
        while block := f.read(1 << 24):
            count += block.count(b"\n")
    return count


def _line_starts(path: Path) -> np.ndarray:
    """Byte offsets where each line of `path` starts, then its size (a last line may lack its newline)."""
    parts = [np.zeros(1, dtype=np.int64)]
    size = 0
    with path.open("rb") as f:
        while block := f.read(1 << 26):
            parts.append(np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10) + size + 1)
            size += len(block)
    starts = np.concatenate(parts)
    return starts if starts[-1] == size else np.append(starts, size)


def _line(data: mmap.mmap, starts: np.ndarray, i: int) -> bytes:
    line = data[starts[i] : starts[i + 1]]
    return line if line.endswith(b"\n") else line + b"\n"


def _copy_lines(
    out: Any,
    data: mmap.mmap,
    starts: np.ndarray,
    *,
    skip: list[int],
    insert_at: list[int],
    inserted: list[bytes],
) -> None:
    """Copy the lines of `data` to `out` in large slices, leaving out the lines numbered in `skip` (sorted)
    and writing `inserted[j]` before line `insert_at[j]` (sorted; the line count means at the end)."""
    n = len(starts) - 1
    events = sorted([(i, 1, j) for j, i in enumerate(insert_at)] + [(i, 2, -1) for i in skip])
    last = b"\n"

    def put(chunk: bytes) -> None:
        nonlocal last
        if chunk:
            out.write(chunk)
            last = chunk[-1:]

    cursor = 0
    for line, what, j in events:
        if line > cursor:
            put(data[starts[cursor] : starts[line]])
            cursor = line
        if what == 1:
            if last != b"\n":
                put(b"\n")  # the source's last line had no newline
            put(inserted[j])
        elif line == cursor:
            cursor = line + 1
    put(data[starts[cursor] : starts[n]])
    if last != b"\n":
        put(b"\n")
