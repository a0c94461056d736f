"""The huey instance, built lazily from settings, and an in-process consumer for the API.

`queue_url` set to `redis://...` (or `rediss://`, `unix://`) gives a `RedisHuey` on that server; unset, a
`SqliteHuey` in `<data_dir>/queue.db`, so a single host needs no Redis. One instance per (queue URL, data
folder) per process, so every task module registers on the same one and one consumer runs them all.
"""

from __future__ import annotations

import threading

from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer

from followlytics.config import Settings

QUEUE_NAME = "followlytics"
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_instances: dict[tuple[str | None, str], Huey] = {}
_lock = threading.Lock()


def get_huey(settings: Settings) -> Huey:
    """The huey instance for these settings (made on first use)."""
    key = (settings.queue_url, str(settings.data_dir.resolve()))
    with _lock:
        if key not in _instances:
            _instances[key] = build_huey(settings)
        return _instances[key]


def build_huey(settings: Settings) -> Huey:
    url = settings.queue_url
    if url and url.startswith(_REDIS_SCHEMES):
        return RedisHuey(QUEUE_NAME, url=url)
    if url:
        raise ValueError(f"unsupported queue_url scheme (use redis://...): {url.split(':', 1)[0]}")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(settings.data_dir / "queue.db"))


def start_consumer(huey: Huey, *, workers: int = 2, periodic: bool = True) -> Consumer:
    """Run a consumer in this process on worker threads (no signal handlers); stop it with
    `consumer.stop(graceful=True)`. The API uses this when sandboxes are children of the API process (the
    local provider), so the sweep runs where those sandboxes are."""
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic)
    # `Consumer.start()` would also install its SIGINT/SIGTERM handlers, taking them from the web server.
    consumer.scheduler.start()
    for _, worker in consumer.worker_threads:
        worker.start()
    return consumer
