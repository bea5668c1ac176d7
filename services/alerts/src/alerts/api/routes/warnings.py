"""Warnings: the district's current public warnings, one warning in the reader's language, a person's own."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import col, select

from alerts.api.deps import IngestDep, Operator
from alerts.api.routes.subscriptions import person_of
from alerts.crud import subscriptions, views
from alerts.models import WarningMessage, WarningThread
from alerts.schemas import MessageOut, WarningList, WarningOut
from platformkit.auth import OptionalPrincipalDep, PrincipalDep
from platformkit.deps import ReadSessionDep
from platformkit.problems import ProblemError

router = APIRouter(tags=["warnings"])

Languages = Annotated[str, Query(max_length=60, pattern=r"^[A-Za-z0-9 ,-]*$")]


def _languages(lang: str) -> list[str]:
    return [part for part in lang.replace(",", " ").split() if part] or ["de"]


@router.get("/warnings", response_model=WarningList)
async def list_warnings(session: ReadSessionDep, lang: Languages = "de") -> WarningList:
    """The public warnings active now (no drills, tests or restricted messages), most severe first."""
    threads = await views.public_active(session)
    return WarningList(items=[await views.to_out(session, t, _languages(lang)) for t in threads])


@router.get("/warnings/{thread_id}", response_model=WarningOut)
async def get_warning(
    thread_id: uuid.UUID, session: ReadSessionDep, principal: OptionalPrincipalDep, lang: Languages = "de"
) -> WarningOut:
    thread = await session.get(WarningThread, thread_id)
    operator = principal is not None and principal.has_role("operator")
    if thread is None or not (thread.public or operator) or thread.state == "pending_approval" and not operator:
        raise ProblemError(404, "WARNING_NOT_FOUND", "No such warning.")
    return await views.to_out(session, thread, _languages(lang))


@router.get("/warnings/{thread_id}/messages", response_model=list[MessageOut])
async def list_messages(thread_id: uuid.UUID, session: ReadSessionDep, _: Operator) -> list[MessageOut]:
    """Every message of a thread, with what became of it (operators)."""
    rows = (await session.exec(
        select(WarningMessage).where(WarningMessage.thread_id == thread_id).order_by(col(WarningMessage.sent))
    )).all()
    return [MessageOut(id=r.id, identifier=r.identifier, sender=r.sender, sent=r.sent, msg_type=r.msg_type,
                       status=r.status, scope=r.scope, disposition=r.disposition, has_cap=r.cap_xml is not None)
            for r in rows]


@router.get("/warnings/{thread_id}/messages/{message_id}/cap")
async def get_cap(thread_id: uuid.UUID, message_id: uuid.UUID, session: ReadSessionDep) -> Response:
    """The CAP 1.2 XML of one of our own (local) messages."""
    row = await session.get(WarningMessage, message_id)
    thread = await session.get(WarningThread, thread_id)
    if row is None or thread is None or row.thread_id != thread_id or row.cap_xml is None or not thread.public:
        raise ProblemError(404, "MESSAGE_NOT_FOUND", "No such CAP message.")
    return Response(row.cap_xml, media_type="application/cap+xml")


@router.get("/me/warnings", response_model=WarningList)
async def my_warnings(
    principal: PrincipalDep, session: ReadSessionDep, ctx: IngestDep, lang: Languages = ""
) -> WarningList:
    """Warnings for the caller's subscribed places (active, and those ended in the last hours)."""
    person_id = person_of(principal.sub)
    found = await subscriptions.get(session, person_id)
    languages = _languages(lang) if lang else (found[0].languages.split() if found else ["de"])
    pairs = await views.for_person(session, person_id, ctx.now, ctx.gazetteer)
    return WarningList(items=[await views.to_out(session, t, languages, mine) for t, mine in pairs])

