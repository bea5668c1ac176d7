"""platformkit.tasks.stop: background loops end even when a cancellation is lost (Python 3.11's wait_for
returns the inner result when it completes as the cancellation arrives), and a loop's error is logged."""

from __future__ import annotations

import asyncio
import logging

import pytest

from platformkit import tasks


async def test_a_loop_that_loses_a_cancellation_is_still_stopped() -> None:
    lost = 0

    async def loop() -> None:
        nonlocal lost
        while True:
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                if lost < 2:  # what a lost cancellation looks like to the loop: it simply goes on
                    lost += 1
                    continue
                raise

    running = asyncio.create_task(loop())
    await asyncio.sleep(0.05)
    await asyncio.wait_for(tasks.stop(running, None), timeout=30)  # one cancel and an await would hang here
    assert running.cancelled() and lost == 2


async def test_a_loop_that_ended_with_an_error_is_logged_and_the_others_stopped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken() -> None:
        raise RuntimeError("the relay fell over")

    failed = asyncio.create_task(broken(), name="relay")
    idle = asyncio.create_task(asyncio.sleep(3600))
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="platformkit.tasks"):
        await tasks.stop(failed, idle)
    assert idle.cancelled() and isinstance(failed.exception(), RuntimeError)
    assert "relay ended with an error" in caplog.text
