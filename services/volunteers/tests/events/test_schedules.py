"""Scenarios 6 and 12 (d) on the real scheduler (platformkit: DB lease, ManualClock): shifts from local
wall times across the 2027 changes, weekly series generated idempotently at their local time, and one
reminder per sign-up and version exactly 24 h of real time ahead — not twice when the worker runs twice
or is restarted, and not at all once it would be stale."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select
from volunteers_testkit import Volunteers, make_settings, start_volunteers

from platformkit.db import utcnow
from platformkit.scheduler import ManualClock
from platformkit.testing.tokens import OidcIssuer
from volunteers.crud import shifts as shift_crud
from volunteers.models import Shift, ShiftSeries

# 31 Oct 2027: the clocks go back (03:00 CEST -> 02:00 CET); 28 Mar 2027: forward (02:00 -> 03:00).
SUNDAY_AFTER_CHANGE = datetime(2027, 10, 31, 9, 0, tzinfo=UTC)  # 10:00 CET


async def test_local_times_across_the_changes(vol: Volunteers) -> None:
    world = await vol.world()
    overnight = await vol.shift(world, start=datetime(2027, 10, 30, 22, 0), hours=0, capacity=2,
                                end=datetime(2027, 10, 31, 6, 0).isoformat())
    assert overnight["local_time"] == "22:00 – 06:00 (+1 Tag)"
    assert datetime.fromisoformat(overnight["end"]) - datetime.fromisoformat(overnight["start"]) == timedelta(hours=9)

    path = f"/opportunities/{world.opportunity_id}/shifts"
    gap = await vol.http.post(path, headers=world.coordinator.headers, json={
        "start": "2027-03-28T02:30", "end": "2027-03-28T05:00", "capacity": 1})
    assert gap.status_code == 422 and gap.json()["code"] == "LOCAL_TIME_DOES_NOT_EXIST"
    assert gap.json()["errors"][0]["field"] == "body.start"
    twice = {"start": "2027-10-31T02:30", "end": "2027-10-31T05:00", "capacity": 1}
    ambiguous = await vol.http.post(path, headers=world.coordinator.headers, json=twice)
    assert ambiguous.status_code == 422 and ambiguous.json()["code"] == "LOCAL_TIME_AMBIGUOUS"
    second = await vol.http.post(path, headers=world.coordinator.headers, json={**twice, "start_occurrence": "second"})
    assert second.status_code == 201
    assert datetime.fromisoformat(second.json()["start"]) == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


async def test_a_weekly_series_keeps_ten_oclock_and_is_generated_once(vol: Volunteers) -> None:
    world = await vol.world()
    created = await vol.http.post(f"/opportunities/{world.opportunity_id}/series", headers=world.coordinator.headers,
                                  json={"weekday": 6, "local_start": "10:00", "local_end": "12:00", "capacity": 4,
                                        "valid_from": "2027-10-17", "valid_until": "2028-04-02"})
    assert created.status_code == 201
    series_id = uuid.UUID(created.json()["id"])
    async with vol.db.transaction() as session:
        series = await session.get(ShiftSeries, series_id)
        assert series is not None
        first = await shift_crud.generate(session, series=series, organisation_id=uuid.UUID(world.organisation_id),
                                          horizon_end=date(2028, 6, 1), now=utcnow())
        again = await shift_crud.generate(session, series=series, organisation_id=uuid.UUID(world.organisation_id),
                                          horizon_end=date(2028, 6, 1), now=utcnow())
    assert (first, again) == (25, 0)
    async with vol.db.read_sessions() as session:
        starts = (await session.exec(select(Shift.start_at).where(col(Shift.series_id) == series_id)
                                     .order_by(col(Shift.start_at)))).all()
    assert len(starts) == 25
    assert starts[0] == datetime(2027, 10, 17, 8, 0, tzinfo=UTC)
    assert starts[2] == SUNDAY_AFTER_CHANGE
    assert starts[-1] == datetime(2028, 4, 2, 8, 0, tzinfo=UTC)  # summer time again (26 Mar 2028)


async def test_the_reminder_is_sent_once_a_day_ahead_and_never_stale(database_url: str,
                                                                    oidc_issuer: OidcIssuer) -> None:
    settings = make_settings(database_url, oidc_issuer)
    clock = ManualClock(datetime(2027, 10, 30, 8, 50, tzinfo=UTC))
    async with start_volunteers(settings, oidc_issuer, schedules=True, clock=clock) as vol:
        world = await vol.world()
        sunday = await vol.shift(world, start=datetime(2027, 10, 31, 10, 0), hours=2)  # 09:00Z
        early = await vol.shift(world, start=datetime(2027, 10, 30, 9, 20), hours=2)  # starts in 30 min
        helper = await vol.profile()
        assert (await vol.sign_up(sunday["id"], helper)).status_code == 201
        assert (await vol.sign_up(early["id"], helper)).status_code == 201
        await clock.settle(4)
        assert await vol.notifications("reminder") == []  # 24 h ahead is 09:00Z; not yet

        for _ in range(4):  # 09:10, 09:30, 09:50, 10:10: the step runs each time
            clock.advance(timedelta(minutes=20))
            await clock.settle(4)
        reminders = await vol.notifications("reminder", helper.id)
        # Exactly one, for Sunday's shift; the other started within the hour: dropped, never sent.
        assert len(reminders) == 1 and "31.10.2027, 10:00 – 12:00" in reminders[0]["body"]

    # The worker restarts after the reminder time: still one.
    async with start_volunteers(settings, oidc_issuer, schedules=True,
                                clock=ManualClock(datetime(2027, 10, 30, 10, 30, tzinfo=UTC))) as vol:
        await vol.app.state.clock.settle(4)
        assert len(await vol.notifications("reminder", helper.id)) == 1
