"""The personal-data contract (DSGVO Art. 15/17/20) every service holding personal data meets, declared in
its `ServiceSpec(personal_data=PersonalData(export=..., erase=...))`.

- `export(session, person_id)` returns everything the service holds about the person as JSON-ready data
  (one key per kind of record); accounts gathers these into the person's download.
- `erase(session, person_id, erased_at)` runs in the transaction of the `accounts.person.erased.v1`
  consumer: cancel what lies in the future (releasing capacity, promoting waitlists), anonymise the past,
  keep aggregates. It returns counts per kind of record touched (e.g. {"bookings_cancelled": 2}) for the
  completion report accounts keeps. It must be idempotent: the event can arrive twice.
- `example(session, person_id)` writes a representative set of the person's records (every kind the
  service holds, past and future, with capacity taken where the service has capacity) and returns the
  identifying values it wrote (names, addresses, phone numbers, free texts — derived from the person id,
  so that two people's differ): the contract test `tests/test_personal_data_contract.py` writes it for a
  person and a bystander, erases the person, and fails if the person's id or any of their values remains
  (outside `keeps_id_in` for the bare id), or if the bystander's are gone.

What platformkit wires around the three functions, for every spec with `personal_data`:
- Erasure: a consumer of `accounts.person.erased.v1` (`person-erased`) runs `erase_person` in its inbox
  transaction: the service's `erase`, then the platform's own records of the person (stored idempotent
  answers, notifications not yet relayed, outgoing messages, their id in the audit log), then the
  completion event `<service>.personal_data.erased.v1` with the counts (`<Service>PersonalDataErasedV1`
  in eventcontracts), and it purges the person's notifications from the service's stream and the
  person's feed (NOTIFY). accounts publishes the erasure event, so it erases its
  own part in the erasure request itself (calling `erase_person` there); its consumer only purges.
- Export: `GET /internal/personal-data/{person_id}`, callable only with accounts' service token
  (client credentials, `aud` = this service, role `service`, scope `personal-data-export`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import nats.errors
import nats.js.errors
from fastapi import APIRouter, Depends
from sqlalchemy import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit import audit
from platformkit.auth import Principal, PrincipalDep
from platformkit.db import utcnow
from platformkit.deps import ReadSessionDep
from platformkit.events import Bus, Consumer, publish, stream_name
from platformkit.events.notify import NOTIFY_STREAM, notify_subject
from platformkit.outbound import forget_person
from platformkit.problems import ProblemError
from platformkit.tables import idempotency_key, outbox

if TYPE_CHECKING:
    from fastapi import FastAPI

    from platformkit.service import ServiceSpec

log = logging.getLogger("platformkit.personal_data")

# The service token that may read a person's data from a service: accounts' own client (its `sub` and
# `client_id` are the service name), role `service`, with this scope.
EXPORT_SCOPE = "personal-data-export"
EXPORT_CALLER = "accounts"
SERVICE_ROLE = "service"
EXPORT_PATH = "/internal/personal-data/{person_id}"

ExportPersonalData = Callable[[AsyncSession, uuid.UUID], Awaitable[dict[str, Any]]]
ErasePersonalData = Callable[[AsyncSession, uuid.UUID, datetime], Awaitable[dict[str, int]]]
# Returns the identifying values it wrote (names, addresses, phone numbers, free texts), derived from the
# person id so that they differ between two people: the contract test looks for them after erasure.
WriteExamplePersonalData = Callable[[AsyncSession, uuid.UUID], Awaitable[Collection[str]]]


@dataclass(frozen=True)
class PersonalData:
    export: ExportPersonalData
    erase: ErasePersonalData
    example: WriteExamplePersonalData
    # "table.column" where the bare id of an erased person may stay (a tombstone row, an audit trail
    # kept by law); the service's README says why. Identifying values may stay nowhere.
    keeps_id_in: frozenset[str] = frozenset()


# --- erasure ------------------------------------------------------------------------------------------


async def forget_platform_records(session: AsyncSession, *, service: str, person_id: uuid.UUID) -> dict[str, int]:
    """The platform tables' part: answers stored for the person's idempotent requests (they can hold
    what the person sent), their notifications still in the outbox (their texts), the messages sent to
    them (platformkit.outbound: addresses and texts), and their id in the audit log (a pseudonym then,
    platformkit.audit)."""
    connection = await session.connection()
    answers = await connection.execute(
        delete(idempotency_key).where(idempotency_key.c.scope == f"{service}:{person_id}")
    )
    notifications = await connection.execute(delete(outbox).where(outbox.c.subject == f"{service}.notify.{person_id}"))
    return {
        "stored_answers_deleted": int(answers.rowcount),
        "notifications_deleted": int(notifications.rowcount),
        "outgoing_messages_deleted": await forget_person(session, person_id=person_id),
        "audit_entries_pseudonymised": await audit.forget_person(session, person_id),
    }


async def erase_person(
    session: AsyncSession, *, service: str, personal_data: PersonalData, person_id: uuid.UUID, erased_at: datetime
) -> dict[str, int]:
    """Erase the person in the caller's transaction and report it (`<service>.personal_data.erased.v1`,
    sent with the commit). Runs again harmlessly: the service's `erase` must be idempotent."""
    # eventcontracts builds on platformkit, so it is imported where used.
    from eventcontracts.personal_data import erasure_report_event

    counts = dict(await personal_data.erase(session, person_id, erased_at))
    counts.update(await forget_platform_records(session, service=service, person_id=person_id))
    report = erasure_report_event(service)
    await publish(
        session,
        report(person_id=person_id, service_name=service, erased_at=erased_at, completed_at=utcnow(), counts=counts),
    )
    return counts


async def purge_notifications(bus: Bus, *, stream_service: str | None, person_id: uuid.UUID | str) -> None:
    """Remove the person's notifications from NATS: from `<stream_service>.notify.<id>` in that service's
    stream (None: skip), and from `notify.<id>` in NOTIFY (the feed). Idempotent; a stream that does not
    exist has nothing to purge."""
    targets = [(NOTIFY_STREAM, notify_subject(str(person_id)))]
    if stream_service is not None:
        targets.insert(0, (stream_name(stream_service), f"{stream_service}.notify.{person_id}"))
    for stream, subject in targets:
        try:
            await bus.js.purge_stream(stream, subject=subject)
        except nats.js.errors.NotFoundError:
            continue


def personal_data_consumers(spec: ServiceSpec, app: FastAPI) -> list[Consumer[Any]]:
    """The erasure consumer of a service with personal data. accounts, which publishes the erasure,
    has erased its part in the request already; its consumer only purges its notifications."""
    if spec.personal_data is None:
        return []
    from eventcontracts.accounts import PersonErasedV1
    from eventcontracts.personal_data import erasure_report_event

    erasure_report_event(spec.name)  # a service without a completion event fails at start, not at erasure
    personal_data = spec.personal_data
    erased_in_request = PersonErasedV1.service() == spec.name

    async def on_person_erased(event: PersonErasedV1, session: AsyncSession) -> None:
        if not erased_in_request:
            counts = await erase_person(
                session, service=spec.name, personal_data=personal_data, person_id=event.person_id,
                erased_at=event.erased_at,
            )
            log.info("person %s erased: %s", event.person_id, counts)
        try:
            # Before the commit: a failure (NATS away) retries the whole erasure, which is idempotent.
            await purge_notifications(app.state.events.bus, stream_service=spec.name, person_id=event.person_id)
        except (nats.errors.Error, TimeoutError) as error:
            raise RuntimeError(f"notifications of an erased person not purged: {error!r}") from error

    return [Consumer(name="person-erased", event=PersonErasedV1, handler=on_person_erased)]


# --- export -------------------------------------------------------------------------------------------


async def require_export_caller(principal: PrincipalDep) -> Principal:
    """accounts' service token with the export scope; anyone else is refused (403)."""
    if not (
        principal.has_role(SERVICE_ROLE)
        and principal.sub == EXPORT_CALLER
        and principal.client_id == EXPORT_CALLER
        and principal.actor is None
        and principal.has_scope(EXPORT_SCOPE)
    ):
        raise ProblemError(
            403, "FORBIDDEN", "Only accounts may read a person's data here.",
            headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
        )
    return principal


def export_router(personal_data: PersonalData, service: str) -> APIRouter:
    # Not in the (public, merged) OpenAPI document: a contract between services, see docs/architecture.md.
    router = APIRouter(tags=["personal-data"], include_in_schema=False)

    @router.get(EXPORT_PATH, dependencies=[Depends(require_export_caller)])
    async def export_personal_data(person_id: uuid.UUID, session: ReadSessionDep) -> dict[str, Any]:
        """Everything this service holds about the person (for the person's download, gathered by accounts)."""
        return {"service": service, "person_id": str(person_id), "data": await personal_data.export(session, person_id)}

    return router

