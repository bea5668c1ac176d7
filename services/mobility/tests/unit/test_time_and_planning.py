"""GTFS service-day time, wall times across DST, slot suppression, offer dates, consolidation, matching."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from mobility.domain.gtfstime import gtfs_instant, local_label, local_wall_instant, service_dates_around
from mobility.domain.matching import Candidate, Rider, RideRequest, delay_budget_holds, rank, refusal
from mobility.domain.planning import (
    ExceptionError,
    FallbackParty,
    check_exceptions,
    consolidate,
    offer_dates,
    slot_grid,
    suppressed,
)


def test_noon_minus_twelve_hours_on_the_dst_days() -> None:
    assert local_label(gtfs_instant(date(2026, 3, 29), 2 * 3600 + 1800)) == "2026-03-29T01:30:00+01:00"
    assert local_label(gtfs_instant(date(2026, 3, 29), 6 * 3600)) == "2026-03-29T06:00:00+02:00"
    assert local_label(gtfs_instant(date(2026, 10, 25), 3600 + 1800)) == "2026-10-25T02:30:00+02:00"
    assert local_label(gtfs_instant(date(2026, 10, 25), 2 * 3600 + 1800)) == "2026-10-25T02:30:00+01:00"
    assert local_label(gtfs_instant(date(2026, 7, 10), 24 * 3600 + 720)) == "2026-07-11T00:12:00+02:00"


def test_wall_times_in_the_gap_do_not_exist_and_repeated_ones_take_the_first() -> None:
    assert local_wall_instant(date(2026, 3, 29), time(2, 30)) is None
    assert local_wall_instant(date(2026, 3, 29), time(7, 30)) == datetime(2026, 3, 29, 5, 30, tzinfo=UTC)
    assert local_wall_instant(date(2026, 10, 25), time(2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_after_midnight_yesterdays_service_day_is_still_running() -> None:
    moment = datetime(2026, 7, 10, 22, 5, tzinfo=UTC)  # Sat 00:05 CEST
    assert date(2026, 7, 10) in service_dates_around(moment)
    assert date(2026, 7, 11) in service_dates_around(moment)


def test_slots_near_a_scheduled_bus_are_suppressed() -> None:
    grid = slot_grid(6 * 3600, 8 * 3600, 1800)
    assert len(grid) == 5
    bus = [7 * 3600]
    # 15 min before to 45 min after a slot a bus counts: the 06:30 and 07:00 slots go, 06:00 stays.
    assert [suppressed(s, bus) for s in grid] == [False, True, True, False, False]
    assert suppressed(7 * 3600 + 900, bus) and not suppressed(7 * 3600 + 901, bus)


def test_recurring_offer_dates_with_exceptions() -> None:
    exceptions = check_exceptions([(date(2026, 5, 1), "removed"), (date(2026, 5, 16), "added")])
    days = offer_dates(one_off=None, weekdays=[0, 1, 2, 3, 4], valid_from=date(2026, 4, 27), valid_to=None,
                       exceptions=exceptions, window_from=date(2026, 4, 20), window_to=date(2026, 5, 17))
    assert date(2026, 5, 1) not in days and date(2026, 5, 16) in days and date(2026, 4, 24) not in days
    assert len(days) == 15 - 1 + 1
    with pytest.raises(ExceptionError):
        check_exceptions([(date(2026, 5, 1), "removed"), (date(2026, 5, 1), "added")])
    with pytest.raises(ExceptionError):
        check_exceptions([(date(2027, 1, 1).replace(day=1 + k % 28, month=1 + k // 28), "removed") for k in range(91)])


def test_consolidation_uses_few_vehicles_and_never_splits_a_party() -> None:
    parties = [FallbackParty("a", 3, 0), FallbackParty("b", 2, 0), FallbackParty("c", 1, 0), FallbackParty("d", 2, 0),
               FallbackParty("w", 1, 1)]
    loads = consolidate(parties, vehicle_seats=4, wheelchair_vehicle_seats=3)
    assert len(loads) == 3  # 9 seated riders in 4-seat cars need 3 vehicles; the wheelchair vehicle is one
    assert sorted(p.booking_id for load in loads for p in load.parties) == ["a", "b", "c", "d", "w"]
    for load in loads:
        assert sum(p.seats for p in load.parties) <= load.seats
        assert sum(p.wheelchairs for p in load.parties) <= load.wheelchair_places
    assert [load.wheelchair_vehicle for load in loads if any(p.wheelchairs for p in load.parties)] == [True]


def _car(**changes: object) -> Candidate:
    values: dict[str, object] = dict(  # noqa: C408 - keyword form reads like the model
        instance_id="x", commercial=False, covers_from=0, covers_to=4, seats=3, wheelchair_places=0,
        seat_loads=[0, 0, 0, 0], wheelchair_loads=[0, 0, 0, 0], female_driver=False, max_detour_secs=300,
        detour_used_secs=0, rides_this_month=0, offer_created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    values.update(changes)
    return Candidate(**values)  # type: ignore[arg-type]


def test_refusals() -> None:
    assert refusal(_car(), RideRequest(0, 2, 3)) is None
    assert refusal(_car(seat_loads=[0, 1, 0, 0]), RideRequest(0, 2, 3)) == "seats"
    assert refusal(_car(seat_loads=[3, 3, 0, 0]), RideRequest(2, 4, 3)) is None
    assert refusal(_car(), RideRequest(0, 2, 1, wheelchair=True)) == "wheelchair"
    assert refusal(_car(), RideRequest(0, 2, 1, female_driver_only=True)) == "preference"
    assert refusal(_car(covers_from=1), RideRequest(0, 2, 1)) == "segment"
    assert refusal(_car(), RideRequest(0, 2, 1, detour_secs=300, detour_after=0)) is None
    assert refusal(_car(), RideRequest(0, 2, 1, detour_secs=301, detour_after=0)) == "detour"


def test_delay_budgets() -> None:
    seated = [Rider(destination=4, detour_secs=0, detour_after=None, delay_budget_secs=120)]
    assert not delay_budget_holds(seated, RideRequest(3, 4, 1, detour_secs=200, detour_after=3))
    assert delay_budget_holds(seated, RideRequest(3, 4, 1, detour_secs=120, detour_after=3))
    off_before = [Rider(destination=2, detour_secs=0, detour_after=None, delay_budget_secs=120)]
    assert delay_budget_holds(off_before, RideRequest(3, 4, 1, detour_secs=200, detour_after=3))


def test_rank_prefers_private_best_fit_then_fairness() -> None:
    big = _car(instance_id="big", seats=4)
    small = _car(instance_id="small", seats=2)
    taxi = _car(instance_id="taxi", commercial=True, seats=1)
    busy = _car(instance_id="busy", seats=2, rides_this_month=5)
    assert [c.instance_id for c in rank([big, taxi, busy, small], RideRequest(0, 1, 1))] == [
        "small", "busy", "big", "taxi"]
