"""The one NATS connection of a service: reconnects forever, starts even while NATS is down, and
declares the producer's stream. Nothing else in the project touches the NATS client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import nats.errors
import nats.js.errors
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext, api

from platformkit.events.contracts import stream_name

log = logging.getLogger("platformkit.events")
# How long closing the connection may take at shutdown before the service stops without it.
CLOSE_SECONDS = 5.0

STREAM_NAME_IN_USE = 10058  # "stream name already in use with a different configuration"


class Bus:
    """A NATS connection that is never given up on.

    `start()` returns at once; the connection is made in the background (nats-py's default stops
    reconnecting after 60 attempts, about 2 minutes; here it never stops). `connected` is what
    `/readyz` shows. Callbacks registered with `on_connect` run after the first connect and after
    every reconnect, so declarations are renewed if the server lost its state."""

    def __init__(
        self, url: str, *, name: str, reconnect_wait: float = 2.0, connect_timeout: float = 2.0
    ) -> None:
        self.url = url
        self.name = name
        self.reconnect_wait = reconnect_wait
        self.connect_timeout = connect_timeout
        self.nc = NATS()
        self._js: JetStreamContext | None = None
        self._up = asyncio.Event()
        self._connect_task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[], None]] = []
        self._errors_logged = 0
        self._closing = False

    @property
    def connected(self) -> bool:
        return bool(self.nc.is_connected)

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("the NATS connection is not up yet")
        return self._js

    def on_connect(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        if self._connect_task is None:
            self._connect_task = asyncio.create_task(self._connect(), name=f"nats-connect-{self.name}")

    async def wait_connected(self) -> None:
        while not self.connected:
            self._up.clear()
            if self.connected:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._up.wait(), timeout=1.0)

    async def close(self) -> None:
        self._closing = True
        if self._connect_task is not None and not self._connect_task.done():
            self._connect_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connect_task
        if not self.nc.is_closed:
            # Best effort, and never longer than CLOSE_SECONDS: asyncio.wait, not wait_for — wait_for waits
            # for a timed-out close() to acknowledge its cancellation, and a close() stuck in the driver
            # (a teardown hung 300 s in a test run) never does. A cancellation of our own task still
            # goes on (asyncio.wait raises it).
            closing = asyncio.ensure_future(self.nc.close())
            await asyncio.wait({closing}, timeout=CLOSE_SECONDS)
            if not closing.done():
                closing.cancel()
                log.info("closing the NATS connection took longer than %s s; left to finish on its own",
                         CLOSE_SECONDS)
            elif not closing.cancelled() and closing.exception() is not None:
                # nats-py 2.16 may also raise CancelledError out of close() when the server is already gone
                # (StreamWriter.wait_closed): that is `cancelled()` above, and as good as closed.
                error = closing.exception()
                log.info("closing the NATS connection: %s: %s", type(error).__name__, error)

    async def _connect(self) -> None:
        # max_reconnect_attempts=-1 also makes the *first* connect retry until a server answers.
        await self.nc.connect(
            servers=[self.url],
            name=self.name,
            max_reconnect_attempts=-1,
            reconnect_time_wait=self.reconnect_wait,  # type: ignore[arg-type]  # a float works
            connect_timeout=self.connect_timeout,  # type: ignore[arg-type]
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnected,
            reconnected_cb=self._on_reconnected,
            closed_cb=self._on_closed,
        )
        self._js = self.nc.jetstream(timeout=self.connect_timeout + 3)
        log.info("connected to NATS at %s", self.url)
        self._errors_logged = 0
        self._notify()

    def _notify(self) -> None:
        self._up.set()
        for listener in self._listeners:
            listener()

    async def _on_error(self, error: Exception) -> None:
        # Every failed reconnect attempt lands here: log the first few, then only now and then.
        self._errors_logged += 1
        if self._errors_logged <= 3 or self._errors_logged % 30 == 0:
            log.warning("NATS: %s: %s (attempt %d)", type(error).__name__, error, self._errors_logged)

    async def _on_disconnected(self) -> None:
        self._up.clear()
        if not self._closing:
            log.warning("disconnected from NATS; reconnecting")

    async def _on_reconnected(self) -> None:
        log.info("reconnected to NATS")
        self._errors_logged = 0
        self._notify()

    async def _on_closed(self) -> None:
        self._up.clear()

    async def ensure_stream(
        self, service: str, *, duplicate_window: float, max_age: float, replicas: int = 1
    ) -> api.StreamInfo:
        """Create the producer's stream, or update it to this configuration (idempotent)."""
        config = api.StreamConfig(
            name=stream_name(service),
            subjects=[f"{service}.>"],
            storage=api.StorageType.FILE,
            retention=api.RetentionPolicy.LIMITS,
            discard=api.DiscardPolicy.OLD,
            duplicate_window=duplicate_window,
            max_age=max_age,
            num_replicas=replicas,
        )
        try:
            return await self.js.add_stream(config)
        except nats.js.errors.BadRequestError as error:
            if error.err_code != STREAM_NAME_IN_USE:
                raise
            return await self.js.update_stream(config)

