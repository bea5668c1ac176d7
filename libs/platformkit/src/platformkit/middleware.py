"""Raw ASGI middleware shared by every service and the gateway: request ids, body size cap, metrics and
the access log. Raw ASGI (not BaseHTTPMiddleware) so that streaming bodies pass through untouched and
the per-request cost stays small."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from platformkit.context import request_id
from platformkit.problems import problem_body

log = logging.getLogger("platformkit.access")
REQUEST_ID_HEADER = b"x-request-id"
# A caller-supplied request id is kept only if it is short and plain; anything else is replaced.
_SAFE_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:\-]{1,128}$")


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "http_requests_total", "HTTP requests", ["method", "route", "status"], registry=registry
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "HTTP request duration",
            ["method", "route"],
            registry=registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )


async def send_problem(send: Send, status: int, code: str, detail: str, headers: list[Any]) -> None:
    import json

    body = json.dumps(problem_body(status, code, detail)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Sets and echoes X-Request-ID, refuses bodies over `max_body_bytes` with 413, counts and times
    each request by its route template, and writes one access-log line."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(REQUEST_ID_HEADER, b"")
        rid = incoming.decode() if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        rid_header = (REQUEST_ID_HEADER, rid.encode())
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        method = scope["method"]

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await send_problem(send, 413, "PAYLOAD_TOO_LARGE", self._too_large(), [rid_header])
            self._record(scope, method, 413, started)
            request_id.reset(token)
            return

        received = 0
        refused = False  # the body grew past the cap: 413 sent, whatever the app does next is dropped

        async def limited_receive() -> Message:
            nonlocal received, refused, status
            message = await receive()
            if message["type"] == "http.request" and not refused:
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    refused = True
                    status = 413
                    if not response_started:
                        await send_problem(send, 413, "PAYLOAD_TOO_LARGE", self._too_large(), [rid_header])
                    return {"type": "http.disconnect"}
            return message

        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if refused:
                return
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", []), rid_header]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        except Exception:
            if not refused:
                raise
        finally:
            self._record(scope, method, status, started)
            request_id.reset(token)

    def _too_large(self) -> str:
        return f"The request body is larger than {self.max_body_bytes} bytes."

    def _record(self, scope: Scope, method: str, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        self.metrics.requests.labels(method, template, str(status)).inc()
        self.metrics.duration.labels(method, template).observe(elapsed)
        log.info(
            "%s %s %s",
            method,
            scope.get("path"),
            status,
            extra={"method": method, "path": scope.get("path"), "status": status,
                   "duration_ms": round(elapsed * 1000, 2)},
        )
