"""Events published by `services/volunteers` (stream `VOLUNTEERS` <- `volunteers.>`). Ids only: no names,
contact data or addresses travel in them."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime

from eventcontracts.personal_data import PersonalDataErased
from platformkit.events import Event


class OpportunityPublishedV1(Event):
    """An opportunity became public: published by a verified organisation, or waiting for its
    organisation's verification until then."""

    type: ClassVar[str] = "volunteers.opportunity.published.v1"
    subject_field: ClassVar[str | None] = "opportunity_id"

    opportunity_id: UUID
    organisation_id: UUID
    kind: str
    category: str
    # The libs/places Ortsteil id of the site; None for remote or district-wide help.
    village_id: str | None = None
    published_at: AwareDatetime


class SignupConfirmedV1(Event):
    """A person holds a confirmed place on a shift (directly, from the waitlist, or accepted by the
    organisation)."""

    type: ClassVar[str] = "volunteers.signup.confirmed.v1"
    subject_field: ClassVar[str | None] = "signup_id"

    signup_id: UUID
    shift_id: UUID
    opportunity_id: UUID
    organisation_id: UUID
    person_id: UUID
    confirmed_at: AwareDatetime


class SignupCancelledV1(Event):
    """A sign-up ended before the shift: `reason` is cancelled_by_volunteer, cancelled_by_org or
    cancelled_erasure (then `person_id` is None)."""

    type: ClassVar[str] = "volunteers.signup.cancelled.v1"
    subject_field: ClassVar[str | None] = "signup_id"

    signup_id: UUID
    shift_id: UUID
    organisation_id: UUID
    person_id: UUID | None = None
    reason: str
    late: bool = False
    cancelled_at: AwareDatetime


class CommitmentConfirmedV1(Event):
    """A person takes part in an ongoing commitment, or pledged `quantity` to a material donation, and the
    organisation confirmed it (or the pledge needed no confirmation)."""

    type: ClassVar[str] = "volunteers.commitment.confirmed.v1"
    subject_field: ClassVar[str | None] = "commitment_id"

    commitment_id: UUID
    opportunity_id: UUID
    organisation_id: UUID
    kind: str
    quantity: int
    person_id: UUID
    confirmed_at: AwareDatetime


class CommitmentEndedV1(Event):
    """A commitment ended: `reason` is completed (handed over, or the commitment came to its end),
    rejected, expired, cancelled_by_volunteer, cancelled_by_org or cancelled_erasure (then `person_id` is
    None)."""

    type: ClassVar[str] = "volunteers.commitment.ended.v1"
    subject_field: ClassVar[str | None] = "commitment_id"

    commitment_id: UUID
    opportunity_id: UUID
    organisation_id: UUID
    person_id: UUID | None = None
    reason: str
    ended_at: AwareDatetime


class HelpRequestedV1(Event):
    """Someone asked for help (Hilfe suchen); `entered_by_staff` when staff entered it for a person without
    a smartphone."""

    type: ClassVar[str] = "volunteers.help.requested.v1"
    subject_field: ClassVar[str | None] = "help_request_id"

    help_request_id: UUID
    category: str
    village_id: str
    entered_by_staff: bool = False
    requested_at: AwareDatetime


class HelpMatchedV1(Event):
    """A help request has its confirmed helper."""

    type: ClassVar[str] = "volunteers.help.matched.v1"
    subject_field: ClassVar[str | None] = "help_request_id"

    help_request_id: UUID
    matched_at: AwareDatetime


class VolunteersPersonalDataErasedV1(PersonalDataErased):
    """volunteers has erased a person (its completion report; platformkit.personal_data publishes it)."""

    type: ClassVar[str] = "volunteers.personal_data.erased.v1"
