"""The live feed `/api/me/feed`: Server-Sent Events with the signed-in person's notifications, read from
the NOTIFY stream (subject `notify.<person_id>`) by an ordered, ephemeral consumer.

Each event's `id` is its stream sequence, so a browser that reconnects with `Last-Event-ID` (EventSource
does so by itself) gets exactly what came after it: nothing lost, nothing twice. A fresh connection gets
every notification the stream still keeps for the person (newest last), then new ones as they come.
Comments (`: ping`) keep idle connections open through proxies; the stream ends when the client leaves
(the consumer is removed at once) or when NATS goes away (the browser reconnects and resumes)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.types import Receive, Scope, Send

from gateway.callers import CallerDep
from gateway.runtime import GatewayRuntime, runtime_of
from platformkit.events.notify import NotificationSubscription, NotificationsUnavailable, follow_notifications
from platformkit.problems import ProblemError

router = APIRouter(tags=["gateway"])


class EventStreamResponse(Response):
    """Streams `events`; stops it as soon as the client disconnects (not only at the next write)."""

    media_type = "text/event-stream"

    def __init__(self, events: AsyncIterator[bytes], on_close: Callable[[], Awaitable[None]]) -> None:
        super().__init__(headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        self._events = events
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(name, value) for name, value in self.raw_headers if name != b"content-length"]

        async def pump() -> None:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            async for chunk in self._events:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        pumping = asyncio.ensure_future(pump())
        watching = asyncio.ensure_future(watch())
        try:
            await asyncio.wait({pumping, watching}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pumping, watching):
                task.cancel()
            for task in (pumping, watching):
                with contextlib.suppress(asyncio.CancelledError, OSError):
                    await task
            await self._on_close()


async def _events(runtime: GatewayRuntime, subscription: NotificationSubscription) -> AsyncIterator[bytes]:
    heartbeat = runtime.settings.feed_heartbeat_seconds
    yield f"retry: 5000\n: heartbeat every {heartbeat:g} s\n\n".encode()
    while True:
        try:
            item = await subscription.next(heartbeat)
        except NotificationsUnavailable:
            return
        if item is None:
            if not runtime.bus.connected:
                return  # the browser reconnects with Last-Event-ID and resumes
            yield b": ping\n\n"
            continue
        data = json.dumps(item.as_json(), ensure_ascii=False, separators=(",", ":"))
        yield f"id: {item.sequence}\nevent: notification\ndata: {data}\n\n".encode()


@router.get("/api/me/feed", status_code=200, responses={
    200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events: `notification` events"},
})
async def feed(
    request: Request,
    who: CallerDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int | None, Query(ge=0, description="Resume after this sequence (as Last-Event-ID)")] = None,
) -> Response:
    """The signed-in person's notifications as they happen (resume with `Last-Event-ID`)."""
    runtime = runtime_of(request.app)
    resume = after
    if last_event_id is not None and last_event_id.strip():
        if not last_event_id.strip().isdigit():
            raise ProblemError(400, "BAD_LAST_EVENT_ID", "Last-Event-ID must be a sequence number from this feed.")
        resume = int(last_event_id.strip())
    if runtime.feeds_per_person.get(who.sub, 0) >= runtime.settings.feed_max_per_person:
        raise ProblemError(429, "TOO_MANY_FEEDS", "Too many live feeds are open for you; close one first.",
                           headers={"Retry-After": "10"})
    try:
        subscription = await follow_notifications(runtime.bus, who.sub, after=resume)
    except (NotificationsUnavailable, ValueError) as error:
        raise ProblemError(503, "FEED_UNAVAILABLE", "The live feed is not available right now; try again shortly.",
                           headers={"Retry-After": "5"}) from error
    counts = runtime.feeds_per_person
    counts[who.sub] = counts.get(who.sub, 0) + 1

    async def closed() -> None:
        await subscription.close()
        left = counts.get(who.sub, 1) - 1
        if left > 0:
            counts[who.sub] = left
        else:
            counts.pop(who.sub, None)

    return EventStreamResponse(_events(runtime, subscription), closed)
