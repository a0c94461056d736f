"""Rate tables: what a sandbox costs by state, and what X API usage costs. Metering, the ledger and the
simulator all price through `sandbox_cost`, so the three never disagree.

Sandbox rates (`FOLLOWLYTICS_SANDBOX_RATES`):

    roadmap   creation $0.10, running $0.50/h, paused $0.05/h, archived $0, creating $0.50/h (as running)
    daytona   running: vCPU x $0.0504/h + RAM GiB x $0.0162/h + disk GiB beyond 5 x $0.000108/h
              paused (stopped): the disk term only; archived: $0 (object storage, not billed per hour
              here); creation: $0 (the time spent creating is billed as running)

X API (per record an import stands for; nothing is read from X by this code): a user object $0.010, the app
owner's own data $0.001, a post or DM created $0.015.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from followlytics.config import Settings
from followlytics.sandbox.base import SandboxState

_HOUR = Decimal(3600)
_MONEY = Decimal("0.00000001")


@dataclass(frozen=True)
class SandboxRates:
    name: str
    creation_usd: Decimal
    per_hour: Mapping[str, Decimal]
    """USD per hour in each state; a state not listed costs nothing."""


@dataclass(frozen=True)
class XApiRates:
    user_object_usd: Decimal = Decimal("0.010")
    own_data_usd: Decimal = Decimal("0.001")
    post_created_usd: Decimal = Decimal("0.015")


X_API = XApiRates()

ROADMAP = SandboxRates(
    name="roadmap",
    creation_usd=Decimal("0.10"),
    per_hour={
        SandboxState.CREATING: Decimal("0.50"),
        SandboxState.RUNNING: Decimal("0.50"),
        SandboxState.PAUSED: Decimal("0.05"),
        SandboxState.ARCHIVED: Decimal("0"),
    },
)

DAYTONA_VCPU_HOUR = Decimal("0.0504")
DAYTONA_RAM_GIB_HOUR = Decimal("0.0162")
DAYTONA_DISK_GIB_HOUR = Decimal("0.000108")
DAYTONA_FREE_DISK_GIB = Decimal("5")


def daytona_rates(*, vcpus: float, ram_gib: float, disk_gib: float) -> SandboxRates:
    disk = max(Decimal("0"), Decimal(str(disk_gib)) - DAYTONA_FREE_DISK_GIB) * DAYTONA_DISK_GIB_HOUR
    running = Decimal(str(vcpus)) * DAYTONA_VCPU_HOUR + Decimal(str(ram_gib)) * DAYTONA_RAM_GIB_HOUR + disk
    return SandboxRates(
        name="daytona",
        creation_usd=Decimal("0"),
        per_hour={
            SandboxState.CREATING: running,
            SandboxState.RUNNING: running,
            SandboxState.PAUSED: disk,
            SandboxState.ARCHIVED: Decimal("0"),
        },
    )


def sandbox_rates(settings: Settings) -> SandboxRates:
    """The rate table the settings select (RAM for Daytona is `FOLLOWLYTICS_SANDBOX_MEMORY_MB`)."""
    if settings.sandbox_rates == "daytona":
        return daytona_rates(
            vcpus=settings.sandbox_vcpus,
            ram_gib=settings.sandbox_memory_mb / 1024,
            disk_gib=settings.sandbox_disk_gib,
        )
    return ROADMAP


def sandbox_cost(rates: SandboxRates, *, seconds_by_state: Mapping[str, float], creations: int) -> Decimal:
    """USD for time spent in each state plus `creations` sandboxes made."""
    total = rates.creation_usd * creations
    for state, seconds in seconds_by_state.items():
        total += rates.per_hour.get(state, Decimal("0")) * Decimal(str(seconds)) / _HOUR
    return total.quantize(_MONEY)


def sandbox_cost_float(
    rates: SandboxRates, *, seconds_by_state: Mapping[str, float], creations: int
) -> float:
    """`sandbox_cost` in floats, for the simulator's millions of user-months (same table, same formula)."""
    total = float(rates.creation_usd) * creations
    for state, seconds in seconds_by_state.items():
        total += float(rates.per_hour.get(state, Decimal("0"))) * seconds / 3600.0
    return total
