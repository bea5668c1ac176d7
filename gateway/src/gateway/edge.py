"""The gateway's own raw ASGI layers inside the platform's request context (request id, body cap, metrics):

* `EdgeHeaders`: security headers on every answer (CSP without inline scripts, nosniff, Referrer-Policy,
  frame-ancestors none, HSTS when the public URL is https), CORS for the configured origins only, and the
  303 to the login page that `require_browser_session` asks for.
* `EdgeDispatcher`: `/api/<service>/...` goes to the proxy engine after the edge's checks (a bearer token
  is verified; a session cookie is turned into the session's access token, with a CSRF check for
  state-changing methods; a service's `/internal/...` and `/metrics` are 404); `/static/...` to the web
  app's files; everything else to the FastAPI app (the gateway's own routes and the web pages). The
  gateway's own `/metrics` is answered only on its metrics port (METRICS_PORT), which answers nothing else.

Raw ASGI rather than FastAPI middleware or routes: every proxied request passes here (bench/RESULTS.md,
"Gateway overhead": a FastAPI Mount alone costs ~35 µs per request)."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from urllib.parse import quote

from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.config import GatewaySettings
from gateway.runtime import GatewayRuntime
from gateway.sessions import SessionUnavailable
from platformkit.auth import INVALID_TOKEN_CHALLENGE, InvalidToken, TokenVerifierUnavailable
from platformkit.events import KeyValueUnavailable
from platformkit.middleware import send_problem

log = logging.getLogger("gateway.edge")

# Paths under /api/ that are the gateway's own routes, not a service's.
OWN_API_PREFIXES = ("/api/openapi.json", "/api/docs", "/api/me/", "/api/gateway/")


# A service's first path segments that stay inside the platform's network, whatever token comes along:
# service-to-service routes (`/internal/...`, e.g. the personal-data export) and Prometheus' `/metrics`
# (scraped at each pod's own port).
NOT_PUBLIC_SEGMENTS = frozenset({"internal", "metrics"})
METRICS_PATH = "/metrics"


def _internal_only(service_path: str) -> bool:
    """Whether a service's path is one of NOT_PUBLIC_SEGMENTS. Empty segments are dropped first, as the
    services' routers would ignore them (`//internal`)."""
    segments = [part for part in service_path.split("/") if part]
    return bool(segments) and segments[0] in NOT_PUBLIC_SEGMENTS


def _on_metrics_listener(scope: Scope, metrics_port: int | None) -> bool:
    """Whether the request came in on the metrics port (the socket it arrived at, not a header)."""
    server = scope.get("server")
    return metrics_port is not None and server is not None and server[1] == metrics_port
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_HEADER = b"x-csrf-token"
STATIC_CACHE = b"public, max-age=31536000, immutable"  # the web app versions its file URLs (?v=<hash>)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
CORS_ALLOWED_HEADERS = b"authorization, content-type, idempotency-key, if-match, if-none-match, x-request-id"
CORS_EXPOSED_HEADERS = b"etag, location, retry-after, x-request-id"
CORS_METHODS = b"GET, HEAD, POST, PUT, PATCH, DELETE"


class SignInRequired(Exception):  # noqa: N818 - a signal, not an error
    """Raised by `require_browser_session`: answered with 303 to /auth/login?next=<the page>."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def security_headers(https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), payment=(), geolocation=(self)"),
    ]
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


class EdgeHeaders:
    """Takes `public_url` (https or not) and `cors_origins` from the app's settings on first use."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._configured_for: object = None
        self._defaults: list[tuple[bytes, bytes]] = []
        self._default_names: frozenset[bytes] = frozenset()
        self._origins: frozenset[bytes] = frozenset()

    def _configure(self, settings: GatewaySettings) -> None:
        self._defaults = security_headers(settings.https)
        self._default_names = frozenset(name for name, _ in self._defaults)
        self._origins = frozenset(origin.encode("latin-1") for origin in settings.cors_origins)
        self._configured_for = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = scope["app"].state.settings
        if settings is not self._configured_for:
            self._configure(settings)
        origin = b""
        preflight = False
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                preflight = True
        allowed = bool(origin) and origin in self._origins
        if preflight and scope["method"] == "OPTIONS" and origin:
            await self._preflight(send, origin, allowed)
            return
        defaults, default_names = self._defaults, self._default_names

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers} & default_names
                # An upstream's own, more specific policy (e.g. accounts' login page) is kept.
                headers.extend(item for item in defaults if item[0] not in present)
                if allowed:
                    headers += [(b"access-control-allow-origin", origin), (b"vary", b"Origin"),
                                (b"access-control-expose-headers", CORS_EXPOSED_HEADERS)]
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except SignInRequired as needed:
            location = "/auth/login?next=" + quote(needed.next_path, safe="/")
            body = b"<!doctype html><title>Anmelden</title><a href=\"" + location.encode() + b"\">Anmelden</a>"
            await send_with_headers({"type": "http.response.start", "status": 303, "headers": [
                (b"location", location.encode()), (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"),
            ]})
            await send_with_headers({"type": "http.response.body", "body": body})

    async def _preflight(self, send: Send, origin: bytes, allowed: bool) -> None:
        if not allowed:
            await send_problem(send, 403, "CORS_ORIGIN_NOT_ALLOWED",
                               "Cross-origin requests from this origin are not allowed.", self._defaults)
            return
        await send({"type": "http.response.start", "status": 204, "headers": [
            (b"access-control-allow-origin", origin), (b"vary", b"Origin"),
            (b"access-control-allow-methods", CORS_METHODS),
            (b"access-control-allow-headers", CORS_ALLOWED_HEADERS),
            (b"access-control-max-age", b"600"), *self._defaults,
        ]})
        await send({"type": "http.response.body", "body": b""})


class EdgeDispatcher:
    def __init__(self, app: ASGIApp, *, static_dir: Path | None = None) -> None:
        self.app = app
        self._static = StaticFiles(directory=static_dir) if static_dir is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            metrics_listener = _on_metrics_listener(scope, scope["app"].state.settings.metrics_port)
            if metrics_listener != (path.rstrip("/") == METRICS_PATH):
                # /metrics only on the metrics port, and nothing else there.
                await send_problem(send, 404, "NOT_FOUND", "No such route.", [])
                return
            if path.startswith("/api/") and not path.startswith(OWN_API_PREFIXES):
                await self._api(scope["app"].state.gateway, scope, receive, send)
                return
            if path.startswith("/static/") and self._static is not None:
                await self._static_file(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _static_file(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self._static is not None
        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                message["headers"] = [*message.get("headers", []), (b"cache-control", STATIC_CACHE)]
            await send(message)

        await self._static({**scope, "root_path": scope.get("root_path", "") + "/static"}, receive, send_cached)

    async def _api(self, runtime: GatewayRuntime, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        service = path[5:].split("/", 1)[0]
        if service not in runtime.upstreams:
            await runtime.proxy(scope, receive, send)  # answers 404 UNKNOWN_SERVICE
            return
        if _internal_only(path[5 + len(service):]):
            await send_problem(send, 404, "NOT_FOUND", "No such route.", [])
            return
        settings = runtime.settings
        cookie_name = settings.cookie_name.encode("latin-1")
        authorization: bytes | None = None
        csrf: bytes | None = None
        session_id: str | None = None
        kept: list[tuple[bytes, bytes]] = []
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == CSRF_HEADER:
                csrf = value
                continue  # a gateway matter; the service need not see it
            elif name == b"cookie":
                value, found = _without_cookies(value, cookie_name, settings.login_cookie_name.encode())
                session_id = found or session_id
                if not value:
                    continue  # nothing else in it: the session id never leaves the gateway
            kept.append((name, value))
        if authorization is not None:
            # A bearer token is checked here; another scheme (e.g. a client's Basic credentials at the token
            # endpoint) is the service's business. Either way the session is not used.
            if authorization.strip().split(b" ", 1)[0].lower() == b"bearer" and not await self._bearer_ok(
                runtime, authorization, service, send
            ):
                return
        elif session_id is not None and not path.startswith(settings.sessionless_paths):
            token = await self._session_token(runtime, scope, session_id, csrf, send)
            if token is None:
                return  # answered
            if token:
                kept.append((b"authorization", b"Bearer " + token.encode("ascii")))
        await runtime.proxy({**scope, "headers": kept}, receive, send)

    async def _bearer_ok(self, runtime: GatewayRuntime, authorization: bytes, service: str, send: Send) -> bool:
        token = authorization.strip()[6:].decode("latin-1").strip()
        if not token or " " in token:
            reason = "expected 'Authorization: Bearer <token>'"
        else:
            try:
                await runtime.tokens.verify(token, service)
                return True
            except InvalidToken as refused:
                reason = refused.reason
            except TokenVerifierUnavailable as unavailable:
                log.warning("token not checked, verifier unavailable: %s", unavailable.reason)
                await send_problem(send, 503, "AUTH_UNAVAILABLE",
                                   "Access tokens cannot be checked right now; try again shortly.",
                                   [(b"retry-after", b"5")])
                return False
        log.info("token refused at the edge: %s", reason)
        await send_problem(send, 401, "INVALID_TOKEN", f"The access token is not valid: {reason}.",
                           [(b"www-authenticate", INVALID_TOKEN_CHALLENGE.encode())])
        return False

    async def _session_token(
        self, runtime: GatewayRuntime, scope: Scope, session_id: str, csrf: bytes | None, send: Send
    ) -> str | None:
        """The session's access token; "" to go on without one (no session); None when answered."""
        try:
            record = await runtime.sessions.fresh(session_id, forwarded_for=runtime.forwarded_for(scope))
        except (SessionUnavailable, KeyValueUnavailable) as error:
            log.warning("session not usable: %s", error)
            await send_problem(send, 503, "SESSION_UNAVAILABLE",
                               "Your sign-in cannot be checked right now; try again shortly.",
                               [(b"retry-after", b"5")])
            return None
        if record is None:
            return ""  # signed out or expired: the request goes on anonymously
        if scope["method"] not in SAFE_METHODS and (
            csrf is None or not secrets.compare_digest(csrf, record.csrf_token.encode("ascii"))
        ):
            await send_problem(send, 403, "CSRF_TOKEN_MISSING",
                               "This request needs the page's X-CSRF-Token header.", [])
            return None
        return record.access_token


def _without_cookies(header: bytes, *names: bytes) -> tuple[bytes, str | None]:
    """The Cookie header without the gateway's own cookies, and the session cookie's value if present."""
    session_name = names[0]
    found: str | None = None
    kept = []
    for part in header.split(b";"):
        name, _, value = part.strip().partition(b"=")
        if name == session_name:
            found = value.decode("latin-1")
        elif name not in names and part.strip():
            kept.append(part.strip())
    return b"; ".join(kept), found
