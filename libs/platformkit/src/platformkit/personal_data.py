"""The personal-data contract (DSGVO Art. 15/17/20) every service holding personal data meets, declared in
its `ServiceSpec(personal_data=PersonalData(export=..., erase=...))`.

- `export(session, person_id)` returns everything the service holds about the person as JSON-ready data
  (one key per kind of record); accounts gathers these into the person's download.
- `erase(session, person_id, erased_at)` runs in the transaction of the `accounts.person.erased.v1`
  consumer: cancel what lies in the future (releasing capacity, promoting waitlists), anonymise the past,
  keep aggregates. It returns counts per kind of record touched (e.g. {"bookings_cancelled": 2}) for the
  completion report accounts keeps. It must be idempotent: the event can arrive twice.
- `example(session, person_id)` writes a representative set of the person's records (every kind the
  service holds, past and future, with capacity taken where the service has capacity): the personal-data
  contract test in `tests/` runs it, erases, and then looks for anything of the person that remains.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

ExportPersonalData = Callable[[AsyncSession, uuid.UUID], Awaitable[dict[str, Any]]]
ErasePersonalData = Callable[[AsyncSession, uuid.UUID, datetime], Awaitable[dict[str, int]]]
WriteExamplePersonalData = Callable[[AsyncSession, uuid.UUID], Awaitable[None]]


@dataclass(frozen=True)
class PersonalData:
    export: ExportPersonalData
    erase: ErasePersonalData
    example: WriteExamplePersonalData
