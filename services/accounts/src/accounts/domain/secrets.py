"""Random secrets and how they are kept: high-entropy values are stored as SHA-256 (a slow hash adds
nothing for 256 random bits), and compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_KEY_ID_PREFIX = "mk_"
API_KEY_SECRET_PREFIX = "dmk_"  # noqa: S105 - a prefix, not a secret
CLIENT_SECRET_PREFIX = "dcs_"  # noqa: S105 - a prefix, not a secret
VISIBLE_PREFIX_LENGTH = 12


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def secret_matches(value: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(value), stored_hash)


def new_api_key() -> tuple[str, str, str]:
    """(key id, secret, visible prefix). The id is also the OAuth client_id of the key."""
    key_id = API_KEY_ID_PREFIX + secrets.token_hex(8)
    secret = API_KEY_SECRET_PREFIX + secrets.token_urlsafe(32)
    return key_id, secret, secret[:VISIBLE_PREFIX_LENGTH]


def is_api_key_id(client_id: str) -> bool:
    return client_id.startswith(API_KEY_ID_PREFIX)


def new_client_secret() -> str:
    return CLIENT_SECRET_PREFIX + secrets.token_urlsafe(32)


def normalize_email(email: str) -> str:
    """One spelling per address: trimmed and lower-cased (mailbox names are case-insensitive in
    practice, and two accounts differing only in case would be a trap for seniors)."""
    return email.strip().lower()


def email_key(email: str) -> str:
    """A stable, non-reversible key for an e-mail address (throttling rows, no address at rest)."""
    return hashlib.sha256(normalize_email(email).encode("utf-8")).hexdigest()[:40]
