"""Sessions in NATS KV (real nats-server): sealed values, refresh serialised across replicas (the issuer
revokes a whole login when a used refresh token comes back), a refused refresh ends the session, and
pending logins are single-use and bound to the browser that started them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gwhelpers import offline_oidc

from gateway.oidc import pkce_pair
from gateway.sessions import LoginStore, SessionRecord, SessionStore, new_secret
from platformkit.auth import Principal
from platformkit.events import Bus, KeyValueBucket, KeyValueUnavailable, NotifyLimits
from platformkit.events.options import EventOptions
from platformkit.natsserver import NatsServer

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def buses(nats_server: NatsServer) -> AsyncIterator[list[Bus]]:
    """Two connections: two gateway replicas."""
    started = [Bus(nats_server.url, name=f"replica-{n}") for n in range(2)]
    for bus in started:
        await bus.start()
        await bus.wait_connected()
    yield started
    for bus in started:
        await bus.close()


class Issuer:
    """A token endpoint that rotates refresh tokens and, like accounts, treats a reused one as theft."""

    def __init__(self, delay: float = 0.2) -> None:
        self.delay = delay
        self.live = {"rt-1"}
        self.used: set[str] = set()
        self.refreshes = 0
        self.revoked_family = False

    async def handle(self, request: httpx.Request) -> httpx.Response:
        form = dict(item.split("=", 1) for item in request.content.decode().split("&"))
        if request.url.path == "/revoke":
            self.live.discard(form["token"])
            return httpx.Response(200)
        token = form["refresh_token"]
        await asyncio.sleep(self.delay)
        if token in self.used:
            self.revoked_family = True
        if token not in self.live:
            return httpx.Response(400, json={"error": "invalid_grant"})
        self.refreshes += 1
        self.live.discard(token)
        self.used.add(token)
        new = f"rt-{self.refreshes + 1}"
        self.live.add(new)
        return httpx.Response(200, json={"access_token": f"at-{self.refreshes + 1}", "expires_in": 300,
                                         "refresh_token": new, "token_type": "Bearer"})


async def verify(token: str) -> Principal:
    return Principal(sub="p-1", roles=frozenset({"resident", "volunteer"}), claims={"exp": time.time() + 300})


def _store(bus: Bus, issuer: Issuer | None = None) -> SessionStore:
    bucket = KeyValueBucket(bus, "TEST_SESSIONS", ttl=3600)
    return SessionStore(bucket, offline_oidc(issuer.handle if issuer else None), verify, refresh_margin=30,
                        max_age=3600)


def _record(expires_in: float) -> SessionRecord:
    return SessionRecord(person_id="p-1", name="Erika", roles=("resident",), scopes=(), csrf_token=new_secret(),
                         access_token="at-1", access_expires_at=time.time() + expires_in, refresh_token="rt-1",
                         created_at=time.time())


async def test_a_stored_session_is_sealed_and_found_by_its_id_only(buses: list[Bus]) -> None:
    store = _store(buses[0])
    record = _record(300)
    session_id = await store.create(record)
    assert await store.load(session_id) == record
    assert store.subject_of(session_id) == "p-1"
    raw = await buses[0].js.key_value("TEST_SESSIONS")
    [key] = [key for key in await raw.keys() if not key.startswith("person.")]  # not the person's index
    assert session_id not in key
    stored = (await raw.get(key)).value
    assert b"at-1" not in stored and b"Erika" not in stored and b"rt-1" not in stored
    assert await store.load("x" * 43) is None and await store.load("not an id") is None


async def test_refresh_happens_once_across_replicas(buses: list[Bus]) -> None:
    issuer = Issuer()
    replicas = [_store(bus, issuer) for bus in buses]
    session_id = await replicas[0].create(_record(10))  # within the 30 s margin: due
    results = await asyncio.gather(*(replicas[n % 2].fresh(session_id, forwarded_for="192.0.2.1")
                                     for n in range(20)))
    assert issuer.refreshes == 1 and not issuer.revoked_family
    assert {record.access_token for record in results if record} == {"at-2"}
    assert all(record is not None and record.refresh_token == "rt-2" for record in results)
    assert results[0] is not None and results[0].roles == ("resident", "volunteer")  # from the new token


async def test_a_refresh_writes_the_persons_index_again(buses: list[Bus]) -> None:
    """The index entry must live as long as the sessions it lists: a refresh renews it (here: recreates it,
    as if it had expired while the session was in use), so that an erasure still finds the session."""
    issuer = Issuer()
    store = _store(buses[0], issuer)
    session_id = await store.create(_record(10))  # within the 30 s margin: due
    raw = await buses[0].js.key_value("TEST_SESSIONS")
    [index_key] = [key for key in await raw.keys() if key.startswith("person.")]
    await raw.delete(index_key)
    refreshed = await store.fresh(session_id, forwarded_for="x")
    assert refreshed is not None and refreshed.access_token == "at-2"
    assert await store.end_sessions_of("p-1") == 1
    assert await store.load(session_id) is None


async def test_a_refused_refresh_ends_the_session(buses: list[Bus]) -> None:
    issuer = Issuer()
    issuer.live.clear()  # the login was ended elsewhere (log out everywhere)
    store = _store(buses[0], issuer)
    session_id = await store.create(_record(-1))
    assert await store.fresh(session_id, forwarded_for="x") is None
    assert await store.load(session_id) is None
    assert store.subject_of(session_id) is None


async def test_an_unreachable_issuer_keeps_a_still_valid_token(buses: list[Bus]) -> None:
    def down(request: httpx.Request) -> Any:
        raise httpx.ConnectError("down")

    bucket = KeyValueBucket(buses[0], "TEST_SESSIONS", ttl=3600)
    store = SessionStore(bucket, offline_oidc(down), verify, refresh_margin=30, max_age=3600)
    session_id = await store.create(_record(10))
    record = await store.fresh(session_id, forwarded_for="x")
    assert record is not None and record.access_token == "at-1" and record.lease_until == 0.0


async def test_logins_are_single_use_and_bound_to_their_browser(buses: list[Bus]) -> None:
    logins = LoginStore(KeyValueBucket(buses[0], "TEST_LOGINS", ttl=600))
    browser, other_browser = new_secret(), new_secret()
    verifier, _challenge = pkce_pair()
    pending = await logins.begin(browser, next_path="/account", code_verifier=verifier)
    assert await logins.finish(other_browser, pending.state) is None  # a link replayed elsewhere
    assert await logins.finish(browser, "wrong-state") is None
    finished = await logins.finish(browser, pending.state)
    assert finished is not None and finished.code_verifier == verifier and finished.next_path == "/account"
    assert await logins.finish(browser, pending.state) is None  # used up


async def test_sessions_and_the_feed_are_kept_on_as_many_nodes_as_every_stream(
    buses: list[Bus], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert NotifyLimits().replicas == 1
    monkeypatch.setenv("EVENTS_STREAM_REPLICAS", "3")
    assert NotifyLimits().replicas == 3
    # The count reaches NATS: this test's single node cannot keep three copies and says so.
    bucket = KeyValueBucket(buses[0], "replicated", ttl=60, replicas=EventOptions().stream_replicas)
    with pytest.raises(KeyValueUnavailable, match="replicas > 1 not supported"):
        await bucket.create("key", b"value")
