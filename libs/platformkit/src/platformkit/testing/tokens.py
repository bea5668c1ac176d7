"""Access tokens for tests: a rotatable key set, a token factory, forged tokens for attack tests, and a
real OIDC discovery + JWKS HTTP server on 127.0.0.1 (no mocking of httpx) that counts its requests.

Fixtures (function-scoped):
* `oidc_issuer`: an `OidcIssuer` (running server, keys `k1` (RSA) and `ec1` (EC P-256), a `ManualClock`,
  a `TokenFactory`). `oidc_issuer.verifier()` gives a `TokenVerifier` wired to it and to its clock;
  `oidc_issuer.settings_overrides()` gives `oidc_issuer`/`oidc_audience`/`jwks_url` for ServiceSettings.
* `token_factory`: `oidc_issuer.tokens`.
* `attacker_issuer`: a second, independent issuer with different key material (for `jku` tests etc.).

Key material is cached per (namespace, kid) for the session, because RSA generation is slow: the same
kid in the same namespace is the same key; the attacker uses its own namespace.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, Key, RSAKey
from joserfc.jws import JWSRegistry

from platformkit.auth import TokenVerifier

__all__ = [
    "DEFAULT_AUDIENCE",
    "JwksServer",
    "ManualClock",
    "OidcIssuer",
    "TestKeys",
    "TokenFactory",
    "attacker_issuer",
    "b64url",
    "oidc_issuer",
    "token_factory",
]

DEFAULT_AUDIENCE = "dorf-test"
_MATERIAL: dict[tuple[str, str, str], Key] = {}
_MATERIAL_LOCK = threading.Lock()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_json(value: Mapping[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def _b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class ManualClock:
    """A clock that only moves when told to: `clock()` -> seconds, `clock.advance(61)`."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _material(namespace: str, kty: str, kid: str) -> Key:
    with _MATERIAL_LOCK:
        key = _MATERIAL.get((namespace, kty, kid))
        if key is None:
            if kty == "RSA":
                key = RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)
            else:
                key = ECKey.generate_key("P-256", parameters={"kid": kid}, private=True)
            _MATERIAL[(namespace, kty, kid)] = key
        return key


class TestKeys:
    """Private signing keys by kid, and which of them the JWKS publishes (rotation: add, remove)."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        *,
        rsa_kids: Sequence[str] = ("k1",),
        ec_kids: Sequence[str] = ("ec1",),
        namespace: str = "issuer",
    ) -> None:
        self.namespace = namespace
        self._keys: dict[str, Key] = {}
        self._published: list[str] = []
        self._lock = threading.Lock()
        for kid in rsa_kids:
            self.add_rsa(kid)
        for kid in ec_kids:
            self.add_ec(kid)

    def add_rsa(self, kid: str, *, publish: bool = True) -> Key:
        return self._add(_material(self.namespace, "RSA", kid), publish)

    def add_ec(self, kid: str, *, publish: bool = True) -> Key:
        return self._add(_material(self.namespace, "EC", kid), publish)

    def _add(self, key: Key, publish: bool) -> Key:
        kid = str(key.kid)
        with self._lock:
            self._keys[kid] = key
            if publish and kid not in self._published:
                self._published.append(kid)
        return key

    def publish(self, kid: str) -> None:
        with self._lock:
            if kid not in self._keys:
                raise KeyError(kid)
            if kid not in self._published:
                self._published.append(kid)

    def remove(self, kid: str) -> None:
        """Stop publishing `kid` (the private key stays available, so old tokens can still be made)."""
        with self._lock:
            self._published.remove(kid)

    @property
    def published(self) -> list[str]:
        with self._lock:
            return list(self._published)

    def private(self, kid: str) -> Key:
        return self._keys[kid]

    def public_jwk(self, kid: str) -> dict[str, Any]:
        key = self._keys[kid]
        data = dict(key.as_dict(private=False))
        data.update({"use": "sig", "alg": default_alg(key)})
        return data

    def public_pem(self, kid: str) -> bytes:
        key = self._keys[kid]
        assert isinstance(key, RSAKey | ECKey)
        return key.as_pem(private=False)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk(kid) for kid in self.published]}


def default_alg(key: Key) -> str:
    if isinstance(key, RSAKey):
        return "RS256"
    if isinstance(key, ECKey):
        return "ES256"
    raise ValueError(f"no default algorithm for {key.key_type}")


class TokenFactory:
    """Signs access tokens with `TestKeys`, following the claims convention of platformkit.auth."""

    def __init__(
        self,
        keys: TestKeys,
        *,
        issuer: str,
        audience: str = DEFAULT_AUDIENCE,
        clock: Callable[[], float] = time.time,
        default_kid: str = "k1",
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.clock = clock
        self.default_kid = default_kid

    def claims(
        self,
        sub: str = "resident-1",
        *,
        roles: Iterable[str] = ("resident",),
        scopes: Iterable[str] = (),
        audience: str | list[str] | None = None,
        issuer: str | None = None,
        expires_in: int = 300,
        merchant_id: str | None = None,
        organisation_id: str | None = None,
        client_id: str | None = None,
        actor: str | None = None,
        extra_claims: Mapping[str, Any] | None = None,
        omit: Iterable[str] = (),
    ) -> dict[str, Any]:
        """The claims `issue` would sign. `expires_in` may be negative (already expired);
        `omit=("exp",)` drops claims; `extra_claims` overrides or adds any claim."""
        now = int(self.clock())
        claims: dict[str, Any] = {
            "iss": self.issuer if issuer is None else issuer,
            "sub": sub,
            "aud": self.audience if audience is None else audience,
            "iat": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
            "roles": list(roles),
        }
        scope_list = list(scopes)
        if scope_list:
            claims["scope"] = " ".join(scope_list)
        optional = {
            "merchant_id": merchant_id,
            "organisation_id": organisation_id,
            "client_id": client_id,
        }
        claims.update({name: value for name, value in optional.items() if value is not None})
        if actor is not None:
            claims["act"] = {"sub": actor}
        claims.update(extra_claims or {})
        for name in omit:
            claims.pop(name, None)
        return claims

    def issue(
        self,
        sub: str = "resident-1",
        *,
        key: str | Key | None = None,
        alg: str | None = None,
        headers: Mapping[str, Any] | None = None,
        **claim_options: Any,
    ) -> str:
        """A signed compact JWS. `key`: a kid of `self.keys` (default `default_kid`) or any private Key
        (e.g. an attacker's). `headers` override the header; a value of None removes that entry
        (`headers={"kid": None}`). Other keyword arguments go to `claims()`."""
        return self.sign(self.claims(sub, **claim_options), key=key, alg=alg, headers=headers)

    def sign(
        self,
        claims: Mapping[str, Any],
        *,
        key: str | Key | None = None,
        alg: str | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        signing_key = (
            self.keys.private(key or self.default_kid) if key is None or isinstance(key, str) else key
        )
        algorithm = alg or default_alg(signing_key)
        header: dict[str, Any] = {"typ": "JWT", "alg": algorithm}
        if signing_key.kid is not None:
            header["kid"] = signing_key.kid
        for name, value in (headers or {}).items():
            if value is None:
                header.pop(name, None)
            else:
                header[name] = value
        registry = JWSRegistry(algorithms=[algorithm], strict_check_header=False)
        return jwt.encode(header, dict(claims), signing_key, registry=registry)

    # --- forged tokens for attack tests ---------------------------------------------------------

    def forge_alg_none(self, sub: str = "resident-1", **claim_options: Any) -> str:
        """`alg: none` with an empty signature (RFC 7519 "unsecured JWT")."""
        header = {"typ": "JWT", "alg": "none", "kid": self.default_kid}
        return f"{_b64url_json(header)}.{_b64url_json(self.claims(sub, **claim_options))}."

    def forge_hs256_with_public_key(
        self, sub: str = "resident-1", *, kid: str | None = None, alg: str = "HS256", **claim_options: Any
    ) -> str:
        """HMAC-signed with our RSA public key's PEM as the shared secret (the CVE-2016-10555 confusion)."""
        kid = kid or self.default_kid
        header = {"typ": "JWT", "alg": alg, "kid": kid}
        signing_input = f"{_b64url_json(header)}.{_b64url_json(self.claims(sub, **claim_options))}"
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        mac = hmac.new(self.keys.public_pem(kid), signing_input.encode(), digest).digest()
        return f"{signing_input}.{b64url(mac)}"

    def forge_embedded_jwk(
        self, attacker_key: Key, sub: str = "resident-1", *, kid: str | None = None, **claim_options: Any
    ) -> str:
        """Signed by `attacker_key`, carrying that key's public JWK in the `jwk` header. `kid` defaults
        to one of OUR kids (of the same key type), so only ignoring `jwk` makes it fail."""
        public = dict(attacker_key.as_dict(private=False))
        public.pop("kid", None)
        if kid is None:
            kid = self.default_kid if isinstance(attacker_key, RSAKey) else _first_kid(self.keys, ECKey)
        return self.issue(sub, key=attacker_key, headers={"kid": kid, "jwk": public}, **claim_options)

    def forge_jku(
        self,
        attacker_key: Key,
        jku: str,
        sub: str = "resident-1",
        *,
        kid: str | None = None,
        **claim_options: Any,
    ) -> str:
        """Signed by `attacker_key`, pointing at the attacker's JWKS with `jku`."""
        headers: dict[str, Any] = {"jku": jku}
        if kid is not None:
            headers["kid"] = kid
        return self.issue(sub, key=attacker_key, headers=headers, **claim_options)


def _first_kid(keys: TestKeys, kind: type[RSAKey] | type[ECKey]) -> str:
    for kid in keys.published:
        if isinstance(keys.private(kid), kind):
            return kid
    raise LookupError(f"no published {kind.__name__}")


def tamper_signature(token: str) -> str:
    """Same header and claims, one signature byte flipped."""
    header, payload, signature = token.split(".")
    raw = bytearray(_b64url_decode(signature))
    raw[len(raw) // 2] ^= 0x01
    return f"{header}.{payload}.{b64url(bytes(raw))}"


def tamper_claims(token: str, **changes: Any) -> str:
    """Claims changed after signing (e.g. `roles=["operator"]`), original signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(_b64url_decode(payload))
    claims.update(changes)
    return f"{header}.{_b64url_json(claims)}.{signature}"


class JwksServer:
    """A real HTTP server on 127.0.0.1 (free port) serving `/.well-known/openid-configuration` and
    `/jwks` from `TestKeys`, counting every request. Set `jwks_status` to e.g. 503 to make the JWKS fail."""

    def __init__(self, keys: TestKeys) -> None:
        self.keys = keys
        self.jwks_status = 200
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._base_url: str | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._base_url is not None, "server not started"
        return self._base_url  # kept after stop(), so tests can point at a dead issuer

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/jwks"

    @property
    def jwks_fetches(self) -> int:
        with self._lock:
            return self.requests.count("/jwks")

    @property
    def discovery_fetches(self) -> int:
        with self._lock:
            return self.requests.count("/.well-known/openid-configuration")

    def _record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    def start(self) -> JwksServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                server._record(path)
                if path == "/.well-known/openid-configuration":
                    self._send(200, {"issuer": server.issuer, "jwks_uri": server.jwks_url})
                elif path == "/jwks":
                    if server.jwks_status != 200:
                        self._send(server.jwks_status, {"error": "unavailable"})
                    else:
                        self._send(200, server.keys.jwks())
                else:
                    self._send(404, {"error": "not found"})

            def _send(self, status: int, body: Mapping[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        host, port = self._httpd.server_address[:2]
        self._base_url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="jwks-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> JwksServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class OidcIssuer:
    """Keys + a running `JwksServer` + a `ManualClock` + a `TokenFactory`, for one test."""

    def __init__(
        self,
        keys: TestKeys | None = None,
        *,
        audience: str = DEFAULT_AUDIENCE,
        clock: ManualClock | None = None,
    ) -> None:
        self.keys = keys or TestKeys()
        self.audience = audience
        self.clock = clock or ManualClock()
        self.server = JwksServer(self.keys)
        self._tokens: TokenFactory | None = None

    def start(self) -> OidcIssuer:
        self.server.start()
        self._tokens = TokenFactory(
            self.keys, issuer=self.server.issuer, audience=self.audience, clock=self.clock
        )
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def issuer(self) -> str:
        return self.server.issuer

    @property
    def jwks_url(self) -> str:
        return self.server.jwks_url

    @property
    def tokens(self) -> TokenFactory:
        assert self._tokens is not None, "issuer not started"
        return self._tokens

    def verifier(self, **options: Any) -> TokenVerifier:
        """A TokenVerifier for this issuer and audience on this clock (discovery unless `jwks_url=`).
        Close it with `await verifier.aclose()`."""
        options.setdefault("clock", self.clock)
        return TokenVerifier(self.issuer, self.audience, **options)

    def settings_overrides(self) -> dict[str, str]:
        return {"oidc_issuer": self.issuer, "oidc_audience": self.audience, "jwks_url": self.jwks_url}


@pytest.fixture
def oidc_issuer() -> Iterator[OidcIssuer]:
    """A running local issuer: keys k1 (RSA) and ec1 (EC), discovery + JWKS over real HTTP."""
    issuer = OidcIssuer().start()
    try:
        yield issuer
    finally:
        issuer.stop()


@pytest.fixture
def token_factory(oidc_issuer: OidcIssuer) -> TokenFactory:
    return oidc_issuer.tokens


@pytest.fixture
def attacker_issuer(oidc_issuer: OidcIssuer) -> Iterator[OidcIssuer]:
    """Another running issuer with the attacker's own key material (RSA `k1`, `evil`; EC `ec1`), on
    the same clock and audience as `oidc_issuer`."""
    keys = TestKeys(rsa_kids=("k1", "evil"), ec_kids=("ec1",), namespace="attacker")
    issuer = OidcIssuer(keys, audience=oidc_issuer.audience, clock=oidc_issuer.clock).start()
    try:
        yield issuer
    finally:
        issuer.stop()
