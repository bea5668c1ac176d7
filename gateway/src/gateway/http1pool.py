"""A small pooled HTTP/1.1 client for the proxy: asyncio protocol + httptools (llhttp) parser.

Why our own: on 2 cores a shared `httpx.AsyncClient` kept ~7 % and aiohttp 40–60 % of the direct
throughput (see bench/RESULTS.md, "Gateway overhead"). The proxy needs only a tiny subset of HTTP:
write a request head we already built, stream a body, read a status + headers, stream a body back,
keep the connection alive. Doing exactly that on a `asyncio.Protocol` avoids the per-request tasks,
stream objects and header models that dominate the generic clients' profiles.

Failure taxonomy (it drives retries and the 502/504 answers in proxy.py):
- `ConnectFailed`: no byte of the request left this process; retrying is safe for any method.
- `UpstreamTimeout`: connect or read timed out.
- `UpstreamBroken`: the connection broke or spoke bad HTTP after the request (or part of it) was sent;
  never retried, because the upstream may have acted on it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import cast

import httptools

HIGH_WATER = 256 * 1024  # buffered response bytes before we stop reading the upstream socket
# Responses with a Content-Length up to this size are handed over complete: the waiting request is woken
# once, when the whole answer is in, instead of once for the head and again per body packet (uvicorn
# writes head and body separately). Larger or unknown-length bodies are streamed.
SMALL_BODY = 64 * 1024


class UpstreamError(Exception):
    pass


class ConnectFailed(UpstreamError):
    pass


class UpstreamTimeout(UpstreamError):
    def __init__(self, phase: str) -> None:
        super().__init__(f"upstream {phase} timed out")
        self.phase = phase


class UpstreamBroken(UpstreamError):
    pass


class Connection(asyncio.Protocol):
    """One keep-alive connection to an upstream. Used by one request at a time (HTTP/1.1, no pipelining).

    Per request: `send(head)` → optional `write_body(...)` → `await read_head()` → `await read_body()` until
    it returns b"" → `pool.release(conn)`. The parser is created per response, so a HEAD answer (whose
    Content-Length announces a body that never comes) cannot confuse the next response."""

    def __init__(self, pool: Pool) -> None:
        self._pool = pool
        self._loop = pool.loop
        self._transport: asyncio.Transport | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._drain: asyncio.Future[None] | None = None
        self._write_paused = False
        self._read_paused = False
        self.closed = False
        self.idle_since = 0.0
        self._error: UpstreamError | None = None
        # state of the current response
        self._head_only = False
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self._head_done = False
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self.complete = False
        self._keep_alive = False
        self._length_known = False
        self._small = False
        self.counted_closed = False  # the pool's bookkeeping: closed connections are counted once

    # -- asyncio.Protocol ------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None:
            # Bytes while idle: the upstream is not speaking our HTTP; never reuse this connection.
            self._fail(UpstreamBroken("unexpected data from upstream while idle"))
            return
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamBroken(f"invalid HTTP from upstream: {exc}"))

    def eof_received(self) -> bool:
        if self._parser is not None and self._head_done and not self.complete and not self._length_known:
            # A body delimited by connection close (no Content-Length, not chunked) ends here.
            self.on_message_complete()
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._pool.forget(self)
        if not self.complete:
            self._fail(UpstreamBroken("upstream closed the connection"))
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    # -- httptools callbacks ---------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"content-length":
            self._length_known = True
            self._small = value.isdigit() and int(value) <= SMALL_BODY
        elif name == b"transfer-encoding":
            self._length_known = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        self.status = self._parser.get_status_code()
        if self.status < 200:
            # 1xx interim answers (we never send Expect, but an upstream may send 103): skip them.
            self.headers = []
            return
        self._head_done = True
        self._keep_alive = self._parser.should_keep_alive()
        if self._head_only:
            self.on_message_complete()
        elif not self._small:
            self._wake()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        if self._small:
            return  # woken once at the end of the message
        self._buffered += len(body)
        if self._buffered > HIGH_WATER and not self._read_paused and self._transport is not None:
            # Backpressure: a slow client must not make us buffer a large upstream body in memory.
            self._read_paused = True
            self._transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.status < 200 and not self._head_done:
            return  # end of a 1xx interim answer
        self.complete = True
        if self._parser is not None and not self._head_only:
            self._keep_alive = self._keep_alive and self._parser.should_keep_alive()
        self._parser = None
        self._wake()

    # -- used by the proxy -----------------------------------------------------------------------
    @property
    def head_done(self) -> bool:
        return self._head_done

    @property
    def reusable(self) -> bool:
        return (
            not self.closed and self._error is None and self._transport is not None
            and not self._transport.is_closing()
        )

    def send(self, data: bytes, *, head_only: bool) -> None:
        """Start a request: reset the response state and write the head (plus any body bytes we have)."""
        assert self._transport is not None
        self._parser = httptools.HttpResponseParser(self)
        self._head_only = head_only
        self.status = 0
        self.headers = []
        self._head_done = False
        self._chunks.clear()
        self._buffered = 0
        self.complete = False
        self._keep_alive = False
        self._length_known = False
        self._small = False
        self._error = None
        self._transport.write(data)

    async def write(self, data: bytes) -> None:
        """Write request body bytes, waiting while the upstream's socket buffer is full."""
        if self._error is not None:
            raise self._error
        if self.closed or self._transport is None:
            raise UpstreamBroken("upstream closed the connection")
        self._transport.write(data)
        if self._write_paused:
            self._drain = self._loop.create_future()
            await self._wait(self._drain, "write")
            if self._error is not None:
                raise self._error

    async def read_head(self) -> None:
        while not self._head_done:
            if self._error is not None:
                raise self._error
            await self._wait(self._loop.create_future(), "read")
        # A response that is complete but then failed is fine; only fail if the head is incomplete.

    async def read_body(self) -> bytes:
        """The next body chunk, b"" at the end. Chunks already received are handed over together."""
        while True:
            if self._chunks:
                data = self._chunks.popleft() if len(self._chunks) == 1 else b"".join(self._chunks)
                self._chunks.clear()
                self._buffered = 0
                if self._read_paused and self._transport is not None:
                    self._read_paused = False
                    self._transport.resume_reading()
                return data
            if self.complete:
                return b""
            if self._error is not None:
                raise self._error
            await self._wait(self._loop.create_future(), "read")

    @property
    def keep_alive(self) -> bool:
        return self.complete and self._keep_alive and self.reusable

    def abort(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.abort()

    # -- internals -------------------------------------------------------------------------------
    async def _wait(self, fut: asyncio.Future[None], phase: str) -> None:
        # One timer per wait instead of asyncio.timeout(): cheaper on the hot path, same semantics
        # (the read timeout bounds the gap between two events from the upstream, not the whole body).
        self._waiter = fut
        self._timer = self._loop.call_later(self._pool.read_timeout, self._on_timeout, fut, phase)
        try:
            await fut
        finally:
            self._timer.cancel()
            self._timer = None
            self._waiter = None

    def _on_timeout(self, fut: asyncio.Future[None], phase: str) -> None:
        if not fut.done():
            fut.set_exception(UpstreamTimeout(phase))

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: UpstreamError) -> None:
        if self._error is None:
            self._error = error
        if self._transport is not None and not self._transport.is_closing():
            self._transport.abort()
        self._wake()


class Pool:
    """Keep-alive connections to one upstream (host, port), at most `max_connections` at a time."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        connect_timeout: float,
        read_timeout: float,
        max_connections: int = 100,
        keepalive_expiry: float = 4.0,
    ) -> None:
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        # Below any upstream's keep-alive timeout (launcher.serve keeps 75 s, uvicorn's default 5 s), so we
        # drop an idle connection before the upstream does; otherwise we might write a request into a
        # socket the upstream is closing.
        self.keepalive_expiry = keepalive_expiry
        self._idle: list[Connection] = []
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    async def acquire(self) -> Connection:
        """A live connection; raises ConnectFailed/UpstreamTimeout("connect") before anything was sent."""
        loop = self.loop
        now = loop.time()
        while self._idle:
            conn = self._idle.pop()  # LIFO: the warmest connection, and cold ones expire at the bottom
            if conn.reusable and now - conn.idle_since < self.keepalive_expiry:
                return conn
            self._discard(conn)
        while self._open >= self.max_connections:
            waiter = loop.create_future()
            self._waiters.append(waiter)
            try:
                async with asyncio.timeout(self.connect_timeout):
                    await waiter
            except TimeoutError:
                raise UpstreamTimeout("pool") from None
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
            if self._idle:
                return await self.acquire()
        self._open += 1
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, conn = await loop.create_connection(lambda: Connection(self), self.host, self.port)
        except TimeoutError:
            self._open -= 1
            self._wake_one()
            raise UpstreamTimeout("connect") from None
        except OSError as exc:
            self._open -= 1
            self._wake_one()
            raise ConnectFailed(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        except BaseException:
            self._open -= 1
            self._wake_one()
            raise
        return conn

    def release(self, conn: Connection) -> None:
        """Give a connection back after its response; it is kept only if the exchange ended cleanly."""
        if conn.keep_alive:
            conn.idle_since = self.loop.time()
            self._idle.append(conn)
            self._wake_one()
        else:
            self._discard(conn)

    def forget(self, conn: Connection) -> None:
        """Called when a connection closes on its own (e.g. the upstream closed an idle one)."""
        if conn in self._idle:
            self._idle.remove(conn)
            self._count_closed(conn)

    def _discard(self, conn: Connection) -> None:
        if not conn.closed:
            conn.abort()
        self._count_closed(conn)

    def _count_closed(self, conn: Connection) -> None:
        if not conn.counted_closed:
            conn.counted_closed = True
            self._open -= 1
            self._wake_one()

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            self._discard(conn)
