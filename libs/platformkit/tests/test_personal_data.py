"""The platform's part of an erasure (platformkit.personal_data), on SQLite and PostgreSQL: the service's
`erase` runs, the person's stored idempotent answers and unsent notifications go (nobody else's, and no
events), the completion event is written in the same transaction, and running it again is harmless;
which services get the erasure consumer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from eventcontracts.accounts import PersonErasedV1
from platformkit.config import ServiceSettings
from platformkit.db import Database, new_metadata, utcnow
from platformkit.events import notify, publish
from platformkit.personal_data import PersonalData, erase_person, personal_data_consumers
from platformkit.service import ServiceSpec
from platformkit.tables import copy_platform_tables, idempotency_key, outbox

metadata = new_metadata()
copy_platform_tables(metadata)


class Erased:
    def __init__(self) -> None:
        self.calls: list[tuple[uuid.UUID, datetime]] = []

    async def __call__(self, session: AsyncSession, person_id: uuid.UUID, erased_at: datetime) -> dict[str, int]:
        self.calls.append((person_id, erased_at))
        return {"rides_cancelled": 2 if len(self.calls) == 1 else 0}


async def no_export(session: AsyncSession, person_id: uuid.UUID) -> dict[str, Any]:
    return {}


async def no_example(session: AsyncSession, person_id: uuid.UUID) -> Collection[str]:
    return []


def stored_answer(scope: str) -> dict[str, Any]:
    now = utcnow()
    return {"scope": scope, "key": "k1", "request_hash": "h", "state": "done", "response_status": 201,
            "response_body": '{"address": "Dorfstr. 1"}', "created_at": now, "expires_at": now}


async def test_erase_person_clears_the_platform_records_and_reports_once_per_run(database_url: str) -> None:
    db = Database(database_url)
    await db.create_all(metadata)
    erase = Erased()
    personal = PersonalData(export=no_export, erase=erase, example=no_example)
    person, other = uuid.uuid4(), uuid.uuid4()
    try:
        async with db.transaction() as session:
            for who in (person, other):
                await notify(session, person_id=who, kind="mobility.ride", title=f"Fahrt für {who}")
                connection = await session.connection()
                await connection.execute(insert(idempotency_key).values(stored_answer(f"mobility:{who}")))
            await publish(session, PersonErasedV1(person_id=person, erased_at=utcnow()))  # an event: stays
        erased_at = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
        async with db.transaction() as session:
            counts = await erase_person(session, service="mobility", personal_data=personal, person_id=person,
                                        erased_at=erased_at)
        assert counts["rides_cancelled"] == 2 and counts["stored_answers_deleted"] == 1
        assert counts["notifications_deleted"] == 1
        assert erase.calls == [(person, erased_at)]
        async with db.transaction() as session:
            again = await erase_person(session, service="mobility", personal_data=personal, person_id=person,
                                       erased_at=erased_at)
        assert again["stored_answers_deleted"] == again["notifications_deleted"] == again["rides_cancelled"] == 0

        async with db.session() as session:
            connection = await session.connection()
            subjects = sorted(row.subject for row in await connection.execute(select(outbox.c.subject)))
            scopes = [row.scope for row in await connection.execute(select(idempotency_key.c.scope))]
            reports = [
                json.loads(row.data)
                for row in await connection.execute(
                    select(outbox.c.data).where(outbox.c.subject == "mobility.personal_data.erased.v1")
                )
            ]
        assert subjects == sorted([
            "accounts.person.erased.v1", f"mobility.notify.{other}",
            "mobility.personal_data.erased.v1", "mobility.personal_data.erased.v1",
        ])
        assert scopes == [f"mobility:{other}"]
        assert reports[0]["person_id"] == str(person) and reports[0]["service_name"] == "mobility"
        assert reports[0]["counts"]["rides_cancelled"] == 2 and reports[1]["counts"]["rides_cancelled"] == 0
    finally:
        await db.dispose()


class SampleSettings(ServiceSettings):
    pass


def spec_named(name: str, personal: PersonalData | None) -> ServiceSpec:
    return ServiceSpec(name=name, settings=SampleSettings, metadata=metadata, personal_data=personal)


def test_which_services_get_the_erasure_consumer() -> None:
    personal = PersonalData(export=no_export, erase=Erased(), example=no_example)
    app = FastAPI()
    assert personal_data_consumers(spec_named("mobility", None), app) == []
    [consumer] = personal_data_consumers(spec_named("mobility", personal), app)
    assert consumer.name == "person-erased" and consumer.event.type == "accounts.person.erased.v1"
    assert len(personal_data_consumers(spec_named("accounts", personal), app)) == 1  # purges only
    with pytest.raises(LookupError, match="add class ParishPersonalDataErasedV1"):
        personal_data_consumers(spec_named("parish", personal), app)
