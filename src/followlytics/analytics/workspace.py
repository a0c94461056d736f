"""What an analysis runs against: a `Workspace` of one user's loaded data, its `Source` tables, and the
`AnalyticsTool` entry that makes an analysis callable by the agent.

An analysis is a function `run(workspace, args) -> result` over DuckDB tables. The sandbox runtime is the
production `Workspace`: it loads each account's newest snapshot of a dataset once, as a table, and keeps
tables derived from it (tokens, places, scores) until a newer snapshot replaces it. Analyses never build a
path or read a file themselves, so they can only see what the workspace (one user's folder) holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import duckdb
from pydantic import BaseModel

from followlytics.analytics.evidence import Evidence, SourceRef
from followlytics.audience.datasets import Dataset
from followlytics.audience.manifest import AccountEntry
from followlytics.audience.snapshots import SnapshotInfo


@dataclass(frozen=True)
class Source:
    """One snapshot of one dataset of one account, loaded as the DuckDB table `table`."""

    table: str
    dataset: Dataset
    account_id: str
    handle: str | None
    snapshot: SnapshotInfo

    @property
    def rows(self) -> int:
        return self.snapshot.rows

    def ref(self) -> SourceRef:
        return SourceRef(
            dataset=self.dataset.value,
            account_id=self.account_id,
            handle=self.handle,
            snapshot=self.snapshot.id,
            snapshot_created_at=self.snapshot.created_at.isoformat(),
            rows=self.rows,
        )


class Workspace(Protocol):
    """One user's data as DuckDB tables. Every `account_id` is checked before it names a folder."""

    @property
    def connection(self) -> duckdb.DuckDBPyConnection: ...

    def source(self, account_id: str, dataset: Dataset, *, snapshot_id: str | None = None) -> Source:
        """The newest (or the named) snapshot of `dataset`; raises `NoAudienceData` saying what to import."""
        ...

    def optional_source(self, account_id: str, dataset: Dataset) -> Source | None:
        """The newest snapshot of `dataset`, or None when the account has none."""
        ...

    def snapshots(self, account_id: str, dataset: Dataset) -> list[SnapshotInfo]:
        """Every snapshot of `dataset`, oldest first."""
        ...

    def accounts(self) -> list[AccountEntry]:
        """The user's accounts (own and competitors) from the manifest."""
        ...

    def derived(self, source: Source, name: str, sql: str, params: dict[str, Any] | None = None) -> str:
        """A table computed from `source` by `sql` once and kept until `source` is replaced; its name.

        `sql` is a SELECT; `{source}` in it is replaced by the source's table name. The table is called
        `<source table>__<name>`, so one computation can build on another's result.
        """
        ...


def evidence(
    sources: Sequence[Source],
    *,
    rows_matched: int,
    fields: list[str],
    method: str,
    filters: dict[str, Any] | None = None,
    sample_sizes: dict[str, int] | None = None,
) -> Evidence:
    """`Evidence` for a result that read `sources` (the main one first)."""
    main = sources[0]
    return Evidence(
        snapshot=main.snapshot.id,
        snapshot_created_at=main.snapshot.created_at.isoformat(),
        account_id=main.account_id,
        rows_read=main.rows,
        rows_matched=rows_matched,
        fields=fields,
        filters=filters or {},
        method=method,
        sources=[source.ref() for source in sources],
        sample_sizes=sample_sizes or {},
    )


@dataclass(frozen=True)
class AnalyticsTool:
    """An analysis the agent may call: its argument and result models, what it does, and how to run it.

    `arguments` always has an `account_id` field, which the control plane fills in; `summarize` is one
    line for the tool-call log ("ranked 50,000 followers ...").
    """

    name: str
    description: str
    arguments: type[BaseModel]
    result: type[BaseModel]
    run: Callable[[Workspace, Any], BaseModel]
    summarize: Callable[[Any], str]
