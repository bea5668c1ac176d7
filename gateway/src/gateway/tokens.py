"""Token checks at the edge, with platformkit's `TokenVerifier` (the same code every service runs).

A token is accepted here when it is valid for the gateway (`aud` contains `gateway`, as people's tokens
do) or for the service it is sent to (a merchant integration's token names only `marketplace`): the
service checks its own audience again. Anything else is refused before the upstream sees the request.

Verified tokens are remembered until they expire (bounded LRU), so a busy client costs one signature
check per token, and the rate limiter can key its requests by subject without verifying anything.
A key removed from the JWKS therefore stops working here only when its remembered tokens expire (access
tokens live 5 minutes); the services check again anyway."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from platformkit.auth import InvalidToken, Principal, TokenVerifier

AUDIENCE_REFUSED = "invalid claim: aud"


class EdgeTokens:
    def __init__(
        self,
        gateway_verifier: TokenVerifier,
        service_verifier: Callable[[str], TokenVerifier],
        *,
        max_remembered: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._gateway = gateway_verifier
        self._service_verifier = service_verifier
        self._max = max_remembered
        self._clock = clock
        self._leeway = gateway_verifier.leeway
        # token -> (principal, expiry, audiences)
        self._verified: OrderedDict[str, tuple[Principal, float, frozenset[str]]] = OrderedDict()

    async def verify(self, token: str, service: str | None = None) -> Principal:
        """The token's principal if it is valid for the gateway or for `service`; else InvalidToken
        (or TokenVerifierUnavailable: no keys to check with)."""
        remembered = self._remembered(token)
        if remembered is not None:
            principal, audiences = remembered
            if self._gateway.audience in audiences or (service is not None and service in audiences):
                return principal
            raise InvalidToken(AUDIENCE_REFUSED)
        try:
            principal = await self._gateway.verify(token)
        except InvalidToken as refused:
            if refused.reason != AUDIENCE_REFUSED or service is None:
                raise
            principal = await self._service_verifier(service).verify(token)
        self._remember(token, principal)
        return principal

    def subject_of(self, token: str) -> str | None:
        """The subject of a token verified before and not expired; None otherwise (never verifies)."""
        remembered = self._remembered(token)
        return remembered[0].sub if remembered is not None else None

    def _remembered(self, token: str) -> tuple[Principal, frozenset[str]] | None:
        entry = self._verified.get(token)
        if entry is None:
            return None
        principal, expires, audiences = entry
        if self._clock() > expires + self._leeway:
            self._verified.pop(token, None)
            return None
        return principal, audiences

    def _remember(self, token: str, principal: Principal) -> None:
        expires = principal.claims.get("exp")
        if not isinstance(expires, int | float):
            return
        self._verified[token] = (principal, float(expires), _audiences(principal.claims))
        if len(self._verified) > self._max:
            self._verified.popitem(last=False)


def _audiences(claims: Mapping[str, object]) -> frozenset[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return frozenset({aud})
    if isinstance(aud, list):
        return frozenset(item for item in aud if isinstance(item, str))
    return frozenset()
