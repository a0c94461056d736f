"""Change over time (`snapshot-diff-v1`): who followed and who unfollowed between two followers snapshots.

The newest followers snapshot is compared with the previous one, or, with `days`, with the newest snapshot
taken at least `days` days before it (the oldest one, with a note, when the history is shorter). Followers
are matched by X user id:

    gained = ids in the newer snapshot and not in the older     (their rows from the newer snapshot)
    lost   = ids in the older snapshot and not in the newer     (their rows from the older snapshot)
    net    = gained - lost
    growth = 100 x (followers now - followers before) / followers before   (None when before is 0)

Followers now and before are the snapshots' row counts, so growth equals net / before when every row has a
distinct id. Notable gains and losses are ordered by their own follower count (missing counts as 0), then
verified before unverified (verified as in the value score: X says verified and the type is not "none"),
then id, and each comes with its reasons (its reach, verification, list memberships).

The gained and lost rows are found by two anti-joins on id once per pair of snapshots and kept as a table
derived from the newest snapshot, so a repeat call only reads those rows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from followlytics.analytics.evidence import Evidence
from followlytics.analytics.workspace import AnalyticsTool, Source, Workspace, evidence
from followlytics.audience.datasets import Dataset, import_hint, missing
from followlytics.audience.snapshots import SnapshotInfo
from followlytics.errors import NoAudienceData

METHOD = "snapshot-diff-v1"

_IS_VERIFIED = "(coalesce(verified, false) AND lower(coalesce(verified_type, '')) <> 'none')"
_COLUMNS = ["id", "username", "name", "followers_count", "listed_count", "is_verified", "verified_type"]


class FollowerChangesArgs(BaseModel):
    """A `follower_changes` tool call."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, description="The X account whose follower changes to report.")
    days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Compare the newest snapshot with the newest one at least this many days older; "
        "default: with the previous snapshot.",
    )
    limit: int = Field(default=10, ge=1, le=100, description="How many notable gains and losses to list.")


class ChangedFollower(BaseModel):
    id: str
    username: str
    name: str | None
    followers_count: int | None
    verified: bool
    verified_type: str | None
    reasons: list[str] = Field(description="Why this change is notable, strongest first.")


class FollowerChangesResult(BaseModel):
    newest_snapshot: str
    newest_date: str = Field(description="When the newest snapshot was imported (UTC, ISO).")
    previous_snapshot: str
    previous_date: str = Field(description="When the snapshot compared against was imported (UTC, ISO).")
    days_between: float = Field(description="Days between the two snapshots.")
    followers_now: int
    followers_before: int
    gained: int
    lost: int
    net: int = Field(description="gained - lost")
    growth_percent: float | None = Field(
        description="100 x (now - before) / before, 2 decimals; None when before is 0."
    )
    verified_gained: int
    verified_lost: int
    notable_gains: list[ChangedFollower]
    notable_losses: list[ChangedFollower]
    notes: list[str]
    evidence: Evidence


def run_follower_changes(workspace: Workspace, args: FollowerChangesArgs) -> FollowerChangesResult:
    """The `follower_changes` tool."""
    account = args.account_id
    handle = next((a.handle for a in workspace.accounts() if a.id == account), None)
    snapshots = workspace.snapshots(account, Dataset.FOLLOWERS)
    if not snapshots:
        raise missing(Dataset.FOLLOWERS, handle)
    if len(snapshots) == 1:
        raise _only_one(snapshots[0], handle)
    newest_info = snapshots[-1]
    previous_info, notes = _previous(snapshots, args.days)
    newest = workspace.source(account, Dataset.FOLLOWERS)
    previous = workspace.source(account, Dataset.FOLLOWERS, snapshot_id=previous_info.id)

    diff = _diff(workspace, newest, previous)
    counts = dict.fromkeys(("gained", "lost"), (0, 0))
    rows = workspace.connection.execute(
        f"SELECT change, count(*), count(*) FILTER (WHERE is_verified) FROM {diff} GROUP BY change"
    ).fetchall()
    counts |= {change: (int(n), int(verified)) for change, n, verified in rows}
    (gained, verified_gained), (lost, verified_lost) = counts["gained"], counts["lost"]
    gains = _notable(workspace, diff, "gained", args.limit)
    losses = _notable(workspace, diff, "lost", args.limit)
    before, now = previous.rows, newest.rows
    growth = round(100 * (now - before) / before, 2) if before else None
    if gained == 0 and lost == 0:
        notes.append("No follower was gained or lost between the two snapshots.")
    days_between = (newest_info.created_at - previous_info.created_at) / timedelta(days=1)
    return FollowerChangesResult(
        newest_snapshot=newest.snapshot.id,
        newest_date=newest.snapshot.created_at.isoformat(),
        previous_snapshot=previous.snapshot.id,
        previous_date=previous.snapshot.created_at.isoformat(),
        days_between=round(days_between, 2),
        followers_now=now,
        followers_before=before,
        gained=gained,
        lost=lost,
        net=gained - lost,
        growth_percent=growth,
        verified_gained=verified_gained,
        verified_lost=verified_lost,
        notable_gains=gains,
        notable_losses=losses,
        notes=notes,
        evidence=evidence(
            [newest, previous],
            rows_matched=gained + lost,
            fields=["id", "username", "name", "followers_count", "listed_count", "verified", "verified_type"],
            method=METHOD,
            filters=args.model_dump(exclude={"account_id"}, exclude_none=True),
            sample_sizes={"followers_now": now, "followers_before": before, "gained": gained, "lost": lost},
        ),
    )


def _previous(snapshots: list[SnapshotInfo], days: int | None) -> tuple[SnapshotInfo, list[str]]:
    """The snapshot to compare the newest with, and any note about how it was chosen."""
    newest = snapshots[-1]
    older = snapshots[:-1]
    if days is None:
        return older[-1], []
    cutoff = newest.created_at - timedelta(days=days)
    old_enough = [s for s in older if s.created_at <= cutoff]
    if old_enough:
        return old_enough[-1], []
    oldest = older[0]
    covered = (newest.created_at - oldest.created_at) / timedelta(days=1)
    return oldest, [
        f"The followers history covers only {covered:.1f} days (oldest snapshot "
        f"{oldest.created_at.date().isoformat()}), less than the {days} days asked; compared with the oldest "
        "snapshot instead."
    ]


def _diff(workspace: Workspace, newest: Source, previous: Source) -> str:
    """The gained and lost rows, computed once per pair of snapshots (cached with the newest one)."""
    columns = (
        f"id, username, name, followers_count, listed_count, {_IS_VERIFIED} AS is_verified, verified_type"
    )
    sql = (
        f"SELECT 'gained' AS change, {columns} FROM {{source}} ANTI JOIN {previous.table} USING (id) "
        f"UNION ALL SELECT 'lost' AS change, {columns} FROM {previous.table} ANTI JOIN {{source}} USING (id)"
    )
    return workspace.derived(newest, f"vs_{previous.snapshot.id.lower()}", sql)


def _notable(workspace: Workspace, diff: str, change: str, limit: int) -> list[ChangedFollower]:
    """The `change` ("gained" or "lost") rows of `diff`, most notable first."""
    rows = workspace.connection.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM {diff} WHERE change = $change "
        "ORDER BY coalesce(followers_count, 0) DESC, is_verified DESC, id LIMIT $limit",
        {"change": change, "limit": limit},
    ).fetchall()
    return [_changed(dict(zip(_COLUMNS, row, strict=True))) for row in rows]


def _changed(row: dict[str, Any]) -> ChangedFollower:
    reasons = []
    if row["followers_count"] is not None:
        reasons.append(f"{_compact(row['followers_count'])} followers")
    if row["is_verified"]:
        kind = row["verified_type"]
        reasons.append(f"verified ({kind})" if kind else "verified")
    if row["listed_count"]:
        listed = row["listed_count"]
        reasons.append("listed once" if listed == 1 else f"listed {listed:,} times")
    return ChangedFollower(
        id=row["id"],
        username=row["username"],
        name=row["name"],
        followers_count=row["followers_count"],
        verified=bool(row["is_verified"]),
        verified_type=row["verified_type"],
        reasons=reasons or ["no follower count or verification data"],
    )


def _compact(count: int) -> str:
    for scale, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (10_000, "K")):
        if abs(count) >= scale:
            divisor = 1_000 if suffix == "K" else scale
            return f"{count / divisor:.1f}".removesuffix(".0") + suffix
    return f"{count:,}"


def _only_one(snapshot: SnapshotInfo, handle: str | None) -> NoAudienceData:
    whose = f"@{handle}" if handle else "this account"
    return NoAudienceData(
        f"Only one followers snapshot is imported for {whose} "
        f"(taken {snapshot.created_at.date().isoformat()}), so there is nothing to compare it with yet. "
        "Import a newer followers file later to see who followed and who left: "
        f"{import_hint(Dataset.FOLLOWERS, handle)}",
        dataset=Dataset.FOLLOWERS.value,
    )


def _summarize(result: FollowerChangesResult) -> str:
    return (
        f"compared {result.followers_now:,} followers with {result.followers_before:,} "
        f"{result.days_between:.1f} days earlier: +{result.gained:,} / -{result.lost:,}"
    )


TOOLS = [
    AnalyticsTool(
        name="follower_changes",
        description=(
            "How the user's followers changed between two imported followers snapshots: how many followers "
            "were gained and lost, the net change and growth %, the dates of both snapshots, and the most "
            "notable new and lost followers (by their follower count and verification) with reasons. "
            "Arguments (optional): `days` compares the newest snapshot with the newest one at least that "
            "many days older (default: the previous snapshot); `limit` is how many notable gains and losses "
            "to list (1-100, default 10). Use it for 'who unfollowed me', 'how many followers did I gain "
            "this week', 'follower growth over the last 30 days', 'notable new followers'."
        ),
        arguments=FollowerChangesArgs,
        result=FollowerChangesResult,
        run=run_follower_changes,
        summarize=_summarize,
    )
]
