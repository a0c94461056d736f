"""The accounts manifest: `<user_root>/accounts.json`, which account id is which handle and kind.

The control plane writes it whenever an account is added or imported into; the sandbox runtime reads it
to turn a handle named in a question ("compare with @rival") into that user's account folder. It lives in
the user's own folder, so a sandbox can only ever resolve that user's accounts.

    {"accounts": [{"id": "acc_...", "handle": "rival_brand", "kind": "competitor"}, ...]}
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson

from followlytics.audience.paths import checked_id
from followlytics.errors import InvalidInput

_NAME = "accounts.json"


@dataclass(frozen=True)
class AccountEntry:
    id: str
    handle: str
    kind: str  # "own" or "competitor"


def write_manifest(user_root: Path, accounts: Iterable[AccountEntry]) -> None:
    """Replace the manifest atomically with `accounts`."""
    user_root.mkdir(parents=True, exist_ok=True)
    body = {"accounts": [{"id": a.id, "handle": a.handle, "kind": a.kind} for a in accounts]}
    fd, tmp = tempfile.mkstemp(dir=user_root, prefix=".writing-", suffix=".json")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(orjson.dumps(body, option=orjson.OPT_INDENT_2))
        os.replace(tmp, user_root / _NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_manifest(user_root: Path) -> list[AccountEntry]:
    """The user's accounts, or [] when nothing was written yet. Entries with a bad id are skipped."""
    try:
        body = orjson.loads((user_root / _NAME).read_bytes())
    except FileNotFoundError:
        return []
    entries = []
    for item in body.get("accounts", []) if isinstance(body, dict) else []:
        try:
            entries.append(
                AccountEntry(checked_id(item["id"], "account_id"), str(item["handle"]), str(item["kind"]))
            )
        except (KeyError, TypeError, InvalidInput):  # a hand-edited entry is skipped, not fatal
            continue
    return entries
