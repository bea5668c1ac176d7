"""The calendar feed's text: CRLF lines, UTC times, stable UID with SEQUENCE, escaping, folding."""

from __future__ import annotations

from datetime import UTC, datetime

from volunteers.domain.ical import CalendarEntry, last_modified, render, sequence, status


def test_render_a_calendar() -> None:
    entry = CalendarEntry(uid="signup-1@volunteers", sequence=2, start=datetime(2025, 10, 25, 20, 0, tzinfo=UTC),
                          end=datetime(2025, 10, 26, 5, 0, tzinfo=UTC), summary="Nachtwache; Tafel, Prenzlau",
                          location="Prenzlau", description="x" * 120,
                          last_modified=datetime(2025, 9, 30, 8, 15, tzinfo=UTC))
    text = render([entry], name="Meine Einsätze", now=datetime(2025, 10, 1, tzinfo=UTC))
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "DTSTART:20251025T200000Z" in lines and "DTEND:20251026T050000Z" in lines
    assert "UID:signup-1@volunteers" in lines and "SEQUENCE:2" in lines and "STATUS:CONFIRMED" in lines
    assert "DTSTAMP:20251001T000000Z" in lines and "LAST-MODIFIED:20250930T081500Z" in lines
    assert "SUMMARY:Nachtwache\\; Tafel\\, Prenzlau" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" x") for line in lines)


def test_each_change_of_what_an_entry_shows_raises_its_sequence() -> None:
    """Calendar apps keep an entry whose SEQUENCE did not grow: a shift moved (by any amount) or cancelled
    and a sign-up cancelled must each count."""
    requested = sequence(0, "tentative")
    confirmed = sequence(0, "confirmed")
    moved = sequence(1, "confirmed")
    nudged_again = sequence(2, "confirmed")
    volunteer_cancelled = sequence(2, "cancelled")
    shift_cancelled_too = sequence(3, "cancelled")  # the shift's cancellation cancels the sign-up with it
    assert requested == 0
    assert requested < confirmed < moved < nudged_again < volunteer_cancelled < shift_cancelled_too


def test_a_place_not_yet_confirmed_is_tentative() -> None:
    assert status("requested", on_the_list=True) == "tentative"  # the organisation confirms it itself
    assert status("offered", on_the_list=True) == "tentative"  # offered from the waitlist, not yet accepted
    assert status("confirmed", on_the_list=True) == status("checked_in", on_the_list=True) == "confirmed"
    assert status("cancelled_by_org", on_the_list=False) == "cancelled"


def test_last_modified_is_the_later_change() -> None:
    signup = datetime(2025, 10, 2, 9, 0, tzinfo=UTC)
    assert last_modified(signup, None) == signup
    assert last_modified(signup, datetime(2025, 10, 3, tzinfo=UTC)) == datetime(2025, 10, 3, tzinfo=UTC)
    assert last_modified(signup, datetime(2025, 10, 1, tzinfo=UTC)) == signup  # moved before she signed up
