"""Scenario 2 and 7, the pure part: overlap with a grace (capped at half the shorter shift), late
cancellation, what a freed place does, the check-in window, contact release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from volunteers.domain.signups import (
    Promotion,
    Span,
    check_in_open,
    check_overlap,
    contact_visible,
    is_late_cancel,
    offer_expiry,
    promotion_for,
)

T = datetime(2026, 6, 6, 8, 0, tzinfo=UTC)


def span(name: str, start_h: float, end_h: float) -> Span:
    return Span(name, T + timedelta(hours=start_h), T + timedelta(hours=end_h))


HELD = [span("a", 10, 14)]


def test_overlap_without_grace_is_refused_and_names_the_shift() -> None:
    check = check_overlap(span("b", 13.5, 16), HELD, timedelta(0))
    assert check.conflicts == ("a",)


def test_overlap_within_a_configured_grace_is_tolerated() -> None:
    check = check_overlap(span("b", 13.5, 16), HELD, timedelta(minutes=60))
    assert check.conflicts == () and check.tolerated == ("a",)


def test_the_grace_is_at_most_half_the_shorter_shift() -> None:
    # A one-hour shift overlapping by 40 minutes: more than half of it, so refused despite a 60-minute grace.
    assert check_overlap(span("b", 13 + 1 / 3, 14 + 1 / 3), HELD, timedelta(minutes=60)).conflicts == ("a",)
    assert check_overlap(span("b", 13.5, 14.5), HELD, timedelta(minutes=60)).conflicts == ()


def test_back_to_back_and_same_day_shifts_do_not_overlap() -> None:
    assert check_overlap(span("b", 14, 16), HELD, timedelta(0)) == check_overlap(span("c", 6, 9), HELD, timedelta(0))
    assert check_overlap(span("b", 14, 16), HELD, timedelta(0)).conflicts == ()


def test_late_cancellation_and_promotion_by_time_to_start() -> None:
    start = T + timedelta(hours=30)
    assert not is_late_cancel(start - timedelta(hours=26), start, timedelta(hours=3))
    assert is_late_cancel(start - timedelta(hours=2), start, timedelta(hours=3))
    assert promotion_for(start - timedelta(hours=26), start, timedelta(hours=12)) is Promotion.CONFIRM
    assert promotion_for(start - timedelta(hours=2), start, timedelta(hours=12)) is Promotion.OFFER
    assert promotion_for(start, start, timedelta(hours=12)) is Promotion.NONE
    assert offer_expiry(start - timedelta(minutes=10), start, timedelta(minutes=30)) == start


def test_check_in_window_and_contact_release() -> None:
    start, end = T, T + timedelta(hours=3)
    assert not check_in_open(start - timedelta(minutes=40), start, end, timedelta(minutes=30))
    assert check_in_open(start + timedelta(minutes=10), start, end, timedelta(minutes=30))
    assert contact_visible("confirmed", end + timedelta(days=29), end, timedelta(days=30))
    assert not contact_visible("confirmed", end + timedelta(days=31), end, timedelta(days=30))
    assert not contact_visible("requested", start, end, timedelta(days=30))
    assert not contact_visible("waitlisted", start, end, timedelta(days=30))
