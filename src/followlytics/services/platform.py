"""`Platform`: the long-lived parts every use case needs — settings, database, sandbox providers (the
primary and its backups, in failover order), and the language-model set-up (its circuit breakers remember
provider failures across questions).

The API builds one at start and closes it at shutdown; each CLI command builds one for its run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from followlytics.agent.llm.chain import ModelChain
from followlytics.agent.llm.configured import ModelSetup, model_setup
from followlytics.config import Settings
from followlytics.db.session import Database
from followlytics.errors import InvalidInput, SandboxError
from followlytics.sandbox.base import SandboxProvider


@dataclass
class Platform:
    settings: Settings
    db: Database
    sandboxes: SandboxProvider
    """The primary sandbox provider (`FOLLOWLYTICS_SANDBOX_PROVIDER`)."""
    models: ModelSetup = field(default_factory=lambda: ModelSetup(chain=ModelChain([])))
    backups: list[SandboxProvider] = field(default_factory=list)
    """Providers to fail over to, in order (`FOLLOWLYTICS_SANDBOX_FAILOVER`)."""
    _closed: bool = field(default=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, migrate: bool = True) -> Platform:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        if migrate:
            db.upgrade()
        backups = [name.strip() for name in settings.sandbox_failover.split(",") if name.strip()]
        return cls(
            settings=settings,
            db=db,
            sandboxes=_sandbox_provider(settings, settings.sandbox_provider),
            models=model_setup(settings),
            backups=[
                _sandbox_provider(settings, name) for name in backups if name != settings.sandbox_provider
            ],
        )

    @property
    def users_dir(self) -> Path:
        return self.settings.users_dir

    @property
    def providers(self) -> list[SandboxProvider]:
        """Every sandbox provider, in failover order (primary first)."""
        return [self.sandboxes, *self.backups]

    def provider(self, name: str) -> SandboxProvider:
        """The provider an agent's sandbox lives on, by name."""
        for provider in self.providers:
            if provider.name == name:
                return provider
        known = ", ".join(p.name for p in self.providers)
        raise SandboxError(f"sandbox provider {name!r} is not configured here (configured: {known})")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for provider in self.providers:
            provider.close()
        self.db.dispose()


def _sandbox_provider(settings: Settings, name: str) -> SandboxProvider:
    """One provider by name, built from its settings; SDK-backed providers are imported only when used."""
    if name == "local":
        from followlytics.sandbox.local import LocalSandboxProvider

        return LocalSandboxProvider(
            isolation=settings.sandbox_isolation,
            memory_mb=settings.sandbox_memory_mb,
            cpu_seconds=settings.sandbox_cpu_seconds,
            max_processes=settings.sandbox_max_processes,
            max_file_mb=settings.sandbox_max_file_mb,
            workspace_dir=settings.data_dir / "sandboxes",
        )
    if name == "daytona":
        if settings.daytona_api_key is None:
            raise InvalidInput(
                "the daytona provider needs FOLLOWLYTICS_DAYTONA_API_KEY", field="daytona_api_key"
            )
        from followlytics.sandbox.daytona import DaytonaSandboxProvider

        return DaytonaSandboxProvider(
            api_key=settings.daytona_api_key.get_secret_value(),
            api_url=settings.daytona_api_url,
            target=settings.daytona_target,
            users_dir=settings.users_dir,
            image_or_snapshot=settings.daytona_snapshot,
        )
    if name == "e2b":
        if settings.e2b_api_key is None:
            raise InvalidInput("the e2b provider needs FOLLOWLYTICS_E2B_API_KEY", field="e2b_api_key")
        from followlytics.sandbox.e2b import E2BSandboxProvider

        return E2BSandboxProvider(
            api_key=settings.e2b_api_key.get_secret_value(),
            domain=settings.e2b_domain,
            template=settings.e2b_template,
        )
    raise InvalidInput(
        f"unknown sandbox provider {name!r} (known: local, daytona, e2b)", field="sandbox_provider"
    )
