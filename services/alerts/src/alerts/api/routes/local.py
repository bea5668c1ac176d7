"""Local warnings by the district's alert authors: issue, update, cancel, approve, preview; the audit log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response
from sqlmodel import col, select

from alerts.api.deps import AuthorDep, IngestDep
from alerts.crud import local, views
from alerts.crud.recipients import recipients
from alerts.domain.matching import Target, covered_ortsteile, topics_of
from alerts.domain.message import Severity
from alerts.models import WarningThread
from alerts.schemas import AuditOut, CancelIn, LocalWarningIn, PreviewOut, WarningList, WarningOut
from places import area_prefix
from platformkit import audit
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.idempotency import IdempotencyDep
from platformkit.pagination import PageParams
from platformkit.problems import ProblemError

router = APIRouter(prefix="/local", tags=["local warnings"])


async def _out(session: SessionDep | ReadSessionDep, thread: WarningThread) -> WarningOut:
    return await views.to_out(session, thread, ["de"])


@router.post("", status_code=201, response_model=WarningOut)
async def issue(
    body: LocalWarningIn, author: AuthorDep, session: SessionDep, ctx: IngestDep, idempotency: IdempotencyDep
) -> Response | WarningOut:
    """Issue a warning for the district (CAP Alert). Beyond the territory it waits for a second author
    (state `pending_approval`). Needs an Idempotency-Key: a repeated submission creates no second warning."""
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    thread = await local.create(session, body, author, ctx)
    out = await _out(session, thread)
    await idempotency.complete(201, out)
    await session.commit()
    return out


@router.put("/{thread_id}", response_model=WarningOut)
async def update(
    thread_id: uuid.UUID, body: LocalWarningIn, author: AuthorDep, session: SessionDep, ctx: IngestDep,
    if_match: Annotated[str | None, Header()] = None,
) -> WarningOut:
    """Change the warning (CAP Update referencing every earlier message). `If-Match: <version>` guards
    against overwriting a colleague's change (and makes a retried update harmless)."""
    expected = None
    if if_match is not None:
        try:
            expected = int(if_match.strip().strip('"').removeprefix("W/").strip('"'))
        except ValueError:
            raise ProblemError(400, "IF_MATCH_INVALID", "If-Match holds the warning's version.",
                               field="header.If-Match") from None
    thread = await local.update(session, thread_id, body, author, ctx, expected_version=expected)
    out = await _out(session, thread)
    await session.commit()
    return out


@router.post("/{thread_id}/cancel", response_model=WarningOut)
async def cancel(
    thread_id: uuid.UUID, body: CancelIn, author: AuthorDep, session: SessionDep, ctx: IngestDep
) -> WarningOut:
    """The all-clear (CAP Cancel). Cancelling twice, or after the warning expired, is accepted."""
    thread = await local.cancel(session, thread_id, body.note, author, ctx)
    out = await _out(session, thread)
    await session.commit()
    return out


@router.post("/{thread_id}/approve", response_model=WarningOut)
async def approve(thread_id: uuid.UUID, author: AuthorDep, session: SessionDep, ctx: IngestDep) -> WarningOut:
    """A second author approves a warning that reaches beyond the district."""
    thread = await local.approve(session, thread_id, author, ctx)
    out = await _out(session, thread)
    await session.commit()
    return out


@router.post("/preview", response_model=PreviewOut)
async def preview(body: LocalWarningIn, _author: AuthorDep, session: ReadSessionDep, ctx: IngestDep) -> PreviewOut:
    """Who the warning would reach (people subscribed to a place in its area), before issuing it."""
    shapes, geocodes = local.area_shapes(body.area, ctx)
    target = Target(tuple(shapes), tuple(area_prefix(v) for _, v in geocodes), (), ())
    severity = Severity.parse(body.severity)
    found = await recipients(session, target, ctx.gazetteer, severity=int(severity),
                             topic_mask=int(topics_of([body.category], body.event)))
    return PreviewOut(people=len(found), ortsteil_ids=covered_ortsteile(target, ctx.gazetteer),
                      outside_territory=local.beyond_territory(shapes, ctx))


@router.get("", response_model=WarningList)
async def list_local(author: AuthorDep, session: ReadSessionDep) -> WarningList:
    """The district's own warnings, newest first (active, waiting for approval, and ended)."""
    threads = (await session.exec(
        select(WarningThread).where(WarningThread.source == "local", WarningThread.issuing_district == author.district)
        .order_by(col(WarningThread.created_at).desc()).limit(200)
    )).all()
    return WarningList(items=[await _out(session, t) for t in threads])


@router.get("/audit", response_model=list[AuditOut])
async def audit_log(author: AuthorDep, session: ReadSessionDep) -> list[AuditOut]:
    rows, _ = await audit.page(session, PageParams(limit=500, cursor=None),
                               details={"district": author.district}, newest_first=True)
    return [AuditOut(at=r.at, actor=r.actor, on_behalf_of=r.on_behalf_of, district=r.details.get("district"),
                     action=r.action, thread_id=local.thread_of(r), detail=str(r.details.get("note", "")))
            for r in rows]


