"""The OAuth 2.0 / OpenID Connect authorization server: authlib's server and grant classes, wired to
our tables. No protocol logic of our own: authlib validates requests, redirects errors, checks PKCE
and client authentication, and builds token responses; we only answer its storage questions.

authlib's server is synchronous, our database async. Each OAuth request therefore runs authlib in a
worker thread (`run_oauth`), and authlib's storage hooks call back into the event loop with
`anyio.from_thread.run` on the request's own session, so the whole request is one transaction."""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

import anyio
import anyio.from_thread
from authlib.oauth2 import AuthorizationServer, OAuth2Request  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749 import grants  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.errors import (  # type: ignore[import-untyped]
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Error,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6749.models import ClientMixin  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.requests import OAuth2Payload  # type: ignore[import-untyped]
from authlib.oauth2.rfc7009 import RevocationEndpoint  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import CodeChallenge  # type: ignore[import-untyped]
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator  # type: ignore[import-untyped]
from authlib.oidc.core import UserInfo  # type: ignore[import-untyped]
from authlib.oidc.core.grants import OpenIDCode  # type: ignore[import-untyped]
from joserfc.jwk import KeySet, RSAKey
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.config import AccountsSettings
from accounts.crud import merchants, people, roles, tokens
from accounts.domain import roles as role_rules
from accounts.domain.secrets import hash_secret, is_api_key_id, new_token, secret_matches
from accounts.domain.signing import ALGORITHM, StoredKey
from accounts.models import AuthorizationCode
from platformkit import audit
from platformkit.auth import InvalidToken, Principal, TokenVerifier, TokenVerifierUnavailable
from platformkit.db import utcnow

T = TypeVar("T")
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 - a grant type
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105 - a URN
# The subject of a token exchange is named by its person id: the people district staff act for often
# have no login (phone-only) and so no token of their own (RFC 8693 allows token types of our own).
PERSON_ID_TYPE = "urn:dorfmarktplatz:params:oauth:token-type:person-id"
# Parsed keys by their stored JWK text (parsing RSA keys is slow; the text is the identity, not the kid,
# since one process may meet several databases, e.g. in tests, whose first keys share the kid "key-1").
_parsed_keys: dict[str, RSAKey] = {}


def private_key(stored: StoredKey) -> RSAKey:
    key = _parsed_keys.get(stored.private_jwk)
    if key is None:
        key = RSAKey.import_key(json.loads(stored.private_jwk))
        _parsed_keys[stored.private_jwk] = key
    return key


# --- what authlib asks for: clients, people, codes, refresh tokens ----------------------------------


@dataclass(frozen=True)
class Client(ClientMixin):  # type: ignore[misc]
    """A client at our token endpoint: the gateway (first party, settings), a platform service (settings),
    a merchant's API key, or a registered merchant OAuth client."""

    client_id: str
    secret_hash: str
    kind: str  # first_party | service | api_key | merchant_client
    grant_types: frozenset[str]
    redirect_uris: tuple[str, ...] = ()
    allowed_scopes: str = ""
    merchant_id: str | None = None
    # The `aud` of the token being issued (service tokens and token exchange name their callee).
    token_audience: str | None = None

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # redirect_uri is always required and must match exactly

    def get_allowed_scope(self, scope: str | None) -> str | None:
        if self.kind == "first_party":
            requested = (scope or "").split()
            return " ".join(s for s in dict.fromkeys(requested) if s in role_rules.OIDC_SCOPES)
        return role_rules.merchant_scope(scope, self.allowed_scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secret_matches(client_secret, self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in CLIENT_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


@dataclass(frozen=True)
class PersonUser:
    id: uuid.UUID
    name: str
    email: str | None
    email_verified: bool
    phone: str | None
    auth_time: int
    claims: dict[str, Any] = field(default_factory=dict)

    def get_user_id(self) -> str:
        return str(self.id)


@dataclass(frozen=True)
class CodeRecord:
    code_hash: str
    client_id: str
    person_id: uuid.UUID
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    nonce: str | None
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> list[str]:
        return ["pwd"]


@dataclass(frozen=True)
class RefreshRecord:
    id: uuid.UUID
    family_id: uuid.UUID
    person_id: uuid.UUID
    client_id: str
    scope: str
    auth_time: int

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope


class Store:
    """authlib's storage questions, answered from a worker thread with the request's session."""

    def __init__(
        self, session: AsyncSession, settings: AccountsSettings, verifier: TokenVerifier | None = None
    ) -> None:
        self.session = session
        self.settings = settings
        self.verifier = verifier

    def call(self, function: Callable[..., Any], /, **kwargs: Any) -> Any:
        return anyio.from_thread.run(partial(function, session=self.session, **kwargs))

    def client(self, client_id: str | None) -> Client | None:
        if not client_id:
            return None
        return self.call(_load_client, settings=self.settings, client_id=client_id)  # type: ignore[no-any-return]

    def person(self, person_id: uuid.UUID, auth_time: int) -> PersonUser | None:
        return self.call(load_person_user, person_id=person_id, auth_time=auth_time)  # type: ignore[no-any-return]

    def verify(self, token: str) -> Principal | None:
        """An access token of ours, checked like every service checks it (None: not acceptable)."""
        if self.verifier is None:
            return None
        try:
            return anyio.from_thread.run(self.verifier.verify, token)
        except (InvalidToken, TokenVerifierUnavailable):
            return None


async def _load_client(*, session: AsyncSession, settings: AccountsSettings, client_id: str) -> Client | None:
    secret = settings.gateway_secret()
    if client_id == settings.gateway_client_id and secret is not None:
        return Client(
            client_id=client_id,
            secret_hash=hash_secret(secret),
            kind="first_party",
            grant_types=frozenset({"authorization_code", "refresh_token", TOKEN_EXCHANGE}),
            redirect_uris=settings.gateway_redirect_uris,
        )
    service_secret = settings.service_secret(client_id)
    if service_secret is not None:
        return Client(
            client_id=client_id,
            secret_hash=hash_secret(service_secret),
            kind="service",
            grant_types=frozenset({"client_credentials", TOKEN_EXCHANGE}),
            allowed_scopes=" ".join(sorted(role_rules.SERVICE_SCOPES.get(client_id, ()))),
        )
    if is_api_key_id(client_id):
        key = await merchants.get_api_key(session=session, key_id=client_id)
        if key is None or key.revoked_at is not None:
            return None
        return Client(
            client_id=key.id,
            secret_hash=key.secret_hash,
            kind="api_key",
            grant_types=frozenset({"client_credentials"}),
            allowed_scopes=key.scopes,
            merchant_id=key.merchant_id,
        )
    registered = await merchants.get_client(session=session, client_id=client_id)
    if registered is None or registered.revoked_at is not None:
        return None
    return Client(
        client_id=registered.client_id,
        secret_hash=registered.secret_hash,
        kind="merchant_client",
        grant_types=frozenset({"client_credentials"}),
        allowed_scopes=registered.scopes,
        merchant_id=registered.merchant_id,
    )


async def load_person_user(
    *, session: AsyncSession, person_id: uuid.UUID, auth_time: int
) -> PersonUser | None:
    person = await people.get(session=session, person_id=person_id)
    if person is None:
        return None
    grants_ = await roles.active_grants(session=session, person_id=person_id)
    return PersonUser(
        id=person.id,
        name=person.name,
        email=person.email,
        email_verified=person.email_verified_at is not None,
        phone=person.phone,
        auth_time=auth_time,
        claims=role_rules.person_claims(roles.as_domain(grants_)),
    )


# --- authlib's classes, configured ------------------------------------------------------------------


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE is required of every authorization request, with S256 only (no `plain`)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'")
        super().validate_code_verifier(grant, result)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: AccountsAuthorizationServer

    def save_authorization_code(self, code: str, request: Any) -> None:
        payload = request.payload.data
        user: PersonUser = request.user
        row = AuthorizationCode(
            code_hash=hash_secret(code),
            client_id=request.client.client_id,
            person_id=user.id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope or "",
            code_challenge=payload["code_challenge"],
            code_challenge_method=payload["code_challenge_method"],
            nonce=payload.get("nonce"),
            auth_time=user.auth_time,
            expires_at=utcnow() + timedelta(seconds=self.server.settings.authorization_code_ttl_seconds),
        )
        self.server.store.call(tokens.save_code, code=row)

    def query_authorization_code(self, code: str, client: Client) -> CodeRecord | None:
        row = self.server.store.call(tokens.redeem_code, code=code, client_id=client.client_id)
        if row is None:
            return None
        return CodeRecord(
            row.code_hash,
            row.client_id,
            row.person_id,
            row.redirect_uri,
            row.scope,
            row.code_challenge,
            row.code_challenge_method,
            row.nonce,
            row.auth_time,
        )

    def delete_authorization_code(self, authorization_code: CodeRecord) -> None:
        pass  # redeemed codes are marked used by query_authorization_code (a replay must be recognised)

    def authenticate_user(self, authorization_code: CodeRecord) -> PersonUser | None:
        return self.server.store.person(authorization_code.person_id, authorization_code.auth_time)


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every use returns a new refresh token
    server: AccountsAuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshRecord | None:
        client: Client = self.request.client
        row = self.server.store.call(tokens.rotate_refresh, token=refresh_token)
        if row is None:
            return None
        record = RefreshRecord(row.id, row.family_id, row.person_id, row.client_id, row.scope, row.auth_time)
        if not record.check_client(client):
            # Another client holding this token: treat as theft, end the family.
            self.server.store.call(tokens.revoke_family, family_id=row.family_id)
            return None
        return record

    def authenticate_user(self, refresh_token: RefreshRecord) -> PersonUser | None:
        return self.server.store.person(refresh_token.person_id, refresh_token.auth_time)

    def revoke_old_credential(self, refresh_token: RefreshRecord) -> None:
        pass  # already marked rotated when it was taken


class InvalidTargetError(OAuth2Error):  # type: ignore[misc]
    """RFC 8693 2.2.2: no token for the audience asked for."""

    error = "invalid_target"


def _audience(request: Any, settings: AccountsSettings) -> str:
    """The one service a service token or an exchanged token is for (`audience`, RFC 8693 style)."""
    audience = request.payload.data.get("audience")
    if not audience:
        raise InvalidRequestError("Missing 'audience'")
    if len(request.payload.datalist.get("audience", [])) > 1 or audience not in settings.person_token_audiences:
        raise InvalidTargetError(f"No tokens are issued for the audience {audience!r}")
    return str(audience)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    """Merchant integrations (token for marketplace) and platform services (token for the `audience`
    they call, role `service`)."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: AccountsAuthorizationServer

    def validate_token_request(self) -> None:
        super().validate_token_request()
        client: Client = self.request.client
        if client.kind == "service":
            audience = _audience(self.request, self.server.settings)
            self.request.client = replace(client, token_audience=audience)


class TokenExchangeGrant(grants.BaseGrant, grants.TokenEndpointMixin):  # type: ignore[misc]
    """RFC 8693: district staff act for a person. The client (the gateway, or a platform service) sends
    the staff member's access token as `actor_token` and the person as `subject_token` (their id, token
    type PERSON_ID_TYPE), with the one `audience` service it wants a token for. The answer is a short
    access token for the person (`sub`, their roles, no staff scopes) with `act: {sub: <staff>, ...}`,
    only if the staff member's authority covers that audience (domain.roles.acting_authority). No refresh
    token. accounts' audit log records both identities."""

    GRANT_TYPE = TOKEN_EXCHANGE
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: AccountsAuthorizationServer

    def validate_token_request(self) -> None:
        client: Client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError(f"The client is not authorized to use 'grant_type={self.GRANT_TYPE}'")
        self.request.client = client
        data = self.request.payload.data
        if data.get("subject_token_type") != PERSON_ID_TYPE or not data.get("subject_token"):
            raise InvalidRequestError(f"'subject_token' must be a person id of type {PERSON_ID_TYPE}")
        if data.get("actor_token_type") != ACCESS_TOKEN_TYPE or not data.get("actor_token"):
            raise InvalidRequestError(f"'actor_token' must be an access token of type {ACCESS_TOKEN_TYPE}")
        if data.get("requested_token_type", ACCESS_TOKEN_TYPE) != ACCESS_TOKEN_TYPE:
            raise InvalidRequestError("Only access tokens are issued")
        audience = _audience(self.request, self.server.settings)
        actor = self.server.store.verify(data["actor_token"])
        if actor is None or actor.actor is not None:
            raise InvalidGrantError("The actor token is not valid")  # delegation does not chain
        authority = role_rules.acting_authority(
            roles=actor.roles, scopes=actor.scopes, audience=audience,
            everywhere=self.server.settings.person_token_audiences,
        )
        if authority is None:
            raise InvalidTargetError(f"The acting party may not act for people towards {audience!r}")
        try:
            subject_id = uuid.UUID(data["subject_token"])
        except ValueError:
            raise InvalidGrantError("The subject is not a person id") from None
        subject = self.server.store.person(subject_id, int(time.time()))
        if subject is None or str(subject.id) == actor.sub or role_rules.OPERATOR in subject.claims["roles"]:
            raise InvalidGrantError("No token can be issued for this subject")
        act = {"sub": actor.sub, **authority}
        self.request.user = replace(subject, claims={**subject.claims, "staff_scopes": [], "act": act})
        self.request.client = replace(client, token_audience=audience)

    def create_token_response(self) -> tuple[int, dict[str, Any], Any]:
        user: PersonUser = self.request.user
        token: dict[str, Any] = self.generate_token(user=user, scope="", include_refresh_token=False)
        token["issued_token_type"] = ACCESS_TOKEN_TYPE
        client: Client = self.request.client
        self.server.store.call(
            _record_audit,
            actor=user.claims["act"]["sub"],
            action="token.exchanged",
            person_id=user.id,
            details={
                "audience": client.token_audience,
                "client_id": client.client_id,
                **{key: value for key, value in user.claims["act"].items() if key != "sub"},
            },
        )
        return 200, token, self.TOKEN_RESPONSE_HEADER


async def _record_audit(*, session: AsyncSession, **entry: Any) -> None:
    audit.record(session, **entry)


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009: revoking a refresh token ends its whole family (the login it came from). Access
    tokens are short-lived JWTs and are not revoked one by one; the answer is 200 either way."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: AccountsAuthorizationServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> RefreshRecord | None:
        if token_type_hint == "access_token":  # noqa: S105 - a token type name
            return None
        row = self.server.store.call(tokens.find_refresh, token=token_string)
        if row is None:
            return None
        return RefreshRecord(row.id, row.family_id, row.person_id, row.client_id, row.scope, row.auth_time)

    def revoke_token(self, token: RefreshRecord, request: Any) -> None:
        self.server.store.call(tokens.revoke_family, family_id=token.family_id)


class AccessTokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc]
    """RFC 9068 JWT access tokens with the platform's claims convention (platformkit.auth)."""

    def __init__(self, settings: AccountsSettings, keys: KeySet) -> None:
        super().__init__(
            issuer=settings.issuer,
            alg=ALGORITHM,
            refresh_token_generator=lambda **_: new_token(),
            expires_generator=settings.access_token_ttl_seconds,
        )
        self.settings = settings
        self.keys = keys

    def get_jwks(self) -> KeySet:
        return self.keys

    def get_audiences(self, client: Client, user: PersonUser | None, scope: str) -> list[str]:
        if client.token_audience is not None:
            return [client.token_audience]
        if user is not None:
            return list(self.settings.person_token_audiences)
        return [self.settings.merchant_token_audience]

    def get_auth_time(self, user: PersonUser | None) -> int | None:
        return user.auth_time if user is not None else None

    def get_extra_claims(
        self, client: Client, grant_type: str, user: PersonUser | None, scope: str
    ) -> dict[str, Any]:
        if user is not None:
            claims: dict[str, Any] = {
                "roles": user.claims["roles"],
                "scope": role_rules.token_scope((scope or "").split(), user.claims["staff_scopes"]),
            }
            for name in ("merchant_id", "organisation_id", "act"):
                if name in user.claims:
                    claims[name] = user.claims[name]
            return claims
        if client.kind == "service":
            return {"roles": [role_rules.SERVICE_ROLE]}
        return {"roles": [role_rules.MERCHANT], "merchant_id": client.merchant_id}


class IdTokens(OpenIDCode):  # type: ignore[misc]
    """OpenID Connect ID tokens for the authorization code flow when `openid` is asked for."""

    def __init__(self, settings: AccountsSettings, keys: KeySet, kid: str) -> None:
        super().__init__(require_nonce=False)
        self.settings = settings
        self.keys = keys
        self.kid = kid

    def resolve_client_private_key(self, client: Client) -> KeySet:
        return self.keys

    def get_client_algorithm(self, client: Client) -> str:
        return ALGORITHM

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": self.kid, "typ": "JWT"}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.settings.issuer,
            "aud": [client.client_id],
            "iat": now,
            "exp": now + self.settings.id_token_ttl_seconds,
        }

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return False  # codes are single-use; the client checks the nonce it sent

    def generate_user_info(self, user: PersonUser, scope: str) -> UserInfo:
        granted = set((scope or "").split())
        info = UserInfo(sub=str(user.id))
        if "profile" in granted:
            info["name"] = user.name
        if "email" in granted and user.email:
            info["email"] = user.email
            info["email_verified"] = user.email_verified
        if "phone" in granted and user.phone:
            info["phone_number"] = user.phone
        return info


@dataclass
class OAuthResponse:
    status: int
    body: Any
    headers: list[tuple[str, str]]


class AccountsAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """authlib's AuthorizationServer for one request (cheap to build: it holds the request's store)."""

    def __init__(self, store: Store, settings: AccountsSettings, signing: StoredKey | None) -> None:
        super().__init__(scopes_supported=None)
        self.store = store
        self.settings = settings
        # The authorization endpoint signs nothing; only the token endpoint needs the signing key.
        keys = KeySet([private_key(signing)] if signing is not None else [])
        self.register_token_generator("default", AccessTokenGenerator(settings, keys))
        self.register_grant(
            AuthorizationCodeGrant,
            [S256CodeChallenge(required=True), IdTokens(settings, keys, signing.kid if signing else "")],
        )
        self.register_grant(RefreshTokenGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(TokenExchangeGrant)
        self.register_endpoint(Revocation)

    def query_client(self, client_id: str) -> Client | None:
        return self.store.client(client_id)

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        refresh = token.get("refresh_token")
        user: PersonUser | None = request.user
        client: Client = request.client
        if client.kind == "api_key":
            self.store.call(merchants.touch_api_key, key_id=client.client_id)
        if not refresh or user is None:
            return
        if request.refresh_token is not None:
            family_id = request.refresh_token.family_id
        else:
            family_id = uuid.uuid4()
            self.store.call(
                tokens.bind_code_to_family,
                code_hash=request.authorization_code.code_hash,
                family_id=family_id,
            )
        self.store.call(
            tokens.save_refresh,
            token=refresh,
            family_id=family_id,
            person_id=user.id,
            client_id=client.client_id,
            scope=token.get("scope", ""),
            auth_time=user.auth_time,
            ttl=timedelta(seconds=self.settings.refresh_token_ttl_seconds),
        )

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        assert isinstance(request, FormRequest)
        return request

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no JSON endpoints")

    def handle_response(self, status: int, body: Any, headers: Iterable[tuple[str, str]]) -> OAuthResponse:
        return OAuthResponse(status, body, list(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass


# --- requests ----------------------------------------------------------------------------------------


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for name, value in items:
            self._datalist[name].append(value)
        self._data = {name: values[0] for name, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """An OAuth request as authlib sees it, built from already-read query or form parameters."""

    def __init__(
        self, method: str, uri: str, headers: Mapping[str, str], items: list[tuple[str, str]]
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self.payload = _Payload(items)
        self._flat = dict(self.payload.data)

    @property
    def args(self) -> dict[str, str]:
        return self._flat

    @property
    def form(self) -> dict[str, str]:
        return self._flat


async def run_oauth(
    session: AsyncSession,
    settings: AccountsSettings,
    signing: StoredKey | None,
    work: Callable[[AccountsAuthorizationServer], T],
    verifier: TokenVerifier | None = None,
) -> T:
    """Run `work(server)` in a worker thread; storage hooks use `session` back on the event loop.
    `verifier` checks the tokens a token exchange presents."""
    server = AccountsAuthorizationServer(Store(session, settings, verifier), settings, signing)
    return await anyio.to_thread.run_sync(work, server)
