"""The program that runs inside a sandbox: tool calls in, compact JSON results out, over one user's folder.

    python -m followlytics.sandbox.runtime --root USER_ROOT
    python -m followlytics.sandbox.runtime --root USER_ROOT --request '{"tool": ..., "args": {...}}'

Wire protocol: one JSON object per line on stdin, one answer per line on stdout, in order. With
`--request`, the one request given answers on stdout and the program exits (remote sandboxes, whose
process API runs a command and returns its output, use this form).

    -> {"id": 1, "tool": "top_followers", "args": {"account_id": "acc_x", "limit": 5}}
    <- {"id": 1, "ok": true, "result": {...}}
    <- {"id": 1, "ok": false, "error": {"type": "NoAudienceData", "message": "...", "field"?: "..."}}

`type` is a class name from `followlytics.errors`; anything else a tool raises is reported as
`ToolFailed` with its message (the traceback goes to stderr only). stdout carries protocol lines
and nothing else; EOF on stdin ends the program with status 0.

Tools live in `TOOLS`: `ping`, `persist` (copy new tables to the `--cache` file; the provider asks before
it pauses or ends the process), every analysis in `analytics.catalog.CATALOG`, each given the
runtime as its `Workspace`, and `run_python` (`python_tool.py`: model-written code in a fresh child process
with time, memory and output limits, over DuckDB views of one account's newest snapshots). Every path
is built under `--root` from checked ids, so a call can only read that user's data. A snapshot is
loaded into a DuckDB table once and reused, with the tables derived from it, until the account gets a newer
snapshot. With `--cache FILE` those tables live in that file and the next process over the same folder
starts with them (`table_cache.py`); without it they are in memory and go with the process.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import duckdb
import orjson
from pydantic import BaseModel, ValidationError

from followlytics.analytics.catalog import CATALOG
from followlytics.analytics.workspace import AnalyticsTool, Source
from followlytics.audience.datasets import Dataset, missing
from followlytics.audience.manifest import AccountEntry, read_manifest
from followlytics.audience.paths import account_dir, checked_id
from followlytics.audience.snapshots import SnapshotInfo, latest_snapshot, list_snapshots
from followlytics.errors import FollowlyticsError, InvalidInput, NotFound
from followlytics.sandbox.python_tool import run_python
from followlytics.sandbox.table_cache import TableCatalog

_log = logging.getLogger("followlytics.sandbox.runtime")
_Model = TypeVar("_Model", bound=BaseModel)
_DERIVED_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")

DEFAULT_MEMORY_LIMIT = "4GB"
"""How much memory DuckDB may hold before it spills tables to disk (`--memory-limit`)."""


class Runtime:
    """One user's data and an in-memory DuckDB connection; `handle` answers one request.

    It is the production `Workspace` (see `analytics.workspace`): sources are loaded on first use and
    replaced, with every table derived from them, when a newer snapshot appears.
    """

    def __init__(
        self, root: Path, *, memory_limit: str = DEFAULT_MEMORY_LIMIT, cache: Path | None = None
    ) -> None:
        """`cache`: a DuckDB file whose tables a later process over the same folder reuses (see
        `table_cache`); None keeps every table in memory."""
        self.root = root
        self.loads = 0  # how many times this process read a snapshot from disk, for observability
        self._con = duckdb.connect()
        # Tables beyond the limit spill to a private temporary folder instead of growing the process: at
        # 10M followers the loaded snapshots and their derived tables alone would need about 20 GB.
        self._spill = tempfile.TemporaryDirectory(prefix="followlytics-spill-")
        self._con.execute(f"SET memory_limit = '{_checked_size(memory_limit)}'")
        self._con.execute("SET temp_directory = $path", {"path": self._spill.name})
        self._tables = TableCatalog(self._con, cache)
        self._loaded: dict[tuple[str, Dataset, str | None], Source] = {}

    def handle(self, request: Any) -> dict[str, Any]:
        request_id = request.get("id") if isinstance(request, dict) else None
        try:
            tool, args = _parse_request(request)
            handler = TOOLS.get(tool)
            if handler is None:
                raise InvalidInput(f"unknown tool {tool!r}; known: {', '.join(sorted(TOOLS))}", field="tool")
            result = handler(self, args)
        except FollowlyticsError as exc:
            return {"id": request_id, "ok": False, "error": exc.to_dict()}
        except Exception as exc:  # a tool bug must not end the sandbox, nor leak a traceback to stdout
            _log.exception("tool call failed")
            message = f"{type(exc).__name__}: {exc}"
            return {"id": request_id, "ok": False, "error": {"type": "ToolFailed", "message": message}}
        finally:
            # DuckDB 2 keeps a result read with fetchone() open, and then refuses register() and sql()
            # on the connection; cancelling it here keeps one tool from breaking the next.
            self._con.abort()
        return {"id": request_id, "ok": True, "result": result}

    @property
    def cache_dir(self) -> Path | None:
        """The folder of the table cache file in use (hidden from `run_python`'s code), if any."""
        cache_file = self._tables.cache_file
        return cache_file.parent if cache_file is not None else None

    @property
    def cached_tables(self) -> int:
        """How many tables this process took from the cache file at its start, instead of building them."""
        return self._tables.inherited

    def persist(self) -> int:
        """Copy the tables the cache file lacks into it, for the next process; how many were copied."""
        return self._tables.persist()

    # --- the Workspace protocol -------------------------------------------------------------------------

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        return self._con

    def source(self, account_id: str, dataset: Dataset, *, snapshot_id: str | None = None) -> Source:
        account_id = checked_id(account_id, "account_id")
        if snapshot_id is None:
            snapshot = latest_snapshot(account_dir(self.root, account_id), dataset)
            if snapshot is None:
                entry = self._entry(account_id)
                handle = entry.handle if entry else None
                raise missing(dataset, handle, competitor=entry is not None and entry.kind == "competitor")
        else:
            found = [s for s in self.snapshots(account_id, dataset) if s.id == snapshot_id]
            if not found:
                raise NotFound(f"no {dataset.description} snapshot {snapshot_id!r} for this account")
            snapshot = found[0]
        # The newest snapshot is kept under key '' (None here), so an import replaces it; named ones stay.
        key = (account_id, dataset, snapshot_id)
        loaded = self._loaded.get(key)
        if loaded is not None and loaded.snapshot.path == snapshot.path:
            return loaded
        snapshot_key = snapshot_id or ""
        table = self._tables.loaded(account_id, dataset, snapshot_key, snapshot)
        if table is None:
            for outdated in self._tables.outdated(account_id, dataset, snapshot_key):
                self._tables.drop(outdated)
            self.loads += 1
            table = self._tables.load(account_id, dataset, snapshot_key, snapshot)
        entry = self._entry(account_id)
        source = Source(table, dataset, account_id, entry.handle if entry else None, snapshot)
        self._loaded[key] = source
        return source

    def optional_source(self, account_id: str, dataset: Dataset) -> Source | None:
        if latest_snapshot(account_dir(self.root, checked_id(account_id, "account_id")), dataset) is None:
            return None
        return self.source(account_id, dataset)

    def snapshots(self, account_id: str, dataset: Dataset) -> list[SnapshotInfo]:
        return list_snapshots(account_dir(self.root, checked_id(account_id, "account_id")), dataset)

    def accounts(self) -> list[AccountEntry]:
        return read_manifest(self.root)

    def derived(self, source: Source, name: str, sql: str, params: dict[str, Any] | None = None) -> str:
        if not _DERIVED_NAME.fullmatch(name):
            raise InvalidInput(f"derived table name {name!r} is not a plain identifier", field="name")
        table = f"{source.table}__{name}"
        if not self._tables.has(table):
            self._tables.derive(table, source.table, sql.replace("{source}", source.table), params)
        return table

    # --- internals --------------------------------------------------------------------------------------

    def _entry(self, account_id: str) -> AccountEntry | None:
        return next((a for a in self.accounts() if a.id == account_id), None)


def _checked_size(size: str) -> str:
    if not re.fullmatch(r"\d{1,6}(?:\.\d+)?\s?(?:KB|MB|GB|KiB|MiB|GiB)", size.strip(), re.IGNORECASE):
        raise InvalidInput(f"memory limit {size!r} is not a size such as 4GB or 512MB", field="memory_limit")
    return size.strip()


def _parse_request(request: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(request, dict):
        raise InvalidInput("a request must be a JSON object", field="request")
    tool, args = request.get("tool"), request.get("args", {})
    if not isinstance(tool, str):
        raise InvalidInput("a request needs a 'tool' name", field="tool")
    if not isinstance(args, dict):
        raise InvalidInput("'args' must be a JSON object", field="args")
    return tool, args


def _validated(model: type[_Model], args: dict[str, Any]) -> _Model:
    try:
        return model.model_validate(args)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"{field}: {first['msg']}" if field else first["msg"], field=field) from exc


def _ping(runtime: Runtime, args: dict[str, Any]) -> dict[str, Any]:
    # Only the folder's name: the absolute path says nothing the caller needs and something it should not.
    return {"pong": True, "root": runtime.root.name, "cached_tables": runtime.cached_tables}


def _persist(runtime: Runtime, args: dict[str, Any]) -> dict[str, Any]:
    return {"tables": runtime.persist()}


def _handler(tool: AnalyticsTool) -> ToolHandler:
    def run(runtime: Runtime, args: dict[str, Any]) -> dict[str, Any]:
        parsed = _validated(tool.arguments, args)
        checked_id(parsed.account_id, "account_id")
        return tool.run(runtime, parsed).model_dump(mode="json")

    return run


ToolHandler = Callable[[Runtime, dict[str, Any]], dict[str, Any]]

TOOLS: dict[str, ToolHandler] = {
    "ping": _ping,
    "persist": _persist,
    **{tool.name: _handler(tool) for tool in CATALOG},
    "run_python": run_python,
}


def serve(runtime: Runtime, requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer each request line until EOF."""
    for line in requests:
        if not line.strip():
            continue
        try:
            request = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            answer: dict[str, Any] = {
                "id": None,
                "ok": False,
                "error": InvalidInput(f"not a JSON line: {exc}", field="request").to_dict(),
            }
        else:
            answer = runtime.handle(request)
        answers.write(orjson.dumps(answer) + b"\n")
        answers.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="followlytics.sandbox.runtime", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, required=True, help="The user's folder; nothing outside it is read."
    )
    parser.add_argument(
        "--request", help="Answer this one JSON request on stdout and exit, instead of serving stdin."
    )
    parser.add_argument(
        "--memory-limit",
        default=DEFAULT_MEMORY_LIMIT,
        help="Memory DuckDB may use before spilling tables to a temporary folder (default %(default)s).",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="A DuckDB file to keep loaded and derived tables in for the next process (default: memory).",
    )
    options = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    # Keep the real stdout for protocol lines and point fd 1 at stderr, so a stray print or a
    # library writing to stdout (even from C) cannot corrupt the protocol.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    cache = options.cache.resolve() if options.cache is not None else None
    runtime = Runtime(options.root.resolve(), memory_limit=options.memory_limit, cache=cache)
    if options.request is not None:
        serve(runtime, io.BytesIO(options.request.encode() + b"\n"), answers)
        return 0
    serve(runtime, sys.stdin.buffer, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
