"""Who calls the gateway's own API routes (/api/me/feed, /api/gateway/...): a bearer token valid for the
gateway, or the browser session. 401 problem otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from gateway.browser import browser_session
from gateway.runtime import runtime_of
from platformkit.auth import BEARER_CHALLENGE, INVALID_TOKEN_CHALLENGE, InvalidToken, TokenVerifierUnavailable
from platformkit.problems import ProblemError


@dataclass(frozen=True)
class Caller:
    sub: str
    roles: frozenset[str]
    scopes: frozenset[str]


async def caller(request: Request) -> Caller:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ProblemError(401, "INVALID_TOKEN", "Expected 'Authorization: Bearer <token>'.",
                               headers={"WWW-Authenticate": INVALID_TOKEN_CHALLENGE})
        try:
            principal = await runtime_of(request.app).tokens.verify(token.strip())
        except InvalidToken as refused:
            raise ProblemError(401, "INVALID_TOKEN", f"The access token is not valid: {refused.reason}.",
                               headers={"WWW-Authenticate": INVALID_TOKEN_CHALLENGE}) from None
        except TokenVerifierUnavailable:
            raise ProblemError(503, "AUTH_UNAVAILABLE", "Access tokens cannot be checked right now; "
                               "try again shortly.", headers={"Retry-After": "5"}) from None
        return Caller(principal.sub, principal.roles, principal.scopes)
    session = await browser_session(request)
    if session is None:
        raise ProblemError(401, "NOT_SIGNED_IN", "Sign in first (or send an access token).",
                           headers={"WWW-Authenticate": BEARER_CHALLENGE})
    return Caller(session.person_id, session.roles, session.scopes)


CallerDep = Annotated[Caller, Depends(caller)]


async def operator(who: CallerDep) -> Caller:
    if "operator" not in who.roles:
        raise ProblemError(403, "FORBIDDEN", "This page is for the district's operators.")
    return who


OperatorDep = Annotated[Caller, Depends(operator)]
