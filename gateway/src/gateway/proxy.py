"""The gateway's proxy engine: a raw ASGI app that forwards `/api/<service>/<path>` to `<base_url>/<path>`.

Raw ASGI rather than a FastAPI route because the gateway sits in front of every request: on 2 cores a
FastAPI route costs ~5x a raw ASGI response, and the proxy has to keep >= 60 % of a service's direct
throughput (bench/gateway_overhead.py is the gate; bench/RESULTS.md has the numbers and the candidates).

What it does per request: pick the upstream by the first path segment (404 problem if unknown), ask the
upstream's circuit breaker (503 while open), take a pooled keep-alive connection (retrying the connect for
idempotent methods only), write the request with hop-by-hop headers removed and X-Forwarded-* set, stream
the request body, and stream the response back. Upstream failures become problem+json answers:
502 UPSTREAM_UNAVAILABLE (connect failed), 502 UPSTREAM_CONNECTION_LOST (broke after the request was
sent), 504 UPSTREAM_TIMEOUT (connect or read timeout), 503 UPSTREAM_CIRCUIT_OPEN, 503 UPSTREAM_BUSY.

Mounting: put it behind a small raw ASGI dispatcher rather than `FastAPI.mount` (measured: a FastAPI
Mount adds ~35 µs of CPU per proxied request on top of the engine's ~85 µs, bench/RESULTS.md):

    proxy = ProxyApp({"marketplace": Upstream("marketplace", "http://127.0.0.1:8001"), ...})
    api = create_app(spec)  # the gateway's own routes; its lifespan calls proxy.start()/proxy.close()
    OWN = ("/api/openapi.json", "/api/me/")

    async def app(scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/api/") and not path.startswith(OWN):
            await proxy(scope, receive, send)
        else:
            await api(scope, receive, send)

Serve the gateway with uvicorn `--no-proxy-headers` (or `--forwarded-allow-ips` = the ingress), else
uvicorn itself rewrites the client address from a client-supplied X-Forwarded-For.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.types import Message, Receive, Scope, Send

from gateway.circuit import CircuitBreaker
from gateway.http1pool import (
    SMALL_BODY,
    ConnectFailed,
    Connection,
    Pool,
    UpstreamBroken,
    UpstreamError,
    UpstreamTimeout,
)
from platformkit.problems import PROBLEM_JSON, problem_body

log = logging.getLogger("gateway.proxy")

# RFC 9110 §7.6.1: these describe one hop, never the end-to-end message. "Proxy-*" is matched by prefix.
HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"te", b"trailer", b"trailers", b"transfer-encoding", b"upgrade"}
)
# Also not forwarded upstream: Host (the upstream's own is set), Expect (our ASGI server already answered
# "100 Continue" to the client) and X-Forwarded-* (rebuilt below, so clients cannot spoof them).
_REQUEST_DROP = HOP_BY_HOP | {
    b"host", b"expect", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"
}
# Like nginx's proxy_hide_header defaults: the server that answers the client adds its own Date and Server.
_RESPONSE_DROP = HOP_BY_HOP | {b"date", b"server"}
# RFC 9110 §9.2.2; these may be sent again when the first connect failed.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class Upstream:
    """One service behind the gateway. `base_url` is its internal address, e.g. http://marketplace:8000."""

    name: str
    base_url: str
    connect_timeout: float = 1.0
    read_timeout: float = 10.0  # longest silence from the upstream: until the head, and between body chunks
    max_connections: int = 100
    keepalive_expiry: float = 4.0  # below any upstream's keep-alive timeout (uvicorn's default is 5 s)
    connect_retries: int = 1  # extra connect attempts, idempotent methods only
    failure_threshold: int = 5  # consecutive failures that open the circuit
    reset_timeout: float = 10.0  # seconds the circuit stays open before one trial request


class _Route:
    __slots__ = ("upstream", "pool", "breaker", "host", "base_path")

    def __init__(self, upstream: Upstream, clock: Callable[[], float]) -> None:
        url = urlsplit(upstream.base_url)
        if url.scheme != "http" or not url.hostname:
            # Services are reached on the internal network; TLS ends at the ingress.
            raise ValueError(f"upstream {upstream.name}: only http:// base URLs are supported")
        port = url.port or 80
        self.upstream = upstream
        self.pool = Pool(
            url.hostname,
            port,
            connect_timeout=upstream.connect_timeout,
            read_timeout=upstream.read_timeout,
            max_connections=upstream.max_connections,
            keepalive_expiry=upstream.keepalive_expiry,
        )
        self.breaker = CircuitBreaker(upstream.failure_threshold, upstream.reset_timeout, clock=clock)
        self.host = url.netloc.encode("ascii")
        self.base_path = url.path.rstrip("/").encode("ascii")


class _ClientGone(Exception):
    pass


class ProxyApp:
    """Raw ASGI app: `/api/<service>/<path>?<query>` → `<base_url>/<path>?<query>` of upstream `<service>`.

    `upstreams` maps the public service name (the first path segment) to its Upstream. `prefix` is the
    path prefix as the client sends it ("/api"); the app matches on the full `raw_path`, so it works both
    served directly and mounted under Starlette's `Mount("/api", app=proxy)`.
    `trust_forwarded`: keep X-Forwarded-* from the client (append to X-Forwarded-For) — only behind an
    ingress that sets them; otherwise they are replaced, so a client cannot claim another address.
    `clock`: for the circuit breakers (tests inject one instead of sleeping).
    Call `await start()` on startup and `await close()` on shutdown (done for you when the app itself is
    served and receives ASGI lifespan events)."""

    def __init__(
        self,
        upstreams: Mapping[str, Upstream] | Iterable[Upstream],
        *,
        prefix: str = "/api",
        trust_forwarded: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        items = upstreams.items() if isinstance(upstreams, Mapping) else ((u.name, u) for u in upstreams)
        self._routes = {name.encode("ascii"): _Route(up, clock) for name, up in items}
        self._prefix = prefix.rstrip("/").encode("ascii") + b"/"
        self._trust_forwarded = trust_forwarded

    @classmethod
    def from_urls(cls, urls: Mapping[str, str], **kwargs: Any) -> ProxyApp:
        """`ProxyApp.from_urls({"marketplace": "http://127.0.0.1:8001"})` with default timeouts."""
        return cls({name: Upstream(name, url) for name, url in urls.items()}, **kwargs)

    def breaker(self, service: str) -> CircuitBreaker:
        """The circuit breaker of one upstream (for the operators' health page and for tests)."""
        return self._routes[service.encode("ascii")].breaker

    async def start(self) -> None:
        # Connections are opened on demand; binding the pools to the running loop now makes a
        # misconfiguration (no running loop) fail at startup rather than on the first request.
        for route in self._routes.values():
            _ = route.pool.loop

    async def close(self) -> None:
        for route in self._routes.values():
            await route.pool.close()

    # -- ASGI ------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self._lifespan(receive, send)
            elif scope["type"] == "websocket":
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 1003})
            return
        raw_path: bytes = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
        prefix = self._prefix
        route = None
        if raw_path.startswith(prefix):
            name, _, tail = raw_path[len(prefix):].partition(b"/")
            route = self._routes.get(name)
        if route is None:
            await _problem(send, 404, "UNKNOWN_SERVICE", "No service is published under this path.", scope)
            return
        breaker = route.breaker
        wait = breaker.before_request()
        if wait is not None:
            await _problem(
                send, 503, "UPSTREAM_CIRCUIT_OPEN",
                f"The {route.upstream.name} service is failing; requests to it pause briefly.", scope,
                headers=[(b"retry-after", CircuitBreaker.retry_after_header(wait).encode())],
            )
            return
        outcome_known = False
        try:
            outcome_known = await self._forward(scope, receive, send, route, tail)
        except _ClientGone:
            pass  # the client left while sending its body: nobody is left to answer
        finally:
            if not outcome_known:
                breaker.record_abandoned()

    async def _forward(self, scope: Scope, receive: Receive, send: Send, route: _Route, tail: bytes) -> bool:
        """Proxy one request. Returns whether the circuit breaker was told the outcome."""
        method: str = scope["method"]
        target = route.base_path + b"/" + tail
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        headers, body_mode = self._request_headers(scope, route)
        head = b"".join(
            [method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n",
             *[b"%s: %s\r\n" % (n, v) for n, v in headers], b"\r\n"]
        )
        first_body = b""
        more_body = False
        if body_mode:
            # Read the first body piece before connecting: a client that left costs no upstream work,
            # and a small body goes out in the same write as the head.
            message = await receive()
            if message["type"] == "http.disconnect":
                return False
            first_body, more_body = message.get("body", b""), message.get("more_body", False)
            if body_mode == "chunked":
                first_body = _chunk(first_body) + (b"" if more_body else b"0\r\n\r\n")

        breaker = route.breaker
        try:
            conn = await self._connect(route, method)
        except UpstreamTimeout as exc:
            if exc.phase == "pool":
                await _problem(
                    send, 503, "UPSTREAM_BUSY", f"All connections to {route.upstream.name} are in use.",
                    scope, headers=[(b"retry-after", b"1")],
                )
                return False
            breaker.record_failure()
            await _timeout_problem(send, scope, route, "connect")
            return True
        except ConnectFailed as exc:
            breaker.record_failure()
            log.warning("upstream %s unavailable: %s", route.upstream.name, exc)
            await _problem(
                send, 502, "UPSTREAM_UNAVAILABLE", f"The {route.upstream.name} service cannot be reached.",
                scope,
            )
            return True

        body_done = not more_body
        try:
            conn.send(head + first_body, head_only=method == "HEAD")
            try:
                while not body_done:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise _ClientGone
                    chunk = message.get("body", b"")
                    body_done = not message.get("more_body", False)
                    if body_mode == "chunked":
                        chunk = (_chunk(chunk) if chunk else b"") + (b"0\r\n\r\n" if body_done else b"")
                    if chunk:
                        await conn.write(chunk)
            except UpstreamBroken:
                # The upstream may have answered early (e.g. 413) and closed: use that answer if we have it.
                if not conn.head_done:
                    raise
            await conn.read_head()
        except UpstreamTimeout:
            conn.abort()
            route.pool.release(conn)
            breaker.record_failure()
            await _timeout_problem(send, scope, route, "read")
            return True
        except UpstreamBroken as exc:
            conn.abort()
            route.pool.release(conn)
            breaker.record_failure()
            log.warning("upstream %s broke the connection: %s", route.upstream.name, exc)
            # Never retried: the upstream may already have acted on the request.
            await _problem(
                send, 502, "UPSTREAM_CONNECTION_LOST",
                f"The {route.upstream.name} service closed the connection without an answer.", scope,
            )
            return True
        except BaseException:
            conn.abort()  # client left or we were cancelled: the exchange is unfinished, don't reuse
            route.pool.release(conn)
            raise
        breaker.record_success()
        await self._respond(scope, conn, route, receive, send, watch=body_done)
        return True

    async def _connect(self, route: _Route, method: str) -> Connection:
        # Only a refused/reset connect is retried: nothing was sent, and a restarting or rescheduled
        # service often accepts the next attempt. A connect *timeout* is not: the client would wait
        # twice the timeout for a host that is most likely unreachable.
        attempts = 1 + (route.upstream.connect_retries if method in IDEMPOTENT else 0)
        for attempt in range(attempts):
            try:
                return await route.pool.acquire()
            except ConnectFailed as exc:
                if attempt + 1 >= attempts:
                    raise
                log.info("upstream %s connect failed, retrying: %s", route.upstream.name, exc)
        raise AssertionError("unreachable")

    async def _respond(
        self, scope: Scope, conn: Connection, route: _Route, receive: Receive, send: Send, *, watch: bool
    ) -> None:
        headers: list[tuple[bytes, bytes]] = []
        drop: frozenset[bytes] | set[bytes] = _RESPONSE_DROP
        length = -1
        for name, value in conn.headers:
            if name == b"connection":
                drop = _RESPONSE_DROP | _connection_tokens(value)
            elif name == b"content-length":
                length = int(value) if value.isdigit() else -1
        for name, value in conn.headers:
            if name not in drop and not name.startswith(b"proxy-"):
                headers.append((name, value))
        start = {"type": "http.response.start", "status": conn.status, "headers": headers}
        pool = route.pool
        started = False
        try:
            # Small answers with a Content-Length are collected and sent in one piece (fewer ASGI sends,
            # no disconnect watcher); anything larger or of unknown length is streamed chunk by chunk.
            if conn.complete or 0 <= length <= SMALL_BODY:
                body = b""
                while True:
                    chunk = await conn.read_body()
                    if not chunk:
                        break
                    body = body + chunk if body else chunk
                pool.release(conn)
                started = True
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            started = True
            await send(start)
            # A long or endless body (downloads, event streams): stop reading the upstream when the
            # client goes away, or we would hold the upstream connection until its body ends.
            watcher = asyncio.ensure_future(_watch_disconnect(receive, conn)) if watch else None
            try:
                while True:
                    chunk = await conn.read_body()
                    if not chunk:
                        break
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            finally:
                if watcher is not None:
                    watcher.cancel()
            pool.release(conn)
            await send({"type": "http.response.body", "body": b""})
        except UpstreamError as exc:
            conn.abort()
            pool.release(conn)
            log.warning("upstream %s failed mid-response: %s", route.upstream.name, exc)
            if not started:
                if isinstance(exc, UpstreamTimeout):
                    await _timeout_problem(send, scope, route, "read")
                else:
                    await _problem(
                        send, 502, "UPSTREAM_CONNECTION_LOST",
                        f"The {route.upstream.name} service broke off its answer.", scope,
                    )
            # Otherwise it is too late for a problem answer: returning without completing the response
            # makes the server close the client connection, so the client sees the truncation.
        except BaseException:
            conn.abort()
            pool.release(conn)
            raise

    def _request_headers(self, scope: Scope, route: _Route) -> tuple[list[tuple[bytes, bytes]], str]:
        """Headers to send upstream, and how the body is framed: "" (none), "length" or "chunked"."""
        out: list[tuple[bytes, bytes]] = [(b"host", route.host)]
        drop: frozenset[bytes] | set[bytes] = _REQUEST_DROP
        host = b""
        chunked = False
        has_length = False
        fwd_for = fwd_proto = fwd_host = b""
        proxy_headers = False
        for name, value in scope["headers"]:
            if name in _REQUEST_DROP:
                if name == b"connection":
                    drop = _REQUEST_DROP | _connection_tokens(value)
                elif name == b"transfer-encoding":
                    chunked = b"chunked" in value.lower()
                elif name == b"host":
                    host = value
                elif name == b"x-forwarded-for":
                    fwd_for = value
                elif name == b"x-forwarded-proto":
                    fwd_proto = value
                elif name == b"x-forwarded-host":
                    fwd_host = value
                continue
            if name == b"content-length":
                has_length = value != b"0"
            elif name.startswith(b"proxy-"):
                proxy_headers = True
            out.append((name, value))
        if drop is not _REQUEST_DROP or proxy_headers:
            out = [(n, v) for n, v in out if n == b"host" or (n not in drop and not n.startswith(b"proxy-"))]
        if chunked:
            # Transfer-Encoding wins over Content-Length (RFC 9112 §6.3); never send both (smuggling).
            out = [(n, v) for n, v in out if n != b"content-length"]
            out.append((b"transfer-encoding", b"chunked"))
        client = scope.get("client")
        client_ip = client[0].encode("ascii") if client else b"unknown"
        trusted = self._trust_forwarded
        out.append((b"x-forwarded-for", fwd_for + b", " + client_ip if trusted and fwd_for else client_ip))
        out.append((b"x-forwarded-proto", fwd_proto if trusted and fwd_proto else scope["scheme"].encode()))
        if host or (trusted and fwd_host):
            out.append((b"x-forwarded-host", fwd_host if trusted and fwd_host else host))
        return out, "chunked" if chunked else "length" if has_length else ""

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _connection_tokens(value: bytes) -> set[bytes]:
    # Headers named in Connection are hop-by-hop too (RFC 9110 §7.6.1).
    return {token.strip().lower() for token in value.split(b",") if token.strip()}


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b""


async def _watch_disconnect(receive: Receive, conn: Connection) -> None:
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            conn.abort()
            return


async def _timeout_problem(send: Send, scope: Scope, route: _Route, phase: str) -> None:
    up = route.upstream
    if phase == "connect":
        detail = f"The {up.name} service did not accept a connection within {up.connect_timeout:g} s."
    else:
        detail = f"The {up.name} service did not answer within {up.read_timeout:g} s."
    await _problem(send, 504, "UPSTREAM_TIMEOUT", detail, scope)


async def _problem(
    send: Send, status: int, code: str, detail: str, scope: Scope,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps(problem_body(status, code, detail, instance=scope["path"])).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            *(headers or []),
        ],
    })
    await send({"type": "http.response.body", "body": body})
