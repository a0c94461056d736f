"""Shared fixtures: a platform on a temporary data directory, an in-process API client, users with keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from followlytics.cli import app
from followlytics.config import Settings
from followlytics.services.platform import Platform

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_X_API = Path(__file__).resolve().parents[2] / "shared" / "data" / "x-api-v2"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class ApiUser:
    id: str
    email: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # No job consumer per test app: tests that need the queue start one (jobs.tasks.start_jobs).
    return Settings(
        data_dir=tmp_path / "data", database_url=None, admin_key="admin-test-key", queue_in_process=False
    )


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    platform = Platform.from_settings(settings)
    yield platform
    platform.close()


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    from followlytics.api.app import create_app

    with TestClient(create_app(platform=platform)) as client:
        yield client


@pytest.fixture
def make_user(platform: Platform):
    from followlytics.services.accounts import create_user

    def make(email: str | None = None, plan: str = "pro") -> ApiUser:
        with platform.db.session() as session:
            new = create_user(session, email=email or f"{uuid.uuid4().hex[:8]}@example.com", plan=plan)
            return ApiUser(id=new.user.id, email=new.user.email, api_key=new.api_key)

    return make


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the machine's PostgreSQL server, dropped afterwards."""
    name = f"followlytics_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Runs `followlytics ...` in-process on a fresh data folder; `ok=False` allows a failing exit."""
    monkeypatch.setenv("FOLLOWLYTICS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FOLLOWLYTICS_DATABASE_URL", raising=False)
    from followlytics.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(app, list(args))
        if ok:
            assert result.exit_code == 0, result.output
        return result

    yield run
    get_settings.cache_clear()
