"""The sign-up state machine (research/volunteers.md 5.1) and the rules around it: overlap with a grace,
late cancellation, promotion from the waitlist, the check-in window and how a shift ends for a person."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class SignupState(StrEnum):
    REQUESTED = "requested"  # holds a seat, waits for the organisation
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # a freed seat held for a waitlisted person for a short time
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    REJECTED = "rejected"
    EXPIRED = "expired"  # a request the organisation did not answer in time
    OFFER_LAPSED = "offer_lapsed"  # an offer declined or not taken in time
    CANCELLED_BY_VOLUNTEER = "cancelled_by_volunteer"
    CANCELLED_BY_ORG = "cancelled_by_org"
    CANCELLED_ERASURE = "cancelled_erasure"


S = SignupState
# States that hold one of the shift's seats (counted in shift.seats_taken).
HOLDING_STATES = frozenset({S.REQUESTED.value, S.CONFIRMED.value, S.OFFERED.value, S.CHECKED_IN.value})
# States in which a person is on a shift's list at all: one such sign-up per person and shift.
ON_LIST_STATES = HOLDING_STATES | {S.WAITLISTED.value}
# What a person may cancel themselves.
CANCELLABLE_STATES = ON_LIST_STATES - {S.CHECKED_IN.value}
# Sign-ups whose contact data the organisation may see (for a limited time).
CONTACT_STATES = frozenset({S.CONFIRMED.value, S.CHECKED_IN.value, S.COMPLETED.value})
CANCELLED_STATES = frozenset({S.CANCELLED_BY_VOLUNTEER.value, S.CANCELLED_BY_ORG.value})
# Sign-ups that end up in a person's calendar.
CALENDAR_STATES = frozenset({S.CONFIRMED.value, S.CHECKED_IN.value, S.OFFERED.value, S.REQUESTED.value})


@dataclass(frozen=True)
class Span:
    """A shift's time as far as overlap is concerned (UTC instants); `village_id` for the travel warning."""

    shift_id: str
    start: datetime
    end: datetime
    village_id: str | None = None


def effective_grace(grace: timedelta, a: Span, b: Span) -> timedelta:
    """The hand-over two shifts may overlap by: the configured grace, but at most half the shorter shift
    (else a 1-hour shift could overlap another completely)."""
    shorter = min(a.end - a.start, b.end - b.start)
    return min(grace, shorter / 2)


def overlap(a: Span, b: Span) -> timedelta:
    return max(timedelta(0), min(a.end, b.end) - max(a.start, b.start))


@dataclass(frozen=True)
class OverlapCheck:
    conflicts: tuple[str, ...]  # shift ids that overlap beyond the grace: the sign-up is refused
    tolerated: tuple[str, ...]  # overlap within the grace: allowed, with a warning


def check_overlap(new: Span, held: Iterable[Span], grace: timedelta) -> OverlapCheck:
    conflicts: list[str] = []
    tolerated: list[str] = []
    for other in held:
        shared = overlap(new, other)
        if shared <= timedelta(0):
            continue
        (tolerated if shared <= effective_grace(grace, new, other) else conflicts).append(other.shift_id)
    return OverlapCheck(tuple(conflicts), tuple(tolerated))


def is_late_cancel(now: datetime, start: datetime, deadline: timedelta) -> bool:
    return now > start - deadline


class Promotion(StrEnum):
    CONFIRM = "confirm"
    OFFER = "offer"
    NONE = "none"


def promotion_for(now: datetime, start: datetime, cutoff: timedelta) -> Promotion:
    """What a freed seat does for the first on the waitlist: far ahead it is simply given; close to the
    start the person may no longer be able to come, so it is offered for a short time; after the start
    nobody is promoted."""
    if now >= start:
        return Promotion.NONE
    return Promotion.CONFIRM if start - now > cutoff else Promotion.OFFER


def offer_expiry(now: datetime, start: datetime, offer_for: timedelta) -> datetime:
    return min(now + offer_for, start)


def check_in_open(now: datetime, start: datetime, end: datetime, opens_before: timedelta) -> bool:
    return start - opens_before <= now <= end


def credited_minutes(start: datetime, end: datetime) -> int:
    """Hours are the real elapsed time of the shift (9 h for 22:00-06:00 across the autumn change)."""
    return int((end - start).total_seconds() // 60)


def shift_is_over(now: datetime, end: datetime, grace: timedelta) -> bool:
    return now >= end + grace


def contact_visible(state: str, now: datetime, shift_end: datetime, release: timedelta) -> bool:
    """An organisation sees a volunteer's contact data only once confirmed, and only until some time after
    the shift."""
    return state in CONTACT_STATES and now <= shift_end + release


@dataclass(frozen=True)
class PromotionRules:
    """How a freed place moves up the waitlist (VolunteersSettings.promotion)."""

    cutoff: timedelta = timedelta(hours=12)
    offer_for: timedelta = timedelta(minutes=30)
    # A waitlist entry holds no place, so its person may meanwhile have taken one at the same time
    # elsewhere: promotion passes over them (with the sign-up's grace) instead of double-booking them.
    overlap_grace: timedelta = timedelta(0)
