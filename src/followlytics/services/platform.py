"""`Platform`: the long-lived parts every use case needs — settings, database, sandbox provider, and the
language-model set-up (its circuit breakers remember provider failures across questions).

The API builds one at start and closes it at shutdown; each CLI command builds one for its run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from followlytics.agent.llm.chain import ModelChain
from followlytics.agent.llm.configured import ModelSetup, model_setup
from followlytics.config import Settings
from followlytics.db.session import Database
from followlytics.errors import InvalidInput
from followlytics.sandbox.base import SandboxProvider


@dataclass
class Platform:
    settings: Settings
    db: Database
    sandboxes: SandboxProvider
    models: ModelSetup = field(default_factory=lambda: ModelSetup(chain=ModelChain([])))
    _closed: bool = field(default=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, migrate: bool = True) -> Platform:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        if migrate:
            db.upgrade()
        return cls(
            settings=settings, db=db, sandboxes=_sandbox_provider(settings), models=model_setup(settings)
        )

    @property
    def users_dir(self) -> Path:
        return self.settings.users_dir

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        close = getattr(self.sandboxes, "close", None)
        if close is not None:
            close()
        self.db.dispose()


def _sandbox_provider(settings: Settings) -> SandboxProvider:
    if settings.sandbox_provider == "local":
        from followlytics.sandbox.local import LocalSandboxProvider

        return LocalSandboxProvider()
    raise InvalidInput(
        f"unknown sandbox provider {settings.sandbox_provider!r} (known: local)", field="sandbox_provider"
    )
