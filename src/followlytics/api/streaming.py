"""Server-Sent Events for a question: the answer streams while the agent works.

`stream_answer(run)` starts `run(listener)` (a service call such as `queries.ask`) in a worker thread and
turns what the listener hears into events:

    event: tool_call    data: {"name": ..., "arguments": {...}}
    event: tool_result  data: {"name": ..., "summary": ...}
    event: token        data: {"text": ...}           answer text, in order
    event: reset        data: {"reason": ...}         drop the text shown so far (a provider failed mid-turn)
    event: queued       data: the answer JSON with `status: "queued"` (and the last answer, marked stale)
    event: done         data: the same JSON `POST /api/agents/query` answers without streaming
    event: error        data: {"error": {type, message, ...}}

A queued question keeps the stream open (with keep-alive comments) while `wait` polls for its answer, then
sends `done`; if it is still queued when `wait` gives up, the stream ends after `queued` and the client
asks `GET /api/agents/queries/{id}` later.

The first event is awaited before the response starts, so a question refused up front (no key, Starter
plan, nothing imported, a bad question) still gets its ordinary JSON error and status code. The worker
records the query even if the client goes away.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

from fastapi.sse import EventSourceResponse, format_sse_event
from pydantic import BaseModel

from followlytics.agent.events import (
    AgentEvent,
    AnswerDelta,
    AnswerReset,
    Listener,
    ToolFinished,
    ToolStarted,
)
from followlytics.errors import FollowlyticsError

log = logging.getLogger("followlytics.api")

_EVENT_NAMES: dict[type, str] = {
    ToolStarted: "tool_call",
    ToolFinished: "tool_result",
    AnswerDelta: "token",
    AnswerReset: "reset",
}


def wants_event_stream(accept: str | None) -> bool:
    return "text/event-stream" in (accept or "").lower()


def stream_answer(
    run: Callable[[Listener], BaseModel], *, wait: Callable[[Any], Iterator[Any]] | None = None
) -> EventSourceResponse:
    items: queue.Queue[AgentEvent | BaseModel | BaseException] = queue.Queue()

    def work() -> None:
        try:
            items.put(run(items.put))
        except BaseException as exc:  # handed to the request thread, which maps it
            items.put(exc)

    threading.Thread(target=work, name="followlytics-stream", daemon=True).start()
    first = items.get()
    if isinstance(first, BaseException):
        raise first
    return EventSourceResponse(_frames(first, items, wait))


def _frames(
    first: Any, items: queue.Queue[Any], wait: Callable[[Any], Iterator[Any]] | None
) -> Iterator[bytes]:
    item = first
    while True:
        if isinstance(item, BaseModel) and getattr(item, "status", None) == "queued":
            yield _frame("queued", item.model_dump(mode="json"))
            for polled in wait(item) if wait is not None else ():
                if polled is None:
                    yield b": waiting for a sandbox\n\n"
                elif getattr(polled, "status", None) != "queued":
                    yield _frame("done", polled.model_dump(mode="json"))
                    return
            return
        if isinstance(item, BaseModel):
            yield _frame("done", item.model_dump(mode="json"))
            return
        if isinstance(item, BaseException):
            yield _frame("error", {"error": _error(item)})
            return
        yield _frame(_EVENT_NAMES[type(item)], asdict(item))
        item = items.get()


def _error(exc: BaseException) -> dict[str, object]:
    if isinstance(exc, FollowlyticsError):
        return exc.to_dict()
    log.error("unexpected error while streaming an answer", exc_info=exc)
    return {"type": "InternalError", "message": "something went wrong on our side"}


def _frame(event: str, data: Any) -> bytes:
    return format_sse_event(data_str=json.dumps(data, ensure_ascii=False, default=str), event=event)
