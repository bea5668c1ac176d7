"""Pure planning rules: slot grids and their suppression by scheduled buses, the dates a recurring offer
runs on, and the consolidation of fallback bookings into as few taxi orders as the vehicles allow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

# A scheduled bus this close to a slot serves the connection already: no ride slot (Rufbus rule:
# 15 min before to 45 min after).
SUPPRESS_BEFORE_SECS = 15 * 60
SUPPRESS_AFTER_SECS = 45 * 60
MAX_EXCEPTIONS = 90


def slot_grid(first_secs: int, last_secs: int, interval_secs: int) -> list[int]:
    """GTFS departure times of the corridor's slots from its first stop (first and last inclusive)."""
    if interval_secs <= 0:
        raise ValueError("interval must be positive")
    return list(range(first_secs, last_secs + 1, interval_secs))


def suppressed(slot_secs: int, scheduled: Iterable[int]) -> bool:
    return any(slot_secs - SUPPRESS_BEFORE_SECS <= bus <= slot_secs + SUPPRESS_AFTER_SECS for bus in scheduled)


class ExceptionError(ValueError):
    pass


def check_exceptions(exceptions: Sequence[tuple[date, str]]) -> dict[date, str]:
    """Exception dates of a recurring offer: at most 90, each date once, kind `added` or `removed`."""
    if len(exceptions) > MAX_EXCEPTIONS:
        raise ExceptionError(f"at most {MAX_EXCEPTIONS} exception dates")
    result: dict[date, str] = {}
    for day, kind in exceptions:
        if kind not in ("added", "removed"):
            raise ExceptionError(f"exception kind must be 'added' or 'removed', not {kind!r}")
        if day in result:
            raise ExceptionError(f"exception date {day.isoformat()} given twice")
        result[day] = kind
    return result


def offer_dates(
    *,
    one_off: date | None,
    weekdays: Sequence[int],
    valid_from: date,
    valid_to: date | None,
    exceptions: Mapping[date, str],
    window_from: date,
    window_to: date,
) -> list[date]:
    """The service dates an offer runs on within [window_from, window_to]: its one date, or its weekdays
    (0 = Monday) from valid_from to valid_to, less the `removed` exceptions, plus the `added` ones."""
    if one_off is not None:
        return [one_off] if window_from <= one_off <= window_to else []
    days: set[date] = set()
    start = max(valid_from, window_from)
    end = min(valid_to, window_to) if valid_to is not None else window_to
    day = start
    while day <= end:
        if day.weekday() in weekdays and exceptions.get(day) != "removed":
            days.add(day)
        day += timedelta(days=1)
    days.update(d for d, kind in exceptions.items() if kind == "added" and window_from <= d <= window_to)
    return sorted(days)


@dataclass(frozen=True, slots=True)
class FallbackParty:
    booking_id: str
    seats: int
    wheelchairs: int


@dataclass
class TaxiLoad:
    wheelchair_vehicle: bool
    seats: int
    wheelchair_places: int
    parties: list[FallbackParty] = field(default_factory=list)

    def fits(self, party: FallbackParty) -> bool:
        used_seats = sum(p.seats for p in self.parties)
        used_places = sum(p.wheelchairs for p in self.parties)
        return used_seats + party.seats <= self.seats and used_places + party.wheelchairs <= self.wheelchair_places


def consolidate(parties: Sequence[FallbackParty], *, vehicle_seats: int,
                wheelchair_vehicle_seats: int) -> list[TaxiLoad]:
    """As few vehicles as the capacities allow (first fit, largest parties first; wheelchair parties only
    into wheelchair-capable vehicles, which take seated riders too). Parties are never split."""
    loads: list[TaxiLoad] = []
    ordered = sorted(parties, key=lambda p: (-p.wheelchairs, -p.seats, p.booking_id))
    for party in ordered:
        target = next((load for load in loads if load.fits(party)), None)
        if target is None:
            wheelchair = party.wheelchairs > 0
            target = TaxiLoad(
                wheelchair_vehicle=wheelchair,
                seats=wheelchair_vehicle_seats if wheelchair else vehicle_seats,
                wheelchair_places=1 if wheelchair else 0,
            )
            loads.append(target)
        target.parties.append(party)
    return loads
