"""The `SandboxProvider` protocol and the states a sandbox goes through.

A provider owns sandboxes by id. Each sandbox runs `followlytics.sandbox.runtime` over one user's
folder and executes tool calls there; `exec` returns the tool's JSON result or raises
`SandboxError` (the sandbox could not run it) / `ToolFailed` (the tool raised), or a
`FollowlyticsError` subclass the runtime reported by type name (e.g. `NoAudienceData`).

States, and what each keeps:

    creating   being made
    running    a process serves calls
    paused     the process is frozen (or the remote machine stopped); memory or disk kept: resumes fast
    archived   no process; the workspace (the user's data) is kept: resumes by starting afresh
    destroyed  gone; the user's data stays in the control plane, so an agent can be made again
    error      the provider could not bring it to the state asked for

`start` resumes a paused or archived sandbox; `exec` on a paused or archived sandbox resumes it first.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from followlytics.errors import FollowlyticsError, InvalidInput, NoAudienceData, NotFound, ToolFailed


class SandboxState(StrEnum):
    CREATING = "creating"
    RUNNING = "running"
    PAUSED = "paused"
    ARCHIVED = "archived"
    DESTROYED = "destroyed"
    ERROR = "error"


class SandboxProvider(Protocol):
    name: str
    isolates: bool
    """True only when a sandbox's code is confined: no network, only its user's data, resource limits.
    The control plane offers code tools such as `run_python` only to a provider that isolates."""

    def create(self, sandbox_id: str, user_root: Path) -> SandboxState:
        """Create and start a sandbox that sees only `user_root`."""

    def start(self, sandbox_id: str) -> SandboxState:
        """Resume a paused or archived sandbox (no-op when running); returns RUNNING."""

    def pause(self, sandbox_id: str) -> SandboxState:
        """Freeze the sandbox, keeping what it holds, so `start` is fast; returns PAUSED."""

    def archive(self, sandbox_id: str) -> SandboxState:
        """End the sandbox's processes and keep its workspace; returns ARCHIVED."""

    def delete(self, sandbox_id: str) -> SandboxState:
        """End and forget the sandbox; returns DESTROYED."""

    def state(self, sandbox_id: str) -> SandboxState:
        """The sandbox's current state (DESTROYED when unknown)."""

    def exec(self, sandbox_id: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        """Run one tool call inside the sandbox (resuming it first if needed) and return its JSON result."""

    def close(self) -> None:
        """Release what this process holds (at shutdown); sandboxes a remote provider runs keep running."""


# The errors a runtime may report. Anything else is a ToolFailed: code in a sandbox must not be able to
# choose, say, a 401 or a 409 for the control plane's answer.
_RUNTIME_ERRORS: dict[str, type[FollowlyticsError]] = {
    cls.__name__: cls for cls in (NoAudienceData, NotFound, ToolFailed)
}


def error_from_answer(error: dict[str, Any]) -> FollowlyticsError:
    """A runtime's `{"ok": false, "error": ...}` as the `followlytics.errors` class it names (ToolFailed
    when it is not one a runtime may report)."""
    message = str(error.get("message") or "the tool failed without a message")
    if error.get("type") == InvalidInput.__name__:
        field = error.get("field")
        return InvalidInput(message, field=field if isinstance(field, str) else None)
    if error.get("type") == NoAudienceData.__name__:
        dataset = error.get("dataset")
        return NoAudienceData(message, dataset=dataset if isinstance(dataset, str) else None)
    return _RUNTIME_ERRORS.get(str(error.get("type")), ToolFailed)(message)
