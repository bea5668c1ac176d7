"""The times a person usually has, as the profile page shows them: per weekday a morning, an afternoon and
an evening to tick (big checkboxes, no from–to fields to type). The service keeps availability windows
(weekday, start, end in local time); neighbouring parts of a day become one window, so that a shift from
11 to 13 o'clock fits "morning and afternoon"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# part of the day, from, until (local time)
DAY_PARTS = (("morning", "06:00", "12:00"), ("afternoon", "12:00", "17:00"), ("evening", "17:00", "22:00"))
PART_NAMES = tuple(name for name, _, _ in DAY_PARTS)


def slot(weekday: int, part: str) -> str:
    """A checkbox's value: "1-afternoon" is Tuesday afternoon."""
    return f"{weekday}-{part}"


def _parse(value: str) -> tuple[int, str] | None:
    day, _, part = value.partition("-")
    if day.isdigit() and 0 <= int(day) <= 6 and part in PART_NAMES:
        return int(day), part
    return None


def windows_of(slots: Iterable[str]) -> list[dict[str, Any]]:
    """The ticked parts of days as windows, neighbouring parts joined; unknown values are ignored."""
    chosen = {parsed for value in slots if (parsed := _parse(value)) is not None}
    windows: list[dict[str, Any]] = []
    for day in range(7):
        current: dict[str, Any] | None = None
        for part, start, end in DAY_PARTS:
            if (day, part) not in chosen:
                current = None
            elif current is not None and current["end"] == start:
                current["end"] = end
            else:
                current = {"weekday": day, "start": start, "end": end}
                windows.append(current)
    return windows


def grid_of(windows: Sequence[Mapping[str, Any]]) -> set[str]:
    """The parts of days that lie wholly inside one of the windows."""
    return {slot(day, part) for day in range(7) for part, start, end in DAY_PARTS
            if any(int(w["weekday"]) == day and str(w["start"]) <= start and end <= str(w["end"]) for w in windows)}


def is_grid(windows: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the grid shows the windows exactly (else saving the grid unchanged must keep them)."""
    def key(w: Mapping[str, Any]) -> tuple[int, str, str]:
        return int(w["weekday"]), str(w["start"]), str(w["end"])
    return sorted(map(key, windows_of(grid_of(windows)))) == sorted(map(key, windows))
