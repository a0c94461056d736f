"""Follower changes: gained, lost, net and growth between two snapshots, and which two are compared."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from followlytics.analytics.changes import FollowerChangesArgs, run_follower_changes
from followlytics.audience.datasets import Dataset, import_hint
from followlytics.audience.manifest import AccountEntry, write_manifest
from followlytics.audience.paths import account_dir
from followlytics.audience.schema import FOLLOWER_SCHEMA
from followlytics.audience.snapshots import write_snapshot
from followlytics.errors import NoAudienceData
from followlytics.sandbox.runtime import Runtime


def _user(id: str, followers: int | None = None, **values: Any) -> dict[str, Any]:
    return {"id": id, "username": f"user_{id}", "followers_count": followers, **values}


def _snapshot(root: Path, when: datetime, rows: list[dict[str, Any]]) -> str:
    """A followers snapshot imported at `when` (the id is the import time, so renaming sets it)."""
    table = pa.Table.from_pylist(rows, schema=FOLLOWER_SCHEMA)
    info = write_snapshot(account_dir(root, "acc_me"), table, sources=["test"], dataset=Dataset.FOLLOWERS)
    snapshot_id = when.strftime("%Y%m%dT%H%M%S%fZ")
    info.path.rename(info.path.with_name(f"{snapshot_id}.parquet"))
    return snapshot_id


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "u1"
    write_manifest(root, [AccountEntry("acc_me", "me", "own")])
    return root


def _changes(root: Path, **args: Any):
    return run_follower_changes(Runtime(root), FollowerChangesArgs(account_id="acc_me", **args))


JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)
FEB_20 = datetime(2026, 2, 20, tzinfo=UTC)
MAR = datetime(2026, 3, 1, tzinfo=UTC)


def test_gains_losses_net_and_growth_between_the_two_newest_snapshots(root: Path):
    old = _snapshot(
        root,
        FEB,
        [
            _user("1", 10),
            _user("2", 20),
            _user("3", 50_000, verified=True, verified_type="business"),
            _user("4"),
        ],
    )
    new = _snapshot(
        root,
        MAR,
        [
            _user("1", 10),
            _user("2", 20),
            _user("5", 1_200_000, listed_count=340),
            _user("6", 300, verified=True, verified_type="blue"),
            _user("7", 300),
            _user("8", 5),
            _user("9", None),
        ],
    )

    result = _changes(root)

    assert (result.newest_snapshot, result.previous_snapshot) == (new, old)
    assert result.newest_date == MAR.isoformat() and result.previous_date == FEB.isoformat()
    assert result.days_between == 28.0
    assert (result.followers_before, result.followers_now) == (4, 7)
    assert (result.gained, result.lost, result.net) == (5, 2, 3)
    assert result.growth_percent == 75.0  # 100 * (7 - 4) / 4
    assert (result.verified_gained, result.verified_lost) == (1, 1)
    # By follower count, then verified first, then id; a missing count sorts as 0.
    assert [f.id for f in result.notable_gains] == ["5", "6", "7", "8", "9"]
    assert result.notable_gains[0].reasons == ["1.2M followers", "listed 340 times"]
    assert result.notable_gains[1].reasons == ["300 followers", "verified (blue)"]
    assert result.notable_gains[4].reasons == ["no follower count or verification data"]
    assert [f.id for f in result.notable_losses] == ["3", "4"]
    assert result.notable_losses[0].reasons == ["50K followers", "verified (business)"]
    assert result.notes == []
    ev = result.evidence
    assert ev.method == "snapshot-diff-v1"
    assert [s.snapshot for s in ev.sources] == [new, old]
    assert ev.rows_read == 7 and ev.rows_matched == 7
    assert ev.sample_sizes == {"followers_now": 7, "followers_before": 4, "gained": 5, "lost": 2}


def test_limit_caps_the_notable_lists_but_not_the_counts(root: Path):
    _snapshot(root, FEB, [_user(str(i), i) for i in range(10)])
    _snapshot(root, MAR, [_user(str(i), i) for i in range(5, 20)])

    result = _changes(root, limit=2)

    assert (result.gained, result.lost, result.net) == (10, 5, 5)
    assert [f.id for f in result.notable_gains] == ["19", "18"]
    assert [f.id for f in result.notable_losses] == ["4", "3"]


def test_days_picks_the_newest_snapshot_at_least_that_old(root: Path):
    jan = _snapshot(root, JAN, [_user("1"), _user("2")])
    feb = _snapshot(root, FEB, [_user("1"), _user("2"), _user("3")])
    feb_20 = _snapshot(root, FEB_20, [_user("2"), _user("3"), _user("4")])
    _snapshot(root, MAR, [_user("3"), _user("4"), _user("5")])

    assert _changes(root).previous_snapshot == feb_20  # default: the previous one
    assert _changes(root, days=9).previous_snapshot == feb_20  # Feb 20 is exactly 9 days before Mar 1
    assert _changes(root, days=10).previous_snapshot == feb
    by_month = _changes(root, days=28)
    assert by_month.previous_snapshot == feb
    assert [f.id for f in by_month.notable_gains] == ["4", "5"]
    assert [f.id for f in by_month.notable_losses] == ["1", "2"]
    assert by_month.evidence.filters == {"days": 28, "limit": 10}
    assert _changes(root, days=59).previous_snapshot == jan
    assert _changes(root, days=59).notes == []


def test_days_beyond_the_history_uses_the_oldest_snapshot_and_says_so(root: Path):
    jan = _snapshot(root, JAN, [_user("1")])
    _snapshot(root, MAR, [_user("1"), _user("2")])

    result = _changes(root, days=365)

    assert result.previous_snapshot == jan
    assert (result.gained, result.lost) == (1, 0)
    assert result.notes == [
        "The followers history covers only 59.0 days (oldest snapshot 2026-01-01), less than the 365 days "
        "asked; compared with the oldest snapshot instead."
    ]


def test_one_snapshot_says_to_import_a_newer_one_later(root: Path):
    _snapshot(root, JAN, [_user("1")])

    with pytest.raises(NoAudienceData) as caught:
        _changes(root)

    message = caught.value.message
    assert "Only one followers snapshot is imported for @me (taken 2026-01-01)" in message
    assert "Import a newer followers file later" in message
    assert import_hint(Dataset.FOLLOWERS, "me") in message  # the command and the API call
    assert caught.value.dataset == "followers"


def test_no_snapshot_says_what_to_import(root: Path):
    with pytest.raises(NoAudienceData) as caught:
        _changes(root)
    assert "No followers imported for @me yet" in caught.value.message


def test_the_tool_answers_over_the_wire_with_both_sources(root: Path):
    old = _snapshot(root, FEB, [_user("1", 10), _user("2", 20)])
    new = _snapshot(root, MAR, [_user("2", 20), _user("3", 30)])
    rt = Runtime(root)

    answer = rt.handle({"id": 1, "tool": "follower_changes", "args": {"account_id": "acc_me", "limit": 5}})

    assert answer["ok"] is True, answer
    result = answer["result"]
    assert (result["gained"], result["lost"], result["net"], result["growth_percent"]) == (1, 1, 0, 0.0)
    assert [s["snapshot"] for s in result["evidence"]["sources"]] == [new, old]
    bad = rt.handle({"id": 2, "tool": "follower_changes", "args": {"account_id": "acc_me", "days": 0}})
    assert bad["ok"] is False and bad["error"]["field"] == "days"


def test_a_large_diff_matches_set_arithmetic(root: Path):
    before = set(range(0, 60_000))
    after = set(range(5_000, 70_000)) - set(range(30_000, 30_500))
    _snapshot(root, FEB, [_user(str(i), i) for i in sorted(before)])
    _snapshot(root, MAR, [_user(str(i), i) for i in sorted(after)])

    result = _changes(root, limit=3)

    assert result.gained == len(after - before) == 10_000
    assert result.lost == len(before - after) == 5_500
    assert result.net == len(after) - len(before)
    assert result.growth_percent == round(100 * (len(after) - len(before)) / len(before), 2)
    assert [f.id for f in result.notable_gains] == ["69999", "69998", "69997"]
    assert [f.id for f in result.notable_losses] == ["30499", "30498", "30497"]
