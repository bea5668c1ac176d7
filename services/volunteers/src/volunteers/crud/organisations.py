"""Organisations: registration, members, verification by district staff and what each step does to
their opportunities and sign-ups.

Who acts for an organisation: a member in `org_member` (the registering person is its admin), or a
person whose token carries the accounts role `org_coordinator` bound to the organisation's id (granted
by an operator), who counts as a coordinator. The membership table is the authority inside this service;
the accounts grant is the district's way to appoint someone without the organisation's admin."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from eventcontracts.volunteers import OpportunityPublishedV1
from platformkit import audit
from platformkit.auth import Principal
from platformkit.events import publish
from platformkit.problems import ProblemError
from volunteers.config import VolunteersSettings
from volunteers.crud import commitments
from volunteers.crud.notices import tell, when
from volunteers.crud.signups import release
from volunteers.domain import texts_de as texts
from volunteers.domain.organisations import MemberRole, OrgAction, OrgState, next_state, role_allows
from volunteers.domain.signups import ON_LIST_STATES, SignupState
from volunteers.models import Opportunity, Organisation, OrgMember, OrgReport, Shift, Signup

COORDINATOR_ROLE = "org_coordinator"


def person_id_of(principal: Principal) -> uuid.UUID:
    try:
        return uuid.UUID(principal.sub)
    except ValueError:
        raise ProblemError(403, "FORBIDDEN", "This needs a person's token.") from None


async def create(session: AsyncSession, *, by: Principal, name: str, legal_form: str, register_no: str | None,
                 village_id: str, description: str, public_email: str | None) -> Organisation:
    person_id = person_id_of(by)
    organisation = Organisation(name=name, legal_form=legal_form, register_no=register_no, village_id=village_id,
                                description=description, public_email=public_email, created_by=person_id)
    session.add(organisation)
    await session.flush()
    session.add(OrgMember(organisation_id=organisation.id, person_id=person_id, role=MemberRole.ADMIN.value,
                          added_by=audit.actor_of(by)[0]))
    audit.record(session, by=by, action="organisation.registered", subject_kind="organisation",
                 subject_id=organisation.id)
    return organisation


async def role_in(session: AsyncSession, organisation_id: uuid.UUID, principal: Principal) -> MemberRole | None:
    try:
        person_id = uuid.UUID(principal.sub)
    except ValueError:
        return None
    member = (await session.exec(select(OrgMember.role).where(
        col(OrgMember.organisation_id) == organisation_id, col(OrgMember.person_id) == person_id))).first()
    if member is not None:
        return MemberRole(member)
    if principal.has_role(COORDINATOR_ROLE) and principal.organisation_id == str(organisation_id):
        return MemberRole.COORDINATOR
    return None


async def for_member(session: AsyncSession, organisation_id: uuid.UUID, principal: Principal,
                     needed: MemberRole) -> Organisation:
    """The organisation if the caller may act for it with `needed`; else 404 (never reveal another's)."""
    organisation = await session.get(Organisation, organisation_id)
    role = await role_in(session, organisation_id, principal) if organisation else None
    if organisation is None or role is None:
        raise ProblemError(404, "ORGANISATION_NOT_FOUND", "No such organisation.")
    if not role_allows(role, needed):
        raise ProblemError(403, "FORBIDDEN", f"This needs the member role {needed.value}.")
    return organisation


async def memberships(session: AsyncSession, principal: Principal) -> list[tuple[Organisation, str]]:
    try:
        person_id = uuid.UUID(principal.sub)
    except ValueError:
        return []
    rows = (await session.exec(select(Organisation, OrgMember.role).join(
        OrgMember, col(OrgMember.organisation_id) == col(Organisation.id)).where(
        col(OrgMember.person_id) == person_id).order_by(col(Organisation.name)))).all()
    result = [(organisation, role) for organisation, role in rows]
    if principal.has_role(COORDINATOR_ROLE) and principal.organisation_id:
        known = {organisation.id for organisation, _ in result}
        try:
            granted = uuid.UUID(principal.organisation_id)
        except ValueError:
            return result
        organisation = await session.get(Organisation, granted)
        if organisation is not None and organisation.id not in known:
            result.append((organisation, MemberRole.COORDINATOR.value))
    return result


async def add_member(session: AsyncSession, *, organisation: Organisation, person_id: uuid.UUID, role: MemberRole,
                     by: Principal) -> OrgMember:
    existing = (await session.exec(select(OrgMember).where(
        col(OrgMember.organisation_id) == organisation.id, col(OrgMember.person_id) == person_id))).first()
    if existing is not None:
        existing.role = role.value
        member = existing
    else:
        member = OrgMember(organisation_id=organisation.id, person_id=person_id, role=role.value,
                           added_by=audit.actor_of(by)[0])
        session.add(member)
    audit.record(session, by=by, action="organisation.member_set", subject_kind="org_member", subject_id=person_id,
                 organisation_id=organisation.id, role=role.value)
    await session.flush()
    return member


async def publish_opportunity(session: AsyncSession, opportunity: Opportunity, now: datetime) -> None:
    opportunity.state = "published"
    opportunity.published_at = now
    session.add(opportunity)
    await publish(session, OpportunityPublishedV1(
        opportunity_id=opportunity.id, organisation_id=opportunity.organisation_id, kind=opportunity.kind,
        category=opportunity.category, village_id=None if opportunity.remote or opportunity.district_wide
        else opportunity.village_id, published_at=now,
    ))


async def act(session: AsyncSession, *, settings: VolunteersSettings, organisation: Organisation,
              action: OrgAction, by: Principal, now: datetime, reason: str | None = None) -> Organisation:
    target = next_state(organisation.state, action)
    if target is None:
        raise ProblemError(409, "INVALID_TRANSITION",
                           f"An organisation in state {organisation.state} cannot {action.value}.")
    before = organisation.state
    organisation.state = target.value
    organisation.state_reason = reason
    if target is OrgState.VERIFIED:
        organisation.verified_by, organisation.verified_at = audit.actor_of(by)[0], now
    session.add(organisation)
    audit.record(session, by=by, action=f"organisation.{action.value}", subject_kind="organisation",
                 subject_id=organisation.id, before=before, after=target.value, reason=reason)
    if target is OrgState.VERIFIED:
        await _went_public(session, organisation, now)
    elif target in (OrgState.SUSPENDED, OrgState.WITHDRAWN) and before == OrgState.VERIFIED:
        await _went_dark(session, settings, organisation, now, by=by)
    if target is OrgState.WITHDRAWN:
        for opportunity in (await session.exec(select(Opportunity).where(
                col(Opportunity.organisation_id) == organisation.id))).all():
            opportunity.state = "closed"
            session.add(opportunity)
    await session.flush()
    return organisation


async def _went_public(session: AsyncSession, organisation: Organisation, now: datetime) -> None:
    """Verified: what was waiting goes live, and the organisation's people are told."""
    waiting = (await session.exec(select(Opportunity).where(
        col(Opportunity.organisation_id) == organisation.id, col(Opportunity.state) == "awaiting_verification"))).all()
    for opportunity in waiting:
        await publish_opportunity(session, opportunity, now)
    admins = (await session.exec(select(OrgMember.person_id).where(
        col(OrgMember.organisation_id) == organisation.id))).all()
    for person_id in admins:
        await tell(session, person_id, what="organisation_verified", title=texts.ORG_VERIFIED,
                   body=texts.ORG_VERIFIED_BODY.format(name=organisation.name),
                   key=f"organisation:{organisation.id}:verified:{now.date()}", link="/volunteering/organisations")


async def _went_dark(session: AsyncSession, settings: VolunteersSettings, organisation: Organisation,
                     now: datetime, *, by: Principal) -> None:
    """Suspended or withdrawn: every future sign-up and every commitment ends, and people are told
    neutrally (no reason)."""
    await commitments.end_for_organisation(session, organisation, now, by=by)
    rows = (await session.exec(
        select(Signup, Shift, Opportunity.title)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .where(col(Shift.organisation_id) == organisation.id, col(Shift.start_at) > now,
               col(Signup.state).in_(sorted(ON_LIST_STATES)))
    )).all()
    for signup, shift, title in rows:
        if await release(session, settings.promotion, signup, SignupState.CANCELLED_BY_ORG, now, by=by, promote=False):
            assert signup.person_id is not None
            await tell(session, signup.person_id, what="shift_cancelled", title=texts.ORG_SUSPENDED.format(title=title),
                       body=texts.ORG_SUSPENDED_BODY.format(when=when(shift)), key=f"signup:{signup.id}:org-ended")


async def report(session: AsyncSession, *, organisation_id: uuid.UUID, by: Principal, reason: str) -> OrgReport:
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None or organisation.state != OrgState.VERIFIED:
        raise ProblemError(404, "ORGANISATION_NOT_FOUND", "No such organisation.")
    entry = OrgReport(organisation_id=organisation_id, reported_by=person_id_of(by), reason=reason)
    session.add(entry)
    await session.flush()
    return entry
