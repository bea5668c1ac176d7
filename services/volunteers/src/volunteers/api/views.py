"""Rows to response bodies, applying who may see what (addresses, contact data, co-volunteers)."""

from __future__ import annotations

import uuid
from typing import Protocol

from volunteers.crud.notices import Timed
from volunteers.crud.villages import name
from volunteers.domain.commitments import still_open
from volunteers.domain.matching import age_needed
from volunteers.domain.timing import format_span, local
from volunteers.models import Commitment, HelpRequest, Opportunity, Organisation, Signup, Volunteer
from volunteers.schemas import CommitmentOut, HelpRequestOut, OpportunityOut, OrganisationOut, ShiftOut, SignupOut


def organisation_out(organisation: Organisation, role: str | None = None) -> OrganisationOut:
    return OrganisationOut(
        id=organisation.id, name=organisation.name, legal_form=organisation.legal_form,
        village_id=organisation.village_id, village=name(organisation.village_id),
        description=organisation.description, public_email=organisation.public_email, state=organisation.state,
        role=role,
    )


def opportunity_out(opportunity: Opportunity, organisation: Organisation, *, show_address: bool) -> OpportunityOut:
    """`show_address` is for the organisation's members: they see the address and the arrangements."""
    return OpportunityOut(
        id=opportunity.id, organisation_id=organisation.id, organisation=organisation.name, kind=opportunity.kind,
        title=opportunity.title, description=opportunity.description, category=opportunity.category,
        requirements=list(opportunity.requirements), min_age=opportunity.min_age,
        age_needed=age_needed(opportunity.min_age, opportunity.requirements),
        approval_mode=opportunity.approval_mode, village_id=opportunity.village_id,
        village=name(opportunity.village_id),
        address=opportunity.address if (opportunity.address_public or show_address) else None,
        accessible=opportunity.accessible, remote=opportunity.remote, district_wide=opportunity.district_wide,
        state=opportunity.state, capacity=opportunity.capacity, taken=opportunity.taken,
        still_open=still_open(opportunity.capacity, opportunity.taken), unit=opportunity.unit,
        arrangements=opportunity.arrangements if show_address else None,
    )


class ShownShift(Timed, Protocol):
    """What shift_out reads of a shift: a Shift, or a row of crud.search.SHOWN_COLUMNS."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def opportunity_id(self) -> uuid.UUID: ...
    @property
    def capacity(self) -> int: ...
    @property
    def seats_taken(self) -> int: ...
    @property
    def waitlist_enabled(self) -> bool: ...
    @property
    def waitlist_count(self) -> int: ...
    @property
    def state(self) -> str: ...
    @property
    def version(self) -> int: ...


class ShownOpportunity(Protocol):
    """What shift_out reads of an opportunity: an Opportunity, or a row of crud.search.SHOWN_COLUMNS."""

    @property
    def title(self) -> str: ...
    @property
    def village_id(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...
    @property
    def address_public(self) -> bool: ...


def shift_out(shift: ShownShift, opportunity: ShownOpportunity, organisation_name: str, *,
              show_address: bool = False, team: list[str] | None = None) -> ShiftOut:
    return ShiftOut(
        id=shift.id, opportunity_id=shift.opportunity_id, title=opportunity.title, organisation=organisation_name,
        start=shift.start_at, end=shift.end_at, local_time=format_span(shift.start_at, shift.end_at, shift.zone),
        local_date=f"{local(shift.start_at, shift.zone):%d.%m.%Y}", capacity=shift.capacity,
        seats_taken=shift.seats_taken, places_left=max(shift.capacity - shift.seats_taken, 0),
        overbooked=shift.seats_taken > shift.capacity, waitlist_enabled=shift.waitlist_enabled,
        waitlist_count=shift.waitlist_count, state=shift.state, version=shift.version,
        village_id=opportunity.village_id, village=name(opportunity.village_id),
        address=opportunity.address if (opportunity.address_public or show_address) else None,
        team=team or [],
    )


def commitment_out(commitment: Commitment, opportunity: Opportunity, organisation: Organisation, *,
                   released: bool) -> CommitmentOut:
    return CommitmentOut(
        id=commitment.id, opportunity_id=opportunity.id, title=opportunity.title, organisation=organisation.name,
        kind=opportunity.kind, state=commitment.state, quantity=commitment.quantity, unit=opportunity.unit,
        note=commitment.note, requested_at=commitment.requested_at,
        arrangements=opportunity.arrangements if released else None,
        address=opportunity.address if (opportunity.address_public or released) else None,
    )


def qualifications_of(volunteer: Volunteer) -> list[str]:
    """What an organisation sees of a person's qualifications (requirement codes)."""
    return [*(f"licence:{c}" for c in volunteer.licence_classes), *(["own_car"] if volunteer.own_car else []),
            *(["first_aid"] if volunteer.first_aid else []),
            *(f"lang:{code}:{level}" for code, level in sorted(volunteer.languages.items()))]


def signup_out(signup: Signup, warnings: tuple[str, ...] | list[str] = ()) -> SignupOut:
    return SignupOut(
        id=signup.id, shift_id=signup.shift_id, state=signup.state, waitlist_rank=signup.waitlist_rank,
        offer_expires_at=signup.offer_expires_at, late_cancel=signup.late_cancel,
        minutes_credited=signup.minutes_credited, warnings=list(warnings),
    )


def help_out(request: HelpRequest, *, viewer: str | None, staff: bool = False) -> HelpRequestOut:
    mine = viewer is not None and str(request.requester_id) == viewer
    helper = viewer is not None and str(request.helper_id) == viewer
    released = mine or staff or (helper and request.state in ("matched", "done"))
    return HelpRequestOut(
        id=request.id, category=request.category, village_id=request.village_id, village=name(request.village_id),
        description=request.description, window_start=request.window_start, window_end=request.window_end,
        state=request.state, entered_by_staff=request.entered_by is not None, mine=mine, i_am_helper=helper,
        address=request.address if released else None, contact_phone=request.contact_phone if released else None,
    )
