"""The matching rule (research/mobility.md §6.2–6.3), pure: which offer instances can take a request, and
in which order to try them. The database then takes the capacity with conditional UPDATEs in that order
(the first that succeeds wins), so that this ranking never has to be right about concurrent bookings.

Positions: a corridor's stops are numbered 0..n-1; segment k runs from stop k to stop k+1. A party riding
from stop o to stop d occupies segments o..d-1 (boarding at an intermediate stop frees nothing before it).
An off-corridor stop (a detour) sits after corridor stop `detour_after`; boarding there counts from that
stop, alighting there up to the next one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

MAX_PARTY = 3


@dataclass(frozen=True, slots=True)
class RideRequest:
    origin: int
    destination: int
    party: int
    wheelchair: bool = False
    female_driver_only: bool = False
    # The extra seconds an off-corridor stop of this request costs the car, and where it is inserted.
    detour_secs: int = 0
    detour_after: int | None = None

    @property
    def seats(self) -> int:
        """A wheelchair user rides on a wheelchair place; the companions take seats."""
        return self.party - 1 if self.wheelchair else self.party

    @property
    def wheelchairs(self) -> int:
        return 1 if self.wheelchair else 0

    @property
    def segments(self) -> range:
        return range(self.origin, self.destination)


@dataclass(frozen=True, slots=True)
class Rider:
    """A booking already on an instance, as far as delays concern it (in booking order)."""

    destination: int
    detour_secs: int
    detour_after: int | None
    delay_budget_secs: int


@dataclass(frozen=True, slots=True)
class Candidate:
    instance_id: str
    commercial: bool
    covers_from: int
    covers_to: int
    seats: int
    wheelchair_places: int
    seat_loads: Sequence[int]
    wheelchair_loads: Sequence[int]
    female_driver: bool
    max_detour_secs: int
    detour_used_secs: int
    rides_this_month: int
    offer_created_at: datetime
    riders: Sequence[Rider] = field(default_factory=tuple)
    # Stops without step-free boarding (or unknown) rule out wheelchair pickups there for private cars.
    wheelchair_stops_ok: bool = True


def delay_budget_holds(riders: Sequence[Rider], request: RideRequest) -> bool:
    """OTP's per-stop rule: no rider already booked may be delayed beyond their own budget. A rider is
    delayed by every detour booked after them that the car drives before their destination."""
    if not request.detour_secs or request.detour_after is None:
        return True
    for index, rider in enumerate(riders):
        later = riders[index + 1:]
        delay = sum(
            other.detour_secs for other in later
            if other.detour_after is not None and other.detour_after < rider.destination
        )
        if request.detour_after < rider.destination:
            delay += request.detour_secs
        if delay > rider.delay_budget_secs:
            return False
    return True


def refusal(candidate: Candidate, request: RideRequest) -> str | None:
    """Why this instance cannot take the request (a short reason), or None when it can."""
    if not (candidate.covers_from <= request.origin and request.destination <= candidate.covers_to):
        return "segment"
    if request.female_driver_only and not candidate.female_driver:
        return "preference"
    if request.wheelchair and (candidate.wheelchair_places < 1 or not candidate.wheelchair_stops_ok):
        return "wheelchair"
    for k in request.segments:
        if candidate.seat_loads[k] + request.seats > candidate.seats:
            return "seats"
        if candidate.wheelchair_loads[k] + request.wheelchairs > candidate.wheelchair_places:
            return "wheelchair"
    if request.detour_secs:
        # Inclusive bound: a detour of exactly max_detour_secs is allowed.
        if candidate.detour_used_secs + request.detour_secs > candidate.max_detour_secs:
            return "detour"
        if not delay_budget_holds(candidate.riders, request):
            return "delay"
    return None


def slack_after(candidate: Candidate, request: RideRequest) -> int:
    """Free seats left on the fullest segment the request rides after inserting it (best fit: smallest)."""
    return min(candidate.seats - candidate.seat_loads[k] - request.seats for k in request.segments)


def rank(candidates: Sequence[Candidate], request: RideRequest) -> list[Candidate]:
    """The instances that can take the request, best first: private before commercial empty runs, then
    least slack (keeps larger cars free for parties), then the driver with fewest rides this month
    (fairness), then the oldest offer."""
    feasible = [c for c in candidates if refusal(c, request) is None]
    return sorted(
        feasible,
        key=lambda c: (c.commercial, slack_after(c, request), c.rides_this_month, c.offer_created_at, c.instance_id),
    )
