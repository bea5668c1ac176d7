"""A shift's places and waitlist, and an ongoing commitment's places or a material donation's wanted total,
changed only by conditional UPDATE ... RETURNING: two sign-ups racing for the last place (or two pledges for
the last jackets) cannot both get it, on PostgreSQL or SQLite (research/volunteers.md 5)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from volunteers.crud._sql import execute
from volunteers.models import Opportunity, Shift

# A sign-up's two statements on the shift row, built once: in a stampede every sign-up waits for the one
# before it, so each one's Python counts forty times (building and cache-keying a statement costs more than
# binding its values).
_TAKE_SEAT = (
    update(Shift)
    .where(col(Shift.id) == bindparam("shift_id"), col(Shift.state) == "scheduled",
           col(Shift.seats_taken) < col(Shift.capacity))
    .values(seats_taken=col(Shift.seats_taken) + 1)
    .returning(col(Shift.seats_taken))
)
_TAKE_WAITLIST_RANK = (
    update(Shift)
    .where(
        col(Shift.id) == bindparam("shift_id"),
        col(Shift.state) == "scheduled",
        col(Shift.waitlist_enabled).is_(True),
        or_(col(Shift.waitlist_limit).is_(None), col(Shift.waitlist_count) < col(Shift.waitlist_limit)),
    )
    .values(waitlist_count=col(Shift.waitlist_count) + 1, waitlist_last_rank=col(Shift.waitlist_last_rank) + 1)
    .returning(col(Shift.waitlist_last_rank))
)
_JOIN_WAITLIST_OF_FULL_SHIFT = _TAKE_WAITLIST_RANK.where(col(Shift.seats_taken) >= col(Shift.capacity))


async def take_seat(session: AsyncSession, shift_id: uuid.UUID) -> bool:
    return (await execute(session, _TAKE_SEAT, {"shift_id": shift_id})).first() is not None


async def give_back_seat(session: AsyncSession, shift_id: uuid.UUID) -> None:
    await execute(
        session,
        update(Shift)
        .where(col(Shift.id) == shift_id, col(Shift.seats_taken) > 0)
        .values(seats_taken=col(Shift.seats_taken) - 1),
    )


async def take_waitlist_rank(session: AsyncSession, shift_id: uuid.UUID) -> int | None:
    """The next rank on the shift's waitlist, or None when it has none or is at its limit."""
    row = (await execute(session, _TAKE_WAITLIST_RANK, {"shift_id": shift_id})).first()
    return None if row is None else int(row[0])


@dataclass(frozen=True)
class Place:
    """What a sign-up got: a seat, or else a rank on the waitlist."""

    seat: bool
    rank: int | None = None


async def take_place(session: AsyncSession, shift_id: uuid.UUID, *, looked_full: bool) -> Place | None:
    """A seat, else a waitlist rank, else None (full, without a waitlist or at its limit). `looked_full`:
    the caller read the shift without a free seat and with its waitlist open; then the rank is taken first,
    on condition that the shift is still full (nobody waits while a seat is free) — in a stampede most come
    after the seats are gone, and on SQLite, whose one writer makes that read exact, this spares them the
    seat's statement."""
    if looked_full:
        row = (await execute(session, _JOIN_WAITLIST_OF_FULL_SHIFT, {"shift_id": shift_id})).first()
        if row is not None:
            return Place(seat=False, rank=int(row[0]))
    if await take_seat(session, shift_id):
        return Place(seat=True)
    rank = await take_waitlist_rank(session, shift_id)
    return None if rank is None else Place(seat=False, rank=rank)


async def leave_waitlist(session: AsyncSession, shift_id: uuid.UUID) -> None:
    await execute(
        session,
        update(Shift)
        .where(col(Shift.id) == shift_id, col(Shift.waitlist_count) > 0)
        .values(waitlist_count=col(Shift.waitlist_count) - 1),
    )


async def take_share(session: AsyncSession, opportunity_id: uuid.UUID, quantity: int) -> bool:
    """`quantity` of an opportunity's places or wanted total, if that much is still open (no capacity: open
    without limit)."""
    result = await execute(
        session,
        update(Opportunity)
        .where(
            col(Opportunity.id) == opportunity_id,
            col(Opportunity.state) == "published",
            or_(col(Opportunity.capacity).is_(None), col(Opportunity.taken) + quantity <= col(Opportunity.capacity)),
        )
        .values(taken=col(Opportunity.taken) + quantity)
        .returning(col(Opportunity.taken)),
    )
    return result.first() is not None


async def give_back_share(session: AsyncSession, opportunity_id: uuid.UUID, quantity: int) -> None:
    await execute(
        session,
        update(Opportunity)
        .where(col(Opportunity.id) == opportunity_id, col(Opportunity.taken) >= quantity)
        .values(taken=col(Opportunity.taken) - quantity),
    )


async def set_share_capacity(session: AsyncSession, opportunity_id: uuid.UUID, capacity: int | None) -> int | None:
    """Change an opportunity's places or wanted total, unless more than that is already taken: one
    conditional UPDATE, so a pledge committing at the same moment either counts before (and the change is
    refused) or finds the new total. None when refused; otherwise what is taken."""
    result = await execute(
        session,
        update(Opportunity)
        .where(col(Opportunity.id) == opportunity_id,
               *(() if capacity is None else (col(Opportunity.taken) <= capacity,)))
        .values(capacity=capacity)
        .returning(col(Opportunity.taken)),
    )
    row = result.first()
    return None if row is None else int(row[0])
