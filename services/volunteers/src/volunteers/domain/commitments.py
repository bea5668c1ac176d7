"""Taking part without shifts: an ongoing commitment ("Lesepate, jeden Dienstag") takes an expression of
interest that the organisation confirms; a material donation ("30 Winterjacken gesucht") takes pledges of
a quantity against the wanted total. Both are a `commitment` row with the sign-up's states (a subset), and
both count against the opportunity the way a sign-up counts against a shift: `opportunity.taken` changes
only by a conditional UPDATE (crud.seats), so the places (ongoing) or the wanted total (material) are
never exceeded. Contact data and the handover arrangements are released only on confirmation."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from volunteers.domain.signups import SignupState

S = SignupState


class Kind(StrEnum):
    SHIFTS = "shifts"
    ONGOING = "ongoing"
    ONE_OFF = "one_off"
    MATERIAL = "material"


# The kinds a person responds to directly (shifts are signed up for; one-off help is a help request).
RESPONDABLE = frozenset({Kind.ONGOING.value, Kind.MATERIAL.value})
# States that hold a share of the opportunity (counted in opportunity.taken): one per person and opportunity.
HOLDING_STATES = frozenset({S.REQUESTED.value, S.CONFIRMED.value})
CANCELLABLE_STATES = HOLDING_STATES
# States whose person and arrangements both sides may see: confirmed, and completed for a limited time.
RELEASED_STATES = frozenset({S.CONFIRMED.value, S.COMPLETED.value})
# What a commitment may end as.
ENDED_STATES = frozenset({S.COMPLETED.value, S.REJECTED.value, S.EXPIRED.value, S.CANCELLED_BY_VOLUNTEER.value,
                          S.CANCELLED_BY_ORG.value, S.CANCELLED_ERASURE.value})


def opportunity_problem(kind: str, capacity: int | None, unit: str | None) -> tuple[str, str] | None:
    """(code, field) when an opportunity's places or wanted quantity do not fit its kind: a material
    donation needs the total wanted and what is counted ("Winterjacken"); shifts have their places on each
    shift; an ongoing commitment may cap its places or leave them open."""
    if kind == Kind.MATERIAL:
        if capacity is None:
            return "QUANTITY_WANTED_REQUIRED", "body.capacity"
        if not unit:
            return "UNIT_REQUIRED", "body.unit"
    elif capacity is not None and kind != Kind.ONGOING:
        return "CAPACITY_NOT_FOR_KIND", "body.capacity"
    elif unit:
        return "UNIT_NOT_FOR_KIND", "body.unit"
    return None


def quantity_problem(kind: str, quantity: int) -> str | None:
    """Taking part in an ongoing commitment is one place; a pledge is one or more of the unit."""
    if kind == Kind.ONGOING and quantity != 1:
        return "QUANTITY_NOT_FOR_KIND"
    if quantity < 1:
        return "QUANTITY_TOO_SMALL"
    return None


def needs_confirmation(kind: str, approval_mode: str, gate_needs_approval: bool) -> bool:
    """An ongoing commitment always starts as an expression of interest (the organisation gets to know
    the person first); a pledge is confirmed at once unless the organisation confirms each one."""
    return kind == Kind.ONGOING or approval_mode == "org_approval" or gate_needs_approval


def still_open(capacity: int | None, taken: int) -> int | None:
    """Places (ongoing) or pieces (material) still open; None: no limit."""
    return None if capacity is None else max(capacity - taken, 0)


def keeps_share_when_completed(kind: str) -> bool:
    """A donation handed over still counts towards the total; an ongoing commitment that ended frees its
    place for someone else."""
    return kind == Kind.MATERIAL


def released(state: str, now: datetime, state_changed_at: datetime, release: timedelta) -> bool:
    """The organisation sees the person's contact data, and the person the arrangements, once confirmed;
    after the commitment was completed only for `release` longer (as a shift's contact release)."""
    if state == S.CONFIRMED:
        return True
    return state == S.COMPLETED and now <= state_changed_at + release


def request_lapsed(now: datetime, requested_at: datetime, expiry: timedelta) -> bool:
    """An unanswered expression of interest or pledge frees its share after `expiry`."""
    return now >= requested_at + expiry
