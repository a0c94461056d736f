"""Queued questions: a question no sandbox provider could run waits here, durably, until one is back.

`enqueue_answer(settings, query_id)` puts a job on the queue those settings name (SQLite in the data
directory, or Redis). The job answers the recorded question in place (`services.queries.answer_queued`);
while every provider is still down that raises `SandboxUnavailable` and huey retries the job every
`queue_retry_seconds`, for as long as it takes. The job and its retries live in the queue's storage, so a
server restart loses nothing: the next consumer picks them up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from huey.api import Huey

from followlytics.config import Settings
from followlytics.jobs.queue import get_huey

__all__ = ["TASK_NAME", "answer_question_task", "enqueue_answer"]

TASK_NAME = "answer_question"
# Retried until a provider is back; each retry is one cheap attempt every queue_retry_seconds.
_RETRIES = 1_000_000
_tasks: dict[int, Callable[..., Any]] = {}
_lock = threading.Lock()


def enqueue_answer(settings: Settings, query_id: str) -> None:
    answer_question_task(get_huey(settings), settings.queue_retry_seconds)(query_id)


def answer_question_task(huey: Huey, retry_seconds: float) -> Callable[..., Any]:
    """The answering task registered on `huey` (once per instance), to enqueue or to consume."""
    with _lock:
        task = _tasks.get(id(huey))
        if task is None:
            task = huey.task(retries=_RETRIES, retry_delay=max(1, round(retry_seconds)), name=TASK_NAME)(
                _answer_question
            )
            _tasks[id(huey)] = task
        return task


def _answer_question(query_id: str) -> str:
    from followlytics.jobs.tasks import task_platform
    from followlytics.services.queries import answer_queued

    answered = answer_queued(task_platform(), query_id)  # SandboxUnavailable: huey retries later
    return answered.status if answered is not None else "skipped"
