"""An erased person's browser sessions end at once (real nats-server, the whole gateway app): accounts'
`accounts.person.erased.v1` on its ACCOUNTS stream reaches the gateway's durable consumer, which deletes
every session of that person and nobody else's; the event delivered twice changes nothing more."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from gwhelpers import RunningGateway, offline_oidc, store_session

from eventcontracts.accounts import PersonErasedV1
from gateway.erasure import DURABLE
from gateway.sessions import SessionRecord, SessionStore, new_secret
from platformkit.events import Bus, KeyValueBucket, encode
from platformkit.natsserver import NatsServer

pytestmark = pytest.mark.timeout(60)


async def until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def signed_in_as(gateway: RunningGateway, session_id: str) -> str | None:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10, cookies={"dorf_session": session_id}) as client:
        session = (await client.get("/auth/session")).json()
        return str(session["person_id"]) if session["signed_in"] else None


async def test_an_erased_persons_sessions_end_at_once_and_only_theirs(running_gateway: RunningGateway) -> None:
    erased, kept = str(uuid.uuid4()), str(uuid.uuid4())
    sessions: dict[str, str] = {}
    for label, person in (("a-phone", erased), ("a-laptop", erased), ("b", kept)):
        access = running_gateway.issuer.tokens.issue(person, audience=["gateway", "echo"])
        sessions[label], _ = await store_session(running_gateway, access, sub=person)
    for label, person in (("a-phone", erased), ("a-laptop", erased), ("b", kept)):
        assert await signed_in_as(running_gateway, sessions[label]) == person

    bus = Bus(running_gateway.nats_url, name="accounts-test")
    await bus.start()
    try:
        await bus.wait_connected()
        # What accounts' relay does: its stream ACCOUNTS, the event with its envelope as headers.
        await bus.ensure_stream("accounts", duplicate_window=120, max_age=3600)
        # A message that can never be handled first: it must not hold back the real one.
        await bus.js.publish(PersonErasedV1.type, b"{}", headers={"Nats-Msg-Id": "broken"})
        event = PersonErasedV1(person_id=uuid.UUID(erased), erased_at=datetime.now(UTC))
        subject, headers, body = encode(event, source="/services/accounts")
        await bus.js.publish(subject, body, headers=headers)

        async def erased_signed_out() -> bool:
            return all([await signed_in_as(running_gateway, sessions[label]) is None
                        for label in ("a-phone", "a-laptop")])

        await until(erased_signed_out, "the erased person's sessions to end")
        assert await signed_in_as(running_gateway, sessions["b"]) == kept

        # The same event once more (a relay that published it again after the duplicate window).
        await bus.js.publish(subject, body, headers={**headers, "Nats-Msg-Id": f"again-{headers['Nats-Msg-Id']}"})

        async def all_acked() -> bool:
            info = await bus.js.consumer_info("ACCOUNTS", DURABLE)
            return info.delivered.stream_seq == 3 and info.num_pending == 0 and info.num_ack_pending == 0

        await until(all_acked, "the gateway to handle every message")
        assert await erased_signed_out()
        assert await signed_in_as(running_gateway, sessions["b"]) == kept
        async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10,
                                     cookies={"dorf_session": sessions["a-phone"]}) as client:
            call = await client.get("/api/echo/me")
            assert call.status_code == 200 and call.json()["authorization"] is None  # anonymous now
    finally:
        await bus.close()


async def test_concurrent_sign_ins_of_one_person_are_all_found(nats_server: NatsServer) -> None:
    bus = Bus(nats_server.url, name="replica")
    await bus.start()
    await bus.wait_connected()
    try:
        bucket = KeyValueBucket(bus, "SESSIONS_ERASURE_TEST", ttl=3600)

        async def verify(token: str) -> Any:
            raise AssertionError("not used")

        store = SessionStore(bucket, offline_oidc(), verify, refresh_margin=5, max_age=3600)

        def record(person: str) -> SessionRecord:
            return SessionRecord(person_id=person, name="Erika", roles=("resident",), scopes=(),
                                 csrf_token=new_secret(), access_token="at", access_expires_at=time.time() + 300,
                                 refresh_token=None, created_at=time.time())

        person, other = "p-erased", "p-other"
        # At once, as on several replicas: each compare-and-set loser tries again, nobody is left out.
        mine = await asyncio.gather(*(store.create(record(person)) for _ in range(6)))
        theirs = await store.create(record(other))
        ended_one = await store.delete(mine[0])
        assert ended_one is not None
        assert await store.end_sessions_of(person) == 6  # the ended one is still listed: deleting it is harmless
        assert [await store.load(session_id) for session_id in mine] == [None] * 6
        assert await store.load(theirs) is not None
        assert await store.end_sessions_of(person) == 0  # twice: nothing more
        assert await store.load(theirs) is not None
    finally:
        await bus.close()
