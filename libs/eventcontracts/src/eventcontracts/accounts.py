"""Events published by `services/accounts` (stream `ACCOUNTS` <- `accounts.>`)."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime

from eventcontracts.personal_data import PersonalDataErased
from platformkit.events import Event


class PersonErasedV1(Event):
    """A person asked to be forgotten and accounts erased them. Every service that holds data about the
    person cancels their future commitments, anonymises the past and keeps only aggregate counts."""

    type: ClassVar[str] = "accounts.person.erased.v1"
    subject_field: ClassVar[str | None] = "person_id"

    person_id: UUID
    erased_at: AwareDatetime


class PersonRegisteredV1(Event):
    """A person got an account: by signing up, or created by district staff without e-mail and password
    (`phone_only`). No personal data travels with it (ids only)."""

    type: ClassVar[str] = "accounts.person.registered.v1"
    subject_field: ClassVar[str | None] = "person_id"

    person_id: UUID
    registered_at: AwareDatetime
    phone_only: bool = False
    # The staff member who created the account for the person, if any.
    created_by: str | None = None


class RoleGrantedV1(Event):
    """An operator granted a person a role; `merchant_id` / `organisation_id` when the role is bound."""

    type: ClassVar[str] = "accounts.role.granted.v1"
    subject_field: ClassVar[str | None] = "person_id"

    person_id: UUID
    grant_id: UUID
    role: str
    merchant_id: str | None = None
    organisation_id: str | None = None
    scopes: list[str] = []
    granted_at: AwareDatetime


class RoleRevokedV1(Event):
    """An operator took a role back (its tokens lapse within the access-token lifetime)."""

    type: ClassVar[str] = "accounts.role.revoked.v1"
    subject_field: ClassVar[str | None] = "person_id"

    person_id: UUID
    grant_id: UUID
    role: str
    merchant_id: str | None = None
    organisation_id: str | None = None
    revoked_at: AwareDatetime


class AccountsPersonalDataErasedV1(PersonalDataErased):
    """accounts has erased a person (its completion report; platformkit.personal_data publishes it)."""

    type: ClassVar[str] = "accounts.personal_data.erased.v1"
