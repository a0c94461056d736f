"""A sandbox that exists for one request: made, used, deleted with whatever data was written for it.

Stateless questions (`/api/agent/ask`) and tweet drafts (`/api/daytona/generate-tweets`) run here. Follower
objects sent with the request become a snapshot of the account `EPHEMERAL_ACCOUNT` in a folder of the
sandbox's own, removed afterwards; without them the sandbox is made over the user's own folder (read-only
to it under bubblewrap), and nothing of the user's is removed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from followlytics.audience.importers import parse_user_objects
from followlytics.audience.paths import account_dir
from followlytics.audience.snapshots import write_snapshot
from followlytics.db.models import new_id
from followlytics.errors import ImportFailed
from followlytics.services.platform import Platform

EPHEMERAL_ACCOUNT = "ephemeral"


@dataclass(frozen=True)
class EphemeralSandbox:
    sandbox_id: str
    isolates: bool
    _platform: Platform

    def exec(self, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        return self._platform.sandboxes.exec(self.sandbox_id, tool, args)


def _checked_follower_data(follower_data: Any) -> Any:
    """The parsed `followerData` (errors name it, the record and the field); at least one user object."""
    parsed = parse_user_objects(follower_data, source="followerData")
    if parsed.table.num_rows == 0:
        raise ImportFailed(file="followerData", location=None, field=None, problem="holds no user objects")
    return parsed


@contextmanager
def ephemeral_sandbox(
    platform: Platform, *, follower_data: Any = None, user_root: Path | None = None
) -> Iterator[EphemeralSandbox]:
    """A sandbox over `follower_data` (as account `EPHEMERAL_ACCOUNT`) or over `user_root`, deleted after."""
    parsed = _checked_follower_data(follower_data) if follower_data is not None else None
    sandbox_id = new_id("eph")
    scratch = platform.settings.data_dir / "ephemeral" / sandbox_id if parsed is not None else None
    try:
        if parsed is not None and scratch is not None:
            write_snapshot(account_dir(scratch, EPHEMERAL_ACCOUNT), parsed.table, sources=["followerData"])
        root = scratch if scratch is not None else user_root
        if root is None:
            raise ValueError("an ephemeral sandbox needs follower data or a user folder")
        platform.sandboxes.create(sandbox_id, root)
        yield EphemeralSandbox(sandbox_id, platform.sandboxes.isolates, platform)
    finally:
        platform.sandboxes.delete(sandbox_id)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
