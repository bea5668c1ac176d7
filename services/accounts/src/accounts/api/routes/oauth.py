"""The issuer's endpoints: discovery, JWKS, the authorize endpoint with its login page, token and
revocation. The protocol itself is authlib's (accounts.oauth)."""

from __future__ import annotations

import time
from typing import Any

from authlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from accounts import issuer, login
from accounts.api.deps import SettingsDep, client_address, wants_html
from accounts.domain import pages
from accounts.domain import texts_de as texts
from accounts.domain.throttle import retry_after_seconds
from accounts.oauth import (
    AccountsAuthorizationServer,
    FormRequest,
    OAuthResponse,
    load_person_user,
    run_oauth,
)
from platformkit.db import utcnow
from platformkit.deps import DatabaseDep, SessionDep
from platformkit.problems import ProblemError, problem_response

router = APIRouter(tags=["oauth"])

# The login page must not be framed (clickjacking) nor cached, nor leak the query in a Referer.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
}
CREDENTIAL_FIELDS = ("email", "password")


@router.get("/.well-known/openid-configuration")
async def openid_configuration(settings: SettingsDep) -> dict[str, Any]:
    return issuer.discovery_document(settings)


@router.get("/jwks.json")
async def jwks(db: DatabaseDep, settings: SettingsDep) -> JSONResponse:
    # Short caching: a rotated-in key must reach verifiers soon.
    return JSONResponse(await issuer.jwks(db, settings), headers={"Cache-Control": "public, max-age=60"})


def _public_uri(settings: SettingsDep, request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{settings.issuer_base}{request.url.path}{query}"


def _oauth_request(request: Request, settings: SettingsDep, items: list[tuple[str, str]]) -> FormRequest:
    return FormRequest(request.method, _public_uri(settings, request), request.headers, items)


async def _signing_key(db: DatabaseDep, settings: SettingsDep) -> Any:
    key = await issuer.current_signing_key(db, settings)
    if key is None:
        raise ProblemError(503, "NO_SIGNING_KEY", texts.NO_SIGNING_KEY, headers={"Retry-After": "5"})
    return key


def to_response(result: OAuthResponse) -> Response:
    headers = dict(result.headers)
    if isinstance(result.body, dict):
        return JSONResponse(result.body, status_code=result.status, headers=headers)
    return Response(result.body or "", status_code=result.status, headers=headers)


def _authorization_error(error: OAuth2Error) -> Response:
    """An authorization request that fails: back to the client when its redirect URI was verified
    (authlib sets it only then), else a page here (never redirect to an unverified address)."""
    if error.redirect_uri:
        status, _, headers = error()
        return RedirectResponse(dict(headers)["Location"], status_code=status)
    return HTMLResponse(
        pages.message_page(texts.LOGIN_TITLE, texts.LOGIN_BAD_REQUEST, error=True),
        status_code=400,
        headers=PAGE_HEADERS,
    )


def _login_page(
    _request: Request,
    settings: SettingsDep,
    items: list[tuple[str, str]],
    *,
    status: int = 200,
    error: str | None = None,
    email: str = "",
    extra_headers: dict[str, str] | None = None,
) -> HTMLResponse:
    fields = {name: value for name, value in items if name not in CREDENTIAL_FIELDS}
    html = pages.login_page(
        action=f"{settings.issuer_base}/authorize",
        oauth_fields=fields,
        email=email,
        error=error,
        reset_url=f"{settings.link_base}/password/forgot",
    )
    return HTMLResponse(html, status_code=status, headers={**PAGE_HEADERS, **(extra_headers or {})})


@router.get("/authorize", response_class=HTMLResponse)
async def authorize_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Checks the authorization request (client, redirect URI, PKCE S256) and shows the login form."""
    items = list(request.query_params.multi_items())
    oauth_request = _oauth_request(request, settings, items)
    try:
        await run_oauth(session, settings, None, lambda server: server.get_consent_grant(oauth_request))
    except OAuth2Error as error:
        return _authorization_error(error)
    return _login_page(request, settings, items)


@router.post("/authorize", response_class=HTMLResponse)
async def authorize_login(
    request: Request, session: SessionDep, db: DatabaseDep, settings: SettingsDep
) -> Response:
    """The login form's answer: check the credentials (throttled), then let authlib issue the code and
    redirect to the client with `code` and `state`."""
    form = await request.form()
    items = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    oauth_items = [(name, value) for name, value in items if name not in CREDENTIAL_FIELDS]
    email = str(form.get("email") or "").strip()[:254]
    password = str(form.get("password") or "")[:1024]
    oauth_request = _oauth_request(request, settings, oauth_items)
    try:
        await run_oauth(session, settings, None, lambda server: server.get_consent_grant(oauth_request))
    except OAuth2Error as error:
        return _authorization_error(error)
    if not email or not password:
        return _login_page(request, settings, items, status=401, error=texts.LOGIN_FAILED, email=email)

    outcome = await login.check_credentials(
        db, settings, email=email, password=password, address=client_address(request, settings)
    )
    if outcome.result == "throttled":
        assert outcome.retry_at is not None
        seconds = retry_after_seconds(outcome.retry_at, utcnow())
        message = texts.TOO_MANY_ATTEMPTS.format(minutes=texts.minutes_text(seconds))
        headers = {"Retry-After": str(seconds)}
        if wants_html(request):
            return _login_page(
                request, settings, items, status=429, error=message, email=email, extra_headers=headers
            )
        return problem_response(
            429, "TOO_MANY_LOGIN_ATTEMPTS", message, headers=headers, instance=request.url.path
        )
    if outcome.result == "failed":
        return _login_page(request, settings, items, status=401, error=texts.LOGIN_FAILED, email=email)
    if outcome.result == "unverified":
        return _login_page(request, settings, items, status=403, error=texts.LOGIN_UNVERIFIED, email=email)

    assert outcome.person_id is not None
    user = await load_person_user(session=session, person_id=outcome.person_id, auth_time=int(time.time()))
    if user is None:
        return _login_page(request, settings, items, status=401, error=texts.LOGIN_FAILED, email=email)

    def issue_code(server: AccountsAuthorizationServer) -> OAuthResponse:
        grant = server.get_consent_grant(oauth_request, end_user=user)
        response: OAuthResponse = server.create_authorization_response(
            oauth_request, grant_user=user, grant=grant
        )
        return response

    try:
        result = await run_oauth(session, settings, None, issue_code)
    except OAuth2Error as error:
        return _authorization_error(error)
    await session.commit()
    location = dict(result.headers).get("Location")
    if result.status == 302 and location:
        # 303: the browser follows with GET, as after any form post.
        return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})
    return to_response(result)


@router.post("/token")
async def token(request: Request, session: SessionDep, db: DatabaseDep, settings: SettingsDep) -> Response:
    """RFC 6749 token endpoint: authorization_code (+ PKCE), refresh_token (rotating), client_credentials
    (merchants; services with `audience`), token exchange (RFC 8693, staff acting for a person).
    Client authentication: client_secret_basic or client_secret_post."""
    form = await request.form()
    items = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    oauth_request = _oauth_request(request, settings, items)
    signing = await _signing_key(db, settings)
    result = await run_oauth(
        session,
        settings,
        signing,
        lambda server: server.create_token_response(oauth_request),
        verifier=request.app.state.token_verifier,
    )
    # Commit even for an error answer: a replayed code or refresh token has just revoked its family.
    await session.commit()
    return to_response(result)


@router.post("/revoke")
async def revoke(request: Request, session: SessionDep, db: DatabaseDep, settings: SettingsDep) -> Response:
    """RFC 7009: revoke a refresh token (and with it the whole login it belongs to)."""
    form = await request.form()
    items = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    oauth_request = _oauth_request(request, settings, items)
    signing = await _signing_key(db, settings)
    result = await run_oauth(
        session,
        settings,
        signing,
        lambda server: server.create_endpoint_response("revocation", oauth_request),
    )
    await session.commit()
    return to_response(result)
