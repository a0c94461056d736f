"""The failover chain: which model provider answers a turn, with retries, fail-over and circuit breakers.

`ModelChain.run_turn(request)` sends one whole turn (one `ChatRequest`) to the first provider whose breaker
allows it, and on a `ModelUnavailable` (timeout, connection error, 408/409/429/5xx/529) retries that provider
up to `retries` times, waiting the provider's `retry-after` or an exponential backoff, then fails over to the
next. It returns `None` when every provider was unavailable, and the caller answers with the built-in engine,
the chain's implicit last link. `ModelRejected` (400/422: our request was wrong) and `ModelMisconfigured` (bad
key, no quota) are raised at once and never failed over: another provider would hide a bug or a setting that
needs fixing.

Providers switch only between whole turns: a streamed turn that fails half way is restarted from its start on
the next attempt, and the listener hears `TurnRestarted` so it can drop the partial text it showed.

Every request, answered or failed, is reported to `on_attempt` as an `Attempt`, so each one is recorded and
costed. A breaker opens after `breaker_failures` consecutive failed requests and skips its provider for
`breaker_cooldown` seconds, then lets one trial request through (half-open).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from followlytics.agent.llm.messages import (
    ChatProvider,
    ChatRequest,
    Completed,
    Completion,
    StreamEvent,
    TextDelta,
)
from followlytics.errors import ModelError, ModelUnavailable

__all__ = ["Attempt", "Breaker", "ModelChain", "TurnRestarted"]


@dataclass(frozen=True)
class TurnRestarted:
    """The turn being streamed failed after some output; it starts again (maybe on another provider)."""

    provider: str
    reason: str


@dataclass(frozen=True)
class Attempt:
    """One request to one provider: its answer or its error, how long it took, whether it was a fail-over."""

    provider: str
    model: str
    started_at: datetime
    latency_ms: int
    failover: bool
    completion: Completion | None = None
    error: ModelError | None = None


@dataclass
class Breaker:
    """Consecutive-failure circuit breaker for one provider (closed -> open -> half-open -> closed)."""

    failures_to_open: int
    cooldown: float
    clock: Callable[[], float] = time.monotonic
    consecutive_failures: int = 0
    opened_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half_open" if self.clock() - self.opened_at >= self.cooldown else "open"

    def allows(self) -> bool:
        return self.state != "open"

    def succeeded(self) -> None:
        with self._lock:
            self.consecutive_failures = 0
            self.opened_at = None

    def failed(self) -> None:
        with self._lock:
            self.consecutive_failures += 1
            # A failed trial in half-open re-opens at once; otherwise open on reaching the threshold.
            if self.opened_at is not None or self.consecutive_failures >= self.failures_to_open:
                self.opened_at = self.clock()


class ModelChain:
    def __init__(
        self,
        providers: Sequence[ChatProvider],
        *,
        retries: int = 2,
        retry_base: float = 0.5,
        max_retry_after: float = 20.0,
        breaker_failures: int = 3,
        breaker_cooldown: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.providers = list(providers)
        self.retries = retries
        self.retry_base = retry_base
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self.breakers = {p.name: Breaker(breaker_failures, breaker_cooldown, clock) for p in self.providers}

    def __bool__(self) -> bool:
        return bool(self.providers)

    def run_turn(
        self,
        request: ChatRequest,
        *,
        stream: bool = False,
        on_event: Callable[[StreamEvent | TurnRestarted], None] | None = None,
        on_attempt: Callable[[Attempt], None] | None = None,
    ) -> Completion | None:
        """Answer one turn with the first provider able to; `None` when all of them are unavailable."""
        tried_another = False
        for provider in self.providers:
            breaker = self.breakers[provider.name]
            if not breaker.allows():
                tried_another = True
                continue
            for attempt in range(self.retries + 1):
                started, clock = datetime.now(UTC), time.perf_counter()
                try:
                    completion = self._send(provider, request, stream=stream, on_event=on_event)
                except ModelError as exc:
                    latency = round((time.perf_counter() - clock) * 1000)
                    if on_attempt is not None:
                        on_attempt(
                            Attempt(provider.name, provider.model, started, latency, tried_another, error=exc)
                        )
                    if not isinstance(exc, ModelUnavailable):
                        raise
                    breaker.failed()
                    delay = self._delay(exc, attempt)
                    if delay is None or not breaker.allows():
                        break
                    self._sleep(delay)
                    continue
                breaker.succeeded()
                if on_attempt is not None:
                    latency = round((time.perf_counter() - clock) * 1000)
                    on_attempt(
                        Attempt(
                            provider.name,
                            provider.model,
                            started,
                            latency,
                            tried_another,
                            completion=completion,
                        )
                    )
                return completion
            tried_another = True
        return None

    def _delay(self, error: ModelUnavailable, attempt: int) -> float | None:
        """Seconds to wait before retrying the same provider, or None to fail over now."""
        if attempt >= self.retries:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_retry_after else None
        return self.retry_base * (2**attempt)

    @staticmethod
    def _send(
        provider: ChatProvider,
        request: ChatRequest,
        *,
        stream: bool,
        on_event: Callable[[StreamEvent | TurnRestarted], None] | None,
    ) -> Completion:
        if not stream:
            return provider.complete(request)
        shown = False
        try:
            for event in provider.stream(request):
                if isinstance(event, Completed):
                    return event.completion
                if on_event is not None:
                    on_event(event)
                shown = shown or isinstance(event, TextDelta)
        except ModelError as exc:
            if shown and on_event is not None:
                on_event(TurnRestarted(provider.name, exc.message))
            raise
        problem = f"{provider.name} ended its stream without a final message"
        raise ModelUnavailable(problem, provider=provider.name)
