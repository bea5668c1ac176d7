"""A person's shifts as an iCalendar feed (RFC 5545), written by hand: one VEVENT per sign-up whose UID
stays the same across changes, with SEQUENCE = the shift's version, times in UTC."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str
    cancelled: bool = False


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after a space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return [line]
    parts: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not parts else 74
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return [parts[0]] + [" " + part for part in parts[1:]]


def render(entries: Iterable[CalendarEntry], *, name: str, now: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Dorfmarktplatz//Ehrenamt//DE",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for entry in entries:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{entry.uid}",
            f"SEQUENCE:{entry.sequence}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(entry.start)}",
            f"DTEND:{_stamp(entry.end)}",
            f"SUMMARY:{_escape(entry.summary)}",
            f"LOCATION:{_escape(entry.location)}",
            f"DESCRIPTION:{_escape(entry.description)}",
            f"STATUS:{'CANCELLED' if entry.cancelled else 'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(folded + "\r\n" for line in lines for folded in _fold(line))
