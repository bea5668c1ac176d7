"""Settings of the gateway (environment variables, 12-factor). See README.md, "Settings".

Upstreams are not fields: every `UPSTREAM_<NAME>_URL` in the environment publishes one service under
`/api/<name>/`, with optional `UPSTREAM_<NAME>_CONNECT_TIMEOUT` / `UPSTREAM_<NAME>_READ_TIMEOUT` (seconds)
overriding `UPSTREAM_CONNECT_TIMEOUT` / `UPSTREAM_READ_TIMEOUT`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from gateway.proxy import Upstream
from platformkit.config import ServiceSettings, StringList

# Only for ENVIRONMENT=development/test, the same value accounts falls back to, so that a gateway and an
# accounts service started by hand find each other. `dorf up` generates a secret per var/ folder instead.
DEVELOPMENT_CLIENT_SECRET = "dorf-dev-gateway-secret"  # noqa: S105 - documented, dev only

_UPSTREAM_URL = re.compile(r"^UPSTREAM_([A-Z][A-Z0-9_]*)_URL$")
# Path segments under /api/ that are the gateway's own; no service may be published under them.
RESERVED_NAMES = frozenset({"me", "gateway", "docs", "openapi.json"})
# Form endpoints of the issuer's own HTML pages (they cannot know the gateway's CSRF token) and its public
# protocol endpoints: the browser session is never attached there (its cookie is removed, no CSRF check).
DEFAULT_SESSIONLESS_PATHS = (
    "/api/accounts/authorize",
    "/api/accounts/token",
    "/api/accounts/revoke",
    "/api/accounts/email/",
    "/api/accounts/password/",
    "/api/accounts/.well-known/",
    "/api/accounts/jwks.json",
)


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    oidc_audience: str = "gateway"
    # The gateway has no database; the platform's setting is required everywhere, and unused here.
    database_url: str = "sqlite:///:memory:"

    # Where the public reaches the gateway, e.g. https://dorf.example (no trailing path). https makes the
    # cookies Secure (with the __Host- prefix) and adds HSTS.
    public_url: str

    # --- upstreams (see the module docstring for UPSTREAM_<NAME>_*) ------------------------------
    upstream_connect_timeout: float = 1.0
    upstream_read_timeout: float = 30.0
    upstream_max_connections: int = 100
    upstream_failure_threshold: int = 5
    upstream_reset_timeout: float = 10.0

    # --- requests (the body cap, 10 MiB, is the ServiceSpec's: main.py) ------------------------------
    # Proxies in front of the gateway that append to X-Forwarded-For (an ingress: 1). 0: the client is the
    # TCP peer and any X-Forwarded-For it sends is replaced.
    forwarded_for_trusted_hops: int = Field(default=0, ge=0, le=5)
    cors_origins: StringList = ()
    sessionless_paths: StringList = DEFAULT_SESSIONLESS_PATHS
    # The gateway's Prometheus `/metrics` is served only on this second port (`launcher.serve` listens on
    # it beside the public one; Kubernetes' Service and the Ingress never point at it), and that port
    # answers nothing else. Unset: the gateway serves no metrics at all. The public port always says 404.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    # --- rate limits (token buckets, per replica; see docs/adr/0003-gateway-rate-limits.md) -------
    rate_limit_enabled: bool = True
    # Signed-in callers (a verified token or a browser session) are limited per subject ...
    rate_limit_subject_per_second: float = 20.0
    rate_limit_subject_burst: int = 100
    # ... everyone else per client address (a village behind one address shares this).
    rate_limit_address_per_second: float = 30.0
    rate_limit_address_burst: int = 150
    # How many gateway replicas share the limits above: each replica enforces limit / replicas.
    gateway_replicas: int = Field(default=1, ge=1)

    # --- the browser login (this gateway is a confidential OIDC client of the issuer) ---------------
    oidc_client_id: str = "gateway"
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid profile email"
    # Endpoints; unset: {OIDC_ISSUER}/authorize for the browser, and /token, /revoke at the internal
    # address of the accounts upstream (or the issuer when there is none). Set all three for another issuer.
    oidc_authorization_url: str | None = None
    oidc_token_url: str | None = None
    oidc_revocation_url: str | None = None
    oidc_timeout_seconds: float = 10.0

    # --- browser sessions (NATS JetStream KV; see docs/adr/0002-gateway-state-across-replicas.md) ------
    session_cookie_name: str = "dorf_session"
    # A session unused this long ends (the KV entry's age; every token refresh renews it).
    session_idle_seconds: int = 14 * 24 * 3600
    # A session ends this long after sign-in, however much it is used.
    session_max_age_seconds: int = 30 * 24 * 3600
    # The access token is refreshed when it has less than this left.
    session_refresh_margin_seconds: float = 30.0
    login_timeout_seconds: int = 600
    sessions_bucket: str = "GATEWAY_SESSIONS"
    logins_bucket: str = "GATEWAY_LOGINS"

    # --- live feed -----------------------------------------------------------------------------------
    feed_heartbeat_seconds: float = 15.0
    feed_max_per_person: int = 5
    notify_max_age_seconds: float = 30 * 24 * 3600
    notify_max_per_person: int = 200

    # --- merged OpenAPI --------------------------------------------------------------------------------
    openapi_refresh_seconds: float = 60.0

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        url = urlsplit(value)
        if url.scheme not in ("http", "https") or not url.netloc or url.path not in ("", "/"):
            raise ValueError("must be http(s)://host[:port] without a path")
        return value.rstrip("/")

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            url = urlsplit(origin)
            if origin == "*" or url.scheme not in ("http", "https") or not url.netloc or url.path:
                raise ValueError(f"{origin!r} is not an origin like https://shop.example")
        return value

    @model_validator(mode="after")
    def _secret_outside_development(self) -> GatewaySettings:
        if self.client_secret() is None:
            raise ValueError("OIDC_CLIENT_SECRET is required outside development and test")
        return self

    @property
    def https(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url}/auth/callback"

    @property
    def cookie_name(self) -> str:
        # __Host-: the browser accepts it only Secure, for Path=/ and without Domain (no subdomain can set it).
        return f"__Host-{self.session_cookie_name}" if self.https else self.session_cookie_name

    @property
    def login_cookie_name(self) -> str:
        return "__Host-dorf_login" if self.https else "dorf_login"

    def client_secret(self) -> str | None:
        if self.oidc_client_secret is not None:
            return self.oidc_client_secret.get_secret_value()
        if self.environment in ("development", "test"):
            return DEVELOPMENT_CLIENT_SECRET
        return None

    def upstreams(self, environ: Mapping[str, str] | None = None) -> dict[str, Upstream]:
        return upstreams_from_environment(self, os.environ if environ is None else environ)

    def authorization_url(self) -> str:
        return self.oidc_authorization_url or f"{self.oidc_issuer.rstrip('/')}/authorize"

    def token_url(self, upstreams: Mapping[str, Upstream]) -> str:
        return self.oidc_token_url or f"{self._issuer_internal(upstreams)}/token"

    def revocation_url(self, upstreams: Mapping[str, Upstream]) -> str:
        return self.oidc_revocation_url or f"{self._issuer_internal(upstreams)}/revoke"

    def _issuer_internal(self, upstreams: Mapping[str, Upstream]) -> str:
        # Server-to-server calls go to accounts' internal address, not back out through the public one.
        accounts = upstreams.get("accounts")
        if accounts is not None and self.oidc_issuer.rstrip("/") == f"{self.public_url}/api/accounts":
            return accounts.base_url.rstrip("/")
        return self.oidc_issuer.rstrip("/")


def upstreams_from_environment(settings: GatewaySettings, environ: Mapping[str, str]) -> dict[str, Upstream]:
    """Every `UPSTREAM_<NAME>_URL`, as the Upstream published under `/api/<name>/`."""
    found: dict[str, Upstream] = {}
    for variable, url in sorted(environ.items()):
        match = _UPSTREAM_URL.match(variable)
        if match is None or not url.strip():
            continue
        env_name = match.group(1)
        name = env_name.lower()
        if name in RESERVED_NAMES:
            raise ValueError(f"{variable}: /api/{name}/ belongs to the gateway itself")

        def seconds(kind: str, default: float, env_name: str = env_name) -> float:
            value = environ.get(f"UPSTREAM_{env_name}_{kind}_TIMEOUT")
            return float(value) if value else default

        found[name] = Upstream(
            name,
            url.strip().rstrip("/"),
            connect_timeout=seconds("CONNECT", settings.upstream_connect_timeout),
            read_timeout=seconds("READ", settings.upstream_read_timeout),
            max_connections=settings.upstream_max_connections,
            failure_threshold=settings.upstream_failure_threshold,
            reset_timeout=settings.upstream_reset_timeout,
        )
    return found
