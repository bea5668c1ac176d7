"""Hilfe suchen: requests for help, entered by the person or by staff for a person without a smartphone
(then the token's `act` names the staff member, and both are audited). A helper offers, the requester
(or the staff member) confirms; only then does the helper see the address and phone."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from eventcontracts.volunteers import HelpMatchedV1, HelpRequestedV1
from platformkit import audit
from platformkit.auth import Principal
from platformkit.events import publish
from platformkit.problems import ProblemError
from volunteers.crud._sql import execute
from volunteers.crud.notices import tell
from volunteers.crud.organisations import person_id_of
from volunteers.domain import texts_de as texts
from volunteers.models import HelpRequest

CATEGORY_NAMES = {
    "shopping": "Einkauf",
    "ride": "Fahrt zum Arzt",
    "garden": "Garten",
    "technology": "Technik",
    "visit": "Besuch",
    "other": "Sonstiges",
}
LINK = "/volunteering/help"


async def create(session: AsyncSession, *, by: Principal, category: str, village_id: str, description: str,
                 window_start: datetime, window_end: datetime, address: str | None, contact_phone: str | None,
                 now: datetime) -> HelpRequest:
    if window_end <= window_start:
        raise ProblemError(422, "WINDOW_ENDS_BEFORE_START", "The time window ends after it starts.",
                           field="body.window_end")
    if window_end <= now:
        # Nobody can help any more; a request "for yesterday" would only sit in helpers' lists as open.
        raise ProblemError(422, "WINDOW_IN_PAST", "The time window is over already.", field="body.window_end")
    request = HelpRequest(requester_id=person_id_of(by), entered_by=by.actor, category=category,
                          village_id=village_id, description=description, window_start=window_start,
                          window_end=window_end, address=address, contact_phone=contact_phone, created_at=now)
    session.add(request)
    await session.flush()
    audit.record(session, by=by, action="help.requested", subject_kind="help_request", subject_id=request.id)
    await publish(session, HelpRequestedV1(help_request_id=request.id, category=category, village_id=village_id,
                                           entered_by_staff=by.actor is not None, requested_at=now))
    return request


async def get(session: AsyncSession, request_id: uuid.UUID) -> HelpRequest | None:
    return (await session.exec(select(HelpRequest).where(col(HelpRequest.id) == request_id)
                               .execution_options(populate_existing=True))).first()


def is_requester(request: HelpRequest, principal: Principal) -> bool:
    return str(request.requester_id) == principal.sub


async def _step(session: AsyncSession, request_id: uuid.UUID, from_state: str, **values: object) -> bool:
    result = await execute(session, update(HelpRequest).where(
        col(HelpRequest.id) == request_id, col(HelpRequest.state) == from_state).values(**values)
        .returning(col(HelpRequest.id)))
    return result.first() is not None


async def offer(session: AsyncSession, *, request: HelpRequest, by: Principal, now: datetime) -> HelpRequest:
    helper = person_id_of(by)
    if request.requester_id == helper:
        raise ProblemError(409, "OWN_REQUEST", "You cannot offer help on your own request.")
    if not await _step(session, request.id, "open", state="offered", helper_id=helper, offered_at=now):
        raise ProblemError(409, "HELP_NOT_OPEN", "Someone else has offered to help already.")
    audit.record(session, by=by, action="help.offered", subject_kind="help_request", subject_id=request.id)
    if request.requester_id is not None:
        await tell(session, request.requester_id, what="help_offered", title=texts.HELP_OFFERED,
                   body=texts.HELP_OFFERED_BODY.format(category=CATEGORY_NAMES[request.category]),
                   key=f"help:{request.id}:offered:{now.isoformat()}", link=LINK)
    return await _fresh(session, request.id)


async def decide(session: AsyncSession, *, request: HelpRequest, accept: bool, by: Principal,
                 now: datetime) -> HelpRequest:
    """The requester (or staff acting for them) confirms the helper, or sends the request back to open."""
    if accept:
        if not await _step(session, request.id, "offered", state="matched", matched_at=now):
            raise ProblemError(409, "NO_OFFER", "There is no offer to confirm.")
        await publish(session, HelpMatchedV1(help_request_id=request.id, matched_at=now))
        assert request.helper_id is not None
        await tell(session, request.helper_id, what="help_matched", title=texts.HELP_MATCHED,
                   body=texts.HELP_MATCHED_BODY.format(category=CATEGORY_NAMES[request.category]),
                   key=f"help:{request.id}:matched", link=LINK)
    elif not await _step(session, request.id, "offered", state="open", helper_id=None, offered_at=None):
        raise ProblemError(409, "NO_OFFER", "There is no offer to decline.")
    audit.record(session, by=by, action="help.accepted" if accept else "help.declined",
                 subject_kind="help_request", subject_id=request.id)
    return await _fresh(session, request.id)


async def close(session: AsyncSession, *, request: HelpRequest, done: bool, by: Principal) -> HelpRequest:
    target = "done" if done else "cancelled"
    from_states = ["matched"] if done else ["open", "offered", "matched"]
    result = await execute(session, update(HelpRequest).where(
        col(HelpRequest.id) == request.id, col(HelpRequest.state).in_(from_states)).values(state=target)
        .returning(col(HelpRequest.id)))
    if result.first() is None:
        raise ProblemError(409, "INVALID_TRANSITION", f"A request in state {request.state} cannot become {target}.")
    audit.record(session, by=by, action=f"help.{target}", subject_kind="help_request", subject_id=request.id)
    return await _fresh(session, request.id)


async def _fresh(session: AsyncSession, request_id: uuid.UUID) -> HelpRequest:
    request = await get(session, request_id)
    assert request is not None
    return request
