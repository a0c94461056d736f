"""The cost simulator: what N users cost in sandboxes over M months under each lifecycle policy, and when
the credit runs out.

It runs the product's own pieces, not a model of them: the lifecycle rules are `services.lifecycle.decide_one`
(asked at each moment a rule could fire: pause, archive, destroy) with the deployment's `Policy`, and every
state-second is priced by `services.rates` (the table `FOLLOWLYTICS_SANDBOX_RATES` selects). Policies:

    always_on       one sandbox per user, created at the first session, running for the whole horizon
    pause_on_idle   the lifecycle sweep's rules: paused after the idle time, archived after the paused time,
                    destroyed after the inactive days (a later session makes a new one)
    stateless       no agent: one sandbox per question, created and running for `question_seconds`

A user has a usage mix (hours of use a month; default heavy 10 h, medium 3 h, light 1 h in shares 20/50/30%);
each month their hours are split into sessions of `session_minutes` placed at random (seeded) times; a session
asks `questions_per_hour` questions an hour. A month is 730 hours. Capacity (`agent_max_running`) is per host
and left out. Only sandboxes are costed: they are what the credit pays for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from followlytics.errors import InvalidInput
from followlytics.sandbox.base import SandboxState
from followlytics.services.lifecycle import DESTROY, PAUSE, AgentView, Policy, decide_one
from followlytics.services.rates import SandboxRates, sandbox_cost_float

MONTH_HOURS = 730.0
_MONTH = MONTH_HOURS * 3600
POLICIES = ("always_on", "pause_on_idle", "stateless")


@dataclass(frozen=True)
class UsageMix:
    name: str
    hours_per_month: float
    share: float


DEFAULT_MIX = (UsageMix("heavy", 10, 0.2), UsageMix("medium", 3, 0.5), UsageMix("light", 1, 0.3))


@dataclass(frozen=True)
class SimulationConfig:
    users: int
    months: int
    rates: SandboxRates
    policy: Policy
    credit_usd: float = 20_000.0
    mix: tuple[UsageMix, ...] = DEFAULT_MIX
    session_minutes: float = 30.0
    questions_per_hour: float = 6.0
    question_seconds: float = 10.0
    seed: int = 1
    start: date = date(2027, 1, 1)
    policies: tuple[str, ...] = POLICIES


@dataclass
class PolicyResult:
    policy: str
    monthly_spend_usd: list[float]
    per_user_month_usd: float
    per_profile_user_month_usd: dict[str, float]
    total_spend_usd: float
    run_out_date: date | None
    run_out_month: float | None
    """Months (of 730 h) from the start until the credit is spent, None if it lasts."""
    state_hours_per_user_month: dict[str, float] = field(default_factory=dict)


def parse_mix(text: str) -> tuple[UsageMix, ...]:
    """`heavy=10:0.2,medium=3:0.5,light=1:0.3` (name=hours a month:share of users)."""
    mix = []
    for part in text.split(","):
        try:
            name, rest = part.split("=")
            hours, share = rest.split(":")
            mix.append(UsageMix(name.strip(), float(hours), float(share)))
        except ValueError:
            raise InvalidInput(f"mix entry {part!r} is not name=hours:share", field="mix") from None
    total = sum(m.share for m in mix)
    if not mix or abs(total - 1) > 1e-6 or any(m.hours_per_month <= 0 or m.share < 0 for m in mix):
        raise InvalidInput("mix shares must add up to 1, with positive hours", field="mix")
    return tuple(mix)


def simulate(config: SimulationConfig) -> dict[str, PolicyResult]:
    if config.users < 1 or config.months < 1:
        raise InvalidInput(
            "users and months must be at least 1", field="users" if config.users < 1 else "months"
        )
    unknown = set(config.policies) - set(POLICIES)
    if unknown:
        raise InvalidInput(
            f"unknown policy {sorted(unknown)[0]!r} (known: {', '.join(POLICIES)})", field="policy"
        )
    rng = random.Random(config.seed)
    horizon = config.months * _MONTH
    spend = {p: [0.0] * config.months for p in config.policies}
    hours = {p: dict[str, float]() for p in config.policies}
    profile_spend = {p: {m.name: 0.0 for m in config.mix} for p in config.policies}
    profile_users = {m.name: 0 for m in config.mix}
    for profile in _assign(config, rng):
        profile_users[profile.name] += 1
        sessions = _sessions(config, profile, rng)
        for policy in config.policies:
            by_month = _user_seconds(policy, sessions, config, horizon)
            for month, (seconds, creations) in enumerate(by_month):
                cost = sandbox_cost_float(config.rates, seconds_by_state=seconds, creations=creations)
                spend[policy][month] += cost
                profile_spend[policy][profile.name] += cost
                for state, value in seconds.items():
                    hours[policy][state] = hours[policy].get(state, 0.0) + value / 3600
    user_months = config.users * config.months
    results = {}
    for policy in config.policies:
        months_spent = spend[policy]
        run_out = _run_out(months_spent, config.credit_usd)
        results[policy] = PolicyResult(
            policy=policy,
            monthly_spend_usd=[round(value, 2) for value in months_spent],
            per_user_month_usd=round(sum(months_spent) / user_months, 4),
            per_profile_user_month_usd={
                name: round(total / (profile_users[name] * config.months), 4) if profile_users[name] else 0.0
                for name, total in profile_spend[policy].items()
            },
            total_spend_usd=round(sum(months_spent), 2),
            run_out_month=None if run_out is None else round(run_out, 6),
            run_out_date=None if run_out is None else config.start + timedelta(hours=run_out * MONTH_HOURS),
            state_hours_per_user_month={
                s: round(v / user_months, 3) for s, v in sorted(hours[policy].items())
            },
        )
    return results


def _assign(config: SimulationConfig, rng: random.Random) -> list[UsageMix]:
    """Exactly round(share x users) users per profile (the remainder to the last), in random order."""
    counts = [round(m.share * config.users) for m in config.mix]
    counts[-1] = config.users - sum(counts[:-1])
    users = [m for m, n in zip(config.mix, counts, strict=True) for _ in range(max(0, n))]
    rng.shuffle(users)
    return users


def _sessions(config: SimulationConfig, profile: UsageMix, rng: random.Random) -> list[tuple[float, float]]:
    """(start, end) seconds from the horizon's start; within a month they do not overlap."""
    length = config.session_minutes * 60
    count = max(1, round(profile.hours_per_month * 60 / config.session_minutes))
    per_session = profile.hours_per_month * 3600 / count
    slots = int(_MONTH // length)
    sessions = []
    for month in range(config.months):
        base = month * _MONTH
        for slot in sorted(rng.sample(range(slots), min(count, slots))):
            start = base + slot * length
            sessions.append((start, start + min(per_session, length)))
    return sessions


def _user_seconds(
    policy: str, sessions: list[tuple[float, float]], config: SimulationConfig, horizon: float
) -> list[tuple[dict[str, float], int]]:
    months: list[tuple[dict[str, float], int]] = [({}, 0) for _ in range(config.months)]
    if policy == "stateless":
        per_question = config.question_seconds
        for start, end in sessions:
            questions = max(1, round((end - start) / 3600 * config.questions_per_hour))
            month = int(start // _MONTH)
            seconds, creations = months[month]
            seconds[SandboxState.RUNNING] = seconds.get(SandboxState.RUNNING, 0.0) + questions * per_question
            months[month] = (seconds, creations + questions)
        return months
    spans, created_at = (
        ([(SandboxState.RUNNING, sessions[0][0], horizon)], [sessions[0][0]])
        if policy == "always_on"
        else _lifecycle_spans(sessions, config.policy, horizon)
    )
    for state, start, end in spans:
        _add_span(months, state, start, end)
    for at in created_at:
        seconds, creations = months[int(at // _MONTH)]
        months[int(at // _MONTH)] = (seconds, creations + 1)
    return months


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _lifecycle_spans(
    sessions: list[tuple[float, float]], policy: Policy, horizon: float
) -> tuple[list[tuple[str, float, float]], list[float]]:
    """The states one agent goes through over `sessions`: running during each session, then what the
    lifecycle rules make of the idle gap until the next one (`_idle_gap`)."""
    spans: list[tuple[str, float, float]] = []
    created: list[float] = []
    destroyed = True
    for index, (start, end) in enumerate(sessions):
        if destroyed:
            created.append(start)
        spans.append((SandboxState.RUNNING, start, end))
        following = sessions[index + 1][0] if index + 1 < len(sessions) else horizon
        steps, destroyed = _idle_gap(policy, following - end)
        spans.extend((state, end + offset, end + until) for state, offset, until in steps)
    return spans, created


@lru_cache(maxsize=65536)
def _idle_gap(policy: Policy, gap: float) -> tuple[tuple[tuple[str, float, float], ...], bool]:
    """An agent left running and idle for `gap` seconds: its states as (state, from, to) offsets, and whether
    it ends destroyed. `decide_one` is asked at each moment one of its rules could first fire (it fires then
    or not at all, since nothing else happens in the gap). Gaps repeat (sessions sit on a grid), so cached."""
    steps: list[tuple[str, float, float]] = []
    state, since = SandboxState.RUNNING, 0.0
    while True:
        candidates = [policy.destroy_after.total_seconds()]
        if state == SandboxState.RUNNING:
            candidates.append(policy.pause_after.total_seconds())
        elif state == SandboxState.PAUSED:
            candidates.append(since + policy.archive_after.total_seconds())
        moment = min(candidates)
        decision = (
            decide_one(AgentView("sim", "sim", state, _at(0.0), _at(since)), _at(moment), policy)
            if moment < gap
            else None
        )
        if decision is None:
            steps.append((state, since, gap))
            return tuple(steps), False
        steps.append((state, since, moment))
        if decision.action == DESTROY:
            return tuple(steps), True
        state = SandboxState.PAUSED if decision.action == PAUSE else SandboxState.ARCHIVED
        since = moment


def _at(seconds: float) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


def _add_span(months: list[tuple[dict[str, float], int]], state: str, start: float, end: float) -> None:
    while start < end:
        month = int(start // _MONTH)
        if month >= len(months):
            return
        stop = min(end, (month + 1) * _MONTH)
        seconds = months[month][0]
        seconds[state] = seconds.get(state, 0.0) + stop - start
        start = stop


def _run_out(monthly: list[float], credit: float) -> float | None:
    """Months until cumulative spend reaches `credit`, spend spread evenly within each month."""
    spent = 0.0
    for month, amount in enumerate(monthly):
        if amount > 0 and spent + amount >= credit:
            return month + (credit - spent) / amount
        spent += amount
    return None
