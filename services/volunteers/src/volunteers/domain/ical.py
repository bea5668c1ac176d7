"""A person's shifts as an iCalendar feed (RFC 5545), written by hand: one VEVENT per sign-up whose UID
stays the same across changes, times in UTC. STATUS is TENTATIVE until the place is confirmed. SEQUENCE
grows with every change of what an entry shows (`sequence`), LAST-MODIFIED is when that was: calendar apps
that see the same UID with the same SEQUENCE keep what they have, so a moved or cancelled shift would
otherwise stay as it was."""

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
    last_modified: datetime
    status: str = "confirmed"  # STATUS in lower case: tentative, confirmed or cancelled


# A sign-up's entry moves one way: tentative (the organisation still confirms a request, or the person
# has yet to accept a place offered), confirmed, cancelled (final: a new sign-up is a new entry).
STAGES = {"tentative": 0, "confirmed": 1, "cancelled": 2}
TENTATIVE_STATES = frozenset({"requested", "offered"})


def status(signup_state: str, *, on_the_list: bool) -> str:
    """The entry's STATUS for a sign-up's state; `on_the_list`: the state still holds a place (else the
    entry is shown cancelled, so calendar apps remove it)."""
    if not on_the_list:
        return "cancelled"
    return "tentative" if signup_state in TENTATIVE_STATES else "confirmed"


def sequence(shift_revision: int, entry_status: str) -> int:
    """A sign-up's entry shows its shift's time and its status: each change of the shift
    (`Shift.revision`) counts, and so does each step of the status (tentative → confirmed → cancelled)."""
    return shift_revision + STAGES[entry_status]


def last_modified(signup_changed: datetime, shift_changed: datetime | None) -> datetime:
    """The later of the sign-up's last change of state and the shift's last change (None: none since it
    was created, which was before anyone signed up)."""
    return signup_changed if shift_changed is None else max(signup_changed, shift_changed)


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
            f"DTSTAMP:{_stamp(now)}",  # with METHOD: when this copy was made (RFC 5545 3.8.7.2)
            f"LAST-MODIFIED:{_stamp(entry.last_modified)}",
            f"DTSTART:{_stamp(entry.start)}",
            f"DTEND:{_stamp(entry.end)}",
            f"SUMMARY:{_escape(entry.summary)}",
            f"LOCATION:{_escape(entry.location)}",
            f"DESCRIPTION:{_escape(entry.description)}",
            f"STATUS:{entry.status.upper()}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(folded + "\r\n" for line in lines for folded in _fold(line))
