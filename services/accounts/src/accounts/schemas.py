"""What the API takes and gives (the tables are in models.py). Inputs forbid unknown fields, so
nothing can be mass-assigned; outputs list their fields one by one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()/-]{5,30}$")]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Token = Annotated[str, StringConstraints(min_length=10, max_length=200)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignUp(Input):
    email: Email
    password: Password
    name: Name
    home_place: Place | None = None


class Accepted(BaseModel):
    detail: str


class EmailVerification(Input):
    token: Token


class PasswordResetRequest(Input):
    email: Email


class PasswordResetConfirm(Input):
    token: Token
    password: Password


def _split_words(value: Any) -> Any:
    return value.split() if isinstance(value, str) else value


# Scopes are stored space-separated (as in OAuth's `scope`) and shown as a list.
ScopeList = Annotated[list[str], BeforeValidator(_split_words)]


class RolePublic(BaseModel):
    id: uuid.UUID
    role: str
    merchant_id: str | None
    organisation_id: str | None
    scopes: ScopeList
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None = None


class PersonPublic(BaseModel):
    """A person as they see themselves (also the OIDC userinfo: `sub`)."""

    id: uuid.UUID
    sub: str
    email: str | None
    email_verified: bool
    name: str
    phone: str | None
    home_place: str | None
    phone_only: bool
    created_at: datetime
    version: int
    roles: list[RolePublic] = []


class PersonUpdate(Input):
    name: Name | None = None
    phone: Phone | None = None
    home_place: Place | None = None


class PhoneOnlyCreate(Input):
    name: Name
    phone: Phone
    home_place: Place | None = None


class RoleGrantCreate(Input):
    role: Annotated[str, StringConstraints(max_length=32)]
    merchant_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    organisation_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    scopes: list[Annotated[str, StringConstraints(max_length=32)]] = Field(
        default_factory=list, max_length=10
    )


class AuditEntryPublic(BaseModel):
    id: uuid.UUID
    at: datetime
    actor_id: str
    person_id: uuid.UUID | None
    action: str
    details: dict[str, Any]


class MailPublic(BaseModel):
    id: uuid.UUID
    to_address: str
    subject: str
    body: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


class ApiKeyCreate(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    scopes: list[Annotated[str, StringConstraints(max_length=32)]] = Field(min_length=1, max_length=10)


class ApiKeyPublic(BaseModel):
    id: str
    merchant_id: str
    name: str
    prefix: str
    scopes: ScopeList
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    """Returned once: `secret` is never shown again. Use `id` as client_id and `secret` as
    client_secret at the token endpoint (grant_type=client_credentials)."""

    secret: str


class OAuthClientCreate(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    merchant_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    scopes: list[Annotated[str, StringConstraints(max_length=32)]] = Field(min_length=1, max_length=10)


class OAuthClientPublic(BaseModel):
    client_id: str
    name: str
    merchant_id: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class OAuthClientCreated(OAuthClientPublic):
    client_secret: str


class SigningKeyPublic(BaseModel):
    kid: str
    alg: str
    created_at: datetime
    signs_from: datetime


class Page(BaseModel):
    next_cursor: str | None = None


class PersonFound(BaseModel):
    """A phone-only person in the people desk's search: enough to tell the caller on the line apart."""

    id: uuid.UUID
    name: str
    phone: str | None
    home_place: str | None
    created_at: datetime


class PersonFoundPage(Page):
    items: list[PersonFound]


class AuditPage(Page):
    items: list[AuditEntryPublic]


class MailPage(Page):
    items: list[MailPublic]


class ApiKeyPage(Page):
    items: list[ApiKeyPublic]


class OAuthClientPage(Page):
    items: list[OAuthClientPublic]


class DataExportPublic(BaseModel):
    """A data download job: `pending` while the services' parts are gathered, then `ready` (fetch it at
    `download` until `expires_at`). `parts`: per service, "ok" or why its part is missing."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: str
    requested_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None
    parts: dict[str, str]
    download: str | None = None


class ErasureReportPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    service: str
    completed_at: datetime
    reported_at: datetime
    counts: dict[str, int]


class ErasurePublic(BaseModel):
    """One erasure: which services have reported it done, which are still awaited."""

    person_id: uuid.UUID
    erased_at: datetime | None
    complete: bool
    waiting_for: list[str]
    reports: list[ErasureReportPublic]


class ErasurePage(Page):
    items: list[ErasurePublic]
