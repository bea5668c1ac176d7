"""Scenario 6 (DST), the pure part: local wall times to UTC across both changes of 2025/2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from volunteers.domain.signups import credited_minutes
from volunteers.domain.timing import LocalTimeError, Occurrence, format_span, local_days, to_utc, weekly_occurrences


def test_an_overnight_shift_across_the_autumn_change_lasts_nine_hours() -> None:
    start = to_utc(datetime(2025, 10, 25, 22, 0))
    end = to_utc(datetime(2025, 10, 26, 6, 0))
    assert start == datetime(2025, 10, 25, 20, 0, tzinfo=UTC)
    assert end == datetime(2025, 10, 26, 5, 0, tzinfo=UTC)
    assert credited_minutes(start, end) == 9 * 60
    assert format_span(start, end) == "22:00 – 06:00 (+1 Tag)"


def test_a_weekly_series_keeps_its_local_time_across_both_changes() -> None:
    occurrences = list(weekly_occurrences(6, time(10, 0), time(12, 0), date(2025, 10, 19), date(2026, 4, 5),
                                          date(2026, 12, 31)))
    by_day = {day: (start, end) for day, start, end in occurrences}
    assert by_day[date(2025, 10, 19)][0] == datetime(2025, 10, 19, 8, 0, tzinfo=UTC)  # CEST
    assert by_day[date(2025, 10, 26)][0] == datetime(2025, 10, 26, 9, 0, tzinfo=UTC)  # CET
    assert by_day[date(2026, 3, 22)][0] == datetime(2026, 3, 22, 9, 0, tzinfo=UTC)
    assert by_day[date(2026, 3, 29)][0] == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # CEST again
    assert all(format_span(start, end) == "10:00 – 12:00" for start, end in by_day.values())
    assert [day.weekday() for day in by_day] == [6] * len(by_day)
    assert len(by_day) == 25


def test_a_local_time_in_the_spring_gap_does_not_exist() -> None:
    with pytest.raises(LocalTimeError) as error:
        to_utc(datetime(2026, 3, 29, 2, 30))
    assert error.value.code == "LOCAL_TIME_DOES_NOT_EXIST"


def test_a_local_time_that_happens_twice_needs_to_say_which() -> None:
    with pytest.raises(LocalTimeError) as error:
        to_utc(datetime(2026, 10, 25, 2, 30))
    assert error.value.code == "LOCAL_TIME_AMBIGUOUS"
    assert to_utc(datetime(2026, 10, 25, 2, 30), occurrence=Occurrence.FIRST) == datetime(2026, 10, 25, 0, 30,
                                                                                           tzinfo=UTC)
    assert to_utc(datetime(2026, 10, 25, 2, 30), occurrence=Occurrence.SECOND) == datetime(2026, 10, 25, 1, 30,
                                                                                            tzinfo=UTC)


def test_an_ordinary_time_needs_no_occurrence() -> None:
    assert to_utc(datetime(2026, 7, 1, 9, 0), occurrence=Occurrence.SECOND) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def test_local_days_run_from_midnight_to_midnight_and_the_clock_change_days_are_23_and_25_hours() -> None:
    spring = local_days(date(2026, 3, 29), date(2026, 3, 29))
    autumn = local_days(date(2026, 10, 25), date(2026, 10, 25))
    assert spring == (datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC))
    assert autumn[1] - autumn[0] == timedelta(hours=25)
    assert local_days(None, date(2026, 1, 31)) == (None, datetime(2026, 1, 31, 23, tzinfo=UTC))
    assert local_days(date(2026, 7, 1), None) == (datetime(2026, 6, 30, 22, tzinfo=UTC), None)
