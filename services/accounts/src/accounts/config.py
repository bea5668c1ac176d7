"""Settings of the accounts service (environment variables, 12-factor). See README.md, "Settings"."""

from __future__ import annotations

from pydantic import SecretStr

from platformkit.config import StringList
from platformkit.outbound import OutboundSettings

# Only for ENVIRONMENT=development/test, so that `dorf up` works without configuration. Production
# must set GATEWAY_CLIENT_SECRET; without it there is no gateway client at all.
DEVELOPMENT_GATEWAY_CLIENT_SECRET = "dorf-dev-gateway-secret"  # noqa: S105 - documented, dev only

PLATFORM_SERVICES = ("accounts", "gateway", "marketplace", "mobility", "volunteers", "alerts")


class AccountsSettings(OutboundSettings):
    """The outbound channels' settings (SMTP_URL, MAIL_FROM, WEB_PUSH_PRIVATE_KEY, SMS_GATEWAY_URL, ...)
    come from platformkit.outbound.OutboundSettings."""

    service_name: str = "accounts"
    # accounts checks its own tokens like every service: people's tokens name it in `aud`.
    oidc_audience: str = "accounts"

    # --- tokens ---------------------------------------------------------------------------------
    access_token_ttl_seconds: int = 300
    id_token_ttl_seconds: int = 300
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    authorization_code_ttl_seconds: int = 120
    # Who may accept a person's access token (`aud`); must include this service's own name.
    person_token_audiences: StringList = PLATFORM_SERVICES
    # The `aud` of merchant integration tokens (client credentials).
    merchant_token_audience: str = "marketplace"  # noqa: S105 - not a secret
    # A rotated-in signing key is published at once but signs only after this delay, so that every
    # verifier's cached JWKS (platformkit refetches at most once a minute) can learn it first.
    signing_key_activation_delay_seconds: int = 0
    signing_key_size: int = 2048

    # --- the gateway: a confidential first-party client (authorization code + PKCE) -------------
    gateway_client_id: str = "gateway"
    gateway_client_secret: SecretStr | None = None
    gateway_redirect_uris: StringList = ()

    # --- service identity and personal data (docs/architecture.md, "Service identity") -----------
    # Each service's client secret, as a JSON object {"marketplace": "...", ...}: the service gets tokens
    # by client credentials (client id = its name, `aud` = the service it calls). accounts' own is here
    # too (it gathers data downloads with it) and in SERVICE_CLIENT_SECRET.
    service_client_secrets: dict[str, SecretStr] = {}
    # The services that hold personal data besides accounts: a person's download gathers their part
    # (over UPSTREAM_<NAME>_URL), and an erasure waits for their completion report.
    personal_data_services: StringList = ()
    # How long a finished data download stays available.
    export_retention_seconds: int = 7 * 24 * 3600

    # --- mail -----------------------------------------------------------------------------------
    # SMTP_URL and MAIL_FROM (OutboundSettings). Without SMTP_URL mails are kept as "held" and operators
    # read them through GET /admin/mails (embedded default).
    # Where links in mails point (verification, password reset): this service's public address.
    # Defaults to OIDC_ISSUER.
    public_url: str | None = None

    # --- brute force ----------------------------------------------------------------------------
    login_failures_before_lockout: int = 5
    login_lockout_base_seconds: int = 2
    login_lockout_max_seconds: int = 900
    address_failure_budget: int = 100
    address_budget_window_seconds: int = 900
    password_reset_mails_per_hour: int = 3
    # How many proxies in front of us append to X-Forwarded-For (the gateway: 1). 0: use the peer.
    forwarded_for_trusted_hops: int = 0

    # --- the first operator (production bootstrap) ------------------------------------------------
    bootstrap_operator_email: str | None = None
    bootstrap_operator_password: SecretStr | None = None

    @property
    def issuer(self) -> str:
        """The `iss` of every token, exactly as configured (verifiers compare it byte for byte)."""
        return self.oidc_issuer

    @property
    def issuer_base(self) -> str:
        """The issuer without a trailing slash, to build endpoint URLs from."""
        return self.oidc_issuer.rstrip("/")

    @property
    def link_base(self) -> str:
        return (self.public_url or self.oidc_issuer).rstrip("/")

    def service_secret(self, client_id: str) -> str | None:
        secret = self.service_client_secrets.get(client_id)
        return secret.get_secret_value() if secret is not None else None

    def gateway_secret(self) -> str | None:
        if self.gateway_client_secret is not None:
            return self.gateway_client_secret.get_secret_value()
        if self.environment in ("development", "test"):
            return DEVELOPMENT_GATEWAY_CLIENT_SECRET
        return None
