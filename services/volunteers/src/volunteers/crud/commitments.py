"""Commitments: taking part in an ongoing commitment or pledging to a material donation (domain.commitments),
the organisation's decisions, ending and cancelling, requests that ran out, the end of an organisation.

As with sign-ups, every state change is a conditional UPDATE on the row (`WHERE state IN (...)`), and the
opportunity's `taken` only changes through crud.seats' conditional UPDATE in the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from eventcontracts.volunteers import CommitmentConfirmedV1, CommitmentEndedV1
from platformkit import audit
from platformkit.auth import Principal
from platformkit.events import publish
from platformkit.problems import ProblemError
from volunteers.config import VolunteersSettings
from volunteers.crud import seats
from volunteers.crud._sql import move_state
from volunteers.crud.facts import commitment_facts, efz_records, volunteer_facts
from volunteers.crud.notices import tell, tell_coordinators
from volunteers.crud.search import villages_within
from volunteers.crud.signups import lock_person
from volunteers.crud.villages import point
from volunteers.domain import commitments as rules
from volunteers.domain import texts_de as texts
from volunteers.domain.commitments import HOLDING_STATES, RESPONDABLE, Kind
from volunteers.domain.matching import DistanceMode, distance_km, qualification_gate
from volunteers.domain.organisations import is_public
from volunteers.domain.signups import SignupState
from volunteers.models import Commitment, Opportunity, Organisation, Volunteer

S = SignupState
LINK = "/volunteering/my-shifts"


@dataclass(frozen=True)
class Responded:
    commitment: Commitment
    created: bool


async def get(session: AsyncSession, commitment_id: uuid.UUID) -> Commitment | None:
    statement = select(Commitment).where(col(Commitment.id) == commitment_id).execution_options(
        populate_existing=True)
    return (await session.exec(statement)).first()


async def context(session: AsyncSession, commitment_id: uuid.UUID) -> tuple[Commitment, Opportunity, Organisation]:
    row = (await session.exec(
        select(Commitment, Opportunity, Organisation)
        .join(Opportunity, col(Opportunity.id) == col(Commitment.opportunity_id))
        .join(Organisation, col(Organisation.id) == col(Opportunity.organisation_id))
        .where(col(Commitment.id) == commitment_id)
        .execution_options(populate_existing=True)
    )).first()
    if row is None:
        raise ProblemError(404, "COMMITMENT_NOT_FOUND", "No such commitment.")
    return row


async def move(session: AsyncSession, commitment_id: uuid.UUID, from_states: frozenset[str] | set[str],
               to: SignupState, now: datetime, **values: Any) -> bool:
    return await move_state(session, Commitment, commitment_id, from_states, to, now, **values)


def _what(opportunity: Opportunity, quantity: int) -> dict[str, Any]:
    return {"title": opportunity.title, "quantity": quantity, "unit": opportunity.unit or ""}


async def respond(session: AsyncSession, *, settings: VolunteersSettings, opportunity_id: uuid.UUID,
                  person_id: uuid.UUID, quantity: int, note: str | None, by: Principal | None,
                  now: datetime) -> Responded:
    volunteer = await lock_person(session, person_id, now)
    existing = (await session.exec(select(Commitment).where(
        col(Commitment.opportunity_id) == opportunity_id, col(Commitment.person_id) == person_id,
        col(Commitment.state).in_(sorted(HOLDING_STATES))))).first()
    if existing is not None:
        return Responded(existing, created=False)

    row = (await session.exec(select(Opportunity, Organisation).join(
        Organisation, col(Organisation.id) == col(Opportunity.organisation_id))
        .where(col(Opportunity.id) == opportunity_id))).first()
    if row is None or not (is_public(row[1].state) and row[0].state == "published"):
        raise ProblemError(404, "OPPORTUNITY_NOT_FOUND", "No such opportunity.")
    opportunity, organisation = row
    if opportunity.kind not in rules.RESPONDABLE:
        raise ProblemError(409, "NOT_FOR_THIS_KIND",
                           "Sign up for one of this opportunity's shifts instead." if opportunity.kind == Kind.SHIFTS
                           else "This opportunity takes no commitments.", extra={"kind": opportunity.kind})
    problem = rules.quantity_problem(opportunity.kind, quantity)
    if problem:
        raise ProblemError(422, problem, "This quantity does not fit the opportunity.", field="body.quantity")
    gate_approval = False
    if opportunity.kind == Kind.ONGOING:
        gate = qualification_gate(volunteer_facts(volunteer, await efz_records(session, person_id)),
                                  commitment_facts(opportunity, now), no_show_limit=settings.no_show_limit)
        if gate.excluded:
            raise ProblemError(422, "NOT_ELIGIBLE", "You do not meet this opportunity's requirements.",
                               extra={"reasons": list(gate.excluded)})
        gate_approval = gate.needs_approval
    if not await seats.take_share(session, opportunity.id, quantity):
        fresh = (await session.exec(select(Opportunity.capacity, Opportunity.taken).where(
            col(Opportunity.id) == opportunity.id).execution_options(populate_existing=True))).one()
        left = rules.still_open(*fresh)
        if opportunity.kind == Kind.MATERIAL and left:
            raise ProblemError(409, "PLEDGE_EXCEEDS_NEED", f"Only {left} are still needed.", field="body.quantity",
                               extra={"still_open": left})
        raise ProblemError(409, "OPPORTUNITY_FULL", "Nothing is open any more.", extra={"still_open": 0})
    waits = rules.needs_confirmation(opportunity.kind, opportunity.approval_mode, gate_approval)
    commitment = Commitment(opportunity_id=opportunity.id, person_id=person_id, quantity=quantity, note=note or None,
                            state=(S.REQUESTED if waits else S.CONFIRMED).value, requested_at=now,
                            state_changed_at=now)
    session.add(commitment)
    await session.flush()
    audit.record(session, by=by, action=f"commitment.{commitment.state}", subject_kind="commitment",
                 subject_id=commitment.id, opportunity_id=opportunity.id, quantity=quantity)
    what = _what(opportunity, quantity)
    if waits:
        await tell(session, person_id, what="commitment_requested", title=texts.COMMITMENT_REQUESTED.format(**what),
                   body=texts.COMMITMENT_REQUESTED_BODY, key=f"commitment:{commitment.id}:requested", link=LINK)
        await tell_coordinators(session, organisation.id, what="commitment_to_confirm",
                                title=texts.COORDINATOR_NEW_COMMITMENT,
                                body=texts.COORDINATOR_NEW_COMMITMENT_BODY.format(**what),
                                key=f"commitment:{commitment.id}:to-confirm")
    else:
        await _confirmed(session, commitment, opportunity, now)
        await tell_coordinators(session, organisation.id, what="pledge_received", title=texts.COORDINATOR_NEW_PLEDGE,
                                body=texts.COORDINATOR_NEW_PLEDGE_BODY.format(**what),
                                key=f"commitment:{commitment.id}:received")
    return Responded(commitment, created=True)


async def change_capacity(session: AsyncSession, *, opportunity: Opportunity, capacity: int | None,
                          by: Principal) -> Opportunity:
    """A coordinator changes an ongoing commitment's places or a material donation's wanted total, never
    below what is taken (crud.seats' conditional UPDATE decides, also against pledges at the same moment).
    Nobody is told: no commitment changes (none is over the new total, there is no waitlist to move up)."""
    if opportunity.kind not in RESPONDABLE:
        raise ProblemError(422, "CAPACITY_NOT_FOR_KIND", "Places of shifts are set on each shift.",
                           field="body.capacity")
    problem = rules.opportunity_problem(opportunity.kind, capacity, opportunity.unit)
    if problem:
        code, field = problem
        raise ProblemError(422, code, "This total does not fit the opportunity.", field=field)
    if opportunity.state == "closed":
        raise ProblemError(409, "OPPORTUNITY_CLOSED", "This opportunity is closed.")
    before = opportunity.capacity
    taken = await seats.set_share_capacity(session, opportunity.id, capacity)
    if taken is None:
        taken = (await session.exec(select(Opportunity.taken).where(col(Opportunity.id) == opportunity.id)
                                    .execution_options(populate_existing=True))).one()
        raise ProblemError(409, "CAPACITY_BELOW_TAKEN", f"{taken} are already taken; the total cannot be lower.",
                           field="body.capacity", extra={"taken": taken})
    audit.record(session, by=by, action="opportunity.capacity_changed", subject_kind="opportunity",
                 subject_id=opportunity.id, details={"capacity_before": before}, capacity=capacity, taken=taken)
    fresh = (await session.exec(select(Opportunity).where(col(Opportunity.id) == opportunity.id)
                                .execution_options(populate_existing=True))).one()
    return fresh


async def _confirmed(session: AsyncSession, commitment: Commitment, opportunity: Opportunity, now: datetime) -> None:
    assert commitment.person_id is not None
    await publish(session, CommitmentConfirmedV1(
        commitment_id=commitment.id, opportunity_id=opportunity.id, organisation_id=opportunity.organisation_id,
        kind=opportunity.kind, quantity=commitment.quantity, person_id=commitment.person_id, confirmed_at=now))
    what = _what(opportunity, commitment.quantity)
    title, body = (texts.PLEDGE_CONFIRMED, texts.PLEDGE_CONFIRMED_BODY) if opportunity.kind == Kind.MATERIAL else (
        texts.COMMITMENT_CONFIRMED, texts.COMMITMENT_CONFIRMED_BODY)
    await tell(session, commitment.person_id, what="commitment_confirmed", title=title.format(**what),
               body=body.format(**what), key=f"commitment:{commitment.id}:confirmed", link=LINK)


async def end(session: AsyncSession, commitment: Commitment, opportunity: Opportunity, to: SignupState,
              now: datetime, *, by: Principal | None, from_states: frozenset[str] = HOLDING_STATES) -> bool:
    """End a commitment: its share goes back (except a donation handed over), the event says why. False
    when someone else changed it first."""
    if not await move(session, commitment.id, from_states, to, now):
        return False
    if not (to is S.COMPLETED and rules.keeps_share_when_completed(opportunity.kind)):
        await seats.give_back_share(session, opportunity.id, commitment.quantity)
    audit.record(session, by=by, action=f"commitment.{to.value}", subject_kind="commitment",
                 subject_id=commitment.id)
    await publish(session, CommitmentEndedV1(
        commitment_id=commitment.id, opportunity_id=opportunity.id, organisation_id=opportunity.organisation_id,
        person_id=None if to is S.CANCELLED_ERASURE else commitment.person_id, reason=to.value, ended_at=now))
    return True


async def fresh(session: AsyncSession, commitment_id: uuid.UUID) -> Commitment:
    commitment = await get(session, commitment_id)
    assert commitment is not None
    return commitment


async def cancel_by_volunteer(session: AsyncSession, *, commitment_id: uuid.UUID, person_id: uuid.UUID,
                              by: Principal, now: datetime) -> Commitment:
    commitment, opportunity, _ = await context(session, commitment_id)
    if commitment.person_id != person_id:
        raise ProblemError(404, "COMMITMENT_NOT_FOUND", "No such commitment.")
    was = commitment.state
    if not await end(session, commitment, opportunity, S.CANCELLED_BY_VOLUNTEER, now, by=by):
        raise ProblemError(409, "NOT_CANCELLABLE", "This commitment has already ended.")
    if was == S.CONFIRMED:
        await tell_coordinators(session, opportunity.organisation_id, what="commitment_withdrawn",
                                title=texts.COORDINATOR_COMMITMENT_WITHDRAWN,
                                body=texts.COORDINATOR_COMMITMENT_WITHDRAWN_BODY.format(title=opportunity.title),
                                key=f"commitment:{commitment.id}:withdrawn")
    return await fresh(session, commitment.id)


async def decide(session: AsyncSession, *, commitment: Commitment, opportunity: Opportunity, accept: bool,
                 by: Principal, now: datetime) -> Commitment:
    assert commitment.person_id is not None
    if accept:
        if not await move(session, commitment.id, {S.REQUESTED.value}, S.CONFIRMED, now):
            raise ProblemError(409, "NOT_REQUESTED", "This commitment is not waiting for a decision.")
        audit.record(session, by=by, action="commitment.accepted", subject_kind="commitment", subject_id=commitment.id)
        await _confirmed(session, commitment, opportunity, now)
    else:
        if not await end(session, commitment, opportunity, S.REJECTED, now, by=by,
                         from_states=frozenset({S.REQUESTED.value})):
            raise ProblemError(409, "NOT_REQUESTED", "This commitment is not waiting for a decision.")
        await tell(session, commitment.person_id, what="commitment_rejected",
                   title=texts.COMMITMENT_REJECTED.format(title=opportunity.title), body=texts.COMMITMENT_REJECTED_BODY,
                   key=f"commitment:{commitment.id}:rejected")
    return await fresh(session, commitment.id)


async def complete(session: AsyncSession, *, commitment: Commitment, opportunity: Opportunity, by: Principal,
                   now: datetime) -> Commitment:
    """The donation arrived, or the ongoing commitment came to its end (its place opens again)."""
    if not await end(session, commitment, opportunity, S.COMPLETED, now, by=by,
                     from_states=frozenset({S.CONFIRMED.value})):
        raise ProblemError(409, "NOT_CONFIRMED", "Only a confirmed commitment can be completed.")
    assert commitment.person_id is not None
    body = texts.PLEDGE_COMPLETED_BODY if opportunity.kind == Kind.MATERIAL else texts.COMMITMENT_COMPLETED_BODY
    await tell(session, commitment.person_id, what="commitment_completed",
               title=texts.COMMITMENT_COMPLETED.format(title=opportunity.title), body=body,
               key=f"commitment:{commitment.id}:completed", link=LINK)
    return await fresh(session, commitment.id)


async def release_by_org(session: AsyncSession, *, commitment: Commitment, opportunity: Opportunity, by: Principal,
                         now: datetime) -> Commitment:
    """The organisation ends a commitment (a donor who never came, a commitment that does not work out)."""
    if not await end(session, commitment, opportunity, S.CANCELLED_BY_ORG, now, by=by):
        raise ProblemError(409, "NOT_CANCELLABLE", "This commitment has already ended.")
    assert commitment.person_id is not None
    await tell(session, commitment.person_id, what="commitment_released",
               title=texts.COMMITMENT_RELEASED.format(title=opportunity.title), body=texts.COMMITMENT_RELEASED_BODY,
               key=f"commitment:{commitment.id}:released")
    return await fresh(session, commitment.id)


async def lapse_due(session: AsyncSession, settings: VolunteersSettings, now: datetime) -> int:
    """Expressions of interest and pledges the organisation did not answer in time: their share opens."""
    expiry = timedelta(days=settings.commitment_expiry_days)
    rows = (await session.exec(
        select(Commitment, Opportunity).join(Opportunity, col(Opportunity.id) == col(Commitment.opportunity_id))
        .where(col(Commitment.state) == S.REQUESTED.value, col(Commitment.requested_at) <= now - expiry)
    )).all()
    lapsed = 0
    for commitment, opportunity in rows:
        if rules.request_lapsed(now, commitment.requested_at, expiry) and await end(
                session, commitment, opportunity, S.EXPIRED, now, by=None,
                from_states=frozenset({S.REQUESTED.value})):
            assert commitment.person_id is not None
            await tell(session, commitment.person_id, what="commitment_expired",
                       title=texts.COMMITMENT_EXPIRED.format(title=opportunity.title),
                       body=texts.COMMITMENT_EXPIRED_BODY, key=f"commitment:{commitment.id}:expired")
            lapsed += 1
    return lapsed


async def end_for_organisation(session: AsyncSession, organisation: Organisation, now: datetime, *,
                               by: Principal | None) -> None:
    """Suspended or withdrawn: every commitment that holds a share ends, people are told neutrally."""
    rows = (await session.exec(
        select(Commitment, Opportunity).join(Opportunity, col(Opportunity.id) == col(Commitment.opportunity_id))
        .where(col(Opportunity.organisation_id) == organisation.id,
               col(Commitment.state).in_(sorted(HOLDING_STATES)))
    )).all()
    for commitment, opportunity in rows:
        if await end(session, commitment, opportunity, S.CANCELLED_BY_ORG, now, by=by):
            assert commitment.person_id is not None
            await tell(session, commitment.person_id, what="commitment_released",
                       title=texts.COMMITMENT_ORG_ENDED.format(title=opportunity.title),
                       body=texts.COMMITMENT_ORG_ENDED_BODY, key=f"commitment:{commitment.id}:org-ended")


async def for_opportunity(session: AsyncSession, opportunity_id: uuid.UUID) -> list[tuple[Commitment, Volunteer]]:
    """The organisation's list: everyone who responded (people whose profile is gone are left out)."""
    return list((await session.exec(
        select(Commitment, Volunteer).join(Volunteer, col(Volunteer.person_id) == col(Commitment.person_id))
        .where(col(Commitment.opportunity_id) == opportunity_id)
        .order_by(col(Commitment.requested_at), col(Commitment.id))
    )).all())


async def of_person(session: AsyncSession,
                    person_id: uuid.UUID) -> list[tuple[Commitment, Opportunity, Organisation]]:
    return list((await session.exec(
        select(Commitment, Opportunity, Organisation)
        .join(Opportunity, col(Opportunity.id) == col(Commitment.opportunity_id))
        .join(Organisation, col(Organisation.id) == col(Opportunity.organisation_id))
        .where(col(Commitment.person_id) == person_id)
        .order_by(col(Commitment.requested_at).desc(), col(Commitment.id))
    )).all())


async def near(session: AsyncSession, settings: VolunteersSettings, volunteer: Volunteer,
               now: datetime) -> list[tuple[Opportunity, Organisation, float | None]]:
    """Ongoing commitments and material donations for a person: in the villages within their radius (remote
    and district-wide ones everywhere), with something still open, ongoing ones only if the person meets
    their requirements; nearest first (help from home and district-wide help count as here, then by
    title), with the distance."""
    mode = DistanceMode(settings.distance_mode)
    villages = villages_within(volunteer.home_village_id, volunteer.radius_km, mode)
    rows = (await session.exec(
        select(Opportunity, Organisation).join(Organisation, col(Organisation.id) == col(Opportunity.organisation_id))
        .where(col(Organisation.state) == "verified", col(Opportunity.state) == "published",
               col(Opportunity.kind).in_(sorted(RESPONDABLE)),
               or_(col(Opportunity.capacity).is_(None), col(Opportunity.taken) < col(Opportunity.capacity)),
               or_(col(Opportunity.remote).is_(True), col(Opportunity.district_wide).is_(True),
                   col(Opportunity.village_id).in_(villages)))
    )).all()
    facts = volunteer_facts(volunteer, await efz_records(session, volunteer.person_id))
    home = point(volunteer.home_village_id)
    found = []
    for opportunity, organisation in rows:
        if opportunity.kind == Kind.ONGOING and qualification_gate(
                facts, commitment_facts(opportunity, now), no_show_limit=settings.no_show_limit).excluded:
            continue
        site = None if opportunity.remote or opportunity.district_wide else point(opportunity.village_id)
        km = round(distance_km(home, site, mode), 1) if home and site else None
        found.append((opportunity, organisation, km))
    return sorted(found, key=lambda row: (row[2] or 0.0, row[0].title, str(row[0].id)))
