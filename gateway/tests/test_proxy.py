"""The proxy engine end to end over real sockets: real upstream servers (uvicorn in threads), the proxy
served by a real uvicorn too, and httpx as the client. Timeouts are generous; no tight timing asserts."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from gwhelpers import free_port, serve

from gateway import http1pool
from gateway.circuit import State
from gateway.proxy import ProxyApp, Upstream

pytestmark = pytest.mark.timeout(60)




class UpstreamApp:
    """A raw ASGI service with the behaviours the proxy must cope with."""

    def __init__(self) -> None:
        self.release = threading.Event()  # lets /stream finish
        self.got_first_bytes = threading.Event()  # set by /sink on its first body bytes
        self.endless_stopped = threading.Event()  # /endless saw its client (the proxy) go away
        self.client_ports: list[int] = []
        self.hits: dict[str, int] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        self.hits[path] = self.hits.get(path, 0) + 1
        self.client_ports.append(scope["client"][1])
        if path == "/hang":
            # Never answer; return when the proxy gives up and closes the connection.
            while (await receive())["type"] != "http.disconnect":
                pass
            return
        if path == "/stream":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"first;", "more_body": True})
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
            await send({"type": "http.response.body", "body": b"rest", "more_body": False})
            return
        if path == "/endless":
            # An event stream that never ends by itself: only the client going away stops it.
            await send({"type": "http.response.start", "status": 200, "headers": []})
            gone = asyncio.ensure_future(receive())
            while not gone.done() or gone.result()["type"] != "http.disconnect":
                if gone.done():
                    gone = asyncio.ensure_future(receive())
                await send({"type": "http.response.body", "body": b"tick\n", "more_body": True})
                await asyncio.sleep(0.05)
            self.endless_stopped.set()
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if body:
                self.got_first_bytes.set()
            more = message.get("more_body", False)
        if path == "/echo-body":
            # Echo in 64 KiB pieces, no Content-Length: the proxy must stream a large body of unknown size.
            await send({"type": "http.response.start", "status": 200, "headers": []})
            for start in range(0, len(body), 65536):
                await send({"type": "http.response.body", "body": bytes(body[start:start + 65536]),
                            "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return
        if path == "/sink":
            await _json(send, 200, {"sha256": hashlib.sha256(body).hexdigest(), "length": len(body)})
            return
        if path == "/hop-response":
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"connection", b"X-Secret"), (b"x-secret", b"s"), (b"keep-alive", b"timeout=5"),
                (b"proxy-thing", b"p"), (b"trailer", b"x-t"), (b"upgrade", b"foo"), (b"x-keep", b"yes"),
                (b"content-length", b"2"),
            ]})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        await _json(send, 200, {
            "method": scope["method"],
            "raw_path": scope["raw_path"].decode(),
            "query": scope["query_string"].decode(),
            "headers": [[n.decode(), v.decode()] for n, v in scope["headers"]],
            "body_length": len(body),
        })


async def _json(send: Any, status: int, data: Any) -> None:
    body = json.dumps(data).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[UpstreamApp, int]]:
    app = UpstreamApp()
    with serve(app) as port:
        yield app, port


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def proxy(upstream: tuple[UpstreamApp, int], clock: FakeClock) -> Iterator[tuple[ProxyApp, str]]:
    _, port = upstream
    down = free_port()  # nothing listens here
    app = ProxyApp(
        {
            "shop": Upstream("shop", f"http://127.0.0.1:{port}", read_timeout=1.0, failure_threshold=3,
                             reset_timeout=30.0),
            "pre": Upstream("pre", f"http://127.0.0.1:{port}/prefix/"),
            "down": Upstream("down", f"http://127.0.0.1:{down}", connect_timeout=1.0),
        },
        clock=clock,
    )
    with serve(app) as proxy_port:
        yield app, f"http://127.0.0.1:{proxy_port}"


@pytest.fixture
async def client(proxy: tuple[ProxyApp, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=proxy[1], timeout=httpx.Timeout(20.0)) as http:
        yield http


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["detail"] and body["type"].startswith("https://")
    return body


async def test_routes_by_service_and_keeps_path_and_query(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/shop/items/7/a%2Fb", params={"q": "Bergkäse & Brot", "n": "1"})
    assert response.status_code == 200
    seen = response.json()
    assert seen["method"] == "GET"
    assert seen["raw_path"] == "/items/7/a%2Fb"  # encoded slash stays encoded
    assert seen["query"] == "q=Bergk%C3%A4se+%26+Brot&n=1"

    prefixed = (await client.get("/api/pre/x/y?z=1")).json()
    assert prefixed["raw_path"] == "/prefix/x/y" and prefixed["query"] == "z=1"


async def test_unknown_service_is_404_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/api/nosuchservice/items"), 404, "UNKNOWN_SERVICE")
    assert body["instance"] == "/api/nosuchservice/items"
    assert_problem(await client.get("/elsewhere"), 404, "UNKNOWN_SERVICE")


async def test_pooled_connections_are_reused(
    client: httpx.AsyncClient, upstream: tuple[UpstreamApp, int]
) -> None:
    app, _ = upstream
    app.client_ports.clear()
    for _ in range(20):
        assert (await client.get("/api/shop/items/1")).status_code == 200
    # Sequential requests ride one keep-alive connection instead of opening one each.
    assert len(set(app.client_ports)) == 1, app.client_ports


async def test_head_then_get_on_the_same_connection(
    client: httpx.AsyncClient, upstream: tuple[UpstreamApp, int]
) -> None:
    app, _ = upstream
    app.client_ports.clear()
    head = await client.head("/api/shop/items/1")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 0  # the length of the body a GET would get
    get = await client.get("/api/shop/items/2")
    assert get.status_code == 200 and get.json()["raw_path"] == "/items/2"
    assert len(set(app.client_ports)) == 1


async def test_five_megabytes_streamed_up_and_back_intact(client: httpx.AsyncClient) -> None:
    payload = os.urandom(5 * 1024 * 1024)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 256 * 1024):
            yield payload[start:start + 256 * 1024]

    # Chunked upload (no Content-Length) echoed back as a streamed body of unknown length.
    response = await client.post("/api/shop/echo-body", content=chunks())
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == hashlib.sha256(payload).hexdigest()
    # The same with a Content-Length upload.
    response = await client.put("/api/shop/sink", content=payload)
    assert response.json() == {"sha256": hashlib.sha256(payload).hexdigest(), "length": len(payload)}


async def test_request_body_reaches_upstream_before_the_client_finished(
    client: httpx.AsyncClient, upstream: tuple[UpstreamApp, int]
) -> None:
    app, _ = upstream
    app.got_first_bytes.clear()

    async def chunks() -> AsyncIterator[bytes]:
        yield b"x" * 65536
        # A buffering proxy would wait for the whole body before contacting the upstream: this deadline
        # would then pass without the upstream seeing a byte.
        for _ in range(1000):
            if app.got_first_bytes.is_set():
                break
            await asyncio.sleep(0.01)
        yield b"done" if app.got_first_bytes.is_set() else b"never-streamed"

    response = await client.post("/api/shop/sink", content=chunks())
    assert response.status_code == 200
    expected = b"x" * 65536 + b"done"
    assert response.json() == {"sha256": hashlib.sha256(expected).hexdigest(), "length": len(expected)}


async def test_response_streams_before_upstream_finished(
    client: httpx.AsyncClient, upstream: tuple[UpstreamApp, int]
) -> None:
    app, _ = upstream
    app.release.clear()
    async with client.stream("GET", "/api/shop/stream") as response:
        assert response.status_code == 200
        chunks = response.aiter_raw()
        first = await asyncio.wait_for(chunks.__anext__(), timeout=10)
        assert first == b"first;"
        assert not app.release.is_set()  # the upstream is still in the middle of its answer
        app.release.set()
        rest = b"".join([chunk async for chunk in chunks])
    assert rest == b"rest"


async def test_client_leaving_a_stream_releases_the_upstream(
    proxy: tuple[ProxyApp, str], upstream: tuple[UpstreamApp, int]
) -> None:
    app, _ = upstream
    app.endless_stopped.clear()
    async with httpx.AsyncClient(base_url=proxy[1], timeout=20) as http:
        async with http.stream("GET", "/api/shop/endless") as response:
            assert response.status_code == 200
            async for chunk in response.aiter_raw():
                assert chunk.startswith(b"tick")
                break
    # The client closed its connection: the proxy must drop the upstream side too, or an endless
    # stream would hold an upstream connection (and the upstream's work) forever.
    stopped = await asyncio.get_running_loop().run_in_executor(None, app.endless_stopped.wait, 15)
    assert stopped


async def test_hop_by_hop_headers_removed_and_forwarding_headers_set(
    client: httpx.AsyncClient, upstream: tuple[UpstreamApp, int], proxy: tuple[ProxyApp, str]
) -> None:
    _, port = upstream
    response = await client.get("/api/shop/headers", headers={
        "Connection": "keep-alive, X-Drop-Me",
        "X-Drop-Me": "1",
        "Keep-Alive": "timeout=5",
        "Proxy-Authorization": "Basic eDp5",
        "TE": "trailers",
        "Trailer": "X-Checksum",
        "X-Forwarded-For": "6.6.6.6",
        "X-Forwarded-Host": "evil.example",
        "X-Request-ID": "req-123",
        "X-Keep": "yes",
        "Authorization": "Bearer abc",
    })
    assert response.status_code == 200
    sent = response.json()["headers"]
    names = [name for name, _ in sent]
    headers = dict(sent)
    for hop in ("connection", "x-drop-me", "keep-alive", "proxy-authorization", "te", "trailer",
                "transfer-encoding", "upgrade"):
        assert hop not in names, hop
    assert headers["x-keep"] == "yes"
    assert headers["authorization"] == "Bearer abc"  # services verify tokens themselves
    assert headers["x-request-id"] == "req-123"
    assert headers["host"] == f"127.0.0.1:{port}"
    assert headers["x-forwarded-for"] == "127.0.0.1"  # the client's claim is replaced (not trusted)
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == proxy[1].removeprefix("http://")
    assert names.count("x-forwarded-for") == 1

    back = await client.get("/api/shop/hop-response")
    assert back.status_code == 200 and back.text == "ok"
    for hop in ("x-secret", "keep-alive", "proxy-thing", "trailer", "upgrade"):
        assert hop not in back.headers, hop
    assert back.headers["x-keep"] == "yes"
    assert back.headers.get("connection", "keep-alive") == "keep-alive"


async def test_upstream_down_is_502_fast(client: httpx.AsyncClient) -> None:
    started = time.monotonic()
    body = assert_problem(await client.get("/api/down/items"), 502, "UPSTREAM_UNAVAILABLE")
    assert "down" in body["detail"]
    assert time.monotonic() - started < 5  # connection refused: no waiting for the read timeout


async def test_hanging_upstream_is_504_while_other_routes_keep_answering(
    client: httpx.AsyncClient, proxy: tuple[ProxyApp, str]
) -> None:
    started = time.monotonic()
    hanging = asyncio.ensure_future(client.get("/api/shop/hang"))
    await asyncio.sleep(0.1)
    others = await asyncio.gather(*[client.get(f"/api/shop/items/{i}") for i in range(20)])
    assert all(r.status_code == 200 for r in others)
    assert not hanging.done()  # the others were answered while the hang was still pending
    response = await hanging
    elapsed = time.monotonic() - started
    assert_problem(response, 504, "UPSTREAM_TIMEOUT")
    assert 0.9 <= elapsed < 10  # read_timeout is 1 s
    # One timeout is one failure, not enough to open the circuit (threshold 3).
    assert proxy[0].breaker("shop").state is State.CLOSED


async def test_circuit_opens_after_failures_and_closes_after_cool_down(
    client: httpx.AsyncClient, proxy: tuple[ProxyApp, str], clock: FakeClock,
    upstream: tuple[UpstreamApp, int],
) -> None:
    app, _ = upstream
    breaker = proxy[0].breaker("shop")
    for _ in range(3):
        assert_problem(await client.get("/api/shop/hang"), 504, "UPSTREAM_TIMEOUT")
    assert breaker.state is State.OPEN
    hits_before = app.hits.get("/items/5", 0)
    response = await client.get("/api/shop/items/5")
    assert_problem(response, 503, "UPSTREAM_CIRCUIT_OPEN")
    assert response.headers["retry-after"] == "30"
    assert app.hits.get("/items/5", 0) == hits_before  # nothing reached the upstream while open

    clock.now += 31  # the cool-down passes: one trial request goes through and closes the circuit
    assert (await client.get("/api/shop/items/5")).status_code == 200
    assert breaker.state is State.CLOSED
    assert (await client.get("/api/shop/items/6")).status_code == 200


async def test_failed_trial_reopens_the_circuit(
    client: httpx.AsyncClient, proxy: tuple[ProxyApp, str], clock: FakeClock
) -> None:
    breaker = proxy[0].breaker("down")
    for _ in range(5):
        assert_problem(await client.get("/api/down/x"), 502, "UPSTREAM_UNAVAILABLE")
    assert_problem(await client.get("/api/down/x"), 503, "UPSTREAM_CIRCUIT_OPEN")
    clock.now += 11
    assert_problem(await client.get("/api/down/x"), 502, "UPSTREAM_UNAVAILABLE")  # the trial
    assert breaker.state is State.OPEN
    assert_problem(await client.get("/api/down/x"), 503, "UPSTREAM_CIRCUIT_OPEN")


@pytest.fixture
def flaky_connect(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first connect attempt of each request fails before anything is sent; later ones work."""
    calls: list[str] = []
    original = http1pool.Pool.acquire

    async def acquire(self: http1pool.Pool) -> http1pool.Connection:
        calls.append("attempt")
        if len(calls) == 1:
            raise http1pool.ConnectFailed("simulated refused connection")
        return await original(self)

    monkeypatch.setattr(http1pool.Pool, "acquire", acquire)
    return calls


async def test_idempotent_request_retried_after_connect_error(
    client: httpx.AsyncClient, flaky_connect: list[str]
) -> None:
    response = await client.get("/api/shop/items/3")
    assert response.status_code == 200
    assert len(flaky_connect) == 2


async def test_post_not_retried_after_connect_error(
    client: httpx.AsyncClient, flaky_connect: list[str]
) -> None:
    assert_problem(await client.post("/api/shop/orders", json={"qty": 1}), 502, "UPSTREAM_UNAVAILABLE")
    assert len(flaky_connect) == 1


async def test_nothing_retried_once_the_request_was_sent() -> None:
    """An upstream that reads the request and drops the connection: the request may have had an effect,
    so neither POST nor GET is sent again."""
    received: list[bytes] = []

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    server = await asyncio.start_server(drop, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    app = ProxyApp({"drop": Upstream("drop", f"http://127.0.0.1:{port}", failure_threshold=100)})
    try:
        with serve(app) as proxy_port:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{proxy_port}", timeout=20) as http:
                response = await http.post("/api/drop/orders", content=b'{"qty": 1}')
                assert_problem(response, 502, "UPSTREAM_CONNECTION_LOST")
                assert len(received) == 1 and received[0].startswith(b"POST /orders HTTP/1.1")
                assert_problem(await http.get("/api/drop/orders"), 502, "UPSTREAM_CONNECTION_LOST")
                assert len(received) == 2
    finally:
        server.close()
        await server.wait_closed()


async def test_connect_timeout_is_504_within_the_connect_timeout() -> None:
    """A listener whose accept queue is full drops new SYNs, so connecting hangs like a black-holed host."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):  # fill the (tiny) accept queue; later connects get no answer
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    await asyncio.sleep(0.2)
    app = ProxyApp({"slow": Upstream("slow", f"http://127.0.0.1:{port}", connect_timeout=0.5)})
    try:
        with serve(app) as proxy_port:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{proxy_port}", timeout=20) as http:
                started = time.monotonic()
                body = assert_problem(await http.get("/api/slow/items"), 504, "UPSTREAM_TIMEOUT")
                elapsed = time.monotonic() - started
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
    assert "connection" in body["detail"]
    assert 0.4 <= elapsed < 5  # bounded by the connect timeout (0.5 s), not the 10 s read timeout
