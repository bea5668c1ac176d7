"""Rate limits: token bucket arithmetic with a clock that tests move, who counts against which bucket, and
the outermost layer over real sockets (a flood from one address gets 429 + Retry-After, another client
is unaffected)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from gwhelpers import RunningGateway

from gateway.ratelimit import RateLimits, TokenBuckets
from platformkit.testing.tokens import ManualClock

pytestmark = pytest.mark.timeout(120)


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    clock = ManualClock(1000.0)
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)
    assert buckets.take("b") == 0.0  # another key has its own bucket
    clock.advance(0.5)
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    clock.advance(100)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]  # refilled to the burst, not beyond
    assert buckets.take("a") > 0


def test_full_buckets_are_forgotten_when_the_table_fills() -> None:
    clock = ManualClock(0.0)
    buckets = TokenBuckets(rate=1.0, burst=2, max_keys=10, clock=clock)
    for key in range(10):
        buckets.take(key)
    clock.advance(5)
    buckets.take("new")
    assert len(buckets) == 1


def _limits(clock: ManualClock, hops: int = 0) -> RateLimits:
    return RateLimits(
        subject_rate=1.0, subject_burst=2, address_rate=1.0, address_burst=1, trusted_hops=hops,
        cookie_name="dorf_session",
        subject_of_token=lambda token: "p-1" if token == "known" else None,
        subject_of_session=lambda session: "p-2" if session == "s1" else None,
        clock=clock,
    )


def _scope(address: str, *headers: tuple[bytes, bytes]) -> dict[str, object]:
    return {"type": "http", "client": (address, 1234), "headers": list(headers)}


def test_known_subjects_count_against_themselves_others_against_their_address() -> None:
    limits = _limits(ManualClock(0.0))
    # A known token: two in the subject's burst, from any address.
    assert limits.check(_scope("10.0.0.1", (b"authorization", b"Bearer known"))) == 0
    assert limits.check(_scope("10.0.0.2", (b"authorization", b"Bearer known"))) == 0
    assert limits.check(_scope("10.0.0.3", (b"authorization", b"Bearer known"))) > 0
    # Unknown (perhaps forged) tokens are an address's requests.
    assert limits.check(_scope("10.0.0.1", (b"authorization", b"Bearer forged-1"))) == 0
    assert limits.check(_scope("10.0.0.1", (b"authorization", b"Bearer forged-2"))) > 0
    # A known session cookie among other cookies.
    assert limits.check(_scope("10.0.0.1", (b"cookie", b"a=1; dorf_session=s1; b=2"))) == 0
    assert limits.check(_scope("10.0.0.5", (b"cookie", b"xdorf_session=s1"))) == 0  # not our cookie
    assert limits.check(_scope("10.0.0.5")) > 0


def test_behind_a_trusted_proxy_the_address_comes_from_x_forwarded_for() -> None:
    limits = _limits(ManualClock(0.0), hops=1)
    ingress = "10.1.1.1"
    assert limits.check(_scope(ingress, (b"x-forwarded-for", b"spoofed, 192.0.2.1"))) == 0
    assert limits.check(_scope(ingress, (b"x-forwarded-for", b"other-spoof, 192.0.2.1"))) > 0
    assert limits.check(_scope(ingress, (b"x-forwarded-for", b"192.0.2.2"))) == 0


@pytest.mark.gateway_settings(rate_limit_address_per_second=5.0, rate_limit_address_burst=10)
async def test_a_flood_gets_429_while_another_client_is_unaffected(running_gateway: RunningGateway) -> None:
    flood_transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    calm_transport = httpx.AsyncHTTPTransport(local_address="127.0.0.3")
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=30, transport=flood_transport) as flood, \
            httpx.AsyncClient(base_url=running_gateway.url, timeout=30, transport=calm_transport) as calm:
        statuses: list[int] = []
        retry_after: set[str] = set()

        async def flooder() -> None:
            for _ in range(150):
                response = await flood.get("/api/echo/x")
                statuses.append(response.status_code)
                if response.status_code == 429:
                    retry_after.add(response.headers["retry-after"])
                    assert response.json()["code"] == "RATE_LIMITED"

        calm_statuses: list[int] = []

        async def calm_client() -> None:
            for _ in range(8):
                calm_statuses.append((await calm.get("/api/echo/x")).status_code)
                await asyncio.sleep(0.25)  # 4 a second: within its 5 a second

        started = time.monotonic()
        await asyncio.gather(*(flooder() for _ in range(4)), calm_client())
        elapsed = time.monotonic() - started
        assert (await calm.get("/livez")).status_code == 200
    allowed = statuses.count(200)
    # 600 requests offered as fast as the gateway answers; at most the burst plus 5 a second got through
    # (+1 s of slack for the clocks' edges), and the rest was refused.
    assert allowed <= 10 + 5 * (elapsed + 1)
    assert statuses.count(429) == len(statuses) - allowed
    assert retry_after and all(int(value) >= 1 for value in retry_after)
    assert calm_statuses == [200] * 8
