"""The personal-data contract (platformkit.personal_data): export, erase, example.

Erasure (accounts.person.erased.v1): sign-ups still ahead end as cancelled_erasure (places go back and
the waitlist moves up; coordinators learn only that a sign-up was withdrawn); a shift in progress is
closed as completed; every past sign-up loses the person's id but keeps its state and hours, so the
counts and hours of shifts, organisations and villages stay as they were. Commitments (ongoing, material)
that hold a share end as cancelled_erasure (the share opens again, coordinators are told only that a
commitment was withdrawn); all of the person's commitments lose the id and the note. The profile, certificate
records, calendar link and memberships are deleted; help requests lose the person's id, address, phone
and text; the audit trail keeps a pseudonym. Running it twice changes nothing the second time."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit import audit
from platformkit.audit import pseudonym
from platformkit.db import utcnow
from volunteers.crud import commitments as commitment_crud
from volunteers.crud import seats
from volunteers.crud._sql import execute
from volunteers.crud.notices import tell_coordinators, when
from volunteers.crud.signups import move, release, shift_context
from volunteers.domain import texts_de as texts
from volunteers.domain.commitments import HOLDING_STATES as COMMITMENT_HOLDING_STATES
from volunteers.domain.signups import HOLDING_STATES, ON_LIST_STATES, PromotionRules, SignupState, credited_minutes
from volunteers.models import (
    Commitment,
    EfzRecord,
    HelpRequest,
    Opportunity,
    Organisation,
    OrgMember,
    OrgReport,
    Shift,
    Signup,
    Volunteer,
)


async def export(session: AsyncSession, person_id: uuid.UUID) -> dict[str, Any]:
    profile = await session.get(Volunteer, person_id)
    signups = (await session.exec(
        select(Signup, Shift, Opportunity.title).join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .where(col(Signup.person_id) == person_id).order_by(col(Shift.start_at)))).all()
    certificates = (await session.exec(select(EfzRecord).where(col(EfzRecord.person_id) == person_id))).all()
    asked = (await session.exec(select(HelpRequest).where(col(HelpRequest.requester_id) == person_id))).all()
    helped = (await session.exec(select(HelpRequest).where(col(HelpRequest.helper_id) == person_id))).all()
    responses = await commitment_crud.of_person(session, person_id)
    members = (await session.exec(select(OrgMember, Organisation.name).join(
        Organisation, col(Organisation.id) == col(OrgMember.organisation_id))
        .where(col(OrgMember.person_id) == person_id))).all()
    return {
        "profile": None if profile is None else profile.model_dump(mode="json", exclude={"calendar_token_hash",
                                                                                         "signup_lock"}),
        "signups": [{"shift_id": str(shift.id), "title": title, "start": shift.start_at.isoformat(),
                     "end": shift.end_at.isoformat(), "state": signup.state,
                     "minutes_credited": signup.minutes_credited} for signup, shift, title in signups],
        "commitments": [{"opportunity_id": str(opportunity.id), "title": opportunity.title, "kind": opportunity.kind,
                         "quantity": commitment.quantity, "note": commitment.note, "state": commitment.state,
                         "requested_at": commitment.requested_at.isoformat()}
                        for commitment, opportunity, _ in responses],
        "certificate_inspections": [record.model_dump(mode="json") for record in certificates],
        "help_requests": [request.model_dump(mode="json") for request in asked],
        "help_given": [{"id": str(r.id), "category": r.category, "state": r.state} for r in helped],
        "memberships": [{"organisation": name, "role": member.role} for member, name in members],
    }


async def erase(session: AsyncSession, person_id: uuid.UUID, erased_at: datetime) -> dict[str, int]:
    rules = PromotionRules()
    counts = {"signups_cancelled": 0, "signups_closed": 0, "signups_anonymised": 0}
    active = (await session.exec(select(Signup).where(
        col(Signup.person_id) == person_id, col(Signup.state).in_(sorted(ON_LIST_STATES))))).all()
    for signup in active:
        shift, opportunity, _ = await shift_context(session, signup.shift_id)
        if signup.state == SignupState.CHECKED_IN:
            if await move(session, signup.id, {SignupState.CHECKED_IN.value}, SignupState.COMPLETED, erased_at,
                          minutes_credited=credited_minutes(shift.start_at, shift.end_at)):
                await seats.give_back_seat(session, shift.id)
                counts["signups_closed"] += 1
            continue
        was_holding = signup.state in HOLDING_STATES
        if await release(session, rules, signup, SignupState.CANCELLED_ERASURE, erased_at, by=None):
            counts["signups_cancelled"] += 1
            if was_holding and shift.start_at > erased_at:
                await tell_coordinators(session, shift.organisation_id, what="signup_withdrawn",
                                        title=texts.COORDINATOR_WITHDRAWN,
                                        body=texts.COORDINATOR_WITHDRAWN_BODY.format(title=opportunity.title,
                                                                                    when=when(shift)),
                                        key=f"signup:{signup.id}:withdrawn")
    anonymised = await execute(session, update(Signup).where(col(Signup.person_id) == person_id)
                               .values(person_id=None))
    counts["signups_anonymised"] = anonymised.rowcount or 0
    counts["commitments_cancelled"] = 0
    holding = (await session.exec(select(Commitment, Opportunity).join(
        Opportunity, col(Opportunity.id) == col(Commitment.opportunity_id)).where(
        col(Commitment.person_id) == person_id, col(Commitment.state).in_(sorted(COMMITMENT_HOLDING_STATES))))).all()
    for commitment, opportunity in holding:
        if await commitment_crud.end(session, commitment, opportunity, SignupState.CANCELLED_ERASURE, erased_at,
                                     by=None):
            counts["commitments_cancelled"] += 1
            await tell_coordinators(session, opportunity.organisation_id, what="commitment_withdrawn",
                                    title=texts.COORDINATOR_COMMITMENT_WITHDRAWN,
                                    body=texts.COORDINATOR_COMMITMENT_WITHDRAWN_BODY.format(title=opportunity.title),
                                    key=f"commitment:{commitment.id}:withdrawn")
    counts["commitments_anonymised"] = (await execute(session, update(Commitment).where(
        col(Commitment.person_id) == person_id).values(person_id=None, note=None))).rowcount or 0
    counts["certificate_records_deleted"] = (await execute(
        session, delete(EfzRecord).where(col(EfzRecord.person_id) == person_id))).rowcount or 0
    counts["profiles_deleted"] = (await execute(
        session, delete(Volunteer).where(col(Volunteer.person_id) == person_id))).rowcount or 0
    counts["memberships_deleted"] = (await execute(
        session, delete(OrgMember).where(col(OrgMember.person_id) == person_id))).rowcount or 0
    await execute(session, update(Organisation).where(col(Organisation.created_by) == person_id)
                  .values(created_by=None))
    await execute(session, update(OrgReport).where(col(OrgReport.reported_by) == person_id).values(reported_by=None))
    await execute(session, update(HelpRequest).where(
        col(HelpRequest.requester_id) == person_id, col(HelpRequest.state).in_(["open", "offered", "matched"]))
        .values(state="cancelled"))
    counts["help_requests_anonymised"] = (await execute(session, update(HelpRequest).where(
        col(HelpRequest.requester_id) == person_id).values(requester_id=None, address=None, contact_phone=None,
                                                            description=""))).rowcount or 0
    # A helper who is gone: the request is open again for someone else.
    await execute(session, update(HelpRequest).where(
        col(HelpRequest.helper_id) == person_id, col(HelpRequest.state).in_(["offered", "matched"]))
        .values(state="open", helper_id=None, offered_at=None, matched_at=None))
    await execute(session, update(HelpRequest).where(col(HelpRequest.helper_id) == person_id).values(helper_id=None))
    alias, plain = pseudonym(person_id), str(person_id)
    # Where the person acted for others (added a member, recorded an inspection): a pseudonym.
    await execute(session, update(OrgMember).where(col(OrgMember.added_by) == plain).values(added_by=alias))
    await execute(session, update(EfzRecord).where(col(EfzRecord.recorded_by) == plain).values(recorded_by=alias))
    await execute(session, update(OrgReport).where(col(OrgReport.resolved_by) == plain).values(resolved_by=alias))
    await execute(session, update(Organisation).where(col(Organisation.verified_by) == plain).values(verified_by=alias))
    await execute(session, update(HelpRequest).where(col(HelpRequest.entered_by) == plain).values(entered_by=alias))
    return counts


async def example(session: AsyncSession, person_id: uuid.UUID) -> list[str]:
    """Every kind of record this service holds about a person, past and future, with places taken;
    returns the identifying values written (derived from the id, so two people's differ)."""
    now = utcnow()
    tag = person_id.hex[:8]
    name, email, phone = f"Helfer {tag}", f"helfer-{tag}@example.org", f"0170 {int(tag, 16) % 10**7:07d}"
    address, help_text = f"Dorfstraße {tag}", f"Einkauf für Haushalt {tag}"
    organisation = Organisation(name=f"Beispielverein {tag[:4]}", legal_form="e.V.", village_id="ot-prenzlau-prenzlau",
                                state="verified", created_by=person_id)
    session.add(organisation)
    await session.flush()
    session.add(OrgMember(organisation_id=organisation.id, person_id=person_id, role="admin", added_by=str(person_id)))
    opportunity = Opportunity(organisation_id=organisation.id, kind="shifts", title="Tafel", category="social",
                              village_id="ot-prenzlau-prenzlau", state="published", published_at=now)
    session.add(opportunity)
    session.add(Volunteer(person_id=person_id, display_name=name, contact_email=email, contact_phone=phone,
                          birth_year=1980, home_village_id="ot-prenzlau-prenzlau", visible_to_orgs=True,
                          calendar_token_hash=hashlib.sha256(person_id.bytes).hexdigest()))
    session.add(EfzRecord(person_id=person_id, inspected_by_kind="district", certificate_date=date(2025, 1, 2),
                          inspected_on=date(2025, 1, 20), no_exclusion=True, recorded_by=str(person_id)))
    await session.flush()
    for offset, state in ((-7, SignupState.COMPLETED), (3, SignupState.CONFIRMED), (4, SignupState.WAITLISTED),
                          (5, SignupState.REQUESTED)):
        start = now + timedelta(days=offset)
        waitlisted = state is SignupState.WAITLISTED
        shift = Shift(opportunity_id=opportunity.id, organisation_id=organisation.id, start_at=start,
                      end_at=start + timedelta(hours=3), capacity=1, seats_taken=0 if offset < 0 else 1,
                      waitlist_count=1 if waitlisted else 0, waitlist_last_rank=1 if waitlisted else 0)
        session.add(shift)
        await session.flush()
        if waitlisted:  # the place is someone else's
            session.add(Signup(shift_id=shift.id, person_id=uuid.uuid4(), state=SignupState.CONFIRMED.value))
        session.add(Signup(shift_id=shift.id, person_id=person_id, state=state.value,
                           waitlist_rank=1 if waitlisted else None,
                           minutes_credited=180 if state is SignupState.COMPLETED else None))
    donation = Opportunity(organisation_id=organisation.id, kind="material", title="Winterjacken", category="social",
                           village_id="ot-prenzlau-prenzlau", state="published", published_at=now, capacity=30,
                           taken=2, unit="Jacken")
    session.add(donation)
    await session.flush()
    pledge_note = f"Zwei Jacken von {tag}"
    session.add(Commitment(opportunity_id=donation.id, person_id=person_id, quantity=2, note=pledge_note,
                           state=SignupState.CONFIRMED.value))
    session.add(HelpRequest(requester_id=person_id, category="shopping", village_id="ot-prenzlau-prenzlau",
                            description=help_text, window_start=now + timedelta(days=1),
                            window_end=now + timedelta(days=1, hours=2), address=address, contact_phone=phone))
    session.add(OrgReport(organisation_id=organisation.id, reported_by=person_id, reason="Beispielmeldung"))
    audit.record(session, actor=str(person_id), action="profile.saved", subject_kind="volunteer",
                 subject_id=person_id)
    await session.flush()
    return [name, email, phone, address, help_text, pledge_note]
