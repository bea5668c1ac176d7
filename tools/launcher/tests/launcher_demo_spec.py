"""The platformkit sample service with demo data, for the launcher's tests (`DORF_SERVICES`).

Its seed adds one note, once: seeding twice changes nothing."""

from dataclasses import replace

from sqlmodel import select

from platformkit.config import ServiceSettings
from platformkit.db import Database
from sampleservice.main import service as sample_service
from sampleservice.models import Note

DEMO_OWNER = "demo-seed"


async def seed_demo(db: Database, settings: ServiceSettings) -> None:
    async with db.transaction() as session:
        existing = (await session.exec(select(Note).where(Note.owner == DEMO_OWNER))).first()
        if existing is None:
            session.add(Note(owner=DEMO_OWNER, text=f"demo note of {settings.service_name}"))


service = replace(sample_service, seed_demo=seed_demo)
