"""The `SandboxProvider` protocol and the states a sandbox goes through.

A provider owns sandboxes by id. Each sandbox runs `followlytics.sandbox.runtime` over one user's
folder and executes tool calls there; `exec` returns the tool's JSON result or raises
`SandboxError` (the sandbox could not run it) / `ToolFailed` (the tool raised), or a
`FollowlyticsError` subclass the runtime reported by type name (e.g. `NoAudienceData`).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol


class SandboxState(StrEnum):
    CREATING = "creating"
    RUNNING = "running"
    STOPPED = "stopped"
    DESTROYED = "destroyed"


class SandboxProvider(Protocol):
    name: str
    isolates: bool
    """True only when a sandbox's code is confined: no network, only its user's data, resource limits.
    The control plane offers code tools such as `run_python` only to a provider that isolates."""

    def create(self, sandbox_id: str, user_root: Path) -> SandboxState:
        """Create and start a sandbox that sees only `user_root`."""

    def start(self, sandbox_id: str) -> SandboxState:
        """Start a stopped sandbox (no-op when running)."""

    def stop(self, sandbox_id: str) -> SandboxState:
        """Stop the sandbox's processes; its data stays."""

    def delete(self, sandbox_id: str) -> SandboxState:
        """Stop and forget the sandbox; returns DESTROYED."""

    def state(self, sandbox_id: str) -> SandboxState:
        """The sandbox's current state (DESTROYED when unknown)."""

    def exec(self, sandbox_id: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        """Run one tool call inside the sandbox and return its JSON result."""
