"""Signing keys and their rotation, as pure decisions over the stored keys.

The newest key whose `signs_from` has come is the signing key. A key stops signing when a newer one
starts; it stays published in the JWKS until every token it signed has expired (its successor's start
+ the longest token lifetime + clock leeway). Keys created with a future `signs_from` are published
at once, before they sign, so verifiers' cached key sets know them in time."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from joserfc.jwk import RSAKey

ALGORITHM = "RS256"


@dataclass(frozen=True)
class StoredKey:
    kid: str
    signs_from: datetime
    private_jwk: str


def generate_private_jwk(kid: str, size: int = 2048) -> str:
    key = RSAKey.generate_key(size, parameters={"kid": kid, "alg": ALGORITHM, "use": "sig"}, private=True)
    return json.dumps(key.as_dict(private=True))


def signing_key(keys: Sequence[StoredKey], now: datetime) -> StoredKey | None:
    started = [key for key in keys if key.signs_from <= now]
    return max(started, key=lambda key: (key.signs_from, key.kid)) if started else None


def published_keys(
    keys: Sequence[StoredKey], now: datetime, max_token_lifetime: timedelta
) -> list[StoredKey]:
    """Keys to publish: the signing key, keys not yet signing, and retired keys whose tokens may
    still be alive."""
    ordered = sorted(keys, key=lambda key: (key.signs_from, key.kid))
    published = []
    for index, key in enumerate(ordered):
        successors = [later for later in ordered[index + 1 :] if later.signs_from <= now]
        if not successors:
            published.append(key)
            continue
        retired_at = successors[0].signs_from
        if now < retired_at + max_token_lifetime:
            published.append(key)
    return published


def public_jwk(stored: StoredKey) -> dict[str, object]:
    key = RSAKey.import_key(json.loads(stored.private_jwk))
    public: dict[str, object] = dict(key.as_dict(private=False))
    public.update({"kid": stored.kid, "alg": ALGORITHM, "use": "sig"})
    return public
