"""Sign-ups: applying (eligibility, overlap, place or waitlist), cancelling, promotion from the waitlist in
the same transaction, the organisation's decisions, check-in, hours and no-shows.

Every state change is a conditional UPDATE on the sign-up row (`WHERE state IN (...)`), so two callers
racing over one sign-up (two cancellations, a promotion and an erasure) change it once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, bindparam, insert, join, or_, update
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from eventcontracts.volunteers import SignupCancelledV1, SignupConfirmedV1
from platformkit import audit
from platformkit.auth import Principal
from platformkit.db import UtcDateTime
from platformkit.events import publish
from platformkit.problems import ProblemError
from volunteers.config import VolunteersSettings
from volunteers.crud import seats
from volunteers.crud._sql import execute, move_state
from volunteers.crud.facts import (
    PROFILE_COLUMNS,
    SHIFT_COLUMNS,
    ProfileLike,
    efz_records,
    shift_facts_of_row,
    volunteer_facts,
)
from volunteers.crud.notices import Timed, coordinators, tell, tell_coordinators, when
from volunteers.crud.villages import point
from volunteers.domain import signups as signup_rules
from volunteers.domain import texts_de as texts
from volunteers.domain.matching import DistanceMode, distance_km, qualification_gate
from volunteers.domain.organisations import is_public
from volunteers.domain.signups import (
    CANCELLABLE_STATES,
    HOLDING_STATES,
    ON_LIST_STATES,
    Promotion,
    PromotionRules,
    SignupState,
    Span,
)
from volunteers.domain.timing import local
from volunteers.models import Opportunity, Organisation, Shift, Signup, Volunteer

S = SignupState
LINK = "/volunteering/my-shifts"
# A waitlisted person who needs the organisation's approval becomes `requested`, not confirmed, on promotion.
NEEDS_APPROVAL = "needs_approval"


@dataclass(frozen=True)
class Applied:
    signup: Signup
    created: bool
    warnings: tuple[str, ...] = ()


async def get_signup(session: AsyncSession, signup_id: uuid.UUID) -> Signup | None:
    statement = select(Signup).where(col(Signup.id) == signup_id).execution_options(populate_existing=True)
    return (await session.exec(statement)).first()


async def shift_context(session: AsyncSession, shift_id: uuid.UUID) -> tuple[Shift, Opportunity, Organisation]:
    row = (
        await session.exec(
            select(Shift, Opportunity, Organisation)
            .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
            .join(Organisation, col(Organisation.id) == col(Shift.organisation_id))
            .where(col(Shift.id) == shift_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise ProblemError(404, "SHIFT_NOT_FOUND", "No such shift.")
    return row


async def move(session: AsyncSession, signup_id: uuid.UUID, from_states: frozenset[str] | set[str],
               to: SignupState, now: datetime, **values: Any) -> bool:
    return await move_state(session, Signup, signup_id, from_states, to, now, **values)


class Scheduled(Timed, Protocol):
    """A Shift, or a result row with these columns (apply reads the shift's columns, not the entity)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def opportunity_id(self) -> uuid.UUID: ...
    @property
    def organisation_id(self) -> uuid.UUID: ...


async def _confirmed(session: AsyncSession, signup_id: uuid.UUID, shift: Scheduled, title: str,
                     person_id: uuid.UUID, now: datetime, *, promoted: bool = False, new: bool = False) -> None:
    """`new`: the sign-up was made in this transaction (its notice's key cannot have been used)."""
    await publish(session, SignupConfirmedV1(
        signup_id=signup_id, shift_id=shift.id, opportunity_id=shift.opportunity_id,
        organisation_id=shift.organisation_id, person_id=person_id, confirmed_at=now,
    ))
    heading, body = (texts.SIGNUP_PROMOTED, texts.SIGNUP_PROMOTED_BODY) if promoted else (
        texts.SIGNUP_CONFIRMED, texts.SIGNUP_CONFIRMED_BODY)
    await tell(session, person_id, what="signup_confirmed", title=heading.format(title=title),
               body=body.format(when=when(shift)), key=f"signup:{signup_id}:confirmed", link=LINK, new_key=new)


# --- applying ------------------------------------------------------------------------------------------
# A sign-up's statements are built once (each sign-up binds its values), and it reads and writes rows with
# Core, not ORM entities: in a stampede (40 people for 5 places) every sign-up waits for the ones before it
# on the shift's row (PostgreSQL) or on SQLite's one writer, so its latency is about forty times the Python
# and round trips of one sign-up. Building and cache-keying a statement, or flushing an entity, costs more
# Python than running the statement.

_SINCE = bindparam("since", type_=UtcDateTime())


def _holding(shift: Any) -> Any:
    """A sign-up that holds a place on a shift (`shift`, or an alias of it) still ahead or just past: what
    overlaps are checked against."""
    return and_(col(Signup.state).in_(sorted(HOLDING_STATES)), shift.state == "scheduled", shift.end_at > _SINCE)


_HELD = (
    select_columns(col(Signup.shift_id), col(Shift.start_at), col(Shift.end_at), col(Opportunity.village_id))
    .join(Shift, col(Shift.id) == col(Signup.shift_id))
    .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
    .where(col(Signup.person_id) == bindparam("person_id"), _holding(Shift))
)
# apply's one read: the shift with what a sign-up needs of its opportunity (matching's columns,
# SHIFT_COLUMNS) and organisation, once per sign-up of the person's that matters — one on this shift's list
# already (idempotency) and the shifts they hold (overlap, travel) — or once with empty signup columns.
_held_shift = aliased(Shift, name="held_shift")
_held_opportunity = aliased(Opportunity, name="held_opportunity")
_SHIFT_AND_PERSON = (
    select_columns(*SHIFT_COLUMNS, col(Shift.opportunity_id), col(Shift.state).label("shift_state"),
                   col(Opportunity.title), col(Opportunity.state).label("opportunity_state"),
                   col(Opportunity.approval_mode), col(Organisation.state).label("organisation_state"),
                   col(Shift.waitlist_enabled), col(Shift.waitlist_limit), col(Shift.waitlist_count),
                   col(Signup.id).label("signup_id"), col(Signup.shift_id).label("held_shift_id"),
                   col(_held_shift.start_at).label("held_start"), col(_held_shift.end_at).label("held_end"),
                   col(_held_opportunity.village_id).label("held_village_id"))
    .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
    .join(Organisation, col(Organisation.id) == col(Shift.organisation_id))
    .outerjoin(
        join(Signup, _held_shift, col(Signup.shift_id) == col(_held_shift.id))
        .join(_held_opportunity, col(_held_opportunity.id) == col(_held_shift.opportunity_id)),
        and_(col(Signup.person_id) == bindparam("person_id"), col(Signup.state).in_(sorted(ON_LIST_STATES)),
             or_(col(Signup.shift_id) == col(Shift.id), _holding(_held_shift))))
    .where(col(Shift.id) == bindparam("shift_id"))
)
_LOCK_PERSON = (
    update(Volunteer)
    # Bound as "person": an UPDATE reserves its table's column names for the values it sets.
    .where(col(Volunteer.person_id) == bindparam("person"), col(Volunteer.archived_at).is_(None))
    .values(signup_lock=col(Volunteer.signup_lock) + 1, last_active_at=bindparam("now", type_=UtcDateTime()))
    .returning(*PROFILE_COLUMNS)
)
_INSERT_SIGNUP = insert(Signup)


async def held_spans(session: AsyncSession, person_id: uuid.UUID, now: datetime,
                     excluding: uuid.UUID | None = None) -> list[Span]:
    rows = await execute(session, _HELD, {"person_id": person_id, "since": now - timedelta(days=1)})
    return [Span(str(row.shift_id), row.start_at, row.end_at, row.village_id) for row in rows.all()
            if row.shift_id != excluding]


def travel_warnings(new: Span, held: list[Span], limit_km: float) -> list[str]:
    """Back-to-back shifts (less than an hour apart) in villages far apart: allowed, with a warning."""
    warnings = []
    here = point(new.village_id)
    for other in held:
        gap = max(new.start - other.end, other.start - new.end)
        there = point(other.village_id)
        if timedelta(0) <= gap < timedelta(hours=1) and here and there and distance_km(
                here, there, DistanceMode.STRAIGHT) > limit_km:
            warnings.append(f"travel:{other.shift_id}")
    return warnings


async def lock_person(session: AsyncSession, person_id: uuid.UUID, now: datetime) -> ProfileLike:
    """The person's lock (see Volunteer.signup_lock), taken first: their sign-ups and commitments happen one
    after the other, so the same person on two devices gets one row. It returns what the eligibility check
    reads of the profile (one statement fewer in a stampede)."""
    volunteer = (await execute(session, _LOCK_PERSON, {"person": person_id, "now": now})).first()
    if volunteer is None:
        raise ProblemError(409, "PROFILE_REQUIRED", "Please create your volunteer profile first.")
    return volunteer


async def apply(
    session: AsyncSession, *, settings: VolunteersSettings, shift_id: uuid.UUID, person_id: uuid.UUID,
    by: Principal | None, now: datetime,
) -> Applied:
    """Reads and checks first; then the shift's row is taken (a place, else a waitlist rank) and only the
    sign-up's own rows are written after it, so that the row (PostgreSQL) is held for a few INSERTs and the
    commit."""
    volunteer = await lock_person(session, person_id, now)
    # Read after the lock: a sign-up of the person's that committed meanwhile is seen.
    rows = (await execute(session, _SHIFT_AND_PERSON, {
        "person_id": person_id, "shift_id": shift_id, "since": now - timedelta(days=1)})).all()
    held: list[Span] = []
    for row in rows:
        if row.held_shift_id == shift_id:
            existing = await get_signup(session, row.signup_id)
            assert existing is not None  # the person's lock keeps it from being erased meanwhile
            return Applied(existing, created=False)
        if row.signup_id is not None:
            held.append(Span(str(row.held_shift_id), row.held_start, row.held_end, row.held_village_id))

    shift = rows[0] if rows else None
    if shift is None or not (is_public(shift.organisation_state) and shift.opportunity_state == "published"
                             and shift.shift_state == "scheduled"):
        raise ProblemError(404, "SHIFT_NOT_FOUND", "No such shift.")
    if shift.start_at <= now:
        raise ProblemError(409, "SHIFT_STARTED", "This shift has already begun.")
    certificates = await efz_records(session, person_id) if "efz" in shift.requirements else []
    gate = qualification_gate(volunteer_facts(volunteer, certificates), shift_facts_of_row(shift),
                              no_show_limit=settings.no_show_limit)
    if gate.excluded:
        raise ProblemError(422, "NOT_ELIGIBLE", "You do not meet this shift's requirements.",
                           extra={"reasons": list(gate.excluded)})

    new = Span(str(shift_id), shift.start_at, shift.end_at, shift.village_id)
    check = signup_rules.check_overlap(new, held, timedelta(minutes=settings.overlap_grace_minutes))
    if check.conflicts:
        raise ProblemError(409, "SHIFT_OVERLAP", "You already have a shift at this time.",
                           extra={"conflicting_shifts": list(check.conflicts)})
    warnings = [f"overlap:{other}" for other in check.tolerated]
    warnings += travel_warnings(new, held, settings.travel_warning_km)

    approval = gate.needs_approval or shift.approval_mode == "org_approval"
    # Whom a request is announced to, read before the shift's row is taken.
    to_confirm = await coordinators(session, shift.organisation_id) if approval else []
    waitlist_open = shift.waitlist_enabled and (shift.waitlist_limit is None
                                                or shift.waitlist_count < shift.waitlist_limit)
    place = await seats.take_place(session, shift_id,
                                   looked_full=shift.seats_taken >= shift.capacity and waitlist_open)
    if place is None:
        raise ProblemError(409, "SHIFT_FULL", "Ausgebucht: this shift has no free places.")
    state = (S.REQUESTED if approval else S.CONFIRMED) if place.seat else S.WAITLISTED
    values: dict[str, Any] = {
        "id": uuid.uuid4(), "shift_id": shift_id, "person_id": person_id, "state": state.value,
        "waitlist_rank": place.rank, "offer_expires_at": None, "requested_at": now, "state_changed_at": now,
        "state_reason": NEEDS_APPROVAL if approval else None, "late_cancel": False, "checked_in_at": None,
        "minutes_credited": None}
    await execute(session, _INSERT_SIGNUP, values)
    signup = Signup(**values)
    await audit.write(session, audit.entry_values(by=by, action=f"signup.{state.value}", subject_kind="signup",
                                                  subject_id=signup.id, shift_id=shift_id))
    await _announce_new(session, settings, signup, shift, volunteer, to_confirm, now)
    return Applied(signup, created=True, warnings=tuple(warnings))


async def _announce_new(session: AsyncSession, settings: VolunteersSettings, signup: Signup, shift: Any,
                        volunteer: ProfileLike, to_confirm: list[uuid.UUID], now: datetime) -> None:
    """`shift`: a row of _SHIFT_AND_PERSON."""
    assert signup.person_id is not None
    if signup.state == S.CONFIRMED:
        await _confirmed(session, signup.id, shift, shift.title, signup.person_id, now, new=True)
    elif signup.state == S.WAITLISTED:
        await tell(session, signup.person_id, what="signup_waitlisted",
                   title=texts.SIGNUP_WAITLISTED.format(title=shift.title),
                   body=texts.SIGNUP_WAITLISTED_BODY.format(when=when(shift), rank=signup.waitlist_rank),
                   key=f"signup:{signup.id}:waitlisted", link=LINK, new_key=True)
    else:
        body = texts.SIGNUP_REQUESTED_BODY.format(when=when(shift))
        if volunteer.no_show_count >= settings.no_show_limit:
            body += " " + texts.NEEDS_APPROVAL_NO_SHOWS_BODY.format(count=volunteer.no_show_count)
        await tell(session, signup.person_id, what="signup_requested",
                   title=texts.SIGNUP_REQUESTED.format(title=shift.title), body=body,
                   key=f"signup:{signup.id}:requested", link=LINK, new_key=True)
        await tell_coordinators(session, shift.organisation_id, what="signup_to_confirm",
                                title=texts.COORDINATOR_NEW_REQUEST,
                                body=texts.COORDINATOR_NEW_REQUEST_BODY.format(title=shift.title,
                                                                              when=when(shift)),
                                key=f"signup:{signup.id}:to-confirm", people=to_confirm)


async def fill_free_seats(session: AsyncSession, rules: PromotionRules, shift_id: uuid.UUID,
                          now: datetime) -> int:
    """Give free places to the waitlist in rank order: confirmed far ahead, offered (time-boxed) close to
    the start, nobody after it. Someone who meanwhile holds a place at the same time elsewhere is passed
    over and stays on the waitlist (that place may yet be cancelled). Returns how many moved up."""
    shift, opportunity, _organisation = await shift_context(session, shift_id)
    if shift.state != "scheduled":
        return 0
    promotion = signup_rules.promotion_for(now, shift.start_at, rules.cutoff)
    if promotion is Promotion.NONE:
        return 0
    this = Span(str(shift_id), shift.start_at, shift.end_at, opportunity.village_id)
    moved = 0
    passed_rank = 0
    while True:
        candidate = (await session.exec(
            select(Signup.id, Signup.person_id, Signup.state_reason, Signup.waitlist_rank)
            .where(col(Signup.shift_id) == shift_id, col(Signup.state) == S.WAITLISTED.value,
                   col(Signup.waitlist_rank) > passed_rank)
            .order_by(col(Signup.waitlist_rank)).limit(1)
        )).first()
        if candidate is None:
            return moved
        signup_id, person_id, reason, rank = candidate
        # Erasure takes people off waitlists before it anonymises; a waitlisted sign-up has its rank.
        assert person_id is not None and rank is not None
        held = await held_spans(session, person_id, now, excluding=shift_id)
        if signup_rules.check_overlap(this, held, rules.overlap_grace).conflicts:
            passed_rank = rank
            continue
        if not await seats.take_seat(session, shift_id):
            return moved
        if promotion is Promotion.OFFER:
            target, extra = S.OFFERED, {"offer_expires_at": signup_rules.offer_expiry(
                now, shift.start_at, rules.offer_for)}
        else:
            target, extra = (S.REQUESTED if reason == NEEDS_APPROVAL else S.CONFIRMED), {}
        if not await move(session, signup_id, {S.WAITLISTED.value}, target, now, **extra):
            await seats.give_back_seat(session, shift_id)  # someone else moved them meanwhile
            continue
        await seats.leave_waitlist(session, shift_id)
        moved += 1
        audit.record(session, by=None, action=f"signup.promoted.{target.value}", subject_kind="signup",
                     subject_id=signup_id)
        if target is S.CONFIRMED:
            await _confirmed(session, signup_id, shift, opportunity.title, person_id, now, promoted=True)
        elif target is S.OFFERED:
            until = extra["offer_expires_at"]
            await tell(session, person_id, what="signup_offered",
                       title=texts.SIGNUP_OFFERED.format(title=opportunity.title),
                       body=texts.SIGNUP_OFFERED_BODY.format(when=when(shift),
                                                             until=f"{local(until, shift.zone):%H:%M}"),
                       key=f"signup:{signup_id}:offered:{now.isoformat()}", severity="warning", link=LINK)


async def release(session: AsyncSession, rules: PromotionRules, signup: Signup, to: SignupState,
                  now: datetime, *, by: Principal | None, late: bool = False, promote: bool = True) -> bool:
    """End a sign-up that is on a shift's list: its place (or waitlist entry) goes back, the waitlist moves
    up in the same transaction. False when someone else changed it first."""
    was = signup.state
    if not await move(session, signup.id, CANCELLABLE_STATES | {S.CHECKED_IN.value} if to is S.CANCELLED_ERASURE
                      else CANCELLABLE_STATES, to, now, late_cancel=late):
        return False
    if was in HOLDING_STATES:
        await seats.give_back_seat(session, signup.shift_id)
        if promote:
            await fill_free_seats(session, rules, signup.shift_id, now)
    else:
        await seats.leave_waitlist(session, signup.shift_id)
    audit.record(session, by=by, action=f"signup.{to.value}", subject_kind="signup", subject_id=signup.id,
                 late=late)
    shift = (await session.exec(select(Shift).where(col(Shift.id) == signup.shift_id))).one()
    await publish(session, SignupCancelledV1(
        signup_id=signup.id, shift_id=signup.shift_id, organisation_id=shift.organisation_id,
        person_id=None if to is S.CANCELLED_ERASURE else signup.person_id, reason=to.value, late=late,
        cancelled_at=now,
    ))
    return True


async def own_signup(session: AsyncSession, signup_id: uuid.UUID, person_id: uuid.UUID) -> Signup:
    signup = await get_signup(session, signup_id)
    if signup is None or signup.person_id != person_id:
        raise ProblemError(404, "SIGNUP_NOT_FOUND", "No such sign-up.")
    return signup


async def cancel_by_volunteer(session: AsyncSession, *, settings: VolunteersSettings, signup_id: uuid.UUID,
                              person_id: uuid.UUID, by: Principal, now: datetime) -> Signup:
    signup = await own_signup(session, signup_id, person_id)
    if signup.state not in CANCELLABLE_STATES:
        raise ProblemError(409, "NOT_CANCELLABLE", "This sign-up can no longer be cancelled.")
    shift, opportunity, _ = await shift_context(session, signup.shift_id)
    if shift.start_at <= now:
        raise ProblemError(409, "SHIFT_STARTED", "This shift has already begun.")
    late = signup.state in HOLDING_STATES and signup_rules.is_late_cancel(
        now, shift.start_at, timedelta(hours=settings.self_cancel_deadline_hours))
    if not await release(session, settings.promotion, signup, S.CANCELLED_BY_VOLUNTEER, now, by=by, late=late):
        raise ProblemError(409, "NOT_CANCELLABLE", "This sign-up can no longer be cancelled.")
    if late:
        await tell_coordinators(session, shift.organisation_id, what="late_cancel", severity="warning",
                                title=texts.COORDINATOR_LATE_CANCEL,
                                body=texts.COORDINATOR_LATE_CANCEL_BODY.format(title=opportunity.title,
                                                                              when=when(shift)),
                                key=f"signup:{signup.id}:late-cancel")
    return await _fresh(session, signup.id)


async def _fresh(session: AsyncSession, signup_id: uuid.UUID) -> Signup:
    signup = await get_signup(session, signup_id)
    assert signup is not None
    return signup


async def answer_offer(session: AsyncSession, *, settings: VolunteersSettings, signup_id: uuid.UUID,
                       person_id: uuid.UUID, accept: bool, by: Principal, now: datetime) -> Signup:
    signup = await own_signup(session, signup_id, person_id)
    shift, opportunity, _ = await shift_context(session, signup.shift_id)
    if signup.state != S.OFFERED or (signup.offer_expires_at and signup.offer_expires_at <= now):
        raise ProblemError(409, "NO_OPEN_OFFER", "There is no open offer for this sign-up.")
    if accept:
        if not await move(session, signup.id, {S.OFFERED.value}, S.CONFIRMED, now, offer_expires_at=None):
            raise ProblemError(409, "NO_OPEN_OFFER", "There is no open offer for this sign-up.")
        audit.record(session, by=by, action="signup.offer_accepted", subject_kind="signup", subject_id=signup.id)
        await _confirmed(session, signup.id, shift, opportunity.title, person_id, now)
    else:
        await lapse_offer(session, settings.promotion, signup.id, now, by=by)
    return await _fresh(session, signup.id)


async def lapse_offer(session: AsyncSession, rules: PromotionRules, signup_id: uuid.UUID, now: datetime,
                      *, by: Principal | None) -> None:
    signup = await _fresh(session, signup_id)
    if await move(session, signup_id, {S.OFFERED.value}, S.OFFER_LAPSED, now):
        await seats.give_back_seat(session, signup.shift_id)
        audit.record(session, by=by, action="signup.offer_lapsed", subject_kind="signup", subject_id=signup_id)
        await fill_free_seats(session, rules, signup.shift_id, now)


async def decide_request(session: AsyncSession, *, settings: VolunteersSettings, signup: Signup, accept: bool,
                         by: Principal, now: datetime) -> Signup:
    shift, opportunity, _ = await shift_context(session, signup.shift_id)
    if signup.state != S.REQUESTED:
        raise ProblemError(409, "NOT_REQUESTED", "This sign-up is not waiting for a decision.")
    assert signup.person_id is not None
    if accept:
        if not await move(session, signup.id, {S.REQUESTED.value}, S.CONFIRMED, now):
            raise ProblemError(409, "NOT_REQUESTED", "This sign-up is not waiting for a decision.")
        audit.record(session, by=by, action="signup.accepted", subject_kind="signup", subject_id=signup.id)
        await _confirmed(session, signup.id, shift, opportunity.title, signup.person_id, now)
    else:
        if not await move(session, signup.id, {S.REQUESTED.value}, S.REJECTED, now):
            raise ProblemError(409, "NOT_REQUESTED", "This sign-up is not waiting for a decision.")
        await seats.give_back_seat(session, signup.shift_id)
        audit.record(session, by=by, action="signup.rejected", subject_kind="signup", subject_id=signup.id)
        await tell(session, signup.person_id, what="signup_rejected",
                   title=texts.SIGNUP_REJECTED.format(title=opportunity.title),
                   body=texts.SIGNUP_REJECTED_BODY.format(when=when(shift)), key=f"signup:{signup.id}:rejected")
        await fill_free_seats(session, settings.promotion, signup.shift_id, now)
    return await _fresh(session, signup.id)


async def release_by_org(session: AsyncSession, *, settings: VolunteersSettings, signup: Signup, by: Principal,
                         now: datetime) -> Signup:
    """The coordinator takes a person off an overbooked shift (nobody is ever taken off automatically)."""
    shift, opportunity, _ = await shift_context(session, signup.shift_id)
    if not await release(session, settings.promotion, signup, S.CANCELLED_BY_ORG, now, by=by):
        raise ProblemError(409, "NOT_CANCELLABLE", "This sign-up is not on the shift's list.")
    assert signup.person_id is not None
    await tell(session, signup.person_id, what="signup_released", title=texts.RELEASED.format(title=opportunity.title),
               body=texts.RELEASED_BODY.format(when=when(shift)), key=f"signup:{signup.id}:released")
    return await _fresh(session, signup.id)


async def check_in(session: AsyncSession, *, settings: VolunteersSettings, signup: Signup, by: Principal,
                   now: datetime) -> Signup:
    shift, _, _ = await shift_context(session, signup.shift_id)
    opens = timedelta(minutes=settings.check_in_opens_minutes)
    if not signup_rules.check_in_open(now, shift.start_at, shift.end_at, opens):
        raise ProblemError(409, "CHECK_IN_CLOSED", "Check-in opens shortly before the start and ends with the shift.")
    if not await move(session, signup.id, {S.CONFIRMED.value}, S.CHECKED_IN, now, checked_in_at=now):
        raise ProblemError(409, "NOT_CONFIRMED", "Only a confirmed sign-up can check in.")
    audit.record(session, by=by, action="signup.checked_in", subject_kind="signup", subject_id=signup.id)
    return await _fresh(session, signup.id)


async def set_minutes(session: AsyncSession, *, signup: Signup, minutes: int, by: Principal,
                      now: datetime) -> Signup:
    """The coordinator corrects credited time, or turns a no-show into a completed shift (audited)."""
    if signup.state not in (S.COMPLETED, S.NO_SHOW):
        raise ProblemError(409, "NOT_FINISHED", "Hours can be set once the shift is over.")
    before = signup.minutes_credited
    if signup.state == S.NO_SHOW:
        await move(session, signup.id, {S.NO_SHOW.value}, S.COMPLETED, now, minutes_credited=minutes)
        if signup.person_id is not None:
            await execute(session, update(Volunteer).where(col(Volunteer.person_id) == signup.person_id,
                                                           col(Volunteer.no_show_count) > 0)
                          .values(no_show_count=col(Volunteer.no_show_count) - 1))
    else:
        await execute(session, update(Signup).where(col(Signup.id) == signup.id).values(minutes_credited=minutes))
    audit.record(session, by=by, action="signup.minutes_set", subject_kind="signup", subject_id=signup.id,
                 before=before, after=minutes)
    return await _fresh(session, signup.id)


# --- time-driven steps (schedules.py) --------------------------------------------------------------------


async def lapse_due(session: AsyncSession, settings: VolunteersSettings, now: datetime) -> int:
    """Offers not taken in time and requests the organisation did not answer: their places move on."""
    offers = (await session.exec(select(Signup.id).where(
        col(Signup.state) == S.OFFERED.value, col(Signup.offer_expires_at) <= now))).all()
    for signup_id in offers:
        await lapse_offer(session, settings.promotion, signup_id, now, by=None)
    expiry = timedelta(hours=settings.request_expiry_hours)
    requests = (await session.exec(
        select(Signup.id, Signup.requested_at, Shift.start_at)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .where(col(Signup.state) == S.REQUESTED.value)
    )).all()
    lapsed = 0
    for signup_id, requested_at, start_at in requests:
        if now >= min(requested_at + expiry, start_at) and await move(
                session, signup_id, {S.REQUESTED.value}, S.EXPIRED, now):
            signup = await _fresh(session, signup_id)
            await seats.give_back_seat(session, signup.shift_id)
            audit.record(session, by=None, action="signup.expired", subject_kind="signup", subject_id=signup_id)
            await fill_free_seats(session, settings.promotion, signup.shift_id, now)
            lapsed += 1
    return len(offers) + lapsed


async def close_ended(session: AsyncSession, settings: VolunteersSettings, now: datetime) -> int:
    """After end + grace: checked in → completed with the shift's real duration; confirmed → no-show."""
    grace = timedelta(minutes=settings.completion_grace_minutes)
    rows = (await session.exec(
        select(Signup, Shift).join(Shift, col(Shift.id) == col(Signup.shift_id))
        .where(col(Signup.state).in_([S.CHECKED_IN.value, S.CONFIRMED.value]), col(Shift.end_at) <= now - grace)
    )).all()
    for signup, shift in rows:
        signup_id, state, person_id, start_at, end_at = (signup.id, signup.state, signup.person_id, shift.start_at,
                                                         shift.end_at)
        if state == S.CHECKED_IN:
            await move(session, signup_id, {S.CHECKED_IN.value}, S.COMPLETED, now,
                       minutes_credited=signup_rules.credited_minutes(start_at, end_at))
        elif await move(session, signup_id, {S.CONFIRMED.value}, S.NO_SHOW, now, minutes_credited=0):
            await execute(session, update(Volunteer).where(col(Volunteer.person_id) == person_id)
                          .values(no_show_count=col(Volunteer.no_show_count) + 1))
            audit.record(session, by=None, action="signup.no_show", subject_kind="signup", subject_id=signup_id)
    return len(rows)


async def send_reminders(session: AsyncSession, settings: VolunteersSettings, now: datetime) -> int:
    """One reminder per sign-up and shift version, `reminder_lead_hours` of real time before the start;
    one that would come too late (the shift about to start) is dropped, not sent."""
    lead = timedelta(hours=settings.reminder_lead_hours)
    too_late = timedelta(minutes=settings.reminder_min_lead_minutes)
    rows = (await session.exec(
        select(Signup, Shift, Opportunity.title)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .join(Volunteer, col(Volunteer.person_id) == col(Signup.person_id))
        .where(
            col(Signup.state) == S.CONFIRMED.value,
            col(Shift.state) == "scheduled",
            col(Shift.start_at) <= now + lead,
            col(Shift.start_at) > now + too_late,
            col(Volunteer.notify_reminders).is_(True),
        )
    )).all()
    sent = 0
    for signup, shift, title in rows:
        # Someone confirmed after the reminder time has just been told; no reminder on top.
        if signup.state_changed_at > shift.start_at - lead or signup.person_id is None:
            continue
        await tell(session, signup.person_id, what="reminder", title=texts.REMINDER.format(title=title),
                   body=texts.REMINDER_BODY.format(when=when(shift)),
                   key=f"signup:{signup.id}:reminder:{settings.reminder_lead_hours}h:v{shift.version}", link=LINK)
        sent += 1
    return sent
