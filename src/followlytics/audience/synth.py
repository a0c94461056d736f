"""The synthetic audience generator: realistic X API v2 user objects, deterministic for a seed.

Follower, following and post counts are heavy-tailed (log-normal, with a Pareto tail of notable accounts
reaching millions of followers); following stops near X's 5,000 limit for most accounts; `listed_count`
follows followers; about 2% of accounts are verified (mostly blue, some business, a few government); about
5% are protected; `created_at` spreads over 2007-2026 and ids follow it (sequential ids before 2016,
snowflake ids after). Bios mix topic phrases, hashtags and emoji in English, Spanish, French, German,
Portuguese and Japanese; locations are free text in varied spellings, jokes included, absent for ~30%.
The words themselves live in `synth_vocabulary`; this module draws and assembles.
Fields are left out as the real API leaves them out (location, pinned_tweet_id, entities, some metrics).

Counts are drawn with numpy a chunk at a time and lines are serialised with orjson, so a million users
take seconds. The same seed and arguments always give byte-identical files.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from followlytics.audience.synth_vocabulary import (
    BIOS,
    EXTRAS,
    FLAGS,
    HANDLE_WORDS,
    JOKE_PLACES,
    LANGUAGE_WEIGHTS,
    LANGUAGES,
    LINK_SITES,
    NAMES,
    PLACES,
    TOPIC_EMOJI,
    TOPIC_WEIGHTS,
    TOPICS,
)
from followlytics.errors import InvalidInput

_CHUNK = 50_000
_MS_PER_DAY = 86_400_000
SNOWFLAKE_EPOCH_MS = 1_288_834_974_657  # 2010-11-04T01:42:54.657Z, where X's snowflake ids count from
END_MS = int(np.datetime64("2026-11-01", "ms").astype(np.int64))  # fixed, so output never depends on today
# Accounts created per year, in relative weights (X's sign-up waves: 2009-2012, 2020).
_YEAR_WEIGHTS = {
    2007: 0.5, 2008: 1.5, 2009: 5, 2010: 6, 2011: 7, 2012: 7, 2013: 6, 2014: 5, 2015: 5, 2016: 5,
    2017: 5, 2018: 5, 2019: 5, 2020: 7, 2021: 6, 2022: 6, 2023: 6, 2024: 5, 2025: 5, 2026: 4,
}  # fmt: skip
# Before snowflake user ids (about 2016) ids were sequential: (time, id) anchors to interpolate between.
_SEQUENTIAL_ID_ANCHORS = (
    ("2007-01-01", 1_000_000), ("2009-01-01", 19_000_000), ("2010-01-01", 100_000_000),
    ("2011-01-01", 230_000_000), ("2012-01-01", 450_000_000), ("2013-01-01", 1_100_000_000),
    ("2014-01-01", 2_300_000_000), ("2015-01-01", 2_980_000_000), ("2016-01-01", 4_700_000_000),
)  # fmt: skip
_SNOWFLAKE_USERS_FROM_MS = int(np.datetime64("2016-01-01", "ms").astype(np.int64))

_DEFAULT_AVATAR = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
_ALNUM = np.frombuffer(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)
_VERIFIED_TYPES = ("blue", "business", "government")


@dataclass(frozen=True)
class SyntheticAudience:
    """Generated user objects: the user's followers and, when asked for, a competitor's."""

    users: list[dict[str, Any]]
    competitor_users: list[dict[str, Any]] | None
    shared: int


@dataclass(frozen=True)
class SynthSummary:
    """What `write_jsonl` wrote."""

    path: Path
    users: int
    competitor_path: Path | None = None
    competitor_users: int = 0
    shared: int = 0


def generate(n: int, *, seed: int, competitor_overlap: float | None = None) -> SyntheticAudience:
    """`n` synthetic followers in memory (the same users `write_jsonl` writes for this seed)."""
    with gc_paused():
        return _generate(_Plan(n, seed, competitor_overlap))


def extra_users(
    m: int, *, rng: np.random.Generator, used_ids: set[int], used_handles: set[str]
) -> list[dict[str, Any]]:
    """`m` more users drawn like followers, with ids and handles (lowercased) outside `used_*`, which gain
    theirs: accounts related to an audience without being in it (lost followers, accounts it follows)."""
    # Numbering collisions from 1000 skips the run of numbers the audience's own collisions took.
    factory = _Factory(rng, used_ids, used_handles, {}, first_suffix=1000)
    return [user for start in range(0, m, _CHUNK) for user in factory.users(min(_CHUNK, m - start))]


def _generate(plan: _Plan) -> SyntheticAudience:
    users: list[dict[str, Any]] = []
    for chunk in plan.user_chunks():
        users.extend(chunk)
    if plan.competitor_size is None:
        return SyntheticAudience(users=users, competitor_users=None, shared=0)
    shared = [users[i] for i in plan.shared_indices.tolist()]
    competitor = [user for chunk in plan.competitor_chunks(shared) for user in chunk]
    return SyntheticAudience(users=users, competitor_users=competitor, shared=len(shared))


def write_jsonl(path: Path, n: int, *, seed: int, competitor_overlap: float | None = None) -> SynthSummary:
    """Write `n` synthetic followers to `path`, one X API v2 user object per line; with `competitor_overlap`
    also write `<stem>.competitor.jsonl` beside it, a competitor audience sharing that fraction of them."""
    with gc_paused():
        return _write_jsonl(Path(path), _Plan(n, seed, competitor_overlap))


def _write_jsonl(path: Path, plan: _Plan) -> SynthSummary:
    n = plan.n
    wanted = set(plan.shared_indices.tolist())
    kept: dict[int, bytes] = {}
    offset = 0
    with atomic_write(path) as out:
        for chunk in plan.user_chunks():
            lines = [orjson.dumps(user) for user in chunk]
            if wanted:
                kept.update((i, lines[i - offset]) for i in range(offset, offset + len(lines)) if i in wanted)
            out.write(b"\n".join(lines) + b"\n")
            offset += len(lines)
    if plan.competitor_size is None:
        return SynthSummary(path=path, users=n)
    competitor_path = path.with_name(f"{path.stem}.competitor.jsonl")
    shared_lines = [kept[i] for i in plan.shared_indices.tolist()]
    written = 0
    with atomic_write(competitor_path) as out:
        for chunk in plan.competitor_chunks(shared_lines):
            if chunk:
                out.write(b"\n".join(u if isinstance(u, bytes) else orjson.dumps(u) for u in chunk) + b"\n")
                written += len(chunk)
    return SynthSummary(
        path=path,
        users=n,
        competitor_path=competitor_path,
        competitor_users=written,
        shared=len(shared_lines),
    )


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    # Millions of short-lived dicts without cycles: the cyclic collector would only rescan them over and
    # over (it took a third of the run time); reference counting frees them all the same.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class atomic_write:
    """Write to a temporary name beside `path` and rename on success, so no half file is ever seen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.writing")

    def __enter__(self) -> Any:
        self.file = self.tmp.open("wb")
        return self.file

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.file.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


class _Plan:
    """One deterministic run: the user's audience, then (optionally) the competitor's."""

    def __init__(self, n: int, seed: int, overlap: float | None) -> None:
        if n < 0:
            raise InvalidInput(f"the number of users must be 0 or more, got {n}", field="n")
        if overlap is not None and not 0.0 <= overlap <= 1.0:
            raise InvalidInput(
                f"competitor_overlap must be between 0 and 1, got {overlap}", field="competitor_overlap"
            )
        self.n = n
        self.seed = seed
        self.used_ids: set[int] = set()
        self.used_handles: set[str] = set()
        self.handle_suffixes: dict[str, int] = {}
        self.competitor_size: int | None = None
        self.shared_indices = np.zeros(0, dtype=np.int64)
        if overlap is not None:
            # Its own stream, so the user's file is the same with or without a competitor.
            self.competitor_rng = np.random.default_rng([seed, 1])
            shared = round(overlap * n)
            self.competitor_size = max(shared, round(n * self.competitor_rng.uniform(0.85, 1.15)))
            self.shared_indices = np.sort(self.competitor_rng.choice(n, size=shared, replace=False))

    def user_chunks(self) -> Iterator[list[dict[str, Any]]]:
        factory = _Factory(
            np.random.default_rng([self.seed, 0]), self.used_ids, self.used_handles, self.handle_suffixes
        )
        for start in range(0, self.n, _CHUNK):
            yield factory.users(min(_CHUNK, self.n - start))

    def competitor_chunks(self, shared: list[Any]) -> Iterator[list[Any]]:
        """The competitor's audience in chunks: `shared` items (from the user's audience) mixed with new
        users. Call after `user_chunks` is exhausted, so new users avoid the user's ids and handles."""
        assert self.competitor_size is not None
        rng = self.competitor_rng
        factory = _Factory(
            np.random.default_rng([self.seed, 2]), self.used_ids, self.used_handles, self.handle_suffixes
        )
        order = rng.permutation(len(shared))
        parts = max(1, -(-self.competitor_size // _CHUNK))
        new_counts = _split(self.competitor_size - len(shared), parts)
        for shared_part, new_count in zip(np.array_split(order, parts), new_counts, strict=True):
            chunk: list[Any] = [shared[i] for i in shared_part.tolist()]
            chunk.extend(factory.users(new_count))
            yield [chunk[i] for i in rng.permutation(len(chunk)).tolist()]


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _names(language: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    firsts, lasts = NAMES[language]

    def pairs(words: str) -> list[tuple[str, str]]:
        if language == "ja":
            return [(display, romaji) for display, _, romaji in (w.partition(":") for w in words.split())]
        return [(w, _ascii(w)) for w in words.split()]

    return pairs(firsts), pairs(lasts)


class _Vocabulary:
    """The word lists, split once into indexable tuples."""

    def __init__(self) -> None:
        self.phrases = {(t, lang): tuple(BIOS[t][lang][0].split("|")) for t in TOPICS for lang in LANGUAGES}
        self.hashtags = {(t, lang): tuple(BIOS[t][lang][1].split()) for t in TOPICS for lang in LANGUAGES}
        self.emoji = {t: tuple(TOPIC_EMOJI[t].split()) for t in TOPICS}
        self.handle_words = {t: tuple(HANDLE_WORDS[t].split()) for t in TOPICS}
        self.extras = {lang: tuple(EXTRAS[lang].split("|")) for lang in LANGUAGES}
        self.flags = {lang: tuple(FLAGS[lang].split()) for lang in LANGUAGES}
        self.places = {lang: tuple(PLACES[lang].split("|")) for lang in LANGUAGES}
        self.joke_places = tuple(JOKE_PLACES.split("|"))
        self.names = {lang: _names(lang) for lang in LANGUAGES}


@functools.cache
def _vocabulary() -> _Vocabulary:
    return _Vocabulary()


class _Factory:
    """Draws users a chunk at a time; ids and handles stay unique across chunks (and across factories that
    share the `used_*` sets)."""

    def __init__(
        self,
        rng: np.random.Generator,
        used_ids: set[int],
        used_handles: set[str],
        suffixes: dict[str, int],
        first_suffix: int = 1,
    ) -> None:
        self.rng = rng
        self.used_ids = used_ids
        self.used_handles = used_handles
        self.suffixes = suffixes
        self.first_suffix = first_suffix
        self.vocabulary = _vocabulary()

    def users(self, m: int) -> list[dict[str, Any]]:
        if m == 0:
            return []
        d = _draw(self.rng, m)
        v = self.vocabulary
        rows = []
        ids = self._unique_ids(d["id"])
        for i in range(m):
            lang = LANGUAGES[d["lang"][i]]
            topic = TOPICS[d["topic"][i]]
            first, last = self._name(lang, d, i)
            handle = self._unique_handle(_handle(first[1], last[1], topic, d, i, v))
            description, hashtags = _bio(lang, topic, TOPICS[d["topic2"][i]], d, i, v)
            user: dict[str, Any] = {
                "id": str(ids[i]),
                "name": _display_name(first[0], last[0], lang, topic, d, i, v),
                "username": handle,
                "created_at": d["created_at"][i],
                "description": description,
            }
            if d["has_location"][i]:
                places = v.joke_places if d["joke_place"][i] else v.places[lang]
                user["location"] = places[int(d["place"][i] * len(places))]
            link = LINK_SITES[d["site"][i]].format(h=handle.lower()) if d["has_url"][i] else None
            user["url"] = f"https://t.co/{d['tco'][i]}" if link else ""
            user["verified"] = d["verified"][i]
            if d["verified"][i]:
                user["verified_type"] = _VERIFIED_TYPES[d["verified_type"][i]]
            elif d["says_none"][i]:
                user["verified_type"] = "none"
            user["protected"] = d["protected"][i]
            user["profile_image_url"] = (
                _DEFAULT_AVATAR
                if d["default_avatar"][i]
                else f"https://pbs.twimg.com/profile_images/{d['image_id'][i]}/{d['image_key'][i]}_normal.jpg"
            )
            if d["has_pinned"][i]:
                user["pinned_tweet_id"] = str(d["pinned"][i])
            metrics = {
                "followers_count": d["followers"][i],
                "following_count": d["following"][i],
                "tweet_count": d["tweets"][i],
                "listed_count": d["listed"][i],
            }
            if d["more_metrics"][i]:
                metrics["like_count"] = d["likes"][i]
                metrics["media_count"] = d["media"][i]
            user["public_metrics"] = metrics
            entities = _entities(user["url"], link, hashtags)
            if entities:
                user["entities"] = entities
            rows.append(user)
        return rows

    def _name(self, lang: str, d: dict[str, list[Any]], i: int) -> tuple[tuple[str, str], tuple[str, str]]:
        firsts, lasts = self.vocabulary.names[lang]
        return firsts[d["first"][i] % len(firsts)], lasts[d["last"][i] % len(lasts)]

    def _unique_ids(self, drawn: list[int]) -> list[int]:
        used = self.used_ids
        out = []
        for value in drawn:
            while value in used:  # the next sequence number in the same millisecond, as X would hand out
                value += 1
            used.add(value)
            out.append(value)
        return out

    def _unique_handle(self, handle: str) -> str:
        used = self.used_handles
        key = handle.lower()  # handles are unique regardless of case
        if key not in used:
            used.add(key)
            return handle
        # Popular handles collide thousands of times: carry on numbering where the last one stopped.
        number = self.suffixes.get(key, self.first_suffix)
        while True:
            suffix = str(number)
            candidate = handle[: 15 - len(suffix)] + suffix
            number += 1
            if candidate.lower() not in used:
                break
        self.suffixes[key] = number
        used.add(candidate.lower())
        return candidate


def _draw(rng: np.random.Generator, m: int) -> dict[str, list[Any]]:
    """Every random number one chunk of users needs, drawn vectorised and returned as Python lists."""
    years = np.array(list(_YEAR_WEIGHTS), dtype=np.int64)
    weights = np.array(list(_YEAR_WEIGHTS.values()), dtype=np.float64)
    year = rng.choice(years, size=m, p=weights / weights.sum())
    year_start = (year - 1970).astype("datetime64[Y]").astype("datetime64[ms]").astype(np.int64)
    year_end = np.minimum(
        (year - 1969).astype("datetime64[Y]").astype("datetime64[ms]").astype(np.int64), END_MS
    )
    created = (year_start + rng.random(m) * (year_end - year_start)).astype(np.int64)
    created -= created % 1000  # the API reports whole seconds
    age_years = np.maximum((END_MS - created) / (365.25 * _MS_PER_DAY), 0.05)

    anchors_ms = np.array([np.datetime64(t, "ms").astype(np.int64) for t, _ in _SEQUENTIAL_ID_ANCHORS])
    anchor_ids = np.array([i for _, i in _SEQUENTIAL_ID_ANCHORS], dtype=np.float64)
    sequential = np.interp(created, anchors_ms, anchor_ids).astype(np.int64) + rng.integers(0, 5000, m)
    snowflake = ((created - SNOWFLAKE_EPOCH_MS) << 22) | rng.integers(0, 1 << 22, m)
    user_id = np.where(created < _SNOWFLAKE_USERS_FROM_MS, sequential, snowflake)

    notable = rng.random(m) < 0.005
    followers = np.floor(rng.lognormal(4.0, 1.8, m)).astype(np.int64)
    followers = np.where(notable, (10_000 * (1 + rng.pareto(1.1, m))).astype(np.int64), followers)
    followers = np.minimum(followers, 180_000_000)
    following = np.floor(rng.lognormal(5.2, 1.2, m)).astype(np.int64)
    # X stops following at 5,000 until an account has enough followers of its own.
    following = np.where(
        followers < 5000, np.minimum(following, 5000), np.minimum(following, followers + 5000)
    )
    tweets = np.minimum(np.floor(age_years * rng.lognormal(4.3, 1.8, m)), 2_500_000).astype(np.int64)
    listed = np.floor(followers * rng.lognormal(np.log(0.005), 0.9, m)).astype(np.int64)
    likes = np.floor(tweets * rng.lognormal(0.4, 1.0, m)).astype(np.int64)
    media = np.floor(tweets * rng.beta(1.2, 6.0, m)).astype(np.int64)

    verified_p = np.where(followers >= 1_000_000, 0.8, np.where(followers >= 100_000, 0.5, 0.019))
    verified = rng.random(m) < verified_p
    verified_type = rng.choice(3, size=m, p=(0.82, 0.15, 0.03))
    pinned_from = np.maximum(created, SNOWFLAKE_EPOCH_MS)
    pinned_at = (pinned_from + rng.random(m) * (END_MS - pinned_from)).astype(np.int64) - SNOWFLAKE_EPOCH_MS
    pinned = (pinned_at << 22) | rng.integers(0, 1 << 22, m)
    # The profile picture gets a snowflake from the same moment (never before the account was created).
    image_id = (pinned_at << 22) | rng.integers(0, 1 << 22, m)
    created_text = np.char.add(np.datetime_as_string(created.astype("datetime64[ms]"), unit="s"), ".000Z")

    return {
        "id": user_id.tolist(),
        "created_at": created_text.tolist(),
        "lang": rng.choice(len(LANGUAGES), size=m, p=LANGUAGE_WEIGHTS).tolist(),
        "topic": rng.choice(len(TOPICS), size=m, p=TOPIC_WEIGHTS).tolist(),
        "topic2": rng.choice(len(TOPICS), size=m, p=TOPIC_WEIGHTS).tolist(),
        "first": rng.integers(0, 1 << 30, m).tolist(),
        "last": rng.integers(0, 1 << 30, m).tolist(),
        "name_style": rng.choice(6, size=m, p=(0.4, 0.2, 0.1, 0.1, 0.1, 0.1)).tolist(),
        "handle_style": rng.integers(0, 8, m).tolist(),
        "handle_number": rng.integers(1, 10_000, m).tolist(),
        "bio_style": rng.choice(5, size=m, p=(0.12, 0.3, 0.3, 0.18, 0.1)).tolist(),
        "phrase": rng.integers(0, 1 << 30, m).tolist(),
        "phrase2": rng.integers(0, 1 << 30, m).tolist(),
        "tags": rng.choice(3, size=m, p=(0.5, 0.3, 0.2)).tolist(),
        "tag": rng.integers(0, 1 << 30, m).tolist(),
        "emoji": rng.integers(0, 1 << 30, m).tolist(),
        "has_emoji": (rng.random(m) < 0.4).tolist(),
        "has_location": (rng.random(m) < 0.7).tolist(),
        "joke_place": (rng.random(m) < 0.06).tolist(),
        # Squared, so the first (bigger) places in each list are named more often.
        "place": (rng.random(m) ** 2).tolist(),
        "has_url": (rng.random(m) < 0.3).tolist(),
        "site": rng.integers(0, len(LINK_SITES), m).tolist(),
        "tco": _random_text(rng, m, 10),
        "verified": verified.tolist(),
        "verified_type": verified_type.tolist(),
        "says_none": (rng.random(m) < 0.5).tolist(),
        "protected": (rng.random(m) < 0.05).tolist(),
        "default_avatar": (rng.random(m) < 0.04).tolist(),
        "image_id": image_id.tolist(),
        "image_key": _random_text(rng, m, 8),
        "has_pinned": (rng.random(m) < np.where(verified, 0.6, 0.2)).tolist(),
        "pinned": pinned.tolist(),
        "followers": followers.tolist(),
        "following": following.tolist(),
        "tweets": tweets.tolist(),
        "listed": listed.tolist(),
        "more_metrics": (rng.random(m) < 0.5).tolist(),
        "likes": likes.tolist(),
        "media": media.tolist(),
    }


def _random_text(rng: np.random.Generator, m: int, width: int) -> list[str]:
    letters = _ALNUM[rng.integers(0, len(_ALNUM), (m, width))]
    return np.ascontiguousarray(letters).view(f"S{width}").ravel().astype(f"U{width}").tolist()


def _handle(first: str, last: str, topic: str, d: dict[str, list[Any]], i: int, v: _Vocabulary) -> str:
    number = d["handle_number"][i]
    word = v.handle_words[topic][number % len(v.handle_words[topic])]
    style = d["handle_style"][i]
    if style == 0:
        handle = first + last
    elif style == 1:
        handle = f"{first}_{last}"
    elif style == 2:
        handle = f"{first}{number}"
    elif style == 3:
        handle = f"{first.capitalize()}{last.capitalize()}"
    elif style == 4:
        handle = f"{first}{last[:1]}{number % 100:02d}"
    elif style == 5:
        handle = f"{word}{first}"
    elif style == 6:
        handle = f"the{first}{last}"
    else:
        handle = f"{first}_{word}"
    return handle[:15]


def _display_name(
    first: str, last: str, lang: str, topic: str, d: dict[str, list[Any]], i: int, v: _Vocabulary
) -> str:
    style = d["name_style"][i]
    full = f"{last}{first}" if lang == "ja" else f"{first} {last}"
    if style == 0:
        return full
    if style == 1:
        return first
    if style == 2:
        emoji = v.emoji[topic]
        return f"{full} {emoji[d['emoji'][i] % len(emoji)]}"
    if style == 3:
        return first.lower() if lang != "ja" else first
    if style == 4:
        return f"{first} {last[:1]}." if lang != "ja" else f"{first}@{topic}"
    flags = v.flags[lang]
    return f"{full} {flags[d['emoji'][i] % len(flags)]}"


def _bio(
    lang: str, topic: str, topic2: str, d: dict[str, list[Any]], i: int, v: _Vocabulary
) -> tuple[str, list[dict[str, Any]]]:
    """The description and its `entities.description.hashtags`."""
    style = d["bio_style"][i]
    if style == 0:
        return "", []
    phrases = v.phrases[(topic, lang)]
    parts = [phrases[d["phrase"][i] % len(phrases)]]
    if style == 2:
        other = v.phrases[(topic2, lang)]
        second = other[d["phrase2"][i] % len(other)]
        if second != parts[0]:
            parts.append(second)
    elif style == 3:
        extras = v.extras[lang]
        parts.append(extras[d["phrase2"][i] % len(extras)])
    elif style == 4:
        parts = []  # a bio of hashtags only
    separator = "。" if lang == "ja" else (" | " if d["phrase2"][i] % 3 == 0 else ". ")
    text = separator.join(parts)
    hashtags: list[dict[str, Any]] = []
    pool = v.hashtags[(topic, lang)]
    count = d["tags"][i] if parts else 2
    for tag in dict.fromkeys(pool[(d["tag"][i] + k) % len(pool)] for k in range(count)):
        start = len(text) + 1 if text else 0
        text = f"{text} {tag}" if text else tag
        hashtags.append({"start": start, "end": start + len(tag), "tag": tag[1:]})
    if d["has_emoji"][i]:
        emoji = v.emoji[topic]
        text = f"{text} {emoji[d['emoji'][i] % len(emoji)]}"
    return text, hashtags


def _entities(url: str, link: str | None, hashtags: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not link and not hashtags:
        return None
    entities: dict[str, Any] = {}
    if link:
        display = link.removeprefix("https://").removeprefix("www.")
        entities["url"] = {
            "urls": [{"start": 0, "end": len(url), "url": url, "expanded_url": link, "display_url": display}]
        }
    if hashtags:
        entities["description"] = {"hashtags": hashtags}
    return entities
