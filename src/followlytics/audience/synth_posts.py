"""Synthetic posts for `synth_activity`: the account's own, its followers' and its competitor's, with the
planted timing, engagement and trend signals (`BEST_SLOTS`, `RISING_TERMS`), written as X API v2 post objects.

Times are milliseconds since the epoch before `synth.END_MS`; each function takes the random generator it
draws from, so a run is deterministic. The signals are described in `synth_activity`'s docstring.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import orjson

from followlytics.audience.synth import END_MS, SNOWFLAKE_EPOCH_MS, atomic_write
from followlytics.audience.synth_activity_vocabulary import (
    COMPETITOR_HOURS,
    COMPETITOR_WEEKDAYS,
    FOLLOWER_HOURS,
    FRAMES,
    LANGUAGE_ZONES,
    OWN_HOURS,
    PLACE_ZONES,
    POSTS,
    SUBJECTS,
)
from followlytics.audience.synth_vocabulary import (
    BIOS,
    LANGUAGE_WEIGHTS,
    LANGUAGES,
    PLACES,
    TOPIC_EMOJI,
    TOPIC_WEIGHTS,
    TOPICS,
)


@dataclass(frozen=True)
class Slot:
    """A weekday (Monday = 0) and hour in UTC where engagement per impression is `lift` times the base."""

    weekday: int
    hour: int
    lift: float

    def __str__(self) -> str:
        return f"{_WEEKDAYS[self.weekday]} {self.hour:02d}:00 UTC"


BEST_SLOTS = (Slot(1, 14, 2.5), Slot(3, 15, 2.0))
RISING_TERMS = ("agentic", "pickleball", "solarpunk")
WINDOW_DAYS = 14
SECOND = 1000
HOUR = 3_600_000
DAY = 86_400_000
# Per post: like, retweet, reply, quote, bookmark and impression counts, in the columns of `Posts.metrics`.
METRICS = ("like_count", "retweet_count", "reply_count", "quote_count", "bookmark_count", "impression_count")

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_API_ORDER = (
    "retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count", "impression_count",
)  # fmt: skip
_BASE_RATE = 0.01
_COMPETITOR_RATE = 0.018
_IMPRESSIONS_FOR_DAYS = 160
_RISING_RECENT = (0.06, 0.045, 0.035)
_RISING_EARLIER = 0.002
_SUBJECT_SHARE = 0.35  # posts with a subject clause; a rising term takes the subject's place, not a new one
_SPLIT = (0.66, 0.12, 0.09, 0.03, 0.10)  # engagement: like, retweet, reply, quote, bookmark


@dataclass
class Posts:
    """Posts as columns, in the reverse of file order; `metrics` has a column per `METRICS` entry (-1:
    absent)."""

    ids: list[int]
    ms: np.ndarray
    author: list[str]
    text: list[str]
    lang: list[str]
    metrics: np.ndarray
    ref_type: list[str | None]
    ref_id: list[int | None]


@dataclass(frozen=True)
class Authors:
    """The followers who post: their ids, locations, bios and follower counts."""

    ids: list[str]
    locations: list[str | None]
    bios: list[str | None]
    followers: np.ndarray


class PostIds:
    """Snowflake ids for posts, unique across every file of a run."""

    def __init__(self) -> None:
        self.used: set[int] = set()

    def new(self, ms: np.ndarray, rng: np.random.Generator) -> list[int]:
        out = []
        for value in (((ms - SNOWFLAKE_EPOCH_MS) << 22) | rng.integers(0, 1 << 22, len(ms))).tolist():
            while value in self.used:  # the next sequence number in the same millisecond
                value += 1
            self.used.add(value)
            out.append(value)
        return out

    @staticmethod
    def elsewhere(ms: np.ndarray, rng: np.random.Generator) -> list[int]:
        """Ids of other people's posts from up to a month before each of `ms` (quoted or replied to)."""
        earlier = ms - rng.integers(HOUR, 30 * DAY, len(ms))
        return (((earlier - SNOWFLAKE_EPOCH_MS) << 22) | rng.integers(0, 1 << 22, len(ms))).tolist()


def own_posts(
    rng: np.random.Generator,
    ids: PostIds,
    *,
    author_id: str,
    audience: int,
    weeks: int,
    per_day: float,
    topic_weights: np.ndarray,
) -> Posts:
    """The account's posts: about `per_day` a day over `weeks`, with the planted best slots."""
    days = weeks * 7
    start = END_MS - days * DAY
    counts = rng.poisson(max(per_day - len(BEST_SLOTS) / 7, 0.1), days)
    day = np.repeat(np.arange(days), counts)
    hour = rng.choice(24, size=len(day), p=_normalised(OWN_HOURS))
    planted = [(d, s.hour) for d in range(days) for s in BEST_SLOTS if _weekday(start + d * DAY) == s.weekday]
    day = np.concatenate([day, np.array([d for d, _ in planted], dtype=np.int64)])
    hour = np.concatenate([hour, np.array([h for _, h in planted], dtype=np.int64)])
    ms = np.sort(start + day * DAY + hour * HOUR + rng.integers(0, 3600, len(day)) * SECOND)
    m = len(ms)
    lift = np.ones(m)
    weekday, hour_of = _weekday(ms), (ms % DAY) // HOUR
    for slot in BEST_SLOTS:
        lift[(weekday == slot.weekday) & (hour_of == slot.hour)] = slot.lift
    reply = rng.random(m) < 0.1
    reply[0] = False
    quote = ~reply & (rng.random(m) < 0.04)
    growth = 0.85 + 0.3 * (ms - start) / (days * DAY)
    impressions = _reach(audience) * rng.lognormal(0.0, 0.3, m) * growth * np.where(reply, 0.6, 1.0)
    metrics = _metrics(rng, impressions, _BASE_RATE * lift * rng.lognormal(0.0, 0.2, m))
    metrics[ms < END_MS - _IMPRESSIONS_FOR_DAYS * DAY, 5] = -1
    post_ids = ids.new(ms, rng)
    topics = rng.choice(len(TOPICS), size=m, p=topic_weights)
    ref_type: list[str | None] = [None] * m
    ref_id: list[int | None] = [None] * m
    outside = ids.elsewhere(ms, rng)
    for i in np.flatnonzero(reply).tolist():
        ref_type[i], ref_id[i] = "replied_to", post_ids[i - 1]  # a thread: the post before it
    for i in np.flatnonzero(quote).tolist():
        ref_type[i], ref_id[i] = "quoted", outside[i]
    return Posts(
        ids=post_ids,
        ms=ms,
        author=[author_id] * m,
        text=_own_texts(topics, rng),
        lang=["en"] * m,
        metrics=metrics,
        ref_type=ref_type,
        ref_id=ref_id,
    )


def follower_posts(rng: np.random.Generator, ids: PostIds, *, authors: Authors, own: Posts) -> Posts:
    """The authors' posts over the two `WINDOW_DAYS` windows before the end, at local hours of their time
    zones, in their languages, about their bios' topics, with the planted rising terms."""
    count = len(authors.ids)
    where = [_where(location) for location in authors.locations]
    drawn_lang = rng.choice(len(LANGUAGES), size=count, p=LANGUAGE_WEIGHTS).tolist()
    langs = [lang or LANGUAGES[drawn_lang[i]] for i, (lang, _) in enumerate(where)]
    zones = [zone or LANGUAGE_ZONES[langs[i]] for i, (_, zone) in enumerate(where)]
    drawn_topic = rng.choice(len(TOPICS), size=count, p=TOPIC_WEIGHTS).tolist()
    topics = [topic_of(bio) or TOPICS[drawn_topic[i]] for i, bio in enumerate(authors.bios)]
    per_author = np.minimum(rng.poisson(rng.lognormal(np.log(5), 0.7, count)), 80)
    author = np.repeat(np.arange(count), per_author)
    m = len(author)
    days = 2 * WINDOW_DAYS
    start = END_MS - days * DAY
    day = rng.integers(0, days, m)
    local = start + day * DAY + rng.choice(24, size=m, p=_normalised(FOLLOWER_HOURS)) * HOUR
    local += rng.integers(0, 3600, m) * SECOND
    zone_names = sorted(set(zones))
    offsets = np.stack([_zone_offsets(zone, start, days) for zone in zone_names])
    zone_of = np.array([zone_names.index(zone) for zone in zones], dtype=np.int64)
    ms = local - offsets[zone_of[author], day]
    keep = (ms >= start) & (ms < END_MS)
    author, ms = author[keep], ms[keep]
    m = len(ms)
    # Grouped by author as timelines are fetched, newest first within each (`Posts` is in reverse).
    order = np.lexsort((ms, -author))
    author, ms = author[order], ms[order]
    subjects = _subjects(rng, ms >= END_MS - WINDOW_DAYS * DAY)
    impressions = authors.followers[author] * rng.lognormal(np.log(0.3), 0.7, m) + rng.poisson(30, m)
    metrics = _metrics(rng, impressions, 0.012 * rng.lognormal(0.0, 0.3, m))
    kind = rng.random(m)
    ref_type: list[str | None] = [None] * m
    ref_id: list[int | None] = [None] * m
    earlier = np.searchsorted(own.ms, ms)
    pick = rng.random(m)
    outside = ids.elsewhere(ms, rng)
    for i in np.flatnonzero(kind < 0.11).tolist():
        ref_type[i] = "replied_to" if kind[i] < 0.08 else "quoted"
        # One of the account's 20 posts before it, else someone else's.
        recent_own = min(int(earlier[i]), 20)
        ref_id[i] = own.ids[earlier[i] - 1 - int(pick[i] * recent_own)] if recent_own else outside[i]
    post_ids = ids.new(ms, rng)
    author_list = author.tolist()
    return Posts(
        ids=post_ids,
        ms=ms,
        author=[authors.ids[i] for i in author_list],
        text=_follower_texts(
            [langs[i] for i in author_list], [topics[i] for i in author_list], subjects, rng
        ),
        lang=[langs[i] for i in author_list],
        metrics=metrics,
        ref_type=ref_type,
        ref_id=ref_id,
    )


def competitor_posts(
    rng: np.random.Generator,
    ids: PostIds,
    *,
    author_id: str,
    audience: int,
    weeks: int,
    topic_weights: np.ndarray,
) -> Posts:
    """The competitor's posts: about 2.5 a day, evenings and weekends, with more engagement per impression."""
    days = weeks * 7
    start = END_MS - days * DAY
    factor = np.array([COMPETITOR_WEEKDAYS[_weekday(start + d * DAY)] for d in range(days)])
    day = np.repeat(np.arange(days), rng.poisson(2.5 * factor / np.mean(factor)))
    hour = rng.choice(24, size=len(day), p=_normalised(COMPETITOR_HOURS))
    ms = np.sort(start + day * DAY + hour * HOUR + rng.integers(0, 3600, len(day)) * SECOND)
    m = len(ms)
    impressions = _reach(audience) * rng.lognormal(0.0, 0.3, m)
    metrics = _metrics(rng, impressions, _COMPETITOR_RATE * rng.lognormal(0.0, 0.2, m))
    metrics[ms < END_MS - _IMPRESSIONS_FOR_DAYS * DAY, 5] = -1
    post_ids = ids.new(ms, rng)
    quote = rng.random(m) < 0.08
    outside = ids.elsewhere(ms, rng)
    return Posts(
        ids=post_ids,
        ms=ms,
        author=[author_id] * m,
        text=_own_texts(rng.choice(len(TOPICS), size=m, p=topic_weights), rng),
        lang=["en"] * m,
        metrics=metrics,
        ref_type=["quoted" if q else None for q in quote.tolist()],
        ref_id=[outside[i] if q else None for i, q in enumerate(quote.tolist())],
    )


def audience_topic_weights(bios: Sequence[str | None]) -> np.ndarray:
    """What the account posts about: its audience's topic shares (found in `bios`), squared."""
    counts = np.full(len(TOPICS), 0.5)
    for bio in bios:
        topic = topic_of(bio)
        if topic is not None:
            counts[TOPICS.index(topic)] += 1
    weights = counts**2
    return weights / weights.sum()


def topic_of(bio: str | None) -> str | None:
    """The topic a bio is about: its first known hashtag, else its first known phrase."""
    if not bio:
        return None
    v = _vocabulary()
    for token in bio.split():
        if token.startswith("#") and (topic := v.tag_topics.get(token.lower())):
            return topic
    for piece in bio.replace("。", "|").replace(" | ", "|").split("|"):
        piece = piece.strip()
        if topic := v.phrase_topics.get(piece) or v.phrase_topics.get(piece.rsplit(" ", 1)[0]):
            return topic
    return None


def iso(ms: np.ndarray) -> np.ndarray:
    """`2026-10-14T14:03:12.000Z` for each millisecond timestamp, as 24-byte strings (built digit by digit:
    several times faster than `numpy.datetime_as_string`)."""
    ms = np.asarray(ms, dtype=np.int64)
    day = (ms // DAY).astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    rest = ms % DAY
    fields = (
        (0, 4, day.astype("datetime64[Y]").astype(np.int64) + 1970),
        (5, 2, month.astype(np.int64) % 12 + 1),
        (8, 2, (day - month.astype("datetime64[D]")).astype(np.int64) + 1),
        (11, 2, rest // HOUR),
        (14, 2, rest // 60_000 % 60),
        (17, 2, rest // 1000 % 60),
        (20, 3, rest % 1000),
    )
    out = np.frombuffer(b"0000-00-00T00:00:00.000Z" * len(ms), dtype=np.uint8).reshape(-1, 24).copy()
    for column, width, value in fields:
        for k in range(width):
            out[:, column + width - 1 - k] += (value // 10**k % 10).astype(np.uint8)
    return out.view("S24").ravel()


def write_posts(path: Path, posts: Posts) -> None:
    """One X API v2 post object per line, newest first (as timelines are returned)."""
    created = iso(posts.ms).astype("U24").tolist()
    # In the API's order; only the last, impression_count, is ever absent (-1).
    metrics = posts.metrics[:, [METRICS.index(name) for name in _API_ORDER]].tolist()
    lines = []
    for i in reversed(range(len(posts.ids))):
        post_id = str(posts.ids[i])
        values = metrics[i]
        post: dict[str, Any] = {
            "id": post_id,
            "text": posts.text[i],
            "created_at": created[i],
            "author_id": posts.author[i],
            "lang": posts.lang[i],
            "edit_history_tweet_ids": [post_id],
            "public_metrics": dict(zip(_API_ORDER, values if values[-1] >= 0 else values[:-1], strict=False)),
        }
        if posts.ref_type[i] is not None:
            post["referenced_tweets"] = [{"type": posts.ref_type[i], "id": str(posts.ref_id[i])}]
        lines.append(orjson.dumps(post))
    with atomic_write(path) as out:
        if lines:
            out.write(b"\n".join(lines) + b"\n")


def _reach(followers: int) -> float:
    """Typical impressions of a post: a tenth of the audience, plus reach beyond it that matters most for
    small accounts (so a small test audience still gets enough engagement to show the planted slots)."""
    return 0.1 * followers + 20 * followers**0.5


def _metrics(rng: np.random.Generator, impressions: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Per post: like, retweet, reply, quote, bookmark counts (a Poisson total split multinomially) and
    impressions, as an int64 matrix in `METRICS` order."""
    impressions = np.floor(impressions).astype(np.int64)
    total = rng.poisson(impressions * rate)
    split = rng.multinomial(total, _SPLIT) if len(total) else np.zeros((0, 5), dtype=np.int64)
    return np.column_stack([split, impressions]).astype(np.int64)


def _subjects(rng: np.random.Generator, recent: np.ndarray) -> np.ndarray:
    """Per post: -2 for no subject clause, -1 for a clause about a topic word, else the index of the rising
    term the clause is about. Clauses are as common in both windows, so only the terms themselves rise."""
    m = len(recent)
    shares = np.where(recent[:, None], np.array(_RISING_RECENT), _RISING_EARLIER) / _SUBJECT_SHARE
    below = rng.random(m)[:, None] < np.cumsum(shares, axis=1)
    term = np.where(below.any(axis=1), below.argmax(axis=1), -1)
    return np.where(rng.random(m) < _SUBJECT_SHARE, term, -2)


def _own_texts(topics: np.ndarray, rng: np.random.Generator) -> list[str]:
    m = len(topics)
    phrase, tag, emoji = (rng.integers(0, 1 << 30, m).tolist() for _ in range(3))
    with_tag, with_emoji = (rng.random(m) < 0.4).tolist(), (rng.random(m) < 0.3).tolist()
    v = _vocabulary()
    texts = []
    for i, t in enumerate(topics.tolist()):
        topic = TOPICS[t]
        posts = v.posts[topic]
        text = posts[phrase[i] % len(posts)]
        if with_tag[i]:
            tags = v.hashtags[(topic, "en")]
            text = f"{text} {tags[tag[i] % len(tags)]}"
        if with_emoji[i]:
            text = f"{text} {v.emoji[topic][emoji[i] % len(v.emoji[topic])]}"
        texts.append(text)
    return texts


def _follower_texts(
    langs: list[str], topics: list[str], subjects: np.ndarray, rng: np.random.Generator
) -> list[str]:
    m = len(langs)
    style = (rng.random(m) < 0.5).tolist()
    phrase, tag, frame, clause_at, emoji = (rng.integers(0, 1 << 30, m).tolist() for _ in range(5))
    with_emoji = (rng.random(m) < 0.25).tolist()
    v = _vocabulary()
    texts = []
    for i, (lang, topic, term) in enumerate(zip(langs, topics, subjects.tolist(), strict=True)):
        tags = v.hashtags[(topic, lang)]
        hashtag = tags[tag[i] % len(tags)]
        if lang == "en" and style[i]:
            posts = v.posts[topic]
            text = posts[phrase[i] % len(posts)]
        else:
            frames = v.frames[lang]
            text = frames[frame[i] % len(frames)].format(tag=hashtag)
        if term > -2:
            clauses = v.subjects[lang]
            word = RISING_TERMS[term] if term >= 0 else hashtag[1:].lower()
            clause = clauses[clause_at[i] % len(clauses)].format(s=word)
            text = f"{text}。{clause}" if lang == "ja" else f"{text}. {clause}"
        if with_emoji[i]:
            text = f"{text} {v.emoji[topic][emoji[i] % len(v.emoji[topic])]}"
        texts.append(text)
    return texts


class _Vocabulary:
    def __init__(self) -> None:
        self.posts = {t: tuple(POSTS[t].split("|")) for t in TOPICS}
        self.frames = {lang: tuple(FRAMES[lang].split("|")) for lang in LANGUAGES}
        self.subjects = {lang: tuple(SUBJECTS[lang].split("|")) for lang in LANGUAGES}
        self.hashtags = {(t, lang): tuple(BIOS[t][lang][1].split()) for t in TOPICS for lang in LANGUAGES}
        self.emoji = {t: tuple(TOPIC_EMOJI[t].split()) for t in TOPICS}
        self.tag_topics: dict[str, str] = {}
        self.phrase_topics: dict[str, str] = {}
        for t in TOPICS:
            for lang in LANGUAGES:
                phrases, tags = BIOS[t][lang]
                for tag in tags.split():
                    self.tag_topics.setdefault(tag.lower(), t)
                for phrase in phrases.split("|"):
                    self.phrase_topics.setdefault(phrase, t)
        self.place_languages = {place: lang for lang in LANGUAGES for place in PLACES[lang].split("|")}


@functools.cache
def _vocabulary() -> _Vocabulary:
    return _Vocabulary()


@functools.lru_cache(maxsize=4096)
def _where(location: str | None) -> tuple[str | None, str | None]:
    """(language, IANA zone) of a place named in the vocabulary; (None, None) for any other text."""
    lang = _vocabulary().place_languages.get(location or "")
    if lang is None or location is None:
        return None, None
    zone = next((zone for part, zone in PLACE_ZONES if part in location), LANGUAGE_ZONES[lang])
    return lang, zone


def _zone_offsets(zone: str, start: int, days: int) -> np.ndarray:
    """Milliseconds ahead of UTC at noon of each day from `start`."""
    tz = ZoneInfo(zone)
    noons = (datetime.fromtimestamp((start + d * DAY + 12 * HOUR) / 1000, UTC) for d in range(days))
    return np.array(
        [tz.utcoffset(noon.replace(tzinfo=None)).total_seconds() * 1000 for noon in noons]
    ).astype(np.int64)


def _weekday(ms: Any) -> Any:
    # 1970-01-01 was a Thursday (weekday 3 with Monday = 0).
    return (ms // DAY + 3) % 7


def _normalised(weights: tuple[float, ...]) -> np.ndarray:
    array = np.array(weights, dtype=np.float64)
    return array / array.sum()
