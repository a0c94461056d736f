"""Settings, read from `FOLLOWLYTICS_*` environment variables or a `.env` file.

Every setting has a default that runs on one machine with no keys. `get_settings()` is cached;
tests build their own `Settings(...)` and pass it down instead of touching the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FOLLOWLYTICS_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("./data"), description="Where the database file and audience data live."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file `followlytics.db` in the data directory.",
    )
    host: str = Field(default="127.0.0.1", description="Address `followlytics serve` binds.")
    port: int = Field(default=8000, description="Port `followlytics serve` binds.")
    admin_key: SecretStr | None = Field(
        default=None,
        description="Bearer key for the admin endpoints (`/api/admin/...`); unset disables them.",
    )
    sandbox_provider: str = Field(default="local", description="Sandbox provider: `local`.")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'followlytics.db').resolve()}"

    @property
    def users_dir(self) -> Path:
        return self.data_dir / "users"


@lru_cache
def get_settings() -> Settings:
    return Settings()
