"""Where and when: delivery areas as sets of Ortsteile, pickup points, delivery rounds with their cut-off,
and the delivery-service directory."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from marketplace.crud import _sql
from marketplace.domain.rounds import cutoff_for
from marketplace.models import (
    DeliveryRound,
    DeliveryService,
    DeliveryServiceStop,
    DeliveryVillage,
    PickupPoint,
)
from marketplace.schemas import DeliveryServiceIn, DeliveryVillageIn, PickupPointIn, RoundIn
from places import Gazetteer
from platformkit.problems import ProblemError


def check_villages(gazetteer: Gazetteer, ids: list[str], field: str) -> None:
    for index, ortsteil_id in enumerate(ids):
        if gazetteer.get_ortsteil(ortsteil_id) is None:
            raise ProblemError(422, "UNKNOWN_ORTSTEIL", f"{ortsteil_id} is not an Ortsteil of the district.",
                               field=f"{field}[{index}]" if len(ids) > 1 else field)


async def set_delivery_area(session: AsyncSession, *, merchant_id: str,
                            villages: list[DeliveryVillageIn]) -> list[DeliveryVillage]:
    """Replace the merchant's delivery area with these villages."""
    await _sql.execute(session, delete(DeliveryVillage).where(col(DeliveryVillage.merchant_id) == merchant_id))
    rows = [DeliveryVillage(merchant_id=merchant_id, ortsteil_id=v.ortsteil_id, fee_cents=v.fee_cents,
                            min_order_cents=v.min_order_cents)
            for v in {v.ortsteil_id: v for v in villages}.values()]
    session.add_all(rows)
    await session.flush()
    return rows


async def delivery_area(session: AsyncSession, merchant_id: str) -> list[DeliveryVillage]:
    return list((await session.exec(select(DeliveryVillage).where(DeliveryVillage.merchant_id == merchant_id)
                                    .order_by(col(DeliveryVillage.ortsteil_id)))).all())


async def delivery_village(session: AsyncSession, *, merchant_id: str, ortsteil_id: str) -> DeliveryVillage | None:
    return await session.get(DeliveryVillage, (merchant_id, ortsteil_id))


async def create_pickup_point(session: AsyncSession, *, body: PickupPointIn) -> PickupPoint:
    point = PickupPoint(name=body.name, kind=body.kind, ortsteil_id=body.ortsteil_id, address=body.address,
                        merchant_id=body.merchant_id,
                        opening_hours=[h.model_dump(mode="json") for h in body.opening_hours])
    session.add(point)
    await session.flush()
    return point


async def pickup_points(session: AsyncSession, *, merchant_id: str | None = None) -> list[PickupPoint]:
    """The merchant's own points and the district's shared ones (or every point)."""
    statement = select(PickupPoint)
    if merchant_id is not None:
        statement = statement.where((col(PickupPoint.merchant_id) == merchant_id)
                                    | col(PickupPoint.merchant_id).is_(None))
    return list((await session.exec(statement.order_by(col(PickupPoint.name)))).all())


async def create_round(session: AsyncSession, *, body: RoundIn) -> DeliveryRound:
    round_ = DeliveryRound(merchant_id=body.merchant_id, delivery_date=body.delivery_date,
                           cutoff_at=cutoff_for(body.delivery_date, days_before=body.cutoff_days_before,
                                                at=body.cutoff_time),
                           capacity_orders=body.capacity_orders)
    session.add(round_)
    await session.flush()
    return round_


async def open_rounds(session: AsyncSession, *, merchant_id: str | None, now: datetime,
                      from_date: date | None = None) -> list[DeliveryRound]:
    statement = select(DeliveryRound).where(DeliveryRound.status == "open", col(DeliveryRound.cutoff_at) > now)
    if merchant_id is not None:
        statement = statement.where(DeliveryRound.merchant_id == merchant_id)
    if from_date is not None:
        statement = statement.where(col(DeliveryRound.delivery_date) >= from_date)
    return list((await session.exec(statement.order_by(col(DeliveryRound.cutoff_at)))).all())


async def join_round(session: AsyncSession, *, round_id: uuid.UUID, merchant_id: str, now: datetime) -> bool:
    """Count one more order into a round, only while it is open, before its cut-off and under capacity:
    one conditional UPDATE, so closing a round never races an order into it."""
    row = (await _sql.execute(session,
        update(DeliveryRound)
        .where(col(DeliveryRound.id) == round_id, col(DeliveryRound.merchant_id) == merchant_id,
               col(DeliveryRound.status) == "open", col(DeliveryRound.cutoff_at) > now,
               (col(DeliveryRound.capacity_orders).is_(None))
               | (col(DeliveryRound.orders_count) < col(DeliveryRound.capacity_orders)))
        .values(orders_count=DeliveryRound.orders_count + 1).returning(col(DeliveryRound.id))
    )).first()
    return row is not None


async def leave_round(session: AsyncSession, *, round_id: uuid.UUID) -> None:
    await _sql.execute(session, update(DeliveryRound).where(col(DeliveryRound.id) == round_id)
                          .values(orders_count=DeliveryRound.orders_count - 1))


async def close_due_rounds(session: AsyncSession, *, now: datetime) -> int:
    """The scheduler's cut-off step: rounds whose cut-off passed are closed (idempotent)."""
    result = await _sql.execute(session,
        update(DeliveryRound).where(col(DeliveryRound.status) == "open", col(DeliveryRound.cutoff_at) <= now)
        .values(status="closed").returning(col(DeliveryRound.id)))
    return len(result.all())


# --- the delivery-service directory ------------------------------------------------------------------

async def create_delivery_service(session: AsyncSession, *, body: DeliveryServiceIn) -> DeliveryService:
    service = DeliveryService(name=body.name, kind=body.kind, phone=body.phone,
                              categories=" ".join(sorted(set(body.categories))), notes=body.notes)
    session.add(service)
    await session.flush()
    stops = {(s.ortsteil_id, s.weekday): s for s in body.stops}
    session.add_all([DeliveryServiceStop(service_id=service.id, ortsteil_id=o, weekday=w, time_window=s.time_window)
                     for (o, w), s in stops.items()])
    await session.flush()
    return service


async def who_delivers(session: AsyncSession, *, village: str, weekday: int | None,
                       category: str | None) -> list[tuple[DeliveryService, list[DeliveryServiceStop]]]:
    """Who brings goods (of a category) to the village (on a weekday)?"""
    statement = select(DeliveryServiceStop).where(DeliveryServiceStop.ortsteil_id == village)
    if weekday is not None:
        statement = statement.where(DeliveryServiceStop.weekday == weekday)
    stops = (await session.exec(statement)).all()
    by_service: dict[uuid.UUID, list[DeliveryServiceStop]] = {}
    for stop in stops:
        by_service.setdefault(stop.service_id, []).append(stop)
    if not by_service:
        return []
    services = (await session.exec(select(DeliveryService).where(col(DeliveryService.id).in_(list(by_service)))
                                   .order_by(col(DeliveryService.name)))).all()
    return [(s, sorted(by_service[s.id], key=lambda x: x.weekday)) for s in services
            if category is None or category in s.categories.split()]


async def all_delivery_services(session: AsyncSession) -> list[tuple[DeliveryService, list[DeliveryServiceStop]]]:
    services = (await session.exec(select(DeliveryService).order_by(col(DeliveryService.name)))).all()
    stops = (await session.exec(select(DeliveryServiceStop))).all()
    grouped: dict[uuid.UUID, list[DeliveryServiceStop]] = {}
    for stop in stops:
        grouped.setdefault(stop.service_id, []).append(stop)
    return [(s, sorted(grouped.get(s.id, []), key=lambda x: (x.weekday, x.ortsteil_id))) for s in services]
