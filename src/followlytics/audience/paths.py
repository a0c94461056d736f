"""The per-user folder layout under the data directory, and the check on every ID that names a folder.

    <data_dir>/users/<user_id>/accounts/<account_id>/<dataset>/<snapshot_id>.parquet
    <data_dir>/users/<user_id>/accounts.json        which account id is which handle (see manifest.py)

No path is ever built from an unchecked string: `checked_id` refuses anything but short
`[A-Za-z0-9_-]` names, so `..`, slashes and empty names cannot reach the file system.
"""

from __future__ import annotations

import re
from pathlib import Path

from followlytics.errors import InvalidInput

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def checked_id(value: str, kind: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidInput(f"{kind} {value!r} is not a valid id", field=kind)
    return value


def user_dir(users_dir: Path, user_id: str) -> Path:
    return users_dir / checked_id(user_id, "user_id")


def account_dir(user_root: Path, account_id: str) -> Path:
    return user_root / "accounts" / checked_id(account_id, "account_id")


def snapshots_dir(account_root: Path, dataset: str) -> Path:
    """The folder of one dataset's snapshots (`dataset` is a `Dataset` value such as `followers`)."""
    return account_root / dataset
