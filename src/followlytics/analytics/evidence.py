"""`Evidence`: what an analytics result read, so every answer can show it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class SourceRef(BaseModel):
    """One snapshot a result read: which dataset of which account, and how many rows it holds."""

    dataset: str
    account_id: str
    handle: str | None = None
    snapshot: str
    snapshot_created_at: str
    rows: int


class Evidence(BaseModel):
    snapshot: str = Field(description="Snapshot id of the main source (the first of `sources`).")
    snapshot_created_at: str | None = Field(
        default=None, description="When that snapshot was imported (UTC)."
    )
    account_id: str | None = None
    rows_read: int = Field(description="Rows in the main snapshot that the query scanned.")
    rows_matched: int = Field(description="Rows left after the filters.")
    fields: list[str] = Field(description="Columns the computation used.")
    filters: dict[str, Any] = Field(default_factory=dict, description="Filters applied, as given.")
    method: str = Field(description="Name and version of the computation, e.g. `value-score-v1`.")
    sources: list[SourceRef] = Field(default_factory=list, description="Every snapshot read, main one first.")
    sample_sizes: dict[str, int] = Field(
        default_factory=dict, description="How many rows backed each part of the result, by name."
    )
