"""Influencer, mutual and collaboration answers over the real growth analytics on a handful of followers.

    ada   50,000 followers  London  verified   (the account follows her back)
    bo       900 followers  Berlin             (followed back)
    cy    12,000 followers  London
    dee  200,000 followers  Paris

Influencers (10k+): dee, ada, cy = 3 of 4 (75.0%), combined reach 262,000. Mutuals: ada and bo = 2 of 4
followers (50.0%) and 2 of the 2 accounts followed (100.0%).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from followlytics.agent.loop import recorded_turn
from followlytics.audience.datasets import Dataset, import_hint
from followlytics.audience.manifest import AccountEntry, write_manifest
from followlytics.audience.paths import account_dir
from followlytics.audience.schema import FOLLOWER_SCHEMA
from followlytics.audience.snapshots import write_snapshot
from followlytics.sandbox.runtime import Runtime
from tests.agent.test_conversation import _ask, _code_spans, _runtime_executor

FOLLOWERS = [
    {"id": "1", "username": "ada", "followers_count": 50_000, "location": "London", "verified": True,
     "description": "AI researcher, writes about machine learning"},
    {"id": "2", "username": "bo", "followers_count": 900, "location": "Berlin", "description": "design"},
    {"id": "3", "username": "cy", "followers_count": 12_000, "location": "London",
     "description": "machine learning engineer"},
    {"id": "4", "username": "dee", "followers_count": 200_000, "location": "Paris", "description": "chef"},
]  # fmt: skip


def _write(root: Path, rows, dataset: Dataset) -> None:
    table = pa.Table.from_pylist(rows, schema=FOLLOWER_SCHEMA)
    write_snapshot(account_dir(root, "acc_me"), table, sources=["test"], dataset=dataset)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "u1"
    write_manifest(root, [AccountEntry("acc_me", "me", "own")])
    _write(root, FOLLOWERS, Dataset.FOLLOWERS)
    return root


def _table_handles(answer: str) -> list[str]:
    return [
        line.split(" | ")[1].split()[0]
        for line in answer.splitlines()
        if line.startswith("| ") and "@" in line
    ]


def test_influencers_quote_count_share_and_reach(root):
    reply = _ask("which influencers follow me?", _runtime_executor(Runtime(root)))

    assert reply.answer.splitlines()[0].startswith(
        "**3 influencers of @me with 10,000+ followers** — 75.0% of 4 followers, with a combined reach of "
        "262,000"
    )
    assert _table_handles(reply.answer) == ["@dee", "@ada", "@cy"]
    assert "**@dee** has the most reach (200,000 followers)" in reply.answer
    assert "1 of these 3 is verified." in reply.answer


def test_influencers_follow_up_in_london(root):
    execute = _runtime_executor(Runtime(root))
    first = _ask("influencers over 10k followers", execute)

    reply = _ask(
        "what about in London?",
        execute,
        history=[recorded_turn("influencers over 10k followers", [r.public() for r in first.tools])],
    )

    assert reply.answer.splitlines()[0].startswith(
        "**2 influencers of @me with 10,000+ followers (in London)**"
    )
    assert _table_handles(reply.answer) == ["@ada", "@cy"]


def test_mutuals_without_a_following_list_say_what_to_import(root):
    reply = _ask("who are my mutuals?", _runtime_executor(Runtime(root)))

    assert reply.answer.startswith(
        "**I can't answer this from the data imported so far** (mutual connections)"
    )
    assert all(span in reply.answer for span in _code_spans(import_hint(Dataset.FOLLOWING, "me")))


def test_mutuals_quote_both_shares(root):
    _write(root, FOLLOWERS[:2], Dataset.FOLLOWING)

    reply = _ask("who are my mutuals?", _runtime_executor(Runtime(root)))

    assert reply.answer.splitlines()[0] == (
        "**2 mutual connections** — 50.0% of your 4 followers, and 100.0% of the 2 accounts you follow."
    )
    assert _table_handles(reply.answer)[:2] == ["@ada", "@bo"]
