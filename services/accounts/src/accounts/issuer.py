"""The issuer's public face: discovery document, JWKS and the signing key in use."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from accounts.config import AccountsSettings
from accounts.crud import keys
from accounts.domain import roles
from accounts.domain.signing import ALGORITHM, StoredKey, public_jwk, published_keys, signing_key
from platformkit.db import Database, utcnow


def max_token_lifetime(settings: AccountsSettings) -> timedelta:
    longest = max(settings.access_token_ttl_seconds, settings.id_token_ttl_seconds)
    return timedelta(seconds=longest + settings.token_leeway_seconds + 60)


async def load_keys(db: Database, settings: AccountsSettings) -> list[StoredKey]:
    """The stored keys; on the very first use a key is generated (its own short transaction)."""
    async with db.session() as session:
        stored = await keys.stored_keys(session=session)
    if not stored:
        async with db.transaction() as session:
            await keys.ensure_signing_key(session=session, settings=settings)
        async with db.session() as session:
            stored = await keys.stored_keys(session=session)
    return stored


async def current_signing_key(db: Database, settings: AccountsSettings) -> StoredKey | None:
    return signing_key(await load_keys(db, settings), utcnow())


async def jwks(db: Database, settings: AccountsSettings) -> dict[str, Any]:
    stored = await load_keys(db, settings)
    published = published_keys(stored, utcnow(), max_token_lifetime(settings))
    return {"keys": [public_jwk(key) for key in published]}


def discovery_document(settings: AccountsSettings) -> dict[str, Any]:
    base = settings.issuer_base
    return {
        "issuer": settings.issuer,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "revocation_endpoint": f"{base}/revoke",
        "userinfo_endpoint": f"{base}/me",
        "jwks_uri": f"{base}/jwks.json",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": [*roles.OIDC_SCOPES, *sorted(roles.MERCHANT_SCOPES)],
        "claims_supported": [
            "sub",
            "name",
            "email",
            "email_verified",
            "phone_number",
            "roles",
            "scope",
            "merchant_id",
            "organisation_id",
            "client_id",
            "auth_time",
        ],
        "ui_locales_supported": ["de"],
    }
