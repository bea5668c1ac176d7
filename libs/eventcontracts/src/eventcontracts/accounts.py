"""Events published by `services/accounts` (stream `ACCOUNTS` <- `accounts.>`)."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime

from platformkit.events import Event


class PersonErasedV1(Event):
    """A person asked to be forgotten and accounts erased them. Every service that holds data about the
    person cancels their future commitments, anonymises the past and keeps only aggregate counts."""

    type: ClassVar[str] = "accounts.person.erased.v1"
    subject_field: ClassVar[str | None] = "person_id"

    person_id: UUID
    erased_at: AwareDatetime
