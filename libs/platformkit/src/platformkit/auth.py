"""Verifying access tokens (JWT, JWS compact) and turning them into a `Principal`.

Every service checks every token itself (see ARCHITECTURE.md, "Identity and trust"). The policy is
spelled out here rather than left to library defaults (RFC 8725; research/reliability.md section 4):

* Algorithms: only those in the allow-list, which may only name asymmetric RS*/PS*/ES* algorithms
  (configuring `none` or any HS* raises ValueError). The key's type (and curve) must also fit the
  algorithm, so an HS256 token "signed" with our RSA public key is refused before any cryptography.
* Keys come ONLY from the configured JWKS: `jwks_url`, or the `jwks_uri` of
  `{issuer}/.well-known/openid-configuration` (whose `issuer` must equal ours). The token's own
  `jwk`, `jku`, `x5u`, `x5c` headers are never used. `crit` and `b64` (RFC 7797) are refused.
  `typ`, if present, must be `JWT` or `at+jwt` (RFC 9068), so e.g. a logout or DPoP token is refused.
* `kid`: required when the key set holds more than one key. An unknown `kid` causes ONE refetch of the
  JWKS, but no fetch happens within `min_refetch_interval` seconds of the previous fetch attempt (of
  any kind), so random kids cannot amplify into JWKS fetches; the token is then refused. The cached
  JWKS is also refreshed after `cache_ttl` seconds (default 600), so a removed key stops working at
  the next refetch. Fetches are serialised by a lock: concurrent requests cause one fetch.
* Claims (joserfc `JWTClaimsRegistry`): `iss` essential and equal to ours, `aud` essential and
  containing ours, `exp` essential, `sub` essential (non-empty string), `nbf` and `iat` checked when
  present. The leeway for clock skew is clamped to 0..60 s (`MAX_LEEWAY_SECONDS`).

Errors:
* `InvalidToken(reason)`: the token is not acceptable -> 401. `reason` is a short fixed phrase from
  this module (never any part of the token), safe to show to the client.
* `TokenVerifierUnavailable(reason)`: no key set could be obtained at all (the JWKS or discovery
  document cannot be fetched and nothing is cached) -> 503 `AUTH_UNAVAILABLE` with `Retry-After`.
  After such a failure the next attempt waits `FAILED_FETCH_RETRY_SECONDS` (5 s); requests in
  between get the 503 without a fetch.
  When a cached key set exists and a refresh fails, the cached keys keep being used (logged), and
  a token with a kid we do not know is refused with 401.

Claims convention for our tokens (issued by `accounts`):
* `sub`: the person or client the token is about (string, required).
* `roles`: list of strings, e.g. `["resident"]`, `["operator"]`.
* `scope`: space-separated string, OAuth style, e.g. `"verifier mobility-desk"`.
* `merchant_id`, `organisation_id`, `client_id`: strings, present when they apply.
* `act`: `{"sub": "<staff sub>", "scope": "<the staff authority>"}` (RFC 8693) when staff act on behalf of the
  person in `sub`; a service whose ServiceSpec names `acting_scopes` refuses (403) an `act` without one of them.
A claim of the wrong type makes the token invalid (no guessing).

FastAPI: `PrincipalDep`, `OptionalPrincipalDep`, `require_roles(...)`, `require_scopes(...)`; the
verifier is taken from `request.app.state.token_verifier`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Final

import httpx
from fastapi import Depends, Request
from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import ECKey, JWKRegistry, Key, RSAKey
from joserfc.jws import JWSRegistry
from pydantic import BaseModel, ConfigDict, Field

from platformkit.problems import ProblemError

if TYPE_CHECKING:
    from platformkit.config import ServiceSettings

__all__ = [
    "MAX_LEEWAY_SECONDS",
    "SUPPORTED_ALGORITHMS",
    "InvalidToken",
    "OptionalPrincipalDep",
    "Principal",
    "PrincipalDep",
    "TokenVerifier",
    "TokenVerifierUnavailable",
    "current_principal",
    "optional_principal",
    "principal_from_claims",
    "require_roles",
    "require_scopes",
]

log = logging.getLogger("platformkit.auth")

MAX_LEEWAY_SECONDS: Final = 60
MAX_TOKEN_LENGTH: Final = 8192
# After a failed fetch with nothing usable cached, wait this long before trying again (per verifier).
FAILED_FETCH_RETRY_SECONDS: Final = 5.0
DEFAULT_CACHE_TTL_SECONDS: Final = 600.0

# Algorithm -> (key type, EC curve or None). Anything not listed here cannot even be configured.
SUPPORTED_ALGORITHMS: Final[Mapping[str, tuple[str, str | None]]] = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
}
_ALLOWED_TYPES: Final = frozenset({"jwt", "at+jwt", "application/jwt", "application/at+jwt"})
_REFUSED_HEADERS: Final = ("crit", "b64")
_KNOWN_CLAIMS: Final = frozenset({"iss", "aud", "exp", "nbf", "iat", "sub", "jti"})

BEARER_CHALLENGE: Final = "Bearer"
INVALID_TOKEN_CHALLENGE: Final = 'Bearer error="invalid_token"'  # noqa: S105 - not a secret
INSUFFICIENT_SCOPE_CHALLENGE: Final = 'Bearer error="insufficient_scope"'


class InvalidToken(Exception):
    """The token is not acceptable. `reason` is a short fixed phrase; it never contains the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenVerifierUnavailable(Exception):
    """No key set could be obtained, so no token can be checked: answer 503, not 401."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Principal(BaseModel):
    """Who is calling, as stated by a verified access token."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sub: str
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    merchant_id: str | None = None
    organisation_id: str | None = None
    client_id: str | None = None
    # `act.sub` (RFC 8693): the staff member acting on behalf of `sub`.
    actor: str | None = None
    claims: dict[str, Any] = Field(default_factory=dict, repr=False)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def acting_scope(self) -> str | None:
        """The authority under which `actor` acts for `sub`: `act.scope`, which accounts' token exchange
        sets from the staff member's own (e.g. `people-desk`); None for a token of one's own."""
        act = self.claims.get("act")
        scope = act.get("scope") if isinstance(act, dict) else None
        return scope if isinstance(scope, str) else None


def _optional_str(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidToken(f"malformed claim: {name}")
    return value


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Map verified claims to a Principal (see the claims convention in the module docstring)."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise InvalidToken("malformed claim: sub")
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(role, str) and role for role in roles):
        raise InvalidToken("malformed claim: roles")
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise InvalidToken("malformed claim: scope")
    actor: str | None = None
    act = claims.get("act")
    if act is not None:
        if not isinstance(act, dict):
            raise InvalidToken("malformed claim: act")
        actor = _optional_str(act, "sub")
        if actor is None:
            raise InvalidToken("malformed claim: act")
    return Principal(
        sub=sub,
        roles=frozenset(roles),
        scopes=frozenset(scope.split()),
        merchant_id=_optional_str(claims, "merchant_id"),
        organisation_id=_optional_str(claims, "organisation_id"),
        client_id=_optional_str(claims, "client_id"),
        actor=actor,
        claims=dict(claims),
    )


def _key_fits(key: Key, alg: str) -> bool:
    key_type, curve = SUPPORTED_ALGORITHMS[alg]
    if key.key_type != key_type:
        return False
    if curve is not None:
        return isinstance(key, ECKey) and key.curve_name == curve
    return isinstance(key, RSAKey)


class TokenVerifier:
    """Verifies access tokens of one issuer for one audience. Create one per service (it caches the JWKS)
    and put it on `app.state.token_verifier`."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        jwks_url: str | None = None,
        algorithms: Iterable[str] = ("RS256", "ES256"),
        leeway: int = 30,
        http: httpx.AsyncClient | None = None,
        min_refetch_interval: float = 60.0,
        cache_ttl: float = DEFAULT_CACHE_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not issuer or not audience:
            raise ValueError("issuer and audience are required")
        allowed = tuple(dict.fromkeys(algorithms))
        refused = [alg for alg in allowed if alg not in SUPPORTED_ALGORITHMS]
        if refused or not allowed:
            raise ValueError(
                f"token algorithms must be a non-empty subset of {sorted(SUPPORTED_ALGORITHMS)}; "
                f"refused: {refused}"
            )
        if leeway < 0:
            raise ValueError("token leeway must not be negative")
        if leeway > MAX_LEEWAY_SECONDS:
            log.warning("token leeway %ss is capped at %ss", leeway, MAX_LEEWAY_SECONDS)
        if min_refetch_interval < 0 or cache_ttl <= 0:
            raise ValueError("min_refetch_interval must be >= 0 and cache_ttl > 0")
        self.issuer = issuer
        self.audience = audience
        self.algorithms: tuple[str, ...] = allowed
        self.leeway: int = min(int(leeway), MAX_LEEWAY_SECONDS)
        self.min_refetch_interval = float(min_refetch_interval)
        self.cache_ttl = float(cache_ttl)
        self._jwks_url = jwks_url
        self._http = http
        self._owns_http = http is None
        self._clock = clock
        # One registry per algorithm: joserfc then refuses every other alg, whatever the header says.
        # strict_check_header=False: unknown header names are ignored (RFC 7515 section 4), since
        # joserfc otherwise refuses any header it does not know (e.g. a provider's "nonce").
        self._registries = {alg: JWSRegistry(algorithms=[alg], strict_check_header=False) for alg in allowed}
        self._keys: tuple[Key, ...] | None = None
        self._keys_fetched_at = -math.inf
        self._last_fetch_attempt = -math.inf
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(
        cls, settings: ServiceSettings, *, http: httpx.AsyncClient | None = None
    ) -> TokenVerifier:
        return cls(
            settings.oidc_issuer,
            settings.oidc_audience,
            jwks_url=settings.jwks_url,
            algorithms=settings.token_algorithms,
            leeway=settings.token_leeway_seconds,
            http=http,
        )

    async def aclose(self) -> None:
        """Close the HTTP client if this verifier created it."""
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    # --- verification -------------------------------------------------------------------------

    async def verify(self, token: str) -> Principal:
        """Check a compact JWS access token; return its Principal or raise InvalidToken /
        TokenVerifierUnavailable."""
        alg, kid = self._check_header(token)
        key = await self._key_for(kid, alg)
        try:
            decoded = jwt.decode(token, key, registry=self._registries[alg])
        except BadSignatureError:
            raise InvalidToken("bad signature") from None
        except (JoseError, ValueError, TypeError):
            raise InvalidToken("malformed token") from None
        self._check_claims(decoded.claims)
        return principal_from_claims(decoded.claims)

    def _check_header(self, token: str) -> tuple[str, str | None]:
        if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            raise InvalidToken("malformed token")
        try:
            header = jws.extract_compact(token.encode("ascii")).headers()
        except (JoseError, ValueError, TypeError):
            raise InvalidToken("malformed token") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise InvalidToken("algorithm not allowed")
        if any(name in header for name in _REFUSED_HEADERS):
            raise InvalidToken("unsupported header")
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in _ALLOWED_TYPES):
            raise InvalidToken("wrong token type")
        kid = header.get("kid")
        if kid is not None and (not isinstance(kid, str) or not kid):
            raise InvalidToken("malformed key id")
        # jwk / jku / x5u / x5c are deliberately not looked at: keys come from our JWKS only.
        return alg, kid

    def _check_claims(self, claims: dict[str, Any]) -> None:
        registry = jwt.JWTClaimsRegistry(
            now=int(self._clock()),
            leeway=self.leeway,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise InvalidToken("token expired") from None
        except MissingClaimError as error:
            raise InvalidToken(f"missing claim: {_claim_name(error.claim)}") from None
        except InvalidClaimError as error:
            if error.claim == "nbf":
                raise InvalidToken("token not yet valid") from None
            raise InvalidToken(f"invalid claim: {_claim_name(error.claim)}") from None
        except (JoseError, ValueError, TypeError):
            raise InvalidToken("invalid claims") from None

    # --- keys ---------------------------------------------------------------------------------

    async def _key_for(self, kid: str | None, alg: str) -> Key:
        keys = await self._current_keys()
        if kid is None:
            if len(keys) != 1:
                raise InvalidToken("key id required")
            key = keys[0]
        else:
            found = _find_key(keys, kid, alg)
            if found is None:
                keys = await self._refetch_for_unknown_kid(kid, alg)
                found = _find_key(keys, kid, alg)
            if found is None:
                raise InvalidToken("unknown key id")
            key = found
        if not _key_fits(key, alg):
            raise InvalidToken("key does not fit the algorithm")
        return key

    async def _current_keys(self) -> tuple[Key, ...]:
        if self._keys is not None and self._clock() - self._keys_fetched_at < self.cache_ttl:
            return self._keys
        async with self._lock:
            now = self._clock()
            if self._keys is not None and now - self._keys_fetched_at < self.cache_ttl:
                return self._keys  # another request refreshed while we waited
            if now - self._last_fetch_attempt < min(FAILED_FETCH_RETRY_SECONDS, self.min_refetch_interval):
                if self._keys is not None:
                    return self._keys  # stale, a refresh just failed
                raise TokenVerifierUnavailable("token keys are not available")
            try:
                return await self._fetch_keys()
            except TokenVerifierUnavailable as error:
                if self._keys is None:
                    raise
                log.warning("JWKS refresh failed (%s); keeping the cached keys", error.reason)
                return self._keys

    async def _refetch_for_unknown_kid(self, kid: str, alg: str) -> tuple[Key, ...]:
        async with self._lock:
            keys = self._keys
            assert keys is not None
            if _find_key(keys, kid, alg) is not None:
                return keys  # another request already fetched it
            if self._clock() - self._last_fetch_attempt < self.min_refetch_interval:
                log.info(
                    "unknown token kid; JWKS fetched less than %ss ago, not refetching",
                    self.min_refetch_interval,
                )
                return keys
            log.info("unknown token kid; refetching the JWKS")
            try:
                return await self._fetch_keys()
            except TokenVerifierUnavailable as error:
                log.warning("JWKS refetch failed (%s); keeping the cached keys", error.reason)
                return keys

    async def _fetch_keys(self) -> tuple[Key, ...]:
        """Fetch (discovery if needed, then) the JWKS. Call with the lock held."""
        self._last_fetch_attempt = self._clock()
        if self._jwks_url is None:
            self._jwks_url = await self._discover_jwks_url()
        document = await self._get_json(self._jwks_url, "JWKS")
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise TokenVerifierUnavailable("JWKS has no key list")
        keys: list[Key] = []
        for entry in entries:
            key = _import_verification_key(entry)
            if key is not None:
                keys.append(key)
        if not keys:
            raise TokenVerifierUnavailable("JWKS has no usable keys")
        self._keys = tuple(keys)
        self._keys_fetched_at = self._clock()
        log.info("JWKS fetched: %d usable keys", len(keys))
        return self._keys

    async def _discover_jwks_url(self) -> str:
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._get_json(url, "discovery document")
        if document.get("issuer") != self.issuer:
            raise TokenVerifierUnavailable("discovery document names another issuer")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise TokenVerifierUnavailable("discovery document has no jwks_uri")
        return jwks_uri

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(5.0), follow_redirects=False)
        try:
            response = await self._http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as error:
            raise TokenVerifierUnavailable(f"{what} unreachable ({type(error).__name__})") from None
        if response.status_code != 200:
            raise TokenVerifierUnavailable(f"{what} answered HTTP {response.status_code}")
        try:
            document = response.json()
        except ValueError:
            raise TokenVerifierUnavailable(f"{what} is not JSON") from None
        if not isinstance(document, dict):
            raise TokenVerifierUnavailable(f"{what} is not a JSON object")
        return document


def _claim_name(name: str) -> str:
    return name if name in _KNOWN_CLAIMS else "unknown"


def _find_key(keys: tuple[Key, ...], kid: str, alg: str) -> Key | None:
    matches = [key for key in keys if key.kid == kid]
    fitting = [key for key in matches if _key_fits(key, alg)]
    if fitting:
        return fitting[0]
    return matches[0] if matches else None  # refused later as "key does not fit the algorithm"


def _import_verification_key(entry: object) -> Key | None:
    """A signature-verification key from one JWKS entry, or None (skipped) for anything else."""
    if not isinstance(entry, dict) or entry.get("kty") not in ("RSA", "EC"):
        return None  # e.g. symmetric "oct" keys: never used to verify tokens
    if entry.get("use", "sig") != "sig":
        return None
    try:
        key = JWKRegistry.import_key(entry)
    except (JoseError, ValueError, TypeError, KeyError):
        log.warning("JWKS entry kid=%r skipped: not a valid key", entry.get("kid"))
        return None
    key.ensure_kid()
    return key


# --- FastAPI dependencies ----------------------------------------------------------------------


def _invalid(reason: str) -> ProblemError:
    return ProblemError(
        401,
        "INVALID_TOKEN",
        f"The access token is not valid: {reason}.",
        headers={"WWW-Authenticate": INVALID_TOKEN_CHALLENGE},
    )


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise _invalid("expected 'Authorization: Bearer <token>'")
    return token


async def _verify_request(request: Request, token: str) -> Principal:
    verifier = getattr(request.app.state, "token_verifier", None)
    if not isinstance(verifier, TokenVerifier):
        raise RuntimeError("app.state.token_verifier is not set to a platformkit.auth.TokenVerifier")
    try:
        principal = await verifier.verify(token)
    except InvalidToken as error:
        log.info("token refused: %s", error.reason)
        raise _invalid(error.reason) from None
    except TokenVerifierUnavailable as error:
        log.warning("token not checked, verifier unavailable: %s", error.reason)
        raise ProblemError(
            503,
            "AUTH_UNAVAILABLE",
            "Access tokens cannot be checked right now; try again shortly.",
            headers={"Retry-After": "5"},
        ) from None
    # A service that names the desks it takes acting tokens from (ServiceSpec.acting_scopes) refuses the rest.
    acting_scopes = getattr(request.app.state, "acting_scopes", None)
    if principal.actor is not None and acting_scopes is not None and principal.acting_scope not in acting_scopes:
        log.info("acting token refused: authority %r", principal.acting_scope)
        raise _forbidden("This service takes tokens acting for a person only from " + " or ".join(
            sorted(acting_scopes)) + ".", scope=True)
    request.state.principal = principal
    return principal


async def current_principal(request: Request) -> Principal:
    """The verified caller; 401 MISSING_TOKEN without a bearer token, 401 INVALID_TOKEN for a bad one."""
    token = _bearer_token(request)
    if token is None:
        raise ProblemError(
            401,
            "MISSING_TOKEN",
            "This endpoint needs an access token (Authorization: Bearer <token>).",
            headers={"WWW-Authenticate": BEARER_CHALLENGE},
        )
    return await _verify_request(request, token)


async def optional_principal(request: Request) -> Principal | None:
    """None when no Authorization header is sent; a bad token is still a 401."""
    token = _bearer_token(request)
    if token is None:
        return None
    return await _verify_request(request, token)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]


def _forbidden(detail: str, *, scope: bool) -> ProblemError:
    headers = {"WWW-Authenticate": INSUFFICIENT_SCOPE_CHALLENGE} if scope else None
    return ProblemError(403, "FORBIDDEN", detail, headers=headers)


def _satisfied(wanted: frozenset[str], held: frozenset[str], *, any_of: bool) -> bool:
    return bool(wanted & held) if any_of else wanted <= held


def require_roles(*roles: str, any_of: bool = False) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency: the caller must hold ALL the roles (or at least one with `any_of=True`); else 403.
    Use as `Depends(require_roles("operator"))`; it returns the Principal."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    wanted = frozenset(roles)

    async def check_roles(principal: PrincipalDep) -> Principal:
        if not _satisfied(wanted, principal.roles, any_of=any_of):
            raise _forbidden("Your account does not have the role needed here.", scope=False)
        return principal

    return check_roles


def require_scopes(*scopes: str, any_of: bool = False) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency: the token must carry ALL the scopes (or at least one with `any_of=True`); else 403."""
    if not scopes:
        raise ValueError("require_scopes needs at least one scope")
    wanted = frozenset(scopes)

    async def check_scopes(principal: PrincipalDep) -> Principal:
        if not _satisfied(wanted, principal.scopes, any_of=any_of):
            raise _forbidden("Your access token does not carry the scope needed here.", scope=True)
        return principal

    return check_scopes
