"""The contract between the gateway and the web pages (`web/`): who is signed in, CSRF for form posts, and
calls to the services as the signed-in person.

Pages never see tokens: the session lives server-side (gateway.sessions), the browser holds an HttpOnly
cookie, and `ServiceCalls` attaches the session's access token (refreshed when due) to each call.
Sign in at `/auth/login?next=<path>`; sign out with a form `POST /auth/logout` carrying `csrf_token`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request

from gateway.edge import SignInRequired
from gateway.oidc import ActingRefused, IssuerUnavailable
from gateway.runtime import GatewayRuntime, runtime_of
from gateway.sessions import SessionRecord, SessionUnavailable
from platformkit.context import request_id
from platformkit.events import KeyValueUnavailable
from platformkit.problems import ProblemError

__all__ = [
    "ActingRefused",
    "BrowserSession",
    "BrowserSessionDep",
    "CsrfFormDep",
    "IssuerUnavailable",
    "ServiceCalls",
    "ServiceCallsDep",
    "SignedInDep",
    "browser_session",
    "require_browser_session",
    "service_calls",
    "verify_csrf_form",
]

log = logging.getLogger("gateway.browser")

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_MEMO = "gateway_browser_session"


@dataclass(frozen=True)
class BrowserSession:
    id: str
    person_id: str  # the token's sub
    name: str | None
    roles: frozenset[str]
    scopes: frozenset[str]
    csrf_token: str


def _browser_session(session_id: str, record: SessionRecord) -> BrowserSession:
    return BrowserSession(
        id=session_id,
        person_id=record.person_id,
        name=record.name,
        roles=frozenset(record.roles),
        scopes=frozenset(record.scopes),
        csrf_token=record.csrf_token,
    )


async def _session_record(request: Request) -> tuple[str, SessionRecord] | None:
    """The request's session with a fresh access token (refreshed when due), once per request."""
    memo: tuple[str, SessionRecord] | None | bool = getattr(request.state, _MEMO, False)
    if memo is not False:
        return memo  # type: ignore[return-value]
    runtime = runtime_of(request.app)
    session_id = request.cookies.get(runtime.settings.cookie_name)
    found: tuple[str, SessionRecord] | None = None
    if session_id:
        try:
            record = await runtime.sessions.fresh(session_id, forwarded_for=runtime.forwarded_for(request.scope))
        except (SessionUnavailable, KeyValueUnavailable) as error:
            log.warning("session not usable: %s", error)
            raise ProblemError(503, "SESSION_UNAVAILABLE", "Your sign-in cannot be checked right now; "
                               "try again shortly.", headers={"Retry-After": "5"}) from None
        if record is not None:
            found = (session_id, record)
    setattr(request.state, _MEMO, found)
    return found


async def browser_session(request: Request) -> BrowserSession | None:
    """Dependency: the signed-in person, or None."""
    found = await _session_record(request)
    return _browser_session(*found) if found is not None else None


BrowserSessionDep = Annotated[BrowserSession | None, Depends(browser_session)]


async def require_browser_session(request: Request) -> BrowserSession:
    """Dependency: the signed-in person; otherwise 303 to /auth/login?next=<this page>."""
    session = await browser_session(request)
    if session is None:
        query = request.url.query
        raise SignInRequired(request.url.path + (f"?{query}" if query else ""))
    return session


SignedInDep = Annotated[BrowserSession, Depends(require_browser_session)]


async def verify_csrf_form(request: Request) -> None:
    """Dependency for the pages' form posts: the form's `csrf_token` (or an X-CSRF-Token header) must be
    the session's; otherwise 403 problem. Without a session there is nothing to match: 403 too."""
    session = await browser_session(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if session is None or not sent or not secrets.compare_digest(sent.encode(), session.csrf_token.encode()):
        raise ProblemError(403, "CSRF_TOKEN_MISSING", "This form has expired or was not sent from our page; "
                           "please reload the page and try again.")


CsrfFormDep = Annotated[None, Depends(verify_csrf_form)]


class ServiceCalls:
    """Calls to a service's internal address as the signed-in person (or anonymously), for the pages.
    `path` is the service's own (e.g. "/me"), not the public /api/<service>/ one. X-Request-ID and the
    client's address (X-Forwarded-For) go along, so logs join up and accounts throttles the right client.
    A service that cannot be reached raises httpx.HTTPError; every answer is returned as it is."""

    def __init__(self, runtime: GatewayRuntime, request: Request, access_token: str | None) -> None:
        self._runtime = runtime
        self._request = request
        self._access_token = access_token

    @property
    def signed_in(self) -> bool:
        return self._access_token is not None

    async def request(
        self,
        method: str,
        service: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        on_behalf_of: str | None = None,
    ) -> httpx.Response:
        """`json` for the usual body; `content` for a file a page passes on as it is (with its Content-Type
        in `headers`), e.g. a GTFS zip. `on_behalf_of` (a person id): a staff member's page acting for that
        person — the call carries a token exchanged at accounts (`sub` = the person, `act.sub` = the staff
        member, audience = `service`), so the service checks the staff authority and audits both. Raises
        ActingRefused when accounts issues none, IssuerUnavailable when it cannot be asked."""
        upstream = self._runtime.upstreams.get(service)
        if upstream is None:
            raise ProblemError(404, "UNKNOWN_SERVICE", f"No service named {service!r} is published.")
        if not path.startswith("/"):
            path = "/" + path
        outgoing = {key: value for key, value in (headers or {}).items() if key.lower() != "authorization"}
        rid = request_id.get()
        if rid is not None:
            outgoing["X-Request-ID"] = rid
        outgoing["X-Forwarded-For"] = self._runtime.forwarded_for(self._request.scope)
        outgoing["X-Forwarded-Proto"] = "https" if self._runtime.settings.https else "http"
        token = self._access_token
        if on_behalf_of is not None:
            if token is None:
                raise ActingRefused("acting for someone needs a signed-in staff member")
            token = (await self._runtime.oidc.act_for(token, on_behalf_of, service,
                                                      forwarded_for=outgoing["X-Forwarded-For"])).access_token
        if token is not None:
            outgoing["Authorization"] = f"Bearer {token}"
        return await self._runtime.services.request(
            method, upstream.base_url + path, json=json, content=content, params=params, headers=outgoing,
            timeout=httpx.Timeout(upstream.read_timeout, connect=upstream.connect_timeout),
        )


async def service_calls(request: Request) -> ServiceCalls:
    """Dependency: `ServiceCalls` with the session's (refreshed) access token, or anonymous."""
    found = await _session_record(request)
    return ServiceCalls(runtime_of(request.app), request, found[1].access_token if found is not None else None)


ServiceCallsDep = Annotated[ServiceCalls, Depends(service_calls)]
