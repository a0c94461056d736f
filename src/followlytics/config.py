"""Settings, read from `FOLLOWLYTICS_*` environment variables or a `.env` file.

Every setting has a default that runs on one machine with no keys. `get_settings()` is cached;
tests build their own `Settings(...)` and pass it down instead of touching the environment.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    session_secret: SecretStr | None = Field(
        default=None,
        description="Signs the dashboard's session cookie; unset: a random secret is made once and kept in "
        "`<data dir>/session_secret`.",
    )
    session_https_only: bool = Field(
        default=False, description="Send the dashboard's session cookie over HTTPS only (set it behind TLS)."
    )
    session_max_age_hours: float = Field(default=168, description="How long a dashboard login lasts (hours).")
    sandbox_provider: str = Field(
        default="local", description="Where agents' sandboxes run: `local`, `daytona` or `e2b`."
    )
    sandbox_failover: str = Field(
        default="",
        description="Backup sandbox providers, in order, comma-separated (e.g. `e2b,local`); empty: none.",
    )
    sandbox_isolation: str = Field(
        default="auto",
        description="Local sandboxes: `bubblewrap` (required), `none` (plain child process), or `auto` "
        "(bubblewrap when installed, else a loud warning and no code tool).",
    )
    sandbox_memory_mb: int = Field(default=6144, description="Memory one local sandbox may use (MiB).")
    sandbox_cpu_seconds: int = Field(
        default=86400, description="CPU seconds one local sandbox process may use before it is ended."
    )
    sandbox_max_processes: int = Field(default=256, description="Processes one local sandbox may run.")
    sandbox_max_file_mb: int = Field(
        default=4096, description="Largest file a local sandbox may write (MiB)."
    )
    agent_pause_after_idle_minutes: float = Field(
        default=30, description="A running agent idle this long is paused."
    )
    agent_archive_after_paused_minutes: float = Field(
        default=240, description="A paused agent is archived after this long."
    )
    agent_max_running: int = Field(
        default=50, description="Running agents one host holds at most; beyond it the idlest are archived."
    )
    agent_destroy_after_idle_days: float = Field(
        default=30, description="An agent with no activity this long is destroyed (the user's data stays)."
    )
    sweep_interval_seconds: int = Field(default=60, description="How often the lifecycle sweep runs.")
    queue_url: str | None = Field(
        default=None,
        description="Job queue: `redis://host:port/db`, or unset for a SQLite queue `queue.db` in the data "
        "directory.",
    )
    queue_in_process: bool = Field(
        default=True,
        description="`serve` runs the job consumer (lifecycle sweep, queued questions) in its own process; "
        "needed for local sandboxes, which are the server's children.",
    )
    queue_retry_seconds: float = Field(
        default=30, description="How often a queued question retries while every sandbox provider is down."
    )
    queue_stream_wait_seconds: float = Field(
        default=120, description="How long a streamed question that was queued waits for its answer."
    )
    daytona_api_key: SecretStr | None = Field(
        default=None, description="Daytona API key (enables `daytona`)."
    )
    daytona_api_url: str = Field(default="https://app.daytona.io/api", description="Daytona's API.")
    daytona_target: str | None = Field(default=None, description="Daytona target region, e.g. `us`.")
    daytona_snapshot: str | None = Field(
        default=None,
        description="Daytona snapshot the sandboxes start from (must have followlytics installed).",
    )
    e2b_api_key: SecretStr | None = Field(default=None, description="E2B API key (enables `e2b`).")
    e2b_domain: str = Field(default="e2b.app", description="E2B's domain (its API is `api.<domain>`).")
    e2b_template: str | None = Field(
        default=None, description="E2B template sandboxes start from (with followlytics installed)."
    )

    # Language models. A provider in the chain with no key (no base URL, for `local`) is skipped; the
    # built-in engine is always the last link, so the product answers with no key at all.
    llm_chain: str = Field(
        default="xai,openai,anthropic,builtin",
        description="Providers tried in order, comma-separated: `xai`, `openai`, `anthropic`, `local`, "
        "`builtin` (always appended last if missing).",
    )
    xai_api_key: SecretStr | None = Field(default=None, description="xAI API key (enables `xai`).")
    xai_base_url: str = Field(default="https://api.x.ai/v1", description="xAI's OpenAI-compatible API.")
    xai_model: str = Field(default="grok-4.3", description="Model id used on xAI.")
    openai_api_key: SecretStr | None = Field(default=None, description="OpenAI API key (enables `openai`).")
    openai_base_url: str | None = Field(default=None, description="Override OpenAI's API URL.")
    openai_model: str = Field(default="gpt-6-luna", description="Model id used on OpenAI.")
    anthropic_api_key: SecretStr | None = Field(
        default=None, description="Anthropic API key (enables `anthropic`)."
    )
    anthropic_base_url: str | None = Field(default=None, description="Override Anthropic's API URL.")
    anthropic_model: str = Field(default="claude-haiku-5-5", description="Model id used on Anthropic.")
    local_llm_base_url: str | None = Field(
        default=None,
        description="A self-hosted OpenAI-compatible server (Ollama, vLLM, llama.cpp), e.g. "
        "`http://127.0.0.1:11434/v1` (enables `local`).",
    )
    local_llm_model: str = Field(default="llama3.3", description="Model id on the self-hosted server.")
    local_llm_api_key: SecretStr | None = Field(
        default=None, description="Key for the self-hosted server, if it wants one."
    )
    local_llm_input_usd_per_mtok: Decimal = Field(
        default=Decimal("0"), description="What a self-hosted model's input costs, USD per 1M tokens."
    )
    local_llm_output_usd_per_mtok: Decimal = Field(
        default=Decimal("0"), description="What a self-hosted model's output costs, USD per 1M tokens."
    )
    llm_timeout_seconds: float = Field(default=60.0, description="Timeout of one model request.")
    llm_retries: int = Field(
        default=2, description="Retries on one provider (timeouts, 429, 5xx) before failing over."
    )
    llm_retry_base_seconds: float = Field(
        default=0.5,
        description="First retry delay; doubles each retry, unless the provider sends `retry-after`.",
    )
    llm_max_retry_after_seconds: float = Field(
        default=20.0, description="A longer `retry-after` fails over at once instead of waiting."
    )
    llm_breaker_failures: int = Field(
        default=3, description="Consecutive failed requests that open a provider's circuit breaker."
    )
    llm_breaker_cooldown_seconds: float = Field(
        default=60.0, description="How long an open breaker skips its provider before one trial request."
    )
    llm_max_steps: int = Field(default=6, description="Model requests per question at most (tool rounds).")
    llm_question_token_budget: int = Field(
        default=24000, description="Input + output tokens one question may use across all its requests."
    )
    llm_max_output_tokens: int = Field(default=1200, description="Output tokens per model request at most.")

    # Plans, quotas, metering and the sandbox credit (docs/economics.md).
    quota_overage: Literal["block", "pay_per_question"] = Field(
        default="block",
        description="Beyond a plan's monthly question limit: `block` (402 with the upgrade path) or "
        "`pay_per_question` (answered and billed at `overage_question_usd`).",
    )
    overage_question_usd: Decimal = Field(
        default=Decimal("0.50"), description="Price of one question beyond the monthly limit, USD."
    )
    sandbox_rates: Literal["roadmap", "daytona"] = Field(
        default="roadmap",
        description="Sandbox rate table: `roadmap` (creation $0.10, running $0.50/h, paused $0.05/h) or "
        "`daytona` (per vCPU, GiB of RAM and GiB of disk).",
    )
    sandbox_vcpus: float = Field(default=1, description="vCPUs of one sandbox, for the `daytona` rates.")
    sandbox_disk_gib: float = Field(
        default=10, description="Disk of one sandbox in GiB, for the `daytona` rates (5 GiB are free)."
    )
    credit_usd: Decimal = Field(
        default=Decimal("20000"), description="The sandbox credit the ledger starts from, USD."
    )
    credit_alert_thresholds: str = Field(
        default="0.5,0.75,0.9",
        description="Shares of the credit spent at which an alert is logged and recorded, comma-separated.",
    )
    burn_window_days: int = Field(
        default=7, description="Days of spend the burn rate (and the run-out date) is averaged over."
    )
    max_active_agents: int = Field(
        default=500,
        description="Active agents (creating, running or paused) at which new users get stateless "
        "per-question sandboxes instead of a persistent agent.",
    )

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
