"""Signing in and out of the web app (backend-for-frontend): `/auth/login`, `/auth/callback`,
`POST /auth/logout`, and `/auth/session` (who is signed in, for scripts: never a token).

Login: authorization code + PKCE (S256) with `state` and `nonce` against accounts; the code is exchanged
server-side (the gateway is a confidential client), the tokens go into the session store, the browser
gets an HttpOnly, SameSite=Lax cookie (Secure and `__Host-` under https). The pending login is bound to
the browser by a second cookie, so a callback link cannot be replayed in another browser."""

from __future__ import annotations

import html
import logging
import secrets
import time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from gateway.browser import CSRF_HEADER, BrowserSessionDep
from gateway.oidc import GrantRejected, IssuerUnavailable, pkce_pair
from gateway.runtime import GatewayRuntime, runtime_of
from gateway.sessions import new_record, new_secret
from platformkit.auth import InvalidToken, TokenVerifierUnavailable
from platformkit.events import KeyValueUnavailable, RevisionConflict
from platformkit.problems import ProblemError

log = logging.getLogger("gateway.signin")
router = APIRouter(prefix="/auth", tags=["gateway"])

NO_STORE = {"Cache-Control": "no-store"}


def safe_next(value: str | None) -> str:
    """Where to go after signing in or out: a path on this site only (no open redirect), never /auth/."""
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ord(char) < 0x20 or char == "\\" for char in value) or value.startswith("/auth/"):
        return "/"
    return value


def _page(title: str, message: str, *, status: int, link: str = "/auth/login", link_text: str = "Erneut anmelden"
          ) -> HTMLResponse:
    body = (
        "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title><main><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
        f"<p><a href=\"{html.escape(link)}\">{html.escape(link_text)}</a></p></main></html>"
    )
    return HTMLResponse(body, status_code=status, headers=NO_STORE)


def _set_cookie(response: Response, runtime: GatewayRuntime, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=runtime.settings.https, httponly=True, samesite="lax"
    )


def _clear_cookie(response: Response, runtime: GatewayRuntime, name: str) -> None:
    response.delete_cookie(name, path="/", secure=runtime.settings.https, httponly=True, samesite="lax")


@router.get("/login", include_in_schema=False)
async def login(request: Request, next: Annotated[str | None, Query()] = None) -> Response:  # noqa: A002
    runtime = runtime_of(request.app)
    settings = runtime.settings
    binding = request.cookies.get(settings.login_cookie_name) or ""
    if len(binding) != 43:
        binding = new_secret()
    verifier, challenge = pkce_pair()
    try:
        pending = await runtime.logins.begin(binding, next_path=safe_next(next), code_verifier=verifier)
    except KeyValueUnavailable as error:
        log.warning("login not started: %s", error)
        return _page("Anmeldung gerade nicht möglich", "Bitte versuchen Sie es in einer Minute noch einmal.",
                     status=503, link=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
                     link_text="Noch einmal versuchen")
    location = runtime.oidc.authorization_redirect(state=pending.state, nonce=pending.nonce, code_challenge=challenge)
    response = RedirectResponse(location, status_code=303, headers=NO_STORE)
    _set_cookie(response, runtime, settings.login_cookie_name, binding, settings.login_timeout_seconds)
    return response


@router.get("/callback", include_in_schema=False)
async def callback(
    request: Request,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    runtime = runtime_of(request.app)
    settings = runtime.settings
    binding = request.cookies.get(settings.login_cookie_name) or ""
    try:
        pending = await runtime.logins.finish(binding, state or "")
    except KeyValueUnavailable as unavailable:
        log.warning("login not finished: %s", unavailable)
        return _page("Anmeldung gerade nicht möglich", "Bitte versuchen Sie es in einer Minute noch einmal.",
                     status=503)
    if pending is None:
        return _page("Anmeldung abgelaufen", "Diese Anmeldung ist abgelaufen oder wurde schon verwendet. "
                     "Bitte melden Sie sich noch einmal an.", status=400)
    login_again = f"/auth/login?next={pending.next_path}"
    if error is not None or not code:
        return _page("Anmeldung abgebrochen", "Die Anmeldung wurde nicht abgeschlossen.", status=400,
                     link=login_again)
    try:
        tokens = await runtime.oidc.exchange_code(code, pending.code_verifier,
                                                  forwarded_for=runtime.forwarded_for(request.scope))
        principal = await runtime.tokens.verify(tokens.access_token)
        claims = await _id_token_claims(runtime, tokens.id_token, pending.nonce, principal.sub)
    except GrantRejected:
        return _page("Anmeldung abgelaufen", "Bitte melden Sie sich noch einmal an.", status=400, link=login_again)
    except (IssuerUnavailable, TokenVerifierUnavailable) as unavailable:
        log.warning("login not finished: %s", unavailable)
        return _page("Anmeldung gerade nicht möglich", "Bitte versuchen Sie es in einer Minute noch einmal.",
                     status=503, link=login_again)
    except InvalidToken as refused:
        log.warning("login refused: the issuer's tokens did not verify (%s)", refused.reason)
        return _page("Anmeldung fehlgeschlagen", "Bitte melden Sie sich noch einmal an.", status=400,
                     link=login_again)
    name = claims.get("name")
    record = new_record(tokens, principal, name=name if isinstance(name, str) else None, now=time.time())
    previous = request.cookies.get(settings.cookie_name)
    try:
        if previous:
            await _end_session(runtime, previous)  # no session fixation: a new id for every login
        session_id = await runtime.sessions.create(record)
    except (KeyValueUnavailable, RevisionConflict) as unavailable:
        log.warning("session not stored: %s", unavailable)
        if tokens.refresh_token:
            await runtime.oidc.revoke(tokens.refresh_token)
        return _page("Anmeldung gerade nicht möglich", "Bitte versuchen Sie es in einer Minute noch einmal.",
                     status=503, link=login_again)
    response = RedirectResponse(pending.next_path, status_code=303, headers=NO_STORE)
    _set_cookie(response, runtime, settings.cookie_name, session_id, settings.session_max_age_seconds)
    _clear_cookie(response, runtime, settings.login_cookie_name)
    return response


async def _id_token_claims(runtime: GatewayRuntime, id_token: str | None, nonce: str, sub: str) -> dict[str, Any]:
    if id_token is None:
        raise InvalidToken("no id token")
    principal = await runtime.id_token_verifier.verify(id_token)
    claims = principal.claims
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, nonce):
        raise InvalidToken("id token nonce does not match")
    if principal.sub != sub:
        raise InvalidToken("id token is about someone else")
    return claims


async def _end_session(runtime: GatewayRuntime, session_id: str) -> None:
    record = await runtime.sessions.delete(session_id)
    if record is not None and record.refresh_token:
        await runtime.oidc.revoke(record.refresh_token)


@router.post("/logout", include_in_schema=False)
async def logout(
    request: Request,
    next: Annotated[str | None, Query()] = None,  # noqa: A002
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    runtime = runtime_of(request.app)
    settings = runtime.settings
    session_id = request.cookies.get(settings.cookie_name)
    if session_id:
        try:
            record = await runtime.sessions.load(session_id)
        except KeyValueUnavailable:
            raise ProblemError(503, "SESSION_UNAVAILABLE", "Signing out is not possible right now; "
                               "try again shortly.", headers={"Retry-After": "5"}) from None
        if record is not None:
            sent = request.headers.get(CSRF_HEADER) or csrf_token or ""
            if not secrets.compare_digest(sent.encode(), record.csrf_token.encode()):
                raise ProblemError(403, "CSRF_TOKEN_MISSING", "Signing out needs the page's csrf_token.")
            try:
                await _end_session(runtime, session_id)
            except KeyValueUnavailable:
                raise ProblemError(503, "SESSION_UNAVAILABLE", "Signing out is not possible right now; "
                                   "try again shortly.", headers={"Retry-After": "5"}) from None
    response = RedirectResponse(safe_next(next), status_code=303, headers=NO_STORE)
    _clear_cookie(response, runtime, settings.cookie_name)
    return response


@router.get("/session")
async def session_info(session: BrowserSessionDep) -> JSONResponse:
    """Who is signed in (for the page's scripts): never a token, only what the page may show, and the
    CSRF token its fetch calls send as X-CSRF-Token."""
    if session is None:
        return JSONResponse({"signed_in": False}, headers=NO_STORE)
    return JSONResponse({
        "signed_in": True,
        "person_id": session.person_id,
        "name": session.name,
        "roles": sorted(session.roles),
        "scopes": sorted(session.scopes),
        "csrf_token": session.csrf_token,
    }, headers=NO_STORE)

