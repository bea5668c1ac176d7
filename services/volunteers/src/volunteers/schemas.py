"""Request and response bodies. Inputs refuse unknown fields (a scanned certificate has nowhere to go)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=4000)]
VillageId = Annotated[str, Field(min_length=4, max_length=80, pattern=r"^ot-[a-z0-9-]+$")]
HHMM = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Requirement = Annotated[str, Field(
    pattern=r"^(licence:(AM|A1|A2|A|B|BE|C1|C1E|C|CE|D1|D|T|L)|own_car|first_aid|efz|lang:[a-z]{2}:(A1|A2|B1|B2|C1|C2)"
            r"|skill:[a-z0-9_-]{1,40})$")]
Cefr = Literal["A1", "A2", "B1", "B2", "C1", "C2"]


def _each_once(requirements: list[str]) -> list[str]:
    named = [r.rpartition(":")[0] if r.startswith("lang:") else r for r in requirements]
    if len(set(named)) < len(named):
        raise ValueError("each requirement once, and one level per language")
    return requirements
LegalForm = Literal["e.V.", "Kirchengemeinde", "Kommune", "Initiative", "gGmbH", "Stiftung", "other"]
Category = Literal["social", "seniors", "children", "environment", "culture", "sports", "fire_brigade", "refugees",
                   "church", "neighbourhood", "other"]
HelpCategory = Literal["shopping", "ride", "garden", "technology", "visit", "other"]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganisationIn(Input):
    name: Name
    legal_form: LegalForm
    register_no: Annotated[str, Field(max_length=60)] | None = None
    village_id: VillageId
    description: Text = ""
    public_email: Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None


class OrganisationOut(BaseModel):
    id: uuid.UUID
    name: str
    legal_form: str
    village_id: str
    village: str
    description: str
    public_email: str | None
    state: str
    # The caller's member role, when they have one.
    role: str | None = None


class MemberIn(Input):
    person_id: uuid.UUID
    role: Literal["admin", "coordinator", "viewer"]


class ReportIn(Input):
    reason: Annotated[str, Field(min_length=3, max_length=2000)]


class StaffDecisionIn(Input):
    reason: Annotated[str, Field(max_length=500)] | None = None


class OpportunityIn(Input):
    kind: Literal["shifts", "ongoing", "one_off", "material"] = "shifts"
    title: Name
    description: Text = ""
    category: Category
    # Each once, and one level per language (the search's SQL counts a requirement it finds once).
    requirements: Annotated[list[Requirement], Field(max_length=12), AfterValidator(_each_once)] = []
    min_age: Annotated[int, Field(ge=16, le=99)] = 16
    approval_mode: Literal["auto", "org_approval"] = "auto"
    village_id: VillageId | None = None
    address: Annotated[str, Field(max_length=300)] | None = None
    address_public: bool = False
    accessible: bool = False
    remote: bool = False
    district_wide: bool = False
    max_radius_km: Annotated[float, Field(gt=0, le=100)] | None = None
    # Ongoing: a cap on places (None: open); material: the quantity wanted (required, with its unit).
    capacity: Annotated[int, Field(ge=1, le=100_000)] | None = None
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None = None
    # Where and when to hand over, whom to ask: shown to confirmed people only.
    arrangements: Text = ""


class OpportunityChangeIn(Input):
    """A change after creating or publishing. `capacity`: an ongoing commitment's places (null: open) or a
    material donation's wanted total, never below what is already taken; left out: unchanged."""

    capacity: Annotated[int, Field(ge=1, le=100_000)] | None = None


class OpportunityOut(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    organisation: str
    kind: str
    title: str
    description: str
    category: str
    requirements: list[str]
    min_age: int
    # The age sign-ups are checked against: `min_age`, or 18 where the opportunity means driving.
    age_needed: int
    approval_mode: str
    village_id: str | None
    village: str
    # Only when public, or for the organisation and confirmed volunteers.
    address: str | None
    accessible: bool
    remote: bool
    district_wide: bool
    state: str
    capacity: int | None = None
    taken: int = 0
    # Places (ongoing) or pieces (material) still open; None: no limit.
    still_open: int | None = None
    unit: str | None = None
    # Only for the organisation's members (confirmed people see them with their commitment).
    arrangements: str | None = None


class NearbyOpportunityOut(BaseModel):
    """An ongoing commitment or material donation for me, with how far away it is (None: from home or
    district-wide)."""

    opportunity: OpportunityOut
    distance_km: float | None


class CommitmentIn(Input):
    """Taking part (ongoing: quantity 1) or a pledge (material: how many of the unit)."""

    quantity: Annotated[int, Field(ge=1, le=100_000)] = 1
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class CommitmentOut(BaseModel):
    """A person's own commitment; arrangements and the address once confirmed."""

    id: uuid.UUID
    opportunity_id: uuid.UUID
    title: str
    organisation: str
    kind: str
    state: str
    quantity: int
    unit: str | None
    note: str | None
    requested_at: AwareDatetime
    arrangements: str | None = None
    address: str | None = None


class CommitmentEntry(BaseModel):
    """A commitment as the organisation sees it: contact data only once confirmed (limited time after)."""

    commitment_id: uuid.UUID
    state: str
    quantity: int
    note: str | None
    display_name: str
    qualifications: list[str]
    requested_at: AwareDatetime
    contact_email: str | None = None
    contact_phone: str | None = None


class ShiftIn(Input):
    """Local wall times in Europe/Berlin, e.g. 2026-03-29T10:00; an end at or before the start is refused."""

    start: datetime
    end: datetime
    # Only for a local time that happens twice (the last Sunday of October, 02:00-03:00).
    start_occurrence: Literal["first", "second"] | None = None
    end_occurrence: Literal["first", "second"] | None = None
    capacity: Annotated[int, Field(ge=1, le=1000)]
    waitlist_enabled: bool = True
    waitlist_limit: Annotated[int, Field(ge=1, le=1000)] | None = None


class ShiftChangeIn(Input):
    start: datetime | None = None
    end: datetime | None = None
    start_occurrence: Literal["first", "second"] | None = None
    end_occurrence: Literal["first", "second"] | None = None
    capacity: Annotated[int, Field(ge=1, le=1000)] | None = None


class SeriesIn(Input):
    weekday: Annotated[int, Field(ge=0, le=6)]
    local_start: HHMM
    local_end: HHMM
    capacity: Annotated[int, Field(ge=1, le=1000)]
    waitlist_enabled: bool = True
    valid_from: date
    valid_until: date | None = None


class SeriesOut(BaseModel):
    id: uuid.UUID
    shifts_created: int


class ShiftOut(BaseModel):
    id: uuid.UUID
    opportunity_id: uuid.UUID
    title: str
    organisation: str
    start: AwareDatetime
    end: AwareDatetime
    # "22:00 – 06:00 (+1 Tag)", local time
    local_time: str
    local_date: str
    capacity: int
    seats_taken: int
    places_left: int
    overbooked: bool
    waitlist_enabled: bool
    waitlist_count: int
    state: str
    version: int
    village_id: str | None
    village: str
    address: str | None = None
    # Names of co-volunteers who agreed to be shown (only for people on the shift).
    team: list[str] = []


class SignupOut(BaseModel):
    id: uuid.UUID
    shift_id: uuid.UUID
    state: str
    waitlist_rank: int | None
    offer_expires_at: AwareDatetime | None
    late_cancel: bool
    minutes_credited: int | None
    warnings: list[str] = []


class MySignupOut(SignupOut):
    title: str
    start: AwareDatetime
    end: AwareDatetime
    local_time: str
    local_date: str


class RosterEntry(BaseModel):
    """A sign-up as the organisation sees it: contact data only while it may (confirmed, limited time)."""

    signup_id: uuid.UUID
    state: str
    waitlist_rank: int | None
    display_name: str
    qualifications: list[str]
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_visible_until: AwareDatetime | None = None
    minutes_credited: int | None = None
    late_cancel: bool = False


class DecisionIn(Input):
    accept: bool


class MinutesIn(Input):
    minutes: Annotated[int, Field(ge=0, le=24 * 60)]


class AvailabilityWindowIn(Input):
    weekday: Annotated[int, Field(ge=0, le=6)]
    start: HHMM
    end: HHMM


class ProfileIn(Input):
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    contact_email: Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    contact_phone: Annotated[str, Field(max_length=40, pattern=r"^[0-9 +()/-]{3,40}$")] | None = None
    birth_year: Annotated[int, Field(ge=1900, le=2100)]
    home_village_id: VillageId | None = None
    radius_km: Annotated[float, Field(ge=0, le=50)] = 15
    availability: Annotated[list[AvailabilityWindowIn], Field(max_length=21)] = []
    languages: Annotated[dict[Annotated[str, Field(pattern=r"^[a-z]{2}$")], Cefr], Field(max_length=12)] = {}
    skills: Annotated[list[Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,40}$")]], Field(max_length=30)] = []
    licence_classes: Annotated[list[Annotated[str, Field(pattern=r"^[A-Z0-9]{1,3}$")]], Field(max_length=12)] = []
    own_car: bool = False
    first_aid: bool = False
    visible_to_orgs: bool = False
    show_name_to_co_volunteers: bool = False
    notify_reminders: bool = True


class ProfileOut(BaseModel):
    person_id: uuid.UUID
    display_name: str
    contact_email: str | None
    contact_phone: str | None
    birth_year: int | None
    home_village_id: str | None
    radius_km: float
    availability: list[dict[str, object]]
    languages: dict[str, str]
    skills: list[str]
    licence_classes: list[str]
    own_car: bool
    first_aid: bool
    visible_to_orgs: bool
    show_name_to_co_volunteers: bool
    notify_reminders: bool
    has_calendar_link: bool
    no_show_count: int


class EfzIn(Input):
    """Only that a certificate was seen, its date and whether it shows a relevant conviction."""

    certificate_date: date
    inspected_on: date
    no_exclusion: bool
    share_consent: bool = False


class CalendarLinkOut(BaseModel):
    # The link through the gateway; `url` is absolute when PUBLIC_URL is set.
    path: str
    url: str


class MatchOut(BaseModel):
    shift: ShiftOut
    score: int
    reasons: list[str]
    distance_km: float | None


class CandidateOut(BaseModel):
    person_id: uuid.UUID
    display_name: str
    score: int
    reasons: list[str]
    distance_km: float | None


class Village(BaseModel):
    id: str
    name: str
    lat: float
    lon: float


class MapPoint(BaseModel):
    village_id: str
    village: str
    lat: float
    lon: float
    open_shifts: int


class HoursOut(BaseModel):
    completed_shifts: int
    minutes: int


class HelpRequestIn(Input):
    category: HelpCategory
    village_id: VillageId
    description: Annotated[str, Field(max_length=2000)] = ""
    window_start: AwareDatetime
    window_end: AwareDatetime
    address: Annotated[str, Field(max_length=300)] | None = None
    contact_phone: Annotated[str, Field(max_length=40, pattern=r"^[0-9 +()/-]{3,40}$")] | None = None


class HelpRequestOut(BaseModel):
    id: uuid.UUID
    category: str
    village_id: str
    village: str
    description: str
    window_start: AwareDatetime
    window_end: AwareDatetime
    state: str
    entered_by_staff: bool
    mine: bool = False
    i_am_helper: bool = False
    # Only for the requester and the confirmed helper.
    address: str | None = None
    contact_phone: str | None = None


class ReportOut(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    organisation: str
    reason: str
    created_at: AwareDatetime
    resolved_at: AwareDatetime | None
    resolution: str | None


class ResolveIn(Input):
    resolution: Annotated[str, Field(min_length=1, max_length=500)]


class HelpRequestStats(BaseModel):
    """Help requests asked in the period, by their state now; `matched`: those that found a confirmed helper
    (whatever became of them after); `asked`: all of them."""

    asked: int = 0
    open: int = 0
    offered: int = 0
    matched: int = 0
    done: int = 0
    cancelled: int = 0
    ever_matched: int = 0


class VillageStat(BaseModel):
    """One village's part (opportunities without a village — from home, district-wide — count in the
    totals only)."""

    village_id: str
    village: str
    helpers: int
    minutes: int
    completed_shifts: int = 0
    ongoing_people: int = 0
    pledges: int = 0
    help_requests: int = 0
    help_matched: int = 0


class StatisticsOut(BaseModel):
    """The district's dashboard for the local days `period_from` to `period_to` (None: open on that side).
    Organisations are counted as they are now; everything else within the period. People whose data were
    erased still count in hours, shifts and commitments, never as helpers."""

    period_from: date | None = None
    period_to: date | None = None
    organisations_verified: int
    organisations_waiting: int
    # Each person once, whether they did shifts, took part in an ongoing commitment, pledged or helped.
    helpers: int
    # Completed sign-ups of shifts that started in the period, their credited minutes and their people.
    completed_shifts: int
    minutes: int
    shift_helpers: int
    # Ongoing commitments confirmed in or before the period and not ended before it, and their people.
    ongoing_commitments: int
    ongoing_people: int
    # Pledges to material donations made in the period (confirmed or handed over), handed over, their people.
    pledges: int
    pledges_handed_over: int
    donors: int
    # Help requests asked in the period; `open_help_requests` are those still open or offered.
    help_requests: HelpRequestStats
    open_help_requests: int
    help_helpers: int
    villages: list[VillageStat]
