"""Drivers, their documents and vehicles; verification by district staff."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mobility.models import Driver, DriverDocument, Vehicle
from platformkit import audit
from platformkit.problems import ProblemError

DOCUMENT_KINDS = ("id_card", "licence", "registration")


async def driver_of(session: AsyncSession, person_id: uuid.UUID) -> Driver | None:
    return (await session.exec(select(Driver).where(Driver.person_id == person_id))).first()


async def register(session: AsyncSession, *, person_id: uuid.UUID, display_name: str, kind: str,
                   female_opt_in: bool) -> Driver:
    if await driver_of(session, person_id) is not None:
        raise ProblemError(409, "DRIVER_EXISTS", "You are registered as a driver already.")
    driver = Driver(person_id=person_id, display_name=display_name, kind=kind, female_opt_in=female_opt_in)
    session.add(driver)
    await session.flush()
    return driver


async def add_document(session: AsyncSession, driver: Driver, *, kind: str, reference: str,
                       expires_on: date, today: date) -> DriverDocument:
    if expires_on <= today:
        raise ProblemError(422, "DOCUMENT_EXPIRED", "The document has expired already.", field="expires_on")
    document = DriverDocument(driver_id=driver.id, kind=kind, reference=reference[-4:], expires_on=expires_on)
    session.add(document)
    await session.flush()
    return document


async def add_vehicle(session: AsyncSession, driver: Driver, *, label: str, seats: int,
                      wheelchair_places: int) -> Vehicle:
    vehicle = Vehicle(driver_id=driver.id, label=label, seats=seats, wheelchair_places=wheelchair_places)
    session.add(vehicle)
    await session.flush()
    return vehicle


async def verify(session: AsyncSession, driver: Driver, *, verifier: str, until: date, now: datetime) -> Driver:
    """Accept the driver's documents: verified until the given date, at most the first document expiry."""
    documents = (await session.exec(
        select(DriverDocument).where(DriverDocument.driver_id == driver.id, DriverDocument.status != "rejected")
    )).all()
    valid = {d.kind: d for d in documents if d.expires_on > now.date()}
    missing = [kind for kind in DOCUMENT_KINDS if kind not in valid]
    if missing:
        raise ProblemError(422, "DOCUMENTS_MISSING", f"Missing or expired: {', '.join(missing)}.", field="documents")
    for document in valid.values():
        document.status, document.checked_by, document.checked_at = "accepted", verifier, now
    driver.status = "verified"
    driver.verified_until = min([until, *(d.expires_on for d in valid.values())])
    driver.status_changed_by = verifier
    audit.record(session, actor=verifier, person_id=driver.person_id, action="driver_verified", at=now,
                 subject_kind="driver", subject_id=driver.id, note=f"until {driver.verified_until.isoformat()}")
    await session.flush()
    return driver


def eligible(driver: Driver, service_date: date) -> bool:
    """Offers count only while the driver is verified with documents valid on the service date."""
    return driver.status == "verified" and driver.verified_until is not None and driver.verified_until >= service_date
