"""The program that runs inside a sandbox: tool calls in, compact JSON results out, over one user's folder.

    python -m followlytics.sandbox.runtime --root USER_ROOT

Wire protocol: one JSON object per line on stdin, one answer per line on stdout, in order.

    -> {"id": 1, "tool": "top_followers", "args": {"account_id": "acc_x", "limit": 5}}
    <- {"id": 1, "ok": true, "result": {...}}
    <- {"id": 1, "ok": false, "error": {"type": "NoAudienceData", "message": "...", "field"?: "..."}}

`type` is a class name from `followlytics.errors`; anything else a tool raises is reported as
`ToolFailed` with its message (the traceback goes to stderr only). stdout carries protocol lines
and nothing else; EOF on stdin ends the program with status 0.

Tools live in `TOOLS` (name -> handler taking the runtime and the raw args). Every path is built
under `--root` from checked ids, so a call can only read that user's data. A snapshot is loaded
into an in-memory DuckDB table once and reused until the account gets a newer snapshot.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import duckdb
import orjson
from pydantic import BaseModel, ValidationError

from followlytics.analytics.ranking import TopFollowersArgs, TopFollowersFilters, top_followers
from followlytics.audience.paths import account_dir, checked_id
from followlytics.audience.snapshots import SnapshotInfo, latest_snapshot
from followlytics.errors import FollowlyticsError, InvalidInput, NoAudienceData

_log = logging.getLogger("followlytics.sandbox.runtime")
_Model = TypeVar("_Model", bound=BaseModel)


@dataclass(frozen=True)
class LoadedSnapshot:
    """An account's snapshot as a table in the runtime's DuckDB connection."""

    path: Path
    table: str
    snapshot: SnapshotInfo


class Runtime:
    """One user's data and an in-memory DuckDB connection; `handle` answers one request."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.loads = 0  # how many times a snapshot was read from disk, for observability
        self._con = duckdb.connect()
        self._loaded: dict[str, LoadedSnapshot] = {}

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
        return {"id": request_id, "ok": True, "result": result}

    def snapshot_table(self, account_id: str) -> LoadedSnapshot:
        """The account's newest snapshot as a DuckDB table, loading it only when it changed."""
        snapshot = latest_snapshot(account_dir(self.root, account_id))
        if snapshot is None:
            raise NoAudienceData("no followers imported yet for this account")
        loaded = self._loaded.get(account_id)
        if loaded is not None and loaded.path == snapshot.path:
            return loaded
        self.loads += 1
        table = f"snapshot_{self.loads}"
        self._con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_parquet($path)", {"path": str(snapshot.path)}
        )
        if loaded is not None:
            self._con.execute(f"DROP TABLE {loaded.table}")
        self._loaded[account_id] = LoadedSnapshot(path=snapshot.path, table=table, snapshot=snapshot)
        return self._loaded[account_id]

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        return self._con


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
    return {"pong": True, "root": runtime.root.name}


def _top_followers(runtime: Runtime, args: dict[str, Any]) -> dict[str, Any]:
    parsed = _validated(TopFollowersArgs, args)
    account_id = checked_id(parsed.account_id, "account_id")
    loaded = runtime.snapshot_table(account_id)
    filters = TopFollowersFilters(**parsed.model_dump(exclude={"account_id"}))
    result = top_followers(
        runtime.connection,
        table=loaded.table,
        snapshot_id=loaded.snapshot.id,
        snapshot_created_at=loaded.snapshot.created_at.isoformat(),
        account_id=account_id,
        filters=filters,
    )
    return result.model_dump(mode="json")


ToolHandler = Callable[[Runtime, dict[str, Any]], dict[str, Any]]

TOOLS: dict[str, ToolHandler] = {
    "ping": _ping,
    "top_followers": _top_followers,
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
    options = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    # Keep the real stdout for protocol lines and point fd 1 at stderr, so a stray print or a
    # library writing to stdout (even from C) cannot corrupt the protocol.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(Runtime(options.root.resolve()), sys.stdin.buffer, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
