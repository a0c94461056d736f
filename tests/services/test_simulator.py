"""The cost simulator: the lifecycle rules it applies (by hand), its invariants, run-out consistent with the
spend, and the CLI's JSON."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from followlytics.config import Settings
from followlytics.errors import InvalidInput
from followlytics.sandbox.base import SandboxState
from followlytics.services.lifecycle import Policy
from followlytics.services.rates import ROADMAP, daytona_rates
from followlytics.services.simulator import (
    MONTH_HOURS,
    SimulationConfig,
    UsageMix,
    _idle_gap,
    parse_mix,
    simulate,
)

POLICY = Policy.of(Settings())
HOUR = 3600.0


def _config(**changes) -> SimulationConfig:
    base = {"users": 300, "months": 3, "rates": ROADMAP, "policy": POLICY}
    return SimulationConfig(**{**base, **changes})


def test_an_idle_gap_follows_the_lifecycle_rules() -> None:
    # Idle 10 h after a session: running 30 min, paused 240 min, then archived for the rest.
    steps, destroyed = _idle_gap(POLICY, 10 * HOUR)
    assert steps == (
        (SandboxState.RUNNING, 0.0, 0.5 * HOUR),
        (SandboxState.PAUSED, 0.5 * HOUR, 4.5 * HOUR),
        (SandboxState.ARCHIVED, 4.5 * HOUR, 10 * HOUR),
    )
    assert not destroyed
    # Idle 40 days: destroyed after 30 (the next session makes a new sandbox).
    steps, destroyed = _idle_gap(POLICY, 40 * 24 * HOUR)
    assert destroyed and steps[-1] == (SandboxState.ARCHIVED, 4.5 * HOUR, 30 * 24 * HOUR)
    # A gap shorter than the idle time: running throughout.
    assert _idle_gap(POLICY, 0.25 * HOUR) == (((SandboxState.RUNNING, 0.0, 0.25 * HOUR),), False)


def test_policies_are_ordered_and_run_out_matches_the_spend() -> None:
    results = simulate(_config())
    always, pause, stateless = results["always_on"], results["pause_on_idle"], results["stateless"]
    # Pausing never costs more than running (paused and archived rates are below running), per profile too.
    assert always.total_spend_usd >= pause.total_spend_usd
    for name in ("heavy", "medium", "light"):
        assert always.per_profile_user_month_usd[name] >= pause.per_profile_user_month_usd[name]
    # With the roadmap mix a sandbox per question is cheaper than an idle tail per session.
    assert pause.total_spend_usd > stateless.total_spend_usd > 0
    # Heavier use costs more under every policy but always-on.
    for result in (pause, stateless):
        costs = result.per_profile_user_month_usd
        assert costs["heavy"] > costs["medium"] > costs["light"]
    # Always-on: each user runs 730 h a month from their first session (in the first of the 3 months) on.
    assert MONTH_HOURS * 2 / 3 < always.state_hours_per_user_month["running"] < MONTH_HOURS
    for result in results.values():
        assert result.total_spend_usd == pytest.approx(sum(result.monthly_spend_usd), abs=0.05)
        assert result.per_user_month_usd == pytest.approx(result.total_spend_usd / (300 * 3), abs=1e-3)
        if result.run_out_month is None:
            assert result.total_spend_usd < 20_000
            continue
        whole = int(result.run_out_month)
        spent_by_then = (
            sum(result.monthly_spend_usd[:whole])
            + (result.run_out_month - whole) * result.monthly_spend_usd[whole]
        )
        assert spent_by_then == pytest.approx(20_000, rel=1e-3)
        expected = SimulationConfig.start + timedelta(hours=result.run_out_month * MONTH_HOURS)
        assert abs(result.run_out_date - expected) <= timedelta(days=1)
    assert always.run_out_month < 1  # 300 users always on spend $20,000 within the first month


def test_a_longer_idle_time_costs_more_and_daytona_rates_apply() -> None:
    longer = Policy(
        pause_after=timedelta(hours=2),
        archive_after=POLICY.archive_after,
        max_running=POLICY.max_running,
        destroy_after=POLICY.destroy_after,
    )
    base = simulate(_config(policies=("pause_on_idle",)))["pause_on_idle"]
    lazy = simulate(_config(policies=("pause_on_idle",), policy=longer))["pause_on_idle"]
    assert lazy.total_spend_usd > base.total_spend_usd
    daytona = simulate(_config(rates=daytona_rates(vcpus=1, ram_gib=2, disk_gib=10)))
    assert daytona["always_on"].total_spend_usd < simulate(_config())["always_on"].total_spend_usd


def test_bad_mixes_and_policies_are_refused() -> None:
    assert parse_mix("a=5:0.5,b=1:0.5") == (UsageMix("a", 5, 0.5), UsageMix("b", 1, 0.5))
    with pytest.raises(InvalidInput) as bad:
        parse_mix("a=5:0.5")
    assert bad.value.field == "mix"
    with pytest.raises(InvalidInput) as unknown:
        simulate(_config(policies=("sometimes",)))
    assert unknown.value.field == "policy"


def test_simulate_cli_json_and_speed(cli) -> None:
    started = time.perf_counter()
    result = cli("simulate", "--users", "2000", "--months", "12", "--json")
    elapsed = time.perf_counter() - started
    data = json.loads(result.stdout)
    assert (data["users"], data["months"], data["rates"]) == (2000, 12, "roadmap")
    policies = data["policies"]
    assert list(policies) == ["always_on", "pause_on_idle", "stateless"]
    assert policies["always_on"]["per_user_month_usd"] >= policies["pause_on_idle"]["per_user_month_usd"]
    assert len(policies["stateless"]["monthly_spend_usd"]) == 12
    assert elapsed < 10  # 10,000 x 12 takes about 5 s on the 2-core machine
    one = cli("simulate", "--users", "50", "--months", "1", "--policy", "stateless", "--json")
    assert list(json.loads(one.stdout)["policies"]) == ["stateless"]
    bad = cli("simulate", "--mix", "x=1:0.3", ok=False)
    assert bad.exit_code == 1 and "mix" in bad.output
