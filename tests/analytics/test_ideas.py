"""Content ideas: rising terms in followers' recent posts, and ideas grounded in segments and trends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from followlytics.analytics.ideas import ContentIdeasArgs, ContentIdeasResult, run_content_ideas
from followlytics.audience.datasets import Dataset
from followlytics.audience.manifest import AccountEntry, write_manifest
from followlytics.audience.paths import account_dir
from followlytics.audience.snapshots import write_snapshot
from followlytics.errors import NoAudienceData
from followlytics.sandbox.runtime import Runtime

END = datetime(2026, 10, 31, 12, tzinfo=UTC)

# Four engineers, four pastry cooks, three DJs (as in test_themes), so the segments are known.
BIOS = [
    ("1", "Software engineer #Python 🚀"),
    ("2", "Software engineer and coffee lover #python"),
    ("3", "Backend developer #python 🚀"),
    ("4", "Software engineer #rust"),
    ("5", "Pastry chef 🍰 #baking"),
    ("6", "Pastry chef and baker #Baking"),
    ("7", "Home cook #baking 🍰"),
    ("8", "Pastry chef #vegan"),
    ("9", "Techno DJ 🎧 #techno"),
    ("10", "Techno DJ and producer #techno"),
    ("11", "DJ and producer 🎧"),
]


def _followers() -> list[dict[str, Any]]:
    return [{"id": i, "username": f"user{i}", "description": bio, "followers_count": 10} for i, bio in BIOS]


def _post(n: int, author: str, text: str, days_ago: float) -> dict[str, Any]:
    return {"id": str(n), "author_id": author, "text": text, "created_at": END - timedelta(days=days_ago)}


def _posts() -> list[dict[str, Any]]:
    """Both windows have 12 posts about the weather; "pickleball" is new and rising among the engineers
    (6 recent posts by authors 1-4), "sourdough" is steady (2 posts in each window), and "synthwave"
    rises but only in 4 posts (below the minimum support of 5)."""
    posts: list[dict[str, Any]] = []
    authors = [i for i, _ in BIOS]
    for k in range(12):
        posts.append(_post(len(posts), authors[k % 11], "Rainy weather again today", 20 + k * 0.5))
        posts.append(_post(len(posts), authors[(k + 3) % 11], "Rainy weather again today", 1 + k * 0.5))
    pickleball = [
        "Pickleball after work",
        "Tried pickleball",
        "pickleball is fun",
        "More pickleball!",
        "pickleball",
        "Is pickleball a sport?",
    ]
    for k, author in enumerate(["1", "2", "3", "4", "1", "2"]):
        posts.append(_post(len(posts), author, pickleball[k], 2 + k))
    for k, author in enumerate(["5", "6"]):
        posts.append(_post(len(posts), author, "Fresh sourdough this morning", 3 + k))
        posts.append(_post(len(posts), author, "Fresh sourdough this morning", 17 + k))
    for k, author in enumerate(["9", "10", "11", "9"]):
        posts.append(_post(len(posts), author, "New synthwave mix", 1 + k))
    return posts


def _runtime(tmp_path: Path, *, posts: list[dict[str, Any]] | None) -> Runtime:
    root = tmp_path / "u1"
    folder = account_dir(root, "acc_me")
    write_snapshot(folder, pa.Table.from_pylist(_followers(), schema=Dataset.FOLLOWERS.schema), sources=["t"])
    if posts is not None:
        table = pa.Table.from_pylist(posts, schema=Dataset.FOLLOWER_TWEETS.schema)
        write_snapshot(folder, table, sources=["t"], dataset=Dataset.FOLLOWER_TWEETS)
    write_manifest(root, [AccountEntry("acc_me", "me", "own")])
    return Runtime(root)


def _ideas(rt: Runtime, **args: Any) -> ContentIdeasResult:
    return run_content_ideas(rt, ContentIdeasArgs(account_id="acc_me", **args))


def test_a_planted_rising_term_is_found_with_its_counts_in_both_windows(tmp_path: Path):
    result = _ideas(_runtime(tmp_path, posts=_posts()))

    assert result.window is not None
    # Recent window (END - 14 days, END]: 12 weather + 6 pickleball + 2 sourdough + 4 synthwave.
    assert (result.window.recent_posts, result.window.previous_posts) == (24, 14)
    assert [(t.term, t.recent, t.previous, t.authors) for t in result.trends] == [("pickleball", 6, 0, 4)]
    # (6 / 24) / ((0 + 1) / (14 + 1)) = 3.75
    assert result.trends[0].growth == 3.75


def test_the_first_idea_rides_the_trend_for_the_segment_its_authors_lean_to(tmp_path: Path):
    result = _ideas(_runtime(tmp_path, posts=_posts()))

    first = result.ideas[0]
    assert first.trend == "pickleball"
    assert first.segment == "engineer · software · #python"
    assert first.numbers == {
        "recent_posts": 6,
        "previous_posts": 0,
        "authors": 4,
        "growth": 3.75,
        "segment_authors": 4,
        "segment_size": 4,
        "segment_share": round(4 / 11, 4),
        "segment_lift": round((4 / 4) / (4 / 11), 2),
    }
    assert (
        '"pickleball" was in 6 posts by 4 of your followers in the last 14 days, against 0' in first.reasoning
    )
    # The other ideas speak to the segments not used yet, largest first, about their members' phrases.
    assert [(idea.segment, idea.trend) for idea in result.ideas[1:]] == [
        ("chef · pastry · #baking", None),
        ("dj · producer · techno", None),
    ]
    assert '"pastry chef"' in result.ideas[1].title
    assert result.ideas[1].numbers == {
        "segment_size": 4,
        "segment_share": round(4 / 11, 4),
        "phrase_members": 3,
    }
    assert len({idea.title.split('"')[0] for idea in result.ideas}) == 3  # a different kind of post each
    assert result.notes == []
    assert [s.dataset for s in result.evidence.sources] == ["followers", "follower_tweets"]
    assert result.evidence.sample_sizes["recent_posts"] == 24


def test_a_longer_window_changes_what_counts_as_recent(tmp_path: Path):
    result = _ideas(_runtime(tmp_path, posts=_posts()), days=30)
    assert result.window is not None and result.window.previous_posts == 0
    assert result.trends == []
    assert "No follower posts fall in the 30 days before the recent window" in result.notes[0]


def test_without_follower_posts_ideas_come_from_segments_and_say_what_to_import(tmp_path: Path):
    result = _ideas(_runtime(tmp_path, posts=None), limit=2)

    assert result.trends == [] and result.window is None
    assert [idea.segment for idea in result.ideas] == [
        "chef · pastry · #baking",
        "engineer · software · #python",
    ]
    assert all(idea.trend is None for idea in result.ideas)
    assert "--kind follower-tweets" in result.notes[0]
    assert [s.dataset for s in result.evidence.sources] == ["followers"]


def test_without_followers_the_tool_says_what_to_import(tmp_path: Path):
    root = tmp_path / "u1"
    write_manifest(root, [AccountEntry("acc_me", "me", "own")])
    with pytest.raises(NoAudienceData):
        _ideas(Runtime(root))


def test_the_tool_answers_over_the_wire_and_is_deterministic(tmp_path: Path):
    rt = _runtime(tmp_path, posts=_posts())
    request = {"id": 3, "tool": "content_ideas", "args": {"account_id": "acc_me", "limit": 3}}
    first, again = rt.handle(request), rt.handle(request)
    assert first["ok"] is True, first
    assert first == again
    assert len(first["result"]["ideas"]) == 3
    assert first["result"]["evidence"]["method"] == "ideas-v1"
