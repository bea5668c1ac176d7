"""When accounts erases a person (`accounts.person.erased.v1`), the gateway ends all their browser sessions
at once: the sessions hold the person's name and tokens, which must not outlive the erasure (accounts has
revoked the refresh tokens, but an access token would still work until it expires).

The gateway has no database, so platformkit's Consumer (which records each event in an inbox table in the
handler's transaction) does not fit. Ending sessions is idempotent by nature, so a durable JetStream pull
consumer of our own is enough: shared by all replicas (the sessions are in one bucket, one replica acts),
acked only after the sessions are gone, redelivered when that failed (NATS KV unavailable)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nats.aio.msg import Msg
from nats.js import api

from eventcontracts.accounts import PersonErasedV1
from gateway.sessions import SessionStore
from platformkit.events import Bus, UndecodableEvent, decode, stream_name

log = logging.getLogger("gateway.erasure")

DURABLE = "gateway-person-erased"
RETRY_SECONDS = 5.0


class ErasureListener:
    def __init__(self, bus: Bus, sessions: SessionStore, *, fetch_timeout: float = 5.0) -> None:
        self.bus = bus
        self.sessions = sessions
        self.fetch_timeout = fetch_timeout
        self.stream = stream_name(PersonErasedV1.service())
        self._renew = True
        bus.on_connect(self._on_connect)

    def _on_connect(self) -> None:
        self._renew = True  # declare the consumer again: the server may have lost it

    def config(self) -> api.ConsumerConfig:
        return api.ConsumerConfig(
            name=DURABLE,
            durable_name=DURABLE,
            description=f"gateway ends the sessions on {PersonErasedV1.type}",
            # From the stream's start: an erasure published before the gateway's first run still counts.
            deliver_policy=api.DeliverPolicy.ALL,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=30.0,
            filter_subject=PersonErasedV1.type,
        )

    async def run(self) -> None:
        """Until cancelled: bind (retrying while the ACCOUNTS stream is not there yet), fetch, handle."""
        subscription = None
        pause = 0.5
        while True:
            await self.bus.wait_connected()
            try:
                if self._renew or subscription is None:
                    self._renew = False
                    if subscription is not None:
                        with contextlib.suppress(Exception):
                            await subscription.unsubscribe()
                    await self.bus.js.add_consumer(self.stream, config=self.config())
                    subscription = await self.bus.js.pull_subscribe_bind(durable=DURABLE, stream=self.stream)
                    pause = 0.5
                messages = await subscription.fetch(10, timeout=self.fetch_timeout)
            except TimeoutError:
                continue  # nothing erased meanwhile
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the stream not there yet (accounts not started), NATS going away
                log.warning("erasure consumer on %s: %s: %s", self.stream, type(error).__name__, error)
                self._renew = True
                await asyncio.sleep(pause)
                pause = min(pause * 2, 10.0)
                continue
            for message in messages:
                await self.handle(message)

    async def handle(self, message: Msg) -> None:
        try:
            _, event = decode(message.headers, message.data, PersonErasedV1)
        except UndecodableEvent as error:
            log.error("erasure event that can never be handled, dropped: %s", error)
            await message.term()
            return
        try:
            ended = await self.sessions.end_sessions_of(str(event.person_id))
        except Exception as error:
            log.warning("ending the sessions of an erased person failed, retrying: %s", type(error).__name__)
            await message.nak(delay=RETRY_SECONDS)
            return
        log.info("erased person: %d session(s) ended", ended)
        await message.ack()
