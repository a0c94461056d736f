"""The snapshot store: one Parquet file per import, per user, account and dataset, written atomically.

A snapshot is `<account_dir>/<dataset>/<id>.parquet` where the id is the UTC time of the import
(`20261125T175430123456Z`), so the newest snapshot sorts last. The file is written under a
temporary name in the same folder and renamed into place, so a reader sees the whole snapshot
or none of it.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from followlytics.audience.datasets import Dataset
from followlytics.audience.paths import snapshots_dir

_SUFFIX = ".parquet"
_ID_FORMAT = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class SnapshotInfo:
    id: str
    path: Path
    rows: int
    created_at: datetime


def write_snapshot(
    account_root: Path,
    table: pa.Table,
    *,
    sources: list[str],
    dataset: Dataset = Dataset.FOLLOWERS,
    taken_at: datetime | None = None,
) -> SnapshotInfo:
    """Write `table` (in the dataset's schema) as a snapshot of `dataset`, dated now or `taken_at` (when the
    data was exported: an older export sorts before the snapshots taken after it)."""
    folder = snapshots_dir(account_root, dataset)
    folder.mkdir(parents=True, exist_ok=True)
    table = table.cast(dataset.schema).replace_schema_metadata({"sources": "\n".join(sources)})
    created = taken_at.astimezone(UTC) if taken_at is not None else datetime.now(UTC)
    snapshot_id = created.strftime(_ID_FORMAT)
    while (folder / f"{snapshot_id}{_SUFFIX}").exists():  # two snapshots dated to the same microsecond
        created += timedelta(microseconds=1)
        snapshot_id = created.strftime(_ID_FORMAT)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".writing-", suffix=_SUFFIX)
    os.close(fd)
    try:
        pq.write_table(table, tmp_name, compression="zstd")
        final = folder / f"{snapshot_id}{_SUFFIX}"
        os.replace(tmp_name, final)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return SnapshotInfo(id=snapshot_id, path=final, rows=table.num_rows, created_at=created)


def list_snapshots(account_root: Path, dataset: Dataset = Dataset.FOLLOWERS) -> list[SnapshotInfo]:
    """The dataset's snapshots, oldest first."""
    folder = snapshots_dir(account_root, dataset)
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.glob(f"*{_SUFFIX}") if not p.name.startswith("."))
    return [_info(p) for p in paths]


def latest_snapshot(account_root: Path, dataset: Dataset = Dataset.FOLLOWERS) -> SnapshotInfo | None:
    folder = snapshots_dir(account_root, dataset)
    if not folder.is_dir():
        return None
    names = sorted(n for n in os.listdir(folder) if n.endswith(_SUFFIX) and not n.startswith("."))
    return _info(folder / names[-1]) if names else None


def _info(path: Path) -> SnapshotInfo:
    snapshot_id = path.name.removesuffix(_SUFFIX)
    created = datetime.strptime(snapshot_id, _ID_FORMAT).replace(tzinfo=UTC)
    return SnapshotInfo(id=snapshot_id, path=path, rows=pq.read_metadata(path).num_rows, created_at=created)
