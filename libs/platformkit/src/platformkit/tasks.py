"""Stopping background tasks for certain.

On Python 3.11 a cancellation can be lost: `asyncio.wait_for` (ours, and inside nats-py and the database
drivers) returns the inner result when that completes in the same loop iteration as the cancellation
arrives. A background `while True` loop then simply goes on, and `task.cancel(); await task` waits for
ever — teardowns in test runs hung 300 s on an idle event loop that way. `stop()` cancels again until
every task has ended."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

RECANCEL_SECONDS = 0.5


async def stop(*tasks: asyncio.Future[Any] | None) -> None:
    """Cancel the tasks (None: none) and return once all have ended; an error one of them ended with is
    logged, not raised — stopping goes on with the rest of the shutdown."""
    pending = {task for task in tasks if task is not None}
    ended = set(pending)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=RECANCEL_SECONDS)
    for task in ended:
        if not task.cancelled() and task.exception() is not None:
            log.warning("%s ended with an error while stopping", _name(task), exc_info=task.exception())


def _name(task: asyncio.Future[Any]) -> str:
    return task.get_name() if isinstance(task, asyncio.Task) else repr(task)
