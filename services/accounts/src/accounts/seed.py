"""Demo data for `dorf seed --demo` / `dorf up --demo`: a small Uckermark. Idempotent: every person has
a fixed id, and an existing one is left alone, so a second run changes nothing.

The passwords below are for the demo district only (README.md); production gets its first operator
from BOOTSTRAP_OPERATOR_EMAIL / BOOTSTRAP_OPERATOR_PASSWORD."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import anyio

from accounts import events
from accounts.config import AccountsSettings
from accounts.crud import people, roles
from accounts.domain.passwords import hash_password
from accounts.domain.roles import OPERATOR_SCOPES, Grant
from accounts.issuer import load_keys
from accounts.models import Person
from platformkit.config import ServiceSettings
from platformkit.db import Database, utcnow

DEMO_NAMESPACE = uuid.UUID("5b0f3c1e-6d7a-4f0e-9a52-0d0f5e1c0a11")
OPERATOR_EMAIL = "leitstelle@uckermark.example"
OPERATOR_PASSWORD = "Leitstelle-Demo-2026"  # noqa: S105 - demo district only, documented
RESIDENT_PASSWORD = "Dorfleben-Demo-2026"  # noqa: S105 - demo district only, documented


def demo_id(name: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, name)


# The merchant the marketplace's demo data should use for "Hofladen Gramzow".
HOFLADEN_GRAMZOW_MERCHANT_ID = str(demo_id("merchant:hofladen-gramzow"))


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    email: str
    home_place: str
    grants: tuple[Grant, ...] = ()


RESIDENTS = (
    DemoPerson("erika", "Erika Schulze", "erika.schulze@prenzlau.example", "Prenzlau"),
    DemoPerson("hans", "Hans Müller", "hans.mueller@templin.example", "Templin", (Grant("driver"),)),
    DemoPerson("anna", "Anna Becker", "anna.becker@angermuende.example", "Angermünde", (Grant("volunteer"),)),
    DemoPerson("karl", "Karl Wagner", "karl.wagner@schwedt.example", "Schwedt/Oder"),
    DemoPerson(
        "jana",
        "Jana Krüger",
        "jana.krueger@hofladen-gramzow.example",
        "Gramzow",
        (Grant("merchant", merchant_id=HOFLADEN_GRAMZOW_MERCHANT_ID),),
    ),
)


async def seed_demo(db: Database, settings: ServiceSettings) -> None:
    assert isinstance(settings, AccountsSettings)
    await load_keys(db, settings)
    operator_hash, resident_hash = [
        await anyio.to_thread.run_sync(hash_password, password)
        for password in (OPERATOR_PASSWORD, RESIDENT_PASSWORD)
    ]
    operator_id = demo_id("operator:leitstelle")
    async with db.transaction() as session:
        await people.ensure_operator(
            session=session,
            email=OPERATOR_EMAIL,
            name="Leitstelle Uckermark",
            password_hash=operator_hash,
            scopes=" ".join(sorted(OPERATOR_SCOPES)),
            actor_id="demo-seed",
            person_id=operator_id,
        )
        for demo in RESIDENTS:
            person_id = demo_id(f"person:{demo.key}")
            if await session.get(Person, person_id) is not None:
                continue
            person = Person(
                id=person_id,
                email=demo.email,
                email_verified_at=utcnow(),
                password_hash=resident_hash,
                name=demo.name,
                home_place=demo.home_place,
            )
            session.add(person)
            await session.flush()

            await events.person_registered(session, person)
            for grant in demo.grants:
                await roles.grant_role(
                    session=session, person_id=person_id, grant=grant, actor_id=str(operator_id)
                )
        senior_id = demo_id("person:gertrud")
        if await session.get(Person, senior_id) is None:
            # Created at the district's desk for a senior without e-mail or smartphone (audited).
            await people.create_phone_only(
                session=session,
                actor_id=str(operator_id),
                name="Gertrud Neumann",
                phone="+49 39862 4711",
                home_place="Gramzow",
                person_id=senior_id,
            )
