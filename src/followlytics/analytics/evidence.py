"""`Evidence`: what an analytics result read, so every answer can show it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Evidence(BaseModel):
    snapshot: str = Field(description="Snapshot id the rows came from.")
    snapshot_created_at: str | None = Field(
        default=None, description="When that snapshot was imported (UTC)."
    )
    account_id: str | None = None
    rows_read: int = Field(description="Rows in the snapshot that the query scanned.")
    rows_matched: int = Field(description="Rows left after the filters.")
    fields: list[str] = Field(description="Columns the computation used.")
    filters: dict[str, Any] = Field(default_factory=dict, description="Filters applied, as given.")
    method: str = Field(description="Name and version of the computation, e.g. `value-score-v1`.")
