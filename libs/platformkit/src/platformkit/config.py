"""Settings from the environment (12-factor). Every service subclasses `ServiceSettings`."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BeforeValidator, SecretStr, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

S = TypeVar("S", bound=BaseSettings)


def _split_list(value: Any) -> Any:
    """Lists in the environment may be comma-separated (`a,b`) or JSON (`["a","b"]`)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return tuple(json.loads(text))
        return tuple(item.strip() for item in text.split(",") if item.strip())
    return value


# A setting holding several strings: `CORS_ORIGINS=https://a.example,https://b.example` (or JSON).
StringList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_split_list)]


class ServiceSettings(BaseSettings):
    """What every service needs. Fields without a default are required: a missing one stops start-up."""

    model_config = SettingsConfigDict(env_ignore_empty=True, extra="ignore", frozen=True)

    service_name: str
    environment: Literal["development", "test", "production"] = "production"
    log_level: str = "INFO"
    # sqlite:///var/accounts.db or postgresql://user@host/db; the async driver is chosen by platformkit.db.
    database_url: str
    database_pool_size: int = 10
    nats_url: str = "nats://127.0.0.1:4222"
    # The token issuer every request is checked against; the JWKS is found through its discovery document
    # unless jwks_url says where it is.
    oidc_issuer: str
    oidc_audience: str
    jwks_url: str | None = None
    token_leeway_seconds: int = 30
    token_algorithms: tuple[str, ...] = ("RS256", "ES256")
    outbox_poll_seconds: float = 0.5
    # This service's own client at accounts (client id = the service name), for calling other services
    # (platformkit.service_tokens). Unset: the service calls nobody with a token of its own.
    service_client_secret: SecretStr | None = None
    # accounts' token endpoint as this service reaches it; default: UPSTREAM_ACCOUNTS_URL/token, else
    # the issuer's /token.
    oidc_token_url: str | None = None


def load_settings(settings_class: type[S], **overrides: object) -> S:
    """Build settings, turning pydantic's error for a missing variable into one clear line per setting."""
    try:
        return settings_class(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = []
        for item in error.errors():
            name = ".".join(str(part) for part in item["loc"]).upper()
            reason = "is not set" if item["type"] == "missing" else item["msg"]
            problems.append(f"{name} {reason}")
        raise SystemExit(f"{settings_class.__name__}: " + "; ".join(problems)) from None
