"""Importing an account's data: parse and validate every input first, then write one snapshot atomically.

One use case for every dataset (`Dataset`): followers and following lists (`importers.py`), the account's
own posts and followers' posts, and interactions with the posts (`posts.py`). Nothing is written when any
record is bad, and an import that holds no row at all is refused rather than replacing the dataset with an
empty one. A competitor may only have followers and posts imported: its following list, its interactions
and its followers' posts are not something the user can export.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from followlytics.audience.datasets import Dataset
from followlytics.audience.importers import ParsedAudience, parse_files
from followlytics.audience.manifest import AccountEntry, write_manifest
from followlytics.audience.paths import account_dir, user_dir
from followlytics.audience.posts import parse_interactions, parse_posts
from followlytics.audience.snapshots import latest_snapshot, write_snapshot
from followlytics.db.models import AccountKind, User
from followlytics.errors import ImportFailed, InvalidInput
from followlytics.services.accounts import checked_handle, ensure_account, resolve_account
from followlytics.services.plans import Feature, require_feature
from followlytics.services.platform import Platform
from followlytics.services.x_api_usage import record_import_reads

_PARSERS: dict[Dataset, Callable[..., ParsedAudience]] = {
    Dataset.FOLLOWERS: parse_files,
    Dataset.FOLLOWING: parse_files,
    Dataset.TWEETS: parse_posts,
    Dataset.FOLLOWER_TWEETS: parse_posts,
    Dataset.INTERACTIONS: parse_interactions,
}

_NOTHING_FOUND = {
    Dataset.FOLLOWERS: "no X user objects found (an empty followers page has no 'data' key)",
    Dataset.FOLLOWING: "no X user objects found (an empty following page has no 'data' key)",
    Dataset.TWEETS: "no posts found (an empty page has no 'data' key)",
    Dataset.FOLLOWER_TWEETS: "no posts found (an empty page has no 'data' key)",
    Dataset.INTERACTIONS: "no interactions found (the pages and rows are all empty)",
}

_COMPETITOR_DATASETS = (Dataset.FOLLOWERS, Dataset.TWEETS)

KINDS = tuple(dataset.cli_kind for dataset in Dataset)
"""What `--kind` and the API's `kind` accept: followers, following, tweets, interactions, follower-tweets."""


@dataclass(frozen=True)
class ImportResult:
    account: str
    kind: str  # the account's kind: own or competitor
    dataset: str  # what was imported: a Dataset value such as followers or follower_tweets
    snapshot_id: str
    rows: int
    records_read: int
    duplicates: int
    files: list[str]
    warnings: list[str]


def dataset_for_kind(kind: str) -> Dataset:
    """The dataset a CLI `--kind` or API `kind` names (`follower-tweets` or `follower_tweets`)."""
    value = kind.strip().lower().replace("-", "_")
    if value in set(Dataset):
        return Dataset(value)
    raise InvalidInput(f"kind must be one of {', '.join(KINDS)}, got {kind!r}", field="kind")


def import_files(
    platform: Platform,
    *,
    user_id: str,
    paths: Sequence[Path],
    display_names: Sequence[str] | None = None,
    handle: str | None = None,
    competitor: bool = False,
    dataset: Dataset = Dataset.FOLLOWERS,
    taken_at: datetime | None = None,
) -> ImportResult:
    """Parse and validate `paths` as `dataset`, then store them as one snapshot (all or nothing).

    `taken_at` dates the snapshot when the files are an older export (it must be timezone-aware and not in
    the future); by default the snapshot is dated now.
    """
    if not paths:
        raise InvalidInput("give at least one file to import", field="files")
    dataset = Dataset(dataset)
    _check_taken_at(taken_at)
    _check_target(platform, user_id=user_id, handle=handle, competitor=competitor, dataset=dataset)
    parsed = _PARSERS[dataset](paths, display_names=display_names)  # after the cheap checks: it can be long
    if parsed.table.num_rows == 0:
        raise ImportFailed(
            file=", ".join(parsed.files), location=None, field=None, problem=_NOTHING_FOUND[dataset]
        )
    return _store(
        platform,
        user_id=user_id,
        parsed=parsed,
        handle=handle,
        competitor=competitor,
        dataset=dataset,
        taken_at=taken_at,
    )


def parse_taken_at(text: str | None) -> datetime | None:
    """A CLI `--taken-at` or API `taken_at` value (ISO 8601 with a zone, e.g. `2026-10-25T12:00:00Z`)."""
    if text is None or not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"taken_at {text!r} is not an ISO 8601 time such as 2026-10-25T12:00:00Z", field="taken_at"
        ) from None


def _check_taken_at(taken_at: datetime | None) -> None:
    if taken_at is None:
        return
    if taken_at.tzinfo is None:
        raise InvalidInput("taken_at needs a time zone, e.g. 2026-10-25T12:00:00Z", field="taken_at")
    if taken_at > datetime.now(UTC):
        raise InvalidInput(f"taken_at {taken_at.isoformat()} is in the future", field="taken_at")


def _check_target(
    platform: Platform, *, user_id: str, handle: str | None, competitor: bool, dataset: Dataset
) -> None:
    if competitor and dataset not in _COMPETITOR_DATASETS:
        raise InvalidInput(
            f"only followers and tweets can be imported for a competitor, not {dataset.cli_kind}: "
            "competitor analyses compare followers and posts; following lists, interactions and "
            "followers' posts are used for your own accounts only",
            field="kind",
        )
    if competitor:
        with platform.db.session() as session:
            require_feature(session.get_one(User, user_id), Feature.COMPETITOR_TRACKING)
    if handle is not None:
        _check_new_own_account(
            platform, user_id=user_id, handle=checked_handle(handle), competitor=competitor
        )
        return
    if competitor:
        raise InvalidInput("name the competitor's account", field="account")
    with platform.db.session() as session:
        if not any(a.kind == AccountKind.OWN for a in session.get_one(User, user_id).accounts):
            raise InvalidInput(
                f"name the account these {dataset.description} belong to (first import)", field="account"
            )


def _check_new_own_account(platform: Platform, *, user_id: str, handle: str, competitor: bool) -> None:
    """A second own account needs a plan with several accounts (Agency)."""
    if competitor:
        return
    with platform.db.session() as session:
        user = session.get_one(User, user_id)
        own = [a for a in user.accounts if a.kind == AccountKind.OWN]
        if own and all(a.handle.lower() != handle.lower() for a in own):
            require_feature(user, Feature.MULTIPLE_ACCOUNTS)


def _store(
    platform: Platform,
    *,
    user_id: str,
    parsed: ParsedAudience,
    handle: str | None,
    competitor: bool,
    dataset: Dataset,
    taken_at: datetime | None,
) -> ImportResult:
    with platform.db.session() as session:
        user = session.get_one(User, user_id)
        if handle is None:
            account = resolve_account(session, user=user, handle=None)
        else:
            account = ensure_account(session, user=user, handle=handle, competitor=competitor)
        user_root = user_dir(platform.users_dir, user.id)
        root = account_dir(user_root, account.id)
        snapshot = write_snapshot(
            root, parsed.table, sources=parsed.files, dataset=dataset, taken_at=taken_at
        )
        if dataset == Dataset.FOLLOWERS:  # the account's audience: what questions are answered from
            newest = latest_snapshot(root, dataset)  # a back-dated import is not the newest
            account.last_snapshot_id = newest.id if newest is not None else snapshot.id
        session.flush()
        record_import_reads(session, account=account, dataset=dataset, rows=snapshot.rows)
        write_manifest(user_root, [AccountEntry(a.id, a.handle, a.kind) for a in user.accounts])
        return ImportResult(
            account=account.handle,
            kind=account.kind,
            dataset=dataset.value,
            snapshot_id=snapshot.id,
            rows=snapshot.rows,
            records_read=parsed.records_read,
            duplicates=parsed.duplicates,
            files=parsed.files,
            warnings=parsed.warnings,
        )
