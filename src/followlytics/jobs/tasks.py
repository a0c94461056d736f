"""The periodic lifecycle sweep as a huey task, and the `huey` object a worker loads.

Run a worker with `followlytics worker` or `huey_consumer followlytics.jobs.tasks.huey`. The sweep runs
every `sweep_interval_seconds`, rounded up to whole minutes: huey's scheduler checks periodic tasks once a
minute, so one minute is the finest period (`followlytics sweep` runs it now).

The sweep acts on the sandbox providers of the process it runs in. A remote provider (Daytona, E2B) is the
same from any process; local sandboxes are children of the API process, invisible from another one, so a
worker of its own skips agents on the local provider, and for those the API runs a consumer in-process
(`jobs.queue.start_consumer`, after registering its platform with `use_platform`).
"""

from __future__ import annotations

import calendar
import logging
import math
import threading
from collections.abc import Callable
from datetime import datetime

from huey.api import Huey, TaskWrapper
from huey.consumer import Consumer

from followlytics.config import Settings, get_settings
from followlytics.jobs.queue import get_huey, start_consumer
from followlytics.services.platform import Platform

log = logging.getLogger(__name__)

_platform: Platform | None = None
_platform_is_ours = False  # built by this worker, not registered by the API process
_platform_lock = threading.Lock()
# Sandboxes that live as children of the process that made them: a worker of its own cannot see them.
_PROCESS_LOCAL_PROVIDERS = ("local",)


def use_platform(platform: Platform | None) -> None:
    """Run tasks on this platform (the API's own, when the consumer runs inside the API process); None
    forgets it (the API at shutdown), so the next task builds its own."""
    global _platform, _platform_is_ours
    with _platform_lock:
        _platform, _platform_is_ours = platform, False


def task_platform(settings: Settings | None = None) -> Platform:
    """The platform tasks run on: the registered one, else one built once for this worker process."""
    global _platform, _platform_is_ours
    with _platform_lock:
        if _platform is None:
            _platform, _platform_is_ours = Platform.from_settings(settings or get_settings()), True
        return _platform


def every_minutes(interval_seconds: int) -> int:
    """The sweep period in whole minutes (at least one: huey's periodic granularity)."""
    return max(1, math.ceil(interval_seconds / 60))


def due_every(period: int) -> Callable[[datetime], bool]:
    """huey's `validate_datetime` for "every `period` minutes" (minutes since the epoch, UTC)."""

    def validate(now: datetime) -> bool:
        return (calendar.timegm(now.timetuple()) // 60) % period == 0

    return validate


def register_sweep(queue: Huey, settings: Settings) -> TaskWrapper:
    """Define the periodic sweep task on `queue`, every `settings.sweep_interval_seconds` (whole minutes)."""

    @queue.periodic_task(due_every(every_minutes(settings.sweep_interval_seconds)), name="lifecycle_sweep")
    def lifecycle_sweep() -> dict[str, object]:
        """Apply the lifecycle policy to every live agent (see `services.lifecycle`)."""
        from followlytics.services.lifecycle import sweep

        platform = task_platform()
        # A worker of its own leaves local sandboxes to the API process that holds them.
        skip = _PROCESS_LOCAL_PROVIDERS if _platform_is_ours else ()
        if skip and any(p.name in skip for p in platform.providers):
            log.warning("sweep: this worker skips agents on %s sandboxes (the API process sweeps them)", skip)
        report = sweep(platform, skip_providers=skip)
        log.info(
            "sweep: %d agents, %d paused, %d archived, %d destroyed, %d lost, %d skipped, %d failed",
            report.agents,
            report.paused,
            report.archived,
            report.destroyed,
            report.lost,
            report.skipped,
            report.failed,
        )
        _check_credit(platform)
        return report.to_json()

    return lifecycle_sweep


def _check_credit(platform: Platform) -> None:
    """Credit alerts ride on the sweep's period: a threshold crossed is recorded within a minute or so."""
    from followlytics.errors import FollowlyticsError
    from followlytics.services.ledger import credit_report

    try:
        credit_report(platform)
    except FollowlyticsError as exc:
        log.warning("credit check failed: %s", exc.message)


def register_all(queue: Huey, settings: Settings) -> None:
    """Every task of the product on `queue` (once per instance): the sweep and the queued questions."""
    from followlytics.jobs.questions import answer_question_task

    with _platform_lock:
        if id(queue) in _registered:
            return
        _registered.add(id(queue))
    register_sweep(queue, settings)
    answer_question_task(queue, settings.queue_retry_seconds)


def start_jobs(platform: Platform) -> Consumer:
    """Run this platform's queue in this process (worker threads, no signal handlers); see the docstring."""
    use_platform(platform)
    queue = get_huey(platform.settings)
    register_all(queue, platform.settings)
    return start_consumer(queue)


def stop_jobs(consumer: Consumer) -> None:
    consumer.stop(graceful=True)
    use_platform(None)


_registered: set[int] = set()


def __getattr__(name: str) -> Huey:
    # `huey`, the queue a worker loads (`huey_consumer followlytics.jobs.tasks.huey`), is built on first
    # use, so importing this module (the API does) creates no queue file.
    if name == "huey":
        settings = get_settings()
        queue = get_huey(settings)
        register_all(queue, settings)
        return queue
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
