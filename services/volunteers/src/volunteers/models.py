"""The tables of volunteers (its own SQLModel registry, see platformkit.db.service_registry).

People are referred to by their accounts person id (`person_id`); after an erasure the id is removed from
past records (None) while counts and hours stay. Villages are libs/places Ortsteil ids."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, event, text
from sqlmodel import Field, SQLModel

from platformkit.db import UtcDateTime, service_registry, utcnow
from volunteers.domain.commitments import HOLDING_STATES as COMMITMENT_HOLDING_STATES
from volunteers.domain.signups import ON_LIST_STATES
from volunteers.domain.timing import local_slot


class VolunteersModel(SQLModel, registry=service_registry()):
    """The base of every volunteers table: its own metadata, with the platform tables in it."""


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


def _in(states: frozenset[str]) -> Any:
    return text("state IN (" + ", ".join(f"'{state}'" for state in sorted(states)) + ")")


class Organisation(VolunteersModel, table=True):
    """A club, church, initiative or public body. Nothing of it is public unless `state` is verified."""

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    name: str = Field(max_length=200)
    legal_form: str = Field(max_length=40)
    register_no: str | None = Field(default=None, max_length=60)
    village_id: str = Field(max_length=80)
    description: str = Field(default="", sa_type=Text)
    public_email: str | None = Field(default=None, max_length=254)
    # draft | submitted | in_review | verified | suspended | withdrawn (domain.organisations)
    state: str = Field(default="draft", max_length=16, index=True)
    state_reason: str | None = Field(default=None, max_length=500)
    verified_by: str | None = Field(default=None, max_length=64)
    verified_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_by: uuid.UUID | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class OrgMember(VolunteersModel, table=True):
    """Who acts for an organisation here: admin (members, everything), coordinator (opportunities,
    sign-ups), viewer (reads). The registering person becomes admin."""

    __tablename__ = "org_member"
    __table_args__ = (UniqueConstraint("organisation_id", "person_id"),)
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    person_id: uuid.UUID = Field(index=True)
    role: str = Field(max_length=16)
    added_by: str = Field(max_length=64)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class OrgReport(VolunteersModel, table=True):
    """Someone reported an organisation to the district; staff resolve it (e.g. by suspending)."""

    __tablename__ = "org_report"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    reported_by: uuid.UUID | None = Field(default=None)
    reason: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    resolved_by: str | None = Field(default=None, max_length=64)
    resolution: str | None = Field(default=None, max_length=500)


class Opportunity(VolunteersModel, table=True):
    """A way to help: shifts with places, an ongoing commitment, a one-off help or a material donation."""

    # SQLite: what the search for shifts reads of an opportunity, without its row (see Volunteer).
    __table_args__ = (
        Index("ix_opportunity_search", "id", "state", "village_id", "remote", "district_wide", "requirements",
              "min_age", "max_radius_km").ddl_if(dialect="sqlite"),
    )

    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=16)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text)
    category: str = Field(max_length=40)
    # Requirement codes (domain.requirements): licence:B, own_car, first_aid, efz, lang:uk:B2, skill:...
    requirements: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    min_age: int = Field(default=16)
    # auto: a free seat confirms at once; org_approval: the organisation accepts each request.
    approval_mode: str = Field(default="auto", max_length=16)
    # The site: a village, an address that may be public or only for confirmed volunteers.
    village_id: str | None = Field(default=None, max_length=80)
    address: str | None = Field(default=None, max_length=300)
    address_public: bool = Field(default=False)
    accessible: bool = Field(default=False)
    remote: bool = Field(default=False)
    district_wide: bool = Field(default=False)
    max_radius_km: float | None = Field(default=None)
    # Ongoing: places (None: open); material: the quantity wanted, counted in `unit` ("Winterjacken").
    # `taken` counts what holding commitments hold and only changes by conditional UPDATE (crud.seats).
    capacity: int | None = Field(default=None)
    taken: int = Field(default=0)
    unit: str | None = Field(default=None, max_length=60)
    # Where and when to hand over, whom to ask: only for confirmed people (domain.commitments.released).
    arrangements: str = Field(default="", sa_type=Text)
    # draft | awaiting_verification | published | closed
    state: str = Field(default="draft", max_length=24, index=True)
    published_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ShiftSeries(VolunteersModel, table=True):
    """A weekly rule in local wall time (Europe/Berlin), expanded into shifts ahead of time."""

    __tablename__ = "shift_series"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    opportunity_id: uuid.UUID = Field(foreign_key="opportunity.id", index=True)
    weekday: int  # Monday 0 … Sunday 6
    local_start: str = Field(max_length=5)
    local_end: str = Field(max_length=5)
    zone: str = Field(default="Europe/Berlin", max_length=40)
    capacity: int
    waitlist_enabled: bool = Field(default=True)
    valid_from: date
    valid_until: date | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Shift(VolunteersModel, table=True):
    """One time slot with places. `seats_taken` counts holding sign-ups and only ever changes through a
    conditional UPDATE (crud.seats); the waitlist hands out ranks the same way."""

    __table_args__ = (
        UniqueConstraint("series_id", "occurrence_date"),
        Index("ix_shift_open", "state", "start_at"),
        Index("ix_shift_local_slot", "local_weekday", "local_start_minute"),
        # SQLite: the open shifts of a time range with what the search for shifts reads of them, without
        # their rows (see Volunteer).
        Index("ix_shift_search", "state", "start_at", "local_weekday", "local_start_minute", "local_end_minute",
              "capacity", "seats_taken", "waitlist_enabled", "opportunity_id", "organisation_id", "id", "end_at",
              "zone").ddl_if(dialect="sqlite"),
    )
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    opportunity_id: uuid.UUID = Field(foreign_key="opportunity.id", index=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    series_id: uuid.UUID | None = Field(default=None, foreign_key="shift_series.id")
    occurrence_date: date | None = Field(default=None)
    start_at: datetime = Field(sa_type=UtcDateTime)
    end_at: datetime = Field(sa_type=UtcDateTime)
    zone: str = Field(default="Europe/Berlin", max_length=40)
    capacity: int
    seats_taken: int = Field(default=0)
    waitlist_enabled: bool = Field(default=True)
    waitlist_limit: int | None = Field(default=None)
    waitlist_count: int = Field(default=0)
    waitlist_last_rank: int = Field(default=0)
    # scheduled | cancelled
    state: str = Field(default="scheduled", max_length=16)
    # The local weekday and minutes (domain.timing.local_slot), so that search compares availability in SQL.
    local_weekday: int = Field(default=0)
    local_start_minute: int = Field(default=0)
    local_end_minute: int = Field(default=0)
    # Bumped by a move people are told about (more than a few minutes): reminders and notices follow it.
    version: int = Field(default=1)
    # Bumped by every change of what a calendar entry of the shift shows (start, end, cancelled), however
    # small, with `changed_at`: the feed's SEQUENCE and LAST-MODIFIED (api.routes.public.calendar).
    revision: int = Field(default=0)
    changed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


@event.listens_for(Shift, "before_insert")
@event.listens_for(Shift, "before_update")
def _local_slot(_mapper: Any, _connection: Any, shift: Shift) -> None:
    shift.local_weekday, shift.local_start_minute, shift.local_end_minute = local_slot(
        shift.start_at, shift.end_at, shift.zone)


# What the coordinators' search reads of a profile besides its village and radius (crud.facts.PROFILE_COLUMNS),
# and the columns of its WHERE.
VISIBLE_REACH_COLUMNS = ("birth_year", "own_car", "first_aid", "availability", "languages", "skills",
                         "licence_classes", "no_show_count", "display_name", "person_id", "visible_to_orgs",
                         "archived_at")


class Volunteer(VolunteersModel, table=True):
    """A person's volunteer profile. The home is a village (its centroid), never a street address."""

    # "Whose radius reaches this village": one index range per village (crud.search.volunteers_for).
    # SQLite reads a table row for every index entry, one by one, so there the searches read covering
    # indexes instead: a copy of the columns they need that SQLite keeps up to date itself. Not on
    # PostgreSQL: it meets the targets without them, and limits an index entry to ~2.7 kB.
    __table_args__ = (
        Index("ix_volunteer_reach", "home_village_id", "radius_km"),
        Index("ix_volunteer_visible_reach", "home_village_id", "radius_km", *VISIBLE_REACH_COLUMNS,
              sqlite_where=text("visible_to_orgs IS 1 AND archived_at IS NULL")).ddl_if(dialect="sqlite"),
    )

    person_id: uuid.UUID = Field(primary_key=True)
    display_name: str = Field(max_length=120)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=40)
    birth_year: int | None = Field(default=None)
    home_village_id: str | None = Field(default=None, max_length=80)
    radius_km: float = Field(default=15.0)
    # [{"weekday": 1, "start": "14:00", "end": "18:00"}] in local time; empty: any time.
    availability: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # {"de": "B1", "uk": "C2"}
    languages: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    licence_classes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    own_car: bool = Field(default=False)
    first_aid: bool = Field(default=False)
    visible_to_orgs: bool = Field(default=False)
    show_name_to_co_volunteers: bool = Field(default=False)
    notify_reminders: bool = Field(default=True)
    calendar_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    no_show_count: int = Field(default=0)
    # Bumped at the start of every sign-up of this person: the row lock serialises a person's sign-ups
    # on PostgreSQL (SQLite serialises every writer anyway), so the overlap rule cannot be raced.
    signup_lock: int = Field(default=0)
    last_active_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    archive_warned_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    archived_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class EfzRecord(VolunteersModel, table=True):
    """That an extended police certificate (erweitertes Führungszeugnis) was inspected: by whom, when, its
    date and the yes/no. Never the document or its contents."""

    __tablename__ = "efz_record"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    person_id: uuid.UUID = Field(index=True)
    # self (declared by the person) | organisation | district
    inspected_by_kind: str = Field(max_length=16)
    organisation_id: uuid.UUID | None = Field(default=None)
    certificate_date: date
    inspected_on: date
    no_exclusion: bool
    # A district inspection counts for every organisation only with the person's consent.
    share_consent: bool = Field(default=False)
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Signup(VolunteersModel, table=True):
    """A person's sign-up for a shift (domain.signups has the states). After an erasure `person_id` is
    None and the row stays for counts and hours."""

    __table_args__ = (
        Index(
            "uq_signup_one_active",
            "shift_id",
            "person_id",
            unique=True,
            postgresql_where=_in(ON_LIST_STATES),
            sqlite_where=_in(ON_LIST_STATES),
        ),
        Index("ix_signup_person_state", "person_id", "state"),
        Index("ix_signup_shift_state", "shift_id", "state"),
    )
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    shift_id: uuid.UUID = Field(foreign_key="shift.id")
    person_id: uuid.UUID | None = Field(default=None)
    state: str = Field(max_length=24)
    waitlist_rank: int | None = Field(default=None)
    offer_expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    state_changed_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    state_reason: str | None = Field(default=None, max_length=64)
    late_cancel: bool = Field(default=False)
    checked_in_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    minutes_credited: int | None = Field(default=None)


class Commitment(VolunteersModel, table=True):
    """A person's response to an ongoing commitment (taking part: one place) or a material donation (a
    pledge of `quantity`), with the sign-up's states (domain.commitments). After an erasure `person_id`
    is None and the row stays for the counts."""

    __table_args__ = (
        Index(
            "uq_commitment_one_active",
            "opportunity_id",
            "person_id",
            unique=True,
            postgresql_where=_in(COMMITMENT_HOLDING_STATES),
            sqlite_where=_in(COMMITMENT_HOLDING_STATES),
        ),
        Index("ix_commitment_person_state", "person_id", "state"),
        Index("ix_commitment_opportunity_state", "opportunity_id", "state"),
    )
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    opportunity_id: uuid.UUID = Field(foreign_key="opportunity.id")
    person_id: uuid.UUID | None = Field(default=None)
    quantity: int = Field(default=1)
    # What the person adds ("3 Jacken, Größe M", "dienstags ab 15 Uhr"); for the organisation only.
    note: str | None = Field(default=None, max_length=500)
    state: str = Field(max_length=24)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    state_changed_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class HelpRequest(VolunteersModel, table=True):
    """Hilfe suchen: a resident (or staff on behalf of a senior without a smartphone) asks for help.
    The address and phone go only to the one confirmed helper."""

    __tablename__ = "help_request"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    requester_id: uuid.UUID | None = Field(default=None, index=True)
    # The staff member who entered it on the requester's behalf (the token's act.sub).
    entered_by: str | None = Field(default=None, max_length=64)
    category: str = Field(max_length=24)
    village_id: str = Field(max_length=80)
    description: str = Field(default="", sa_type=Text)
    window_start: datetime = Field(sa_type=UtcDateTime)
    window_end: datetime = Field(sa_type=UtcDateTime)
    address: str | None = Field(default=None, max_length=300)
    contact_phone: str | None = Field(default=None, max_length=40)
    # open | offered | matched | done | cancelled
    state: str = Field(default="open", max_length=16, index=True)
    helper_id: uuid.UUID | None = Field(default=None, index=True)
    offered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    matched_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
