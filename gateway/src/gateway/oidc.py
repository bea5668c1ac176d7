"""The gateway as a confidential OpenID Connect client of the issuer (accounts): the authorization
request with PKCE (S256), and server-side calls to the token and revocation endpoints with HTTP Basic
client authentication (services/accounts/README.md, "How the gateway runs the browser login"); and the
token exchange (RFC 8693) by which a staff member's page acts for a person towards one service."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

log = logging.getLogger("gateway.oidc")


class IssuerUnavailable(Exception):
    """The issuer did not answer, or answered something unexpected: try again later (503)."""


class GrantRejected(Exception):
    """The code or refresh token is not (or no longer) good: the person has to sign in again."""


class ActingRefused(Exception):
    """The issuer gives this staff member no token to act for this person towards this service (not their
    authority, no such person, or someone who may not be acted for)."""


TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 - a grant type
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105 - a URN
# accounts names the subject by person id: people the desks act for often have no login of their own.
PERSON_ID_TYPE = "urn:dorfmarktplatz:params:oauth:token-type:person-id"


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    expires_at: float
    refresh_token: str | None
    id_token: str | None


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge), RFC 7636."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=")
    return verifier, challenge.decode("ascii")


class OidcClient:
    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        client_id: str,
        client_secret: str,
        authorization_url: str,
        token_url: str,
        revocation_url: str,
        redirect_uri: str,
        scopes: str,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self.client_id = client_id
        self._auth = httpx.BasicAuth(client_id, client_secret)
        self.authorization_url = authorization_url
        self.token_url = token_url
        self.revocation_url = revocation_url
        self.redirect_uri = redirect_uri
        self.scopes = scopes
        self.timeout = timeout
        self._clock = clock

    def authorization_redirect(self, *, state: str, nonce: str, code_challenge: str) -> str:
        query = urlencode({
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        })
        return f"{self.authorization_url}?{query}"

    async def exchange_code(self, code: str, code_verifier: str, *, forwarded_for: str) -> TokenSet:
        return await self._token_request({
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": code_verifier,
        }, forwarded_for)

    async def refresh(self, refresh_token: str, *, forwarded_for: str) -> TokenSet:
        return await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}, forwarded_for
        )

    async def act_for(self, actor_token: str, person_id: str, audience: str, *, forwarded_for: str) -> TokenSet:
        """A short access token for the person (`sub`) with the staff member as `act`, for `audience` only;
        accounts checks the staff member's authority and audits the exchange. No refresh token."""
        try:
            return await self._token_request({
                "grant_type": TOKEN_EXCHANGE,
                "subject_token": person_id,
                "subject_token_type": PERSON_ID_TYPE,
                "actor_token": actor_token,
                "actor_token_type": ACCESS_TOKEN_TYPE,
                "audience": audience,
            }, forwarded_for, refusals=("invalid_grant", "invalid_target"))
        except GrantRejected as refused:
            raise ActingRefused(str(refused)) from None

    async def revoke(self, refresh_token: str) -> bool:
        """Best effort (logout goes on regardless); whether the issuer confirmed it."""
        try:
            response = await self._http.post(
                self.revocation_url,
                data={"token": refresh_token, "token_type_hint": "refresh_token"},
                auth=self._auth,
                timeout=self.timeout,
            )
        except httpx.HTTPError as error:
            log.warning("revoking a refresh token failed: %s", type(error).__name__)
            return False
        if response.status_code != 200:
            log.warning("revoking a refresh token: the issuer answered %s", response.status_code)
        return response.status_code == 200

    async def _token_request(self, form: dict[str, str], forwarded_for: str,
                             refusals: tuple[str, ...] = ("invalid_grant",)) -> TokenSet:
        try:
            response = await self._http.post(
                self.token_url,
                data=form,
                auth=self._auth,
                # The issuer throttles by client address; it sees the browser's, like through the proxy.
                headers={"Accept": "application/json", "X-Forwarded-For": forwarded_for},
                timeout=self.timeout,
            )
        except httpx.HTTPError as error:
            raise IssuerUnavailable(f"token endpoint unreachable ({type(error).__name__})") from None
        body = _json_object(response)
        if response.status_code == 400 and body.get("error") in refusals:
            raise GrantRejected(str(body.get("error_description") or body["error"]))
        if response.status_code != 200:
            raise IssuerUnavailable(f"token endpoint answered {response.status_code} {body.get('error', '')}")
        access_token = body.get("access_token")
        expires_in = body.get("expires_in")
        if not isinstance(access_token, str) or not isinstance(expires_in, int | float):
            raise IssuerUnavailable("token endpoint answered without access_token/expires_in")
        refresh_token = body.get("refresh_token")
        id_token = body.get("id_token")
        return TokenSet(
            access_token=access_token,
            expires_at=self._clock() + float(expires_in),
            refresh_token=refresh_token if isinstance(refresh_token, str) else None,
            id_token=id_token if isinstance(id_token, str) else None,
        )


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
