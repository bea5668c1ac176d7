"""The district's own warnings (the KATWARN role): authors with scope `alert-author` issue, update and
cancel warnings for their district's territory as CAP 1.2, which then take the same path as any feed's
message (ingest → delivery → events). Beyond the territory a second author must approve; another district's
author cannot see or touch the thread (404); every action is audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from alerts.crud.context import Ingest
from alerts.crud.threads import Outcome, ingest
from alerts.domain.cap import CapDraft, CapReference, parse_cap, write_cap
from alerts.domain.geometry import Circle, Polygon, Shape, make_ring
from alerts.domain.local import identifier, next_sent
from alerts.domain.message import Message, Severity
from alerts.domain.territory import convex_hull, outside
from alerts.models import ThreadKey, WarningMessage, WarningThread
from alerts.schemas import AreaIn, LocalWarningIn
from platformkit import audit as audit_log
from platformkit.audit import AuditEntry
from platformkit.problems import ProblemError

# Choosing one Ortsteil warns a circle of this radius around its centroid (the gazetteer has no outlines).
ORTSTEIL_RADIUS_KM = 1.5


# The audit log's subject kind of a warning thread.
THREAD = "warning_thread"


@dataclass(frozen=True, slots=True)
class Author:
    sub: str
    district: str
    on_behalf_of: str | None = None


def audit(session: AsyncSession, author: Author, action: str, thread_id: uuid.UUID | None, detail: str = "") -> None:
    """An author's action in platformkit's audit log, with their district (the audit list shows a district's)."""
    audit_log.record(session, actor=author.sub, on_behalf_of=author.on_behalf_of, action=action,
                     subject_kind=None if thread_id is None else THREAD, subject_id=thread_id,
                     district=author.district, note=detail[:1000])


def thread_of(entry: AuditEntry) -> uuid.UUID | None:
    """The warning thread an audit entry is about, if any."""
    return uuid.UUID(entry.subject_id) if entry.subject_kind == THREAD and entry.subject_id else None


def area_shapes(area: AreaIn, ctx: Ingest) -> tuple[list[Shape], list[tuple[str, str]]]:
    """The drawn or chosen area as CAP shapes and geocodes; refuses what CAP cannot carry."""
    gazetteer = ctx.gazetteer
    shapes: list[Shape] = []
    for index, points in enumerate(area.polygons):
        ring = make_ring(points)
        if ring is None:
            raise ProblemError(422, "AREA_POLYGON_DEGENERATE",
                               "A polygon needs at least three different corners that enclose an area.",
                               field=f"area.polygons.{index}")
        shapes.append(Polygon(ring))
    shapes.extend(Circle(c.lat, c.lon, c.radius_km) for c in area.circles)
    for index, ortsteil_id in enumerate(area.ortsteil_ids):
        place = gazetteer.get_ortsteil(ortsteil_id)
        if place is None:
            raise ProblemError(422, "UNKNOWN_PLACE", f"No village {ortsteil_id!r} in the district.",
                               field=f"area.ortsteil_ids.{index}")
        shapes.append(Circle(place.lat, place.lon, ORTSTEIL_RADIUS_KM))
    geocodes: list[tuple[str, str]] = []
    for index, ars in enumerate(area.ars):
        if not gazetteer.gemeinden_in(ars):
            raise ProblemError(422, "AREA_OUTSIDE_DISTRICT", f"The key {ars} names no Gemeinde of the district.",
                               field=f"area.ars.{index}")
        geocodes.append(("ARS", ars))
    if not shapes and not geocodes:
        raise ProblemError(422, "AREA_EMPTY", "Draw or choose the area the warning is for.", field="area")
    return shapes, geocodes


def beyond_territory(shapes: list[Shape], ctx: Ingest) -> bool:
    hull = convex_hull((o.lat, o.lon) for o in ctx.gazetteer.ortsteile)
    if hull is None:
        return False
    return bool(outside(hull, shapes, ctx.settings.territory_tolerance_m))


async def _thread_of(session: AsyncSession, thread_id: uuid.UUID, author: Author) -> WarningThread:
    thread = await session.get(WarningThread, thread_id)
    # Another district's thread answers exactly like a missing one.
    if thread is None or thread.source != "local" or thread.issuing_district != author.district:
        raise ProblemError(404, "WARNING_NOT_FOUND", "No such local warning.")
    return thread


async def _earlier(session: AsyncSession, thread_id: uuid.UUID) -> list[CapReference]:
    rows = (await session.exec(
        select(WarningMessage).where(WarningMessage.thread_id == thread_id).order_by(col(WarningMessage.sent))
    )).all()
    return [CapReference(r.sender, r.identifier, r.sent) for r in rows]


async def _issue(
    session: AsyncSession, thread: WarningThread, body: LocalWarningIn, msg_type: str, ctx: Ingest
) -> Outcome:
    shapes, geocodes = area_shapes(body.area, ctx)
    earlier = await _earlier(session, thread.id)
    district = thread.issuing_district or ctx.gazetteer.landkreis.ars
    draft = CapDraft(
        identifier=identifier(district, thread.id, len(earlier) + 1),
        sender=ctx.settings.cap_sender,
        sender_name=ctx.settings.cap_sender_name,
        sent=next_sent(ctx.now, earlier),
        msg_type=msg_type,
        category=body.category,
        event=body.event,
        severity=Severity.parse(body.severity),
        urgency=body.urgency,
        certainty=body.certainty,
        headline=body.headline,
        description=body.description,
        instruction=body.instruction,
        area_description=body.area.description,
        shapes=tuple(shapes),
        geocodes=tuple(geocodes),
        expires=body.expires,
        references=tuple(earlier),
        web=f"{ctx.settings.public_url.rstrip('/')}/alerts/warnings/{thread.id}",
    )
    xml = write_cap(draft)
    message = parse_cap(xml)  # our own output goes through the same parser as everyone else's
    session.add(ThreadKey(key=message.key, thread_id=thread.id))
    await session.flush()
    return await ingest(session, message, ctx, source="local", cap_xml=xml.decode(), issuing_district=district)


async def create(session: AsyncSession, body: LocalWarningIn, author: Author, ctx: Ingest) -> WarningThread:
    if author.district != ctx.gazetteer.landkreis.ars:
        raise ProblemError(403, "DISTRICT_NOT_SERVED", "This platform issues warnings only for its own district.")
    if body.expires is not None and body.expires <= ctx.now:
        raise ProblemError(422, "EXPIRES_IN_PAST", "The end of the warning must lie in the future.", field="expires")
    shapes, _ = area_shapes(body.area, ctx)
    thread = WarningThread(first_key="", source="local", sent_at=ctx.now, state="pending_approval",
                           issuing_district=author.district, headline=body.headline,
                           severity=int(Severity.parse(body.severity)))
    session.add(thread)
    await session.flush()
    thread.first_key = identifier(author.district, thread.id, 1)
    if beyond_territory(shapes, ctx):
        thread.pending_json = body.model_dump_json()
        thread.requested_by = author.sub[:64]
        session.add(thread)
        audit(session, author, "local.requested", thread.id, f"{body.headline} (beyond the territory)")
        return thread
    await _issue(session, thread, body, "Alert", ctx)
    audit(session, author, "local.issued", thread.id, body.headline)
    return thread


async def approve(session: AsyncSession, thread_id: uuid.UUID, author: Author, ctx: Ingest) -> WarningThread:
    thread = await _thread_of(session, thread_id, author)
    if thread.state != "pending_approval" or thread.pending_json is None:
        raise ProblemError(409, "NOT_AWAITING_APPROVAL", "This warning is not waiting for an approval.")
    if thread.requested_by == author.sub:
        raise ProblemError(403, "SECOND_AUTHOR_REQUIRED", "A second author must approve a warning beyond the district.")
    body = LocalWarningIn.model_validate_json(thread.pending_json)
    thread.pending_json = None
    await _issue(session, thread, body, "Alert", ctx)
    audit(session, author, "local.approved", thread.id, body.headline)
    return thread


async def update(
    session: AsyncSession, thread_id: uuid.UUID, body: LocalWarningIn, author: Author, ctx: Ingest,
    expected_version: int | None = None,
) -> WarningThread:
    thread = await _thread_of(session, thread_id, author)
    if expected_version is not None and expected_version != thread.version:
        raise ProblemError(412, "VERSION_MISMATCH", "The warning was changed meanwhile; reload it.", field="If-Match")
    if thread.state != "active":
        raise ProblemError(409, "WARNING_NOT_ACTIVE", f"The warning is {thread.state}; it cannot be updated.")
    shapes, _ = area_shapes(body.area, ctx)
    if beyond_territory(shapes, ctx):
        raise ProblemError(422, "AREA_BEYOND_TERRITORY",
                           "An update cannot reach beyond the district; issue a new warning for approval.",
                           field="area")
    await _issue(session, thread, body, "Update", ctx)
    audit(session, author, "local.updated", thread.id, body.headline)
    return thread


async def cancel(session: AsyncSession, thread_id: uuid.UUID, note: str, author: Author, ctx: Ingest) -> WarningThread:
    """The all-clear. A warning already cancelled stays as it is (a repeated cancel is harmless); one that
    expired meanwhile is still cancelled properly, so other systems get the Cancel."""
    thread = await _thread_of(session, thread_id, author)
    if thread.state in ("cancelled", "withdrawn"):
        return thread
    if thread.state == "pending_approval":
        thread.state, thread.pending_json = "withdrawn", None
        session.add(thread)
        audit(session, author, "local.withdrawn", thread.id, note)
        return thread
    current = await session.get(WarningMessage, thread.current_message_id) if thread.current_message_id else None
    if current is None or current.cap_xml is None:
        raise ProblemError(409, "WARNING_NOT_ACTIVE", "The warning has no message to cancel.")
    last = parse_cap(current.cap_xml.encode())
    info = last.infos[0]
    body = LocalWarningIn(
        category=info.categories[0] if info.categories else "Other",
        event=info.event or "Entwarnung",
        severity=info.severity.word if info.severity else "Minor",
        urgency="Immediate",
        certainty="Observed",
        headline=f"Entwarnung: {thread.headline}"[:200],
        description=note or "Die Warnung ist aufgehoben.",
        instruction="",
        expires=None,
        area=AreaIn.model_validate(_area_of(last)),
    )
    await _issue(session, thread, body, "Cancel", ctx)
    audit(session, author, "local.cancelled", thread.id, note)
    return thread


def _area_of(message: Message) -> dict[str, object]:
    """The area of our last message, as the request that issues the next one."""
    area = message.infos[0].areas[0]
    return {
        "description": area.description or "Gebiet",
        "polygons": [[list(p) for p in s.outer] for s in area.shapes if isinstance(s, Polygon)],
        "circles": [{"lat": s.lat, "lon": s.lon, "radius_km": s.radius_km} for s in area.shapes
                    if isinstance(s, Circle)],
        "ars": [v for n, v in area.geocodes if n == "ARS"],
    }
