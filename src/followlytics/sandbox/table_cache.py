"""The runtime's tables and what each was made from, optionally kept in a file for the runtime's next process.

A runtime loads each snapshot it reads into a table, then derives tables from it (scores, term indexes,
places, segments). That work is most of a cold start: at 1M followers, seconds. `TableCatalog` names and
tracks those tables (always in memory, where queries are fastest) and, given a cache file in the sandbox's
workspace (which outlives the process: an archived sandbox keeps its workspace), copies them there when
asked (`persist`, which the provider calls before it pauses or archives a sandbox, so no question waits
for the copy). A new process attaches the file and uses every table whose snapshot file is unchanged
instead of rebuilding it: unqualified names resolve first in memory, then in the file (`search_path`).

The file's catalog is one table, `cache.followlytics.tables`, written in the same transaction as the table
it describes, so a process killed half way leaves either both or neither:

    name           the table's name; a loaded snapshot is `<dataset>_<n>`, a derived table `<source>__<name>`
    source         for a derived table, the loaded snapshot it was derived from (dropped with it)
    account_id, dataset, snapshot_key, snapshot_path, snapshot_size, snapshot_mtime_ns
                   for a loaded snapshot: which one (`snapshot_key` '' means "the account's newest") and the
                   file it was read from, as it was then; a file that changed is read again

`<n>` comes from a sequence in the file, so a name is never used twice, and a derived table whose name
carries another table's name (`shared_followers_7_…`) can only mean that table.

A file this code cannot trust is started afresh: one that does not open, or that was written by other
analytics code (the file records `code_fingerprint()`, a digest of the code that decides what tables
hold). One that another process holds open (two one-shot runtimes at once) is not shared: this process
works in memory only.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

import followlytics
from followlytics.audience.datasets import Dataset
from followlytics.audience.snapshots import SnapshotInfo

_log = logging.getLogger("followlytics.sandbox.table_cache")

_FILE = "cache"  # the attached file's database name
_CATALOG = f"{_FILE}.followlytics.tables"
_CODE = f"{_FILE}.followlytics.code"
_SEQUENCE = f"{_FILE}.followlytics.table_numbers"


@dataclass(frozen=True)
class _Entry:
    source: str | None
    account_id: str | None = None
    dataset: str | None = None
    snapshot_key: str | None = None
    snapshot_path: str | None = None
    snapshot_size: int | None = None
    snapshot_mtime_ns: int | None = None


class TableCatalog:
    """Which tables the runtime holds, what each was made from, and which of them the cache file holds."""

    def __init__(self, con: duckdb.DuckDBPyConnection, cache_file: Path | None = None) -> None:
        """`con`: the runtime's in-memory connection. `cache_file`: the file to keep tables in (attached
        to `con`), or None for memory only."""
        self._con = con
        self._entries: dict[str, _Entry] = {}
        self._persisted: set[str] = set()
        self._numbers = itertools.count(1)
        self.cache_file = cache_file if cache_file is not None and self._attach(cache_file) else None
        """The cache file in use: None when there is none, or when another process holds it."""
        if self.cache_file is not None:
            self._read_catalog()
        self.inherited = len(self._entries)
        """How many tables this process found in the cache file at its start."""

    # --- tables ---------------------------------------------------------------------------------------

    def loaded(
        self, account_id: str, dataset: Dataset, snapshot_key: str, snapshot: SnapshotInfo
    ) -> str | None:
        """The table holding `snapshot` under this key, if it was loaded from the file as it is now."""
        wanted = _source_entry(account_id, dataset, snapshot_key, snapshot)
        return next((name for name, entry in self._entries.items() if entry == wanted), None)

    def outdated(self, account_id: str, dataset: Dataset, snapshot_key: str) -> list[str]:
        """Loaded tables held under this key: once a newer snapshot is loaded, outdated."""
        key = (account_id, dataset.value, snapshot_key)
        return [
            name
            for name, e in self._entries.items()
            if e.source is None and (e.account_id, e.dataset, e.snapshot_key) == key
        ]

    def load(self, account_id: str, dataset: Dataset, snapshot_key: str, snapshot: SnapshotInfo) -> str:
        """Read `snapshot` into a new table; its name."""
        name = f"{dataset.value}_{self._next_number()}"
        self._con.execute(
            f"CREATE TABLE memory.main.{name} AS SELECT * FROM read_parquet($path)",
            {"path": str(snapshot.path)},
        )
        self._entries[name] = _source_entry(account_id, dataset, snapshot_key, snapshot)
        return name

    def has(self, name: str) -> bool:
        return name in self._entries

    def derive(self, name: str, source: str, sql: str, params: dict[str, Any] | None) -> None:
        """Create `name` from `sql`, to be dropped with `source`."""
        self._con.execute(f"CREATE TABLE memory.main.{name} AS {sql}", params or {})
        self._entries[name] = _Entry(source)

    def drop(self, source: str) -> None:
        """Drop a loaded table and every table derived from it, in memory and in the file."""
        doomed = [name for name, e in self._entries.items() if e.source == source] + [source]
        for name in doomed:
            self._con.execute(f"DROP TABLE IF EXISTS memory.main.{name}")
        stored = [name for name in doomed if name in self._persisted]
        if stored:
            with self._transaction():
                for name in stored:
                    self._con.execute(f"DROP TABLE IF EXISTS {_FILE}.main.{name}")
                    self._con.execute(f"DELETE FROM {_CATALOG} WHERE name = $name", {"name": name})
        for name in doomed:
            self._entries.pop(name, None)
            self._persisted.discard(name)

    def persist(self) -> int:
        """Copy every table the file lacks into it (sources before what derives from them); how many."""
        if self.cache_file is None:
            return 0
        missing = sorted(
            (name for name in self._entries if name not in self._persisted),
            key=lambda name: self._entries[name].source is not None,
        )
        for name in missing:
            with self._transaction():
                self._con.execute(f"CREATE TABLE {_FILE}.main.{name} AS SELECT * FROM memory.main.{name}")
                self._con.execute(
                    f"INSERT INTO {_CATALOG} VALUES ($name, $source, $account_id, $dataset, $snapshot_key, "
                    "$snapshot_path, $snapshot_size, $snapshot_mtime_ns)",
                    {"name": name, **self._entries[name].__dict__},
                )
            self._persisted.add(name)
        if missing:
            self._con.execute(f"CHECKPOINT {_FILE}")
        return len(missing)

    # --- the file -------------------------------------------------------------------------------------

    def _attach(self, path: Path) -> bool:
        """Attach the cache file, starting it afresh when it cannot be trusted; False when another process
        holds it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con.execute(f"ATTACH $path AS {_FILE}", {"path": str(path)})
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                _log.warning("table cache %s is in use by another process; working in memory", path.name)
                return False
            _log.warning("table cache %s does not open (%s); starting it afresh", path.name, exc)
            self._start_afresh(path, attached=False)
        except duckdb.Error as exc:
            _log.warning("table cache %s does not open (%s); starting it afresh", path.name, exc)
            self._start_afresh(path, attached=False)
        else:
            written_by = self._fingerprint()
            if written_by not in (None, code_fingerprint()):
                _log.info("table cache %s was written by other analytics code; starting afresh", path.name)
                self._start_afresh(path, attached=True)
        self._con.execute(f"CREATE SCHEMA IF NOT EXISTS {_FILE}.followlytics")
        self._con.execute(f"CREATE TABLE IF NOT EXISTS {_CODE} (fingerprint VARCHAR NOT NULL)")
        if self._fingerprint() is None:
            self._con.execute(f"INSERT INTO {_CODE} VALUES ($f)", {"f": code_fingerprint()})
        self._con.execute(f"CREATE SEQUENCE IF NOT EXISTS {_SEQUENCE}")
        self._con.execute(
            f"CREATE TABLE IF NOT EXISTS {_CATALOG} (name VARCHAR PRIMARY KEY, source VARCHAR, "
            "account_id VARCHAR, dataset VARCHAR, snapshot_key VARCHAR, snapshot_path VARCHAR, "
            "snapshot_size BIGINT, snapshot_mtime_ns BIGINT)"
        )
        # Plain table names are looked up in memory first, then in the file; new tables go to memory.
        self._con.execute(f"SET search_path = 'memory.main,{_FILE}.main'")
        return True

    def _start_afresh(self, path: Path, *, attached: bool) -> None:
        if attached:
            self._con.execute(f"DETACH {_FILE}")
        for stale in (path, path.with_name(path.name + ".wal")):
            stale.unlink(missing_ok=True)
        self._con.execute(f"ATTACH $path AS {_FILE}", {"path": str(path)})

    def _read_catalog(self) -> None:
        stored = {
            row[0]
            for row in self._con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = $db AND schema_name = 'main'",
                {"db": _FILE},
            ).fetchall()
        }
        for name, *fields in self._con.execute(f"SELECT * FROM {_CATALOG}").fetchall():
            if name in stored:
                self._entries[name] = _Entry(*fields)
                self._persisted.add(name)

    def _fingerprint(self) -> str | None:
        # Looked up in DuckDB's own catalog first: a missing table would otherwise be taken for a Python
        # variable of the same name (DuckDB's replacement scans).
        (exists,) = self._con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE database_name = $db AND schema_name = 'followlytics' AND table_name = 'code'",
            {"db": _FILE},
        ).fetchone()  # type: ignore[misc]
        if not exists:
            return None
        row = self._con.execute(f"SELECT fingerprint FROM {_CODE} LIMIT 1").fetchone()
        return row[0] if row else None

    def _next_number(self) -> int:
        if self.cache_file is None:
            return next(self._numbers)
        (number,) = self._con.execute(f"SELECT nextval('{_SEQUENCE}')").fetchone()  # type: ignore[misc]
        return int(number)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._con.begin()
        try:
            yield
        except BaseException:
            self._con.rollback()
            raise
        self._con.commit()


@cache
def code_fingerprint() -> str:
    """A digest of the code that decides what the cached tables hold: the analytics package, this module,
    the runtime, the followlytics version and the DuckDB version."""
    digest = hashlib.sha256(f"{followlytics.__version__} {duckdb.__version__}".encode())
    package = Path(followlytics.__file__).resolve().parent
    files = sorted((package / "analytics").rglob("*.py")) + [
        package / "sandbox" / "runtime.py",
        Path(__file__),
    ]
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _source_entry(account_id: str, dataset: Dataset, snapshot_key: str, snapshot: SnapshotInfo) -> _Entry:
    try:
        stat = os.stat(snapshot.path)
        size, mtime_ns = stat.st_size, stat.st_mtime_ns
    except OSError:
        size, mtime_ns = None, None
    return _Entry(None, account_id, dataset.value, snapshot_key, str(snapshot.path), size, mtime_ns)
