"""The calendar feed's text: CRLF lines, UTC times, stable UID with SEQUENCE, escaping, folding."""

from __future__ import annotations

from datetime import UTC, datetime

from volunteers.domain.ical import CalendarEntry, render


def test_render_a_calendar() -> None:
    entry = CalendarEntry(uid="signup-1@volunteers", sequence=2, start=datetime(2025, 10, 25, 20, 0, tzinfo=UTC),
                          end=datetime(2025, 10, 26, 5, 0, tzinfo=UTC), summary="Nachtwache; Tafel, Prenzlau",
                          location="Prenzlau", description="x" * 120)
    text = render([entry], name="Meine Einsätze", now=datetime(2025, 10, 1, tzinfo=UTC))
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "DTSTART:20251025T200000Z" in lines and "DTEND:20251026T050000Z" in lines
    assert "UID:signup-1@volunteers" in lines and "SEQUENCE:2" in lines
    assert "SUMMARY:Nachtwache\\; Tafel\\, Prenzlau" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" x") for line in lines)
