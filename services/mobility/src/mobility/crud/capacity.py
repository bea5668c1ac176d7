"""Seats as a database invariant: every change is a conditional UPDATE ... RETURNING in the caller's
transaction, and a take that does not get every row it needs is undone through a savepoint. Row locks are
never relied on (SQLite has none); on PostgreSQL the UPDATE re-checks its condition after waiting for a
concurrent writer, on SQLite writers are serialised by BEGIN IMMEDIATE."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from mobility.crud._sql import execute
from mobility.domain.matching import RideRequest
from mobility.models import FallbackContract, FallbackLoad, OfferInstance, SegmentLoad


async def take_seats(session: AsyncSession, instance_id: uuid.UUID, request: RideRequest) -> bool:
    """Seats and wheelchair places on every segment the party rides, and the detour seconds, all or none."""
    savepoint = await session.begin_nested()
    claimed = await execute(session,
        update(OfferInstance)
        .where(
            col(OfferInstance.id) == instance_id,
            col(OfferInstance.state) == "open",
            col(OfferInstance.detour_used_secs) + request.detour_secs <= col(OfferInstance.max_detour_secs),
        )
        .values(detour_used_secs=col(OfferInstance.detour_used_secs) + request.detour_secs)
        .returning(col(OfferInstance.id))
    )
    if claimed.scalar_one_or_none() is None:
        await savepoint.rollback()
        return False
    c = SegmentLoad.__table__.c  # type: ignore[attr-defined]
    taken = await execute(session,
        update(SegmentLoad)
        .where(
            c.instance_id == instance_id,
            c.segment >= request.origin,
            c.segment < request.destination,
            c.seats_used + request.seats <= c.seats_total,
            c.wheelchairs_used + request.wheelchairs <= c.wheelchairs_total,
        )
        .values(seats_used=c.seats_used + request.seats, wheelchairs_used=c.wheelchairs_used + request.wheelchairs)
        .returning(c.segment)
    )
    if len(taken.all()) != request.destination - request.origin:
        await savepoint.rollback()
        return False
    await savepoint.commit()
    return True


async def release_seats(session: AsyncSession, instance_id: uuid.UUID, *, origin: int, destination: int,
                        seats: int, wheelchairs: int, detour_secs: int) -> None:
    c = SegmentLoad.__table__.c  # type: ignore[attr-defined]
    await execute(session,
        update(SegmentLoad)
        .where(c.instance_id == instance_id, c.segment >= origin, c.segment < destination)
        .values(seats_used=c.seats_used - seats, wheelchairs_used=c.wheelchairs_used - wheelchairs)
    )
    if detour_secs:
        await execute(session,
            update(OfferInstance).where(col(OfferInstance.id) == instance_id)
            .values(detour_used_secs=await _greatest(session, OfferInstance.detour_used_secs - detour_secs, 0))
        )


async def _greatest(session: AsyncSession, *values: Any) -> Any:
    connection = await session.connection()
    return func.max(*values) if connection.dialect.name == "sqlite" else func.greatest(*values)


async def _ensure_fallback_row(session: AsyncSession, contract: FallbackContract, day: date, slot_secs: int) -> None:
    connection = await session.connection()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    await connection.execute(
        insert(FallbackLoad.__table__)  # type: ignore[attr-defined]
        .values(contract_id=contract.id, service_date=day, slot_secs=slot_secs, seats_used=0,
                seats_total=contract.seats_per_slot, wheelchairs_used=0,
                wheelchairs_total=contract.wheelchair_places_per_slot)
        .on_conflict_do_nothing(index_elements=["contract_id", "service_date", "slot_secs"])
    )


async def take_fallback(session: AsyncSession, contract: FallbackContract, day: date, slot_secs: int,
                        request: RideRequest, *, stretch: bool = False) -> bool:
    """A place on the fallback contract for the slot. `stretch`: for a booking already accepted whose ride
    fell away (it must not lose its guarantee), the slot's total is raised when full; the caller records it."""
    await _ensure_fallback_row(session, contract, day, slot_secs)
    c = FallbackLoad.__table__.c  # type: ignore[attr-defined]
    key = (c.contract_id == contract.id, c.service_date == day, c.slot_secs == slot_secs)
    taken = await execute(session,
        update(FallbackLoad)
        .where(*key, c.seats_used + request.seats <= c.seats_total,
               c.wheelchairs_used + request.wheelchairs <= c.wheelchairs_total)
        .values(seats_used=c.seats_used + request.seats, wheelchairs_used=c.wheelchairs_used + request.wheelchairs)
        .returning(c.slot_secs)
    )
    if taken.scalar_one_or_none() is not None:
        return True
    if not stretch:
        return False
    await execute(session,
        update(FallbackLoad).where(*key).values(
            seats_total=await _greatest(session, c.seats_total, c.seats_used + request.seats),
            seats_used=c.seats_used + request.seats,
            wheelchairs_total=await _greatest(session, c.wheelchairs_total, c.wheelchairs_used + request.wheelchairs),
            wheelchairs_used=c.wheelchairs_used + request.wheelchairs,
        )
    )
    return False


async def release_fallback(session: AsyncSession, contract_id: uuid.UUID, day: date, slot_secs: int,
                           *, seats: int, wheelchairs: int) -> None:
    c = FallbackLoad.__table__.c  # type: ignore[attr-defined]
    await execute(session,
        update(FallbackLoad)
        .where(c.contract_id == contract_id, c.service_date == day, c.slot_secs == slot_secs)
        .values(seats_used=c.seats_used - seats, wheelchairs_used=c.wheelchairs_used - wheelchairs)
    )
