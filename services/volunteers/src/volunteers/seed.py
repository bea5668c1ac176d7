"""Demo data for `dorf seed --demo`: organisations of the Uckermark (verified, one waiting in the queue),
opportunities with shifts in the coming weeks (and yesterday's, with a helper who came and one who did not),
a weekly series, an ongoing commitment and a material donation, volunteer profiles and help requests — one
of them entered at the district's desk for Gertrud, who has no smartphone.

People are accounts' demo people (the same uuid5 ids as accounts' seed). Idempotent: every row has a fixed
id and an existing one is left alone; shift dates follow today's date, so a seed on a later day adds the
new dates' shifts beside the old ones."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.config import ServiceSettings
from platformkit.db import Database, utcnow
from volunteers.config import VolunteersSettings
from volunteers.crud.shifts import generate_all
from volunteers.domain.timing import to_utc
from volunteers.models import (
    HelpRequest,
    Opportunity,
    Organisation,
    OrgMember,
    Shift,
    ShiftSeries,
    Signup,
    Volunteer,
    VolunteersModel,
)

ACCOUNTS_DEMO_NAMESPACE = uuid.UUID("5b0f3c1e-6d7a-4f0e-9a52-0d0f5e1c0a11")
DEMO_NAMESPACE = uuid.UUID("0c5b9d2e-7a41-4e4f-8f0b-3c6d2a9e1f77")


def person(key: str) -> uuid.UUID:
    """An accounts demo person (services/accounts seed.py)."""
    return uuid.uuid5(ACCOUNTS_DEMO_NAMESPACE, f"person:{key}")


def demo_id(name: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, name)


ORGANISATIONS = (
    # key, name, legal form, village, state, admin (accounts demo person), description
    ("tafel", "Prenzlauer Tafel e.V.", "e.V.", "ot-prenzlau-prenzlau", "verified", "erika",
     "Wir retten Lebensmittel und geben sie an Menschen mit wenig Geld weiter."),
    ("kirche", "Ev. Kirchengemeinde Angermünde", "Kirchengemeinde", "ot-angermuende-angermuende", "verified", "karl",
     "Besuchsdienst, Seniorennachmittage und Hilfe im Gemeindegarten."),
    ("feuerwehr", "Förderverein Feuerwehr Gramzow e.V.", "e.V.", "ot-gramzow-gramzow", "verified", "jana",
     "Wir unterstützen unsere Freiwillige Feuerwehr bei Festen und Übungen."),
    ("naturschutz", "Naturschutzinitiative Unteres Odertal", "Initiative", "ot-schwedt-vierraden", "submitted",
     "hans", "Pflanzaktionen und Müllsammeln entlang der Oder."),
)

OPPORTUNITIES = (
    # key, organisation, title, category, village, requirements, description, remote
    ("ausgabe", "tafel", "Lebensmittelausgabe", "social", "ot-prenzlau-prenzlau", (),
     "Sortieren und Ausgeben der Lebensmittel in der Ausgabestelle am Marktberg.", False),
    ("fahrdienst", "tafel", "Abholfahrten bei Supermärkten", "social", "ot-prenzlau-prenzlau", ("licence:B",),
     "Mit dem Vereinstransporter Spenden bei den Märkten in Prenzlau abholen.", False),
    ("besuch", "kirche", "Besuchsdienst im Seniorenheim", "seniors", "ot-angermuende-angermuende", (),
     "Vorlesen, Spielen, Zuhören — eine Stunde, die für viele die schönste der Woche ist.", False),
    ("telefon", "kirche", "Telefonpatenschaft", "seniors", None, ("lang:de:B2",),
     "Einmal die Woche mit einer alleinlebenden Person telefonieren.", True),
    ("fest", "feuerwehr", "Aufbau Sommerfest der Feuerwehr", "fire_brigade", "ot-gramzow-gramzow", (),
     "Zelte und Bänke aufbauen, Kuchen annehmen, Parkplatz einweisen.", False),
    ("pflanzen", "naturschutz", "Obstbäume pflanzen", "environment", "ot-schwedt-vierraden", (),
     "Wartet noch auf die Prüfung durch die Freiwilligenagentur.", False),
    ("lesepate", "kirche", "Lesepatenschaft in der Grundschule", "children", "ot-angermuende-angermuende", (),
     "Jeden Dienstag um 14 Uhr eine Stunde mit einem Kind lesen — so lange, wie es für dich passt.", False),
    ("jacken", "kirche", "Winterjacken für die Kleiderkammer", "social", "ot-angermuende-angermuende", (),
     "Wir sammeln gut erhaltene Winterjacken für Kinder und Erwachsene.", False),
)

# Opportunities without shifts: kind, places or wanted total, unit, arrangements for confirmed people.
TAKING_PART = {
    "lesepate": ("ongoing", 3, None, "Pfarrerin Krause ruft dich an und stellt dich der Schule vor."),
    "jacken": ("material", 30, "Jacken", "Abgabe im Gemeindehaus Angermünde, Klosterstraße 2, dienstags 16–18 Uhr."),
}

SHIFTS = (
    # opportunity, days from today, local start, local end, capacity
    ("ausgabe", 2, time(9, 0), time(12, 0), 4),
    ("ausgabe", 4, time(9, 0), time(12, 0), 4),
    ("ausgabe", 9, time(14, 0), time(17, 0), 3),
    ("fahrdienst", 3, time(7, 30), time(10, 0), 2),
    ("besuch", 5, time(15, 0), time(16, 30), 2),
    ("telefon", 6, time(18, 0), time(19, 0), 5),
    ("fest", 12, time(8, 0), time(13, 0), 8),
    ("pflanzen", 8, time(10, 0), time(14, 0), 10),
)

PROFILES: tuple[tuple[str, str, str, float, list[dict[str, object]], dict[str, str], list[str], list[str], bool],
                ...] = (
    # key, display name, village, radius, availability, languages, skills, licence classes, own car
    ("anna", "Anna B.", "ot-angermuende-angermuende", 25.0,
     [{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(7)], {"de": "C2", "en": "B2"},
     ["garden", "reading"], ["B"], True),
    ("erika", "Erika S.", "ot-prenzlau-prenzlau", 10.0, [], {"de": "C2"}, ["cooking"], [], False),
)

# A visit that happened yesterday, so that the church's coordinators see a list after a shift: one helper
# came (her hours credited), one did not (a no-show, to be corrected if he was there after all).
PAST_SHIFT = ("besuch", -1, time(15, 0), time(16, 30), 2)
PAST_HELPERS = (
    # key, display name, village, state of the sign-up, minutes credited
    ("jana", "Jana K.", "ot-gramzow-gramzow", "completed", 90),
    ("hans", "Hans M.", "ot-templin-templin", "no_show", 0),
)

# What organisations see once a person is confirmed (the accounts demo e-mail).
DEMO_CONTACT = {"anna": "anna.becker@angermuende.example"}

HELP_REQUESTS = (
    # key, requester, entered by staff, category, village, days ahead, description
    ("einkauf-gertrud", "gertrud", True, "shopping", "ot-angermuende-greiffenberg", 2,
     "Wocheneinkauf im Supermarkt, Liste liegt bereit."),
    ("garten-karl", "karl", False, "garden", "ot-schwedt-schwedt", 5, "Hecke schneiden, etwa zwei Stunden."),
    ("technik-erika", "erika", False, "technology", "ot-prenzlau-prenzlau", 3,
     "Hilfe beim Einrichten des neuen Tablets für Videoanrufe mit den Enkeln."),
)


async def _add(session: AsyncSession, row: VolunteersModel, key: uuid.UUID) -> None:
    """Add a demo row unless its fixed id is there already."""
    if await session.get(type(row), key) is None:
        session.add(row)


async def _past_visit(session: AsyncSession, today: date) -> None:
    """Yesterday's visit with its sign-ups as the scheduler leaves them after the end (completed, no-show)."""
    key, days, start, end, capacity = PAST_SHIFT
    day = today + timedelta(days=days)
    shift_id = demo_id(f"shift:{key}:{day.isoformat()}:{start}")
    start_at, end_at = to_utc(datetime.combine(day, start)), to_utc(datetime.combine(day, end))
    await _add(session, Shift(id=shift_id, opportunity_id=demo_id(f"opportunity:{key}"),
                              organisation_id=demo_id("organisation:kirche"), start_at=start_at, end_at=end_at,
                              capacity=capacity), shift_id)
    await session.flush()
    for helper, display, village, state, minutes in PAST_HELPERS:
        await _add(session, Volunteer(
            person_id=person(helper), display_name=display, home_village_id=village, radius_km=30.0,
            birth_year=1970, visible_to_orgs=False, no_show_count=1 if state == "no_show" else 0), person(helper))
        signup_id = demo_id(f"signup:{key}:{day.isoformat()}:{helper}")
        await _add(session, Signup(
            id=signup_id, shift_id=shift_id, person_id=person(helper), state=state,
            requested_at=start_at - timedelta(days=5), state_changed_at=end_at + timedelta(minutes=30),
            checked_in_at=start_at if state == "completed" else None, minutes_credited=minutes), signup_id)


async def seed_demo(db: Database, settings: ServiceSettings) -> None:
    now = utcnow()
    today = datetime.now(now.tzinfo).date()
    async with db.transaction() as session:
        for key, org_name, form, village, state, admin, description in ORGANISATIONS:
            organisation_id = demo_id(f"organisation:{key}")
            await _add(session, Organisation(
                id=organisation_id, name=org_name, legal_form=form, village_id=village, state=state,
                description=description, created_by=person(admin), verified_at=now if state == "verified" else None,
                verified_by="demo" if state == "verified" else None), organisation_id)
            member_id = demo_id(f"member:{key}:{admin}")
            await _add(session, OrgMember(id=member_id, organisation_id=organisation_id, person_id=person(admin),
                                          role="admin", added_by="demo"), member_id)
        await session.flush()
        for key, org, title, category, site, requirements, description, remote in OPPORTUNITIES:
            opportunity_id = demo_id(f"opportunity:{key}")
            verified = next(o[4] for o in ORGANISATIONS if o[0] == org) == "verified"
            kind, capacity, unit, arrangements = TAKING_PART.get(key, ("shifts", None, None, ""))
            await _add(session, Opportunity(
                id=opportunity_id, organisation_id=demo_id(f"organisation:{org}"), kind=kind, title=title,
                capacity=capacity, unit=unit, arrangements=arrangements,
                description=description, category=category, village_id=site, requirements=list(requirements),
                remote=remote, address="Marktberg 1" if key == "ausgabe" else None,
                state="published" if verified else "awaiting_verification", published_at=now if verified else None,
            ), opportunity_id)
        await session.flush()
        for key, days, start, end, capacity in SHIFTS:
            day = today + timedelta(days=days)
            shift_id = demo_id(f"shift:{key}:{day.isoformat()}:{start}")
            org = next(o[1] for o in OPPORTUNITIES if o[0] == key)
            await _add(session, Shift(
                id=shift_id, opportunity_id=demo_id(f"opportunity:{key}"),
                organisation_id=demo_id(f"organisation:{org}"),
                start_at=to_utc(datetime.combine(day, start)), end_at=to_utc(datetime.combine(day, end)),
                capacity=capacity), shift_id)
        series_id = demo_id("series:besuch:wednesday")
        await _add(session, ShiftSeries(id=series_id, opportunity_id=demo_id("opportunity:besuch"), weekday=2,
                                        local_start="15:00", local_end="16:30", capacity=2,
                                        valid_from=date(2026, 1, 7)), series_id)
        for key, display, village, radius, availability, languages, skills, licences, car in PROFILES:
            await _add(session, Volunteer(
                person_id=person(key), display_name=display, home_village_id=village, radius_km=radius,
                contact_email=DEMO_CONTACT.get(key),
                availability=availability, languages=languages, skills=skills, licence_classes=licences, own_car=car,
                birth_year=1975, visible_to_orgs=True), person(key))
        await _past_visit(session, today)
        for key, requester, by_staff, category, village, days, description in HELP_REQUESTS:
            request_id = demo_id(f"help:{key}")
            begins = to_utc(datetime.combine(today + timedelta(days=days), time(10, 0)))
            await _add(session, HelpRequest(
                id=request_id, requester_id=person(requester), entered_by=str(uuid.uuid5(
                    ACCOUNTS_DEMO_NAMESPACE, "operator:leitstelle")) if by_staff else None, category=category,
                village_id=village, description=description, window_start=begins,
                window_end=begins + timedelta(hours=4), address="Dorfstraße 7" if by_staff else None,
                contact_phone="+49 39862 4711" if by_staff else None), request_id)
    # The series' shifts, the same way the daily step tops them up.
    if isinstance(settings, VolunteersSettings):
        async with db.transaction() as session:
            await generate_all(session, settings, now)
