"""The district's statistics: hours, helpers and villages over a period of local days (Europe/Berlin), with
shifts, ongoing commitments, pledges and help requests; each person counted once, erased people's past
hours kept without them. The rows are written as they would be by then (dates in the past)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from volunteers_testkit import DEDELOW, PRENZLAU, SCHWEDT, Volunteers

from platformkit.db import utcnow
from platformkit.personal_data import erase_person
from volunteers.domain.timing import to_utc
from volunteers.main import service
from volunteers.models import Commitment, HelpRequest, Opportunity, Shift, Signup

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def at(day: str, clock: str = "10:00") -> datetime:
    """A local wall time in Europe/Berlin as the instant it is."""
    return to_utc(datetime.fromisoformat(f"{day}T{clock}"))


async def statistics(vol: Volunteers, **period: str) -> dict[str, Any]:
    response = await vol.http.get("/admin/statistics", params=period, headers=vol.staff().headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def village(found: dict[str, Any], village_id: str) -> dict[str, Any]:
    return next(dict(v) for v in found["villages"] if v["village_id"] == village_id)


async def test_a_period_counts_shifts_commitments_pledges_and_help_each_person_once(vol: Volunteers) -> None:
    shifts = await vol.world()
    reading = await vol.world(kind="ongoing", title="Lesepate", village_id=DEDELOW)
    phone_chain = await vol.world(kind="ongoing", title="Telefonkette", village_id=None, remote=True)
    jackets = await vol.world(kind="material", title="Winterjacken", capacity=30, unit="Jacken")
    anna, ben, cem, dora, eve, fay, gus, hal, ivy, jo, kai, lea, mo = (uuid.uuid4() for _ in range(13))

    async with vol.db.transaction() as session:
        opportunity = await session.get(Opportunity, uuid.UUID(shifts.opportunity_id))
        assert opportunity is not None

        async def shift(start: datetime, *done: tuple[uuid.UUID | None, str, int | None]) -> None:
            row = Shift(opportunity_id=opportunity.id, organisation_id=opportunity.organisation_id,
                        start_at=start, end_at=start + timedelta(hours=3), capacity=5, seats_taken=len(done))
            session.add(row)
            await session.flush()
            for person_id, state, minutes in done:
                session.add(Signup(shift_id=row.id, person_id=person_id, state=state, minutes_credited=minutes))

        await shift(at("2026-03-10"), (anna, "completed", 180), (ben, "completed", 120), (cem, "no_show", None))
        await shift(at("2026-03-31", "23:30"), (anna, "completed", 60))  # the last local hour of the period
        await shift(at("2026-04-01", "00:30"), (dora, "completed", 90))  # March 31st in UTC, April here
        await shift(at("2026-03-01", "00:30"), (None, "completed", 30))  # someone erased since: hours stay
        await shift(at("2026-02-28", "23:30"), (eve, "completed", 45))  # March 1st in UTC, February here

        def commitment(world_opportunity: str, person_id: uuid.UUID | None, state: str, requested: str,
                       changed: str, quantity: int = 1) -> Commitment:
            return Commitment(opportunity_id=uuid.UUID(world_opportunity), person_id=person_id, state=state,
                              quantity=quantity, requested_at=at(requested), state_changed_at=at(changed))

        session.add_all([
            commitment(reading.opportunity_id, anna, "confirmed", "2026-02-01", "2026-02-10"),  # running
            commitment(reading.opportunity_id, cem, "completed", "2026-01-01", "2026-03-05"),  # ended in March
            commitment(reading.opportunity_id, dora, "completed", "2026-01-01", "2026-02-20"),  # ended before
            commitment(reading.opportunity_id, eve, "confirmed", "2026-04-01", "2026-04-05"),  # began after
            commitment(reading.opportunity_id, fay, "requested", "2026-03-02", "2026-03-02"),  # not yet taken on
            commitment(reading.opportunity_id, gus, "cancelled_by_volunteer", "2026-03-02", "2026-03-04"),
            commitment(phone_chain.opportunity_id, mo, "confirmed", "2026-03-02", "2026-03-02"),  # no village
            commitment(jackets.opportunity_id, ben, "confirmed", "2026-03-12", "2026-03-12", 3),
            commitment(jackets.opportunity_id, hal, "completed", "2026-03-15", "2026-03-20", 2),
            commitment(jackets.opportunity_id, None, "completed", "2026-03-16", "2026-03-21", 5),
            commitment(jackets.opportunity_id, ivy, "requested", "2026-03-12", "2026-03-12"),
            commitment(jackets.opportunity_id, jo, "confirmed", "2026-04-02", "2026-04-02"),
        ])

        def asked(day: str, state: str, helper: uuid.UUID | None = None) -> HelpRequest:
            return HelpRequest(category="shopping", village_id=SCHWEDT, window_start=at(day),
                               window_end=at(day, "12:00"), state=state, helper_id=helper,
                               matched_at=at(day, "11:00") if helper else None, created_at=at(day))

        session.add_all([asked("2026-03-03", "open"), asked("2026-03-04", "matched", cem),
                         asked("2026-03-05", "done", kai), asked("2026-03-06", "cancelled", lea),
                         asked("2026-02-01", "open")])

    march = await statistics(vol, **MARCH)
    assert march["period_from"] == "2026-03-01" and march["period_to"] == "2026-03-31"
    assert (march["completed_shifts"], march["minutes"], march["shift_helpers"]) == (4, 390, 2)
    assert (march["ongoing_commitments"], march["ongoing_people"]) == (3, 3)
    assert (march["pledges"], march["pledges_handed_over"], march["donors"]) == (3, 2, 2)
    assert march["help_requests"] == {"asked": 4, "open": 1, "offered": 0, "matched": 1, "done": 1, "cancelled": 1,
                                      "ever_matched": 3}
    assert march["open_help_requests"] == 1 and march["help_helpers"] == 3
    # anna (shifts, reading), ben (shift, pledge), cem (reading, help), hal, kai, lea, mo: seven people.
    assert march["helpers"] == 7
    assert march["organisations_verified"] == 4
    assert [v["village_id"] for v in march["villages"]] == sorted([PRENZLAU, DEDELOW, SCHWEDT])
    assert village(march, PRENZLAU) == {
        "village_id": PRENZLAU, "village": "Prenzlau", "helpers": 3, "minutes": 390, "completed_shifts": 4,
        "ongoing_people": 0, "pledges": 3, "help_requests": 0, "help_matched": 0}
    assert (village(march, DEDELOW)["helpers"], village(march, DEDELOW)["ongoing_people"]) == (2, 2)
    assert village(march, SCHWEDT)["helpers"] == 3
    assert (village(march, SCHWEDT)["help_requests"], village(march, SCHWEDT)["help_matched"]) == (4, 3)

    always = await statistics(vol)
    assert always["period_from"] is None and always["minutes"] == 390 + 90 + 45
    assert always["ongoing_commitments"] == 5 and always["pledges"] == 4
    assert always["helpers"] == 10  # and dora, eve, jo
    since_april = await statistics(vol, **{"from": "2026-04-01"})
    assert (since_april["minutes"], since_april["helpers"]) == (90, 5)  # dora; anna, eve and mo reading on; jo

    # Erasure: anna's hours stay, she is no longer anybody; her running commitment ends.
    assert service.personal_data is not None
    async with vol.db.transaction() as session:
        await erase_person(session, service="volunteers", personal_data=service.personal_data, person_id=anna,
                           erased_at=utcnow())
    after = await statistics(vol, **MARCH)
    assert (after["completed_shifts"], after["minutes"], after["shift_helpers"]) == (4, 390, 1)
    assert (after["ongoing_commitments"], after["helpers"]) == (2, 6)
    assert village(after, PRENZLAU)["helpers"] == 2 and village(after, DEDELOW)["helpers"] == 1


async def test_the_period_is_checked_and_only_staff_see_it(vol: Volunteers) -> None:
    staff = vol.staff()
    backwards = await vol.http.get("/admin/statistics", params={"from": "2026-03-31", "to": "2026-03-01"},
                                   headers=staff.headers)
    assert backwards.status_code == 422
    assert backwards.headers["content-type"].startswith("application/problem+json")
    assert backwards.json()["code"] == "PERIOD_INVALID"
    assert [e["field"] for e in backwards.json()["errors"]] == ["query.to"]
    garbled = await vol.http.get("/admin/statistics", params={"from": "gestern"}, headers=staff.headers)
    assert garbled.status_code == 422 and garbled.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in garbled.json()["errors"]] == ["query.from"]
    one_day = await vol.http.get("/admin/statistics", params={"from": "2026-03-29", "to": "2026-03-29"},
                                 headers=staff.headers)
    assert one_day.status_code == 200 and one_day.json()["helpers"] == 0
    assert (await vol.http.get("/admin/statistics", headers=vol.person().headers)).status_code == 403
    assert (await vol.http.get("/admin/statistics")).status_code == 401
