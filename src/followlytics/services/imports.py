"""Importing an audience: parse and validate every input first, then write one snapshot atomically.

Nothing is written when any record is bad, and an import that holds no user object at all is refused
rather than replacing the account's audience with an empty one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from followlytics.audience.importers import ParsedAudience, parse_files
from followlytics.audience.manifest import AccountEntry, write_manifest
from followlytics.audience.paths import account_dir, user_dir
from followlytics.audience.snapshots import write_snapshot
from followlytics.db.models import AccountKind, User
from followlytics.errors import ImportFailed, InvalidInput
from followlytics.services.accounts import checked_handle, ensure_account, resolve_account
from followlytics.services.platform import Platform


@dataclass(frozen=True)
class ImportResult:
    account: str
    kind: str
    snapshot_id: str
    rows: int
    records_read: int
    duplicates: int
    files: list[str]
    warnings: list[str]


def import_files(
    platform: Platform,
    *,
    user_id: str,
    paths: Sequence[Path],
    display_names: Sequence[str] | None = None,
    handle: str | None = None,
    competitor: bool = False,
) -> ImportResult:
    if not paths:
        raise InvalidInput("give at least one file to import", field="files")
    _check_target(platform, user_id=user_id, handle=handle, competitor=competitor)  # before a long parse
    parsed = parse_files(paths, display_names=display_names)
    if parsed.table.num_rows == 0:
        raise ImportFailed(
            file=", ".join(parsed.files),
            location=None,
            field=None,
            problem="no X user objects found (an empty followers page has no 'data' key)",
        )
    return _store(platform, user_id=user_id, parsed=parsed, handle=handle, competitor=competitor)


def _check_target(platform: Platform, *, user_id: str, handle: str | None, competitor: bool) -> None:
    if handle is not None:
        checked_handle(handle)
        return
    if competitor:
        raise InvalidInput("name the competitor's account", field="account")
    with platform.db.session() as session:
        if not any(a.kind == AccountKind.OWN for a in session.get_one(User, user_id).accounts):
            raise InvalidInput("name the account these followers belong to (first import)", field="account")


def _store(
    platform: Platform, *, user_id: str, parsed: ParsedAudience, handle: str | None, competitor: bool
) -> ImportResult:
    with platform.db.session() as session:
        user = session.get_one(User, user_id)
        if handle is None:
            account = resolve_account(session, user=user, handle=None)
        else:
            account = ensure_account(session, user=user, handle=handle, competitor=competitor)
        user_root = user_dir(platform.users_dir, user.id)
        snapshot = write_snapshot(account_dir(user_root, account.id), parsed.table, sources=parsed.files)
        account.last_snapshot_id = snapshot.id
        session.flush()
        write_manifest(user_root, [AccountEntry(a.id, a.handle, a.kind) for a in user.accounts])
        return ImportResult(
            account=account.handle,
            kind=account.kind,
            snapshot_id=snapshot.id,
            rows=snapshot.rows,
            records_read=parsed.records_read,
            duplicates=parsed.duplicates,
            files=parsed.files,
            warnings=parsed.warnings,
        )
