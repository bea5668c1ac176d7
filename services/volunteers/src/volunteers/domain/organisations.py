"""Verification of organisations by the district (after JeVeuxAider's structure states): what each
action does to the state, and who may do it."""

from __future__ import annotations

from enum import StrEnum


class OrgState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    VERIFIED = "verified"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


# Waiting for the district's verification (the staff's queue).
QUEUE_STATES = (OrgState.SUBMITTED.value, OrgState.IN_REVIEW.value)


class OrgAction(StrEnum):
    SUBMIT = "submit"  # the organisation's admin
    REVIEW = "review"  # staff (verifier) take it up
    VERIFY = "verify"  # staff
    SUSPEND = "suspend"  # staff, e.g. after a report
    WITHDRAW = "withdraw"  # the organisation's admin


St = OrgState
TRANSITIONS: dict[tuple[OrgState, OrgAction], OrgState] = {
    (St.DRAFT, OrgAction.SUBMIT): St.SUBMITTED,
    (St.SUBMITTED, OrgAction.REVIEW): St.IN_REVIEW,
    (St.SUBMITTED, OrgAction.VERIFY): St.VERIFIED,
    (St.IN_REVIEW, OrgAction.VERIFY): St.VERIFIED,
    (St.SUSPENDED, OrgAction.VERIFY): St.VERIFIED,
    (St.VERIFIED, OrgAction.SUSPEND): St.SUSPENDED,
    (St.SUBMITTED, OrgAction.SUSPEND): St.SUSPENDED,
    (St.IN_REVIEW, OrgAction.SUSPEND): St.SUSPENDED,
    (St.DRAFT, OrgAction.WITHDRAW): St.WITHDRAWN,
    (St.SUBMITTED, OrgAction.WITHDRAW): St.WITHDRAWN,
    (St.IN_REVIEW, OrgAction.WITHDRAW): St.WITHDRAWN,
    (St.VERIFIED, OrgAction.WITHDRAW): St.WITHDRAWN,
    (St.SUSPENDED, OrgAction.WITHDRAW): St.WITHDRAWN,
}
STAFF_ACTIONS = frozenset({OrgAction.REVIEW, OrgAction.VERIFY, OrgAction.SUSPEND})


def next_state(state: str, action: OrgAction) -> OrgState | None:
    """The state after `action`, or None when the action is not possible now."""
    return TRANSITIONS.get((OrgState(state), action))


def is_public(state: str) -> bool:
    return state == OrgState.VERIFIED


class MemberRole(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    VIEWER = "viewer"


# What a member role may do: read (sign-up lists), coordinate (opportunities, shifts, confirm, check in),
# administer (members, submit, withdraw).
ROLE_RANK = {MemberRole.VIEWER: 0, MemberRole.COORDINATOR: 1, MemberRole.ADMIN: 2}


def role_allows(role: str, needed: MemberRole) -> bool:
    return ROLE_RANK[MemberRole(role)] >= ROLE_RANK[needed]
