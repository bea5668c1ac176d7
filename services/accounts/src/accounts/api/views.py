"""Turning rows into API answers (one place, so no route leaks a field by accident)."""

from __future__ import annotations

from accounts.crud.mail import Mail
from accounts.models import ApiKey, OAuthClient, Person, RoleGrant
from accounts.schemas import (
    ApiKeyPublic,
    AuditEntryPublic,
    MailPublic,
    OAuthClientPublic,
    PersonPublic,
    RolePublic,
)
from platformkit.audit import AuditEntry


def role_public(grant: RoleGrant) -> RolePublic:
    return RolePublic.model_validate(grant, from_attributes=True)


def person_public(person: Person, grants: list[RoleGrant]) -> PersonPublic:
    return PersonPublic(
        id=person.id,
        sub=str(person.id),
        email=person.email,
        email_verified=person.email_verified_at is not None,
        name=person.name,
        phone=person.phone,
        home_place=person.home_place,
        phone_only=person.email is None,
        created_at=person.created_at,
        version=person.version,
        roles=[role_public(g) for g in grants],
    )


def etag(person: Person) -> str:
    return f'"{person.version}"'


def audit_public(entry: AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic(id=entry.id, at=entry.at, actor_id=entry.actor, person_id=entry.person_id,
                            action=entry.action, details=entry.details)


def mail_public(message: Mail) -> MailPublic:
    return MailPublic.model_validate(message, from_attributes=True)


def api_key_public(key: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(key, from_attributes=True)


def client_public(client: OAuthClient) -> OAuthClientPublic:
    return OAuthClientPublic(
        client_id=client.client_id,
        name=client.name,
        merchant_id=client.merchant_id,
        scopes=client.scopes.split(),
        created_at=client.created_at,
        revoked_at=client.revoked_at,
    )
