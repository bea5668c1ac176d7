"""The tables of accounts (its own SQLModel registry, see platformkit.db.service_registry).

Secrets are never stored as such: passwords as argon2id hashes, one-time tokens, authorization codes,
refresh tokens, API keys and client secrets as SHA-256 of a high-entropy random value."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from platformkit.db import UtcDateTime, service_registry, utcnow


class AccountsModel(SQLModel, registry=service_registry()):
    """The base of every accounts table: its own metadata, with the platform tables in it."""

__all__ = [
    "AccountsModel",
    "ApiKey",
    "AuthorizationCode",
    "DataExport",
    "ErasureReport",
    "LoginThrottle",
    "NotificationChannels",
    "OAuthClient",
    "OneTimeToken",
    "Person",
    "PushSubscription",
    "RefreshToken",
    "RoleGrant",
    "SigningKey",
]


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


class Person(AccountsModel, table=True):
    """Someone the platform knows: a resident, a merchant's staff member, district staff.

    A phone-only person (created by staff) has no e-mail and no password and cannot log in. An erased
    person keeps the row (so that counts stay right) with every personal field emptied."""

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    email: str | None = Field(default=None, max_length=254, unique=True)
    email_verified_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    password_hash: str | None = Field(default=None, max_length=255)
    name: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    home_place: str | None = Field(default=None, max_length=120)
    # active | erased
    status: str = Field(default="active", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    # The staff member who created a phone-only person; None for self sign-up.
    created_by: str | None = Field(default=None, max_length=64)
    erased_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    version: int = Field(default=1)


class RoleGrant(AccountsModel, table=True):
    """A role a person holds. `merchant` is bound to a merchant id, `org_coordinator` to an organisation
    id, `operator` carries staff scopes. `resident` is implied for everyone and not stored."""

    __tablename__ = "role_grant"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=32)
    merchant_id: str | None = Field(default=None, max_length=64)
    organisation_id: str | None = Field(default=None, max_length=64)
    scopes: str = Field(default="", max_length=255)
    granted_by: str = Field(max_length=64)
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    revoked_by: str | None = Field(default=None, max_length=64)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class OneTimeToken(AccountsModel, table=True):
    """E-mail verification and password reset tokens: single-use, expiring, hashed at rest."""

    __tablename__ = "one_time_token"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    # verify_email | reset_password
    purpose: str = Field(max_length=32)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class AuthorizationCode(AccountsModel, table=True):
    __tablename__ = "authorization_code"
    code_hash: str = Field(max_length=64, primary_key=True)
    client_id: str = Field(max_length=64)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    redirect_uri: str = Field(max_length=2000)
    scope: str = Field(default="", max_length=500)
    code_challenge: str = Field(max_length=128)
    code_challenge_method: str = Field(max_length=8)
    nonce: str | None = Field(default=None, max_length=255)
    auth_time: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # The refresh-token family issued for this code: a replayed code revokes it (RFC 6749 4.1.2).
    family_id: uuid.UUID | None = Field(default=None)


class RefreshToken(AccountsModel, table=True):
    """Opaque, rotating refresh tokens. All tokens descending from one login share a `family_id`;
    presenting an already rotated token revokes the whole family (theft detection)."""

    __tablename__ = "refresh_token"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    family_id: uuid.UUID = Field(index=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    client_id: str = Field(max_length=64)
    scope: str = Field(default="", max_length=500)
    auth_time: int
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)
    rotated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class SigningKey(AccountsModel, table=True):
    """Token signing keys (JWK with the private part). The newest key whose `signs_from` has come signs;
    a key stays in the JWKS until every token it signed has expired."""

    __tablename__ = "signing_key"
    kid: str = Field(max_length=64, primary_key=True)
    # 1 for the first key, +1 per rotation; unique, so two replicas cannot both add "the next" key.
    generation: int = Field(unique=True)
    alg: str = Field(max_length=8)
    private_jwk: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    signs_from: datetime = Field(sa_type=UtcDateTime)
    created_by: str | None = Field(default=None, max_length=64)


class ApiKey(AccountsModel, table=True):
    """A merchant's API key. Its id is the OAuth client_id at the token endpoint, its secret the
    client_secret; the secret is shown once and kept only as a hash (plus a visible prefix)."""

    __tablename__ = "api_key"
    id: str = Field(max_length=40, primary_key=True)
    merchant_id: str = Field(max_length=64, index=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    secret_hash: str = Field(max_length=64)
    scopes: str = Field(default="", max_length=500)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_by: str | None = Field(default=None, max_length=64)


class OAuthClient(AccountsModel, table=True):
    """A registered confidential client for client credentials (a merchant's integration). The gateway
    is a client too, but configured by settings, not stored."""

    __tablename__ = "oauth_client"
    client_id: str = Field(max_length=64, primary_key=True)
    name: str = Field(max_length=100)
    secret_hash: str = Field(max_length=64)
    merchant_id: str = Field(max_length=64, index=True)
    scopes: str = Field(default="", max_length=500)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class PushSubscription(AccountsModel, table=True):
    """A browser's Web Push subscription (PushSubscription.toJSON()): where to push a person's
    notifications. One row per endpoint; subscribing again from the same browser moves it to whoever is
    signed in there. Deleted when the push service says it is gone (404/410)."""

    __tablename__ = "push_subscription"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    endpoint: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    p256dh: str = Field(max_length=100)
    auth: str = Field(max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class NotificationChannels(AccountsModel, table=True):
    """Which channels deliver a person's notifications besides the live feed (push, mail, sms, voice,
    space-separated). No row: the defaults of accounts.domain.channels."""

    __tablename__ = "notification_channels"
    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    channels: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_by: str = Field(max_length=64)


class LoginThrottle(AccountsModel, table=True):
    """Failed-login counters shared by every replica: `account:<hash of e-mail>` and `address:<ip>`
    (and `reset:<hash of e-mail>` for reset mails)."""

    __tablename__ = "login_throttle"
    key: str = Field(max_length=100, primary_key=True)
    failures: int = Field(default=0)
    window_started_at: datetime = Field(sa_type=UtcDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime, index=True)


class DataExport(AccountsModel, table=True):
    """A person's data download across every service: asked for (pending), gathered by a scheduled step
    (accounts' part and each service's export, with accounts' service token), then ready for the person
    to fetch until `expires_at`. `parts` says per service: ok | failed (with why)."""

    __tablename__ = "data_export"
    __table_args__ = (
        Index("ix_data_export_due", "status", "claimed_until"),
        # One download being gathered per person, however many requests race.
        Index(
            "uq_data_export_pending", "person_id", unique=True,
            postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'"),
        ),
    )
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    # pending | ready | failed
    status: str = Field(default="pending", max_length=16)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    # The gathering step holds a job this long; after that another run may take it over.
    claimed_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    attempts: int = Field(default=0)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)
    parts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The download itself (JSON text), once ready.
    content: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ErasureReport(AccountsModel, table=True):
    """One service's answer to a person's erasure (`<service>.personal_data.erased.v1`): when and what it
    erased (counts only). Staff see per erasure which services have answered. Keeps the erased person's
    bare id: it is the proof that the erasure was carried out (DSGVO Art. 5(2))."""

    __tablename__ = "erasure_report"
    person_id: uuid.UUID = Field(primary_key=True)
    service: str = Field(max_length=64, primary_key=True)
    erased_at: datetime = Field(sa_type=UtcDateTime)
    completed_at: datetime = Field(sa_type=UtcDateTime)
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
