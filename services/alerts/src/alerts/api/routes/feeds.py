"""Feeds: operators configure sources (allowed hosts only) and watch their health and quarantine; the
district's own warnings go out as a CAP Atom feed for other systems."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from xml.etree.ElementTree import Element, SubElement, tostring  # noqa: S405 - writing our own XML only

from fastapi import APIRouter, Response
from sqlalchemy import func
from sqlmodel import col, select

from alerts.api.deps import IngestDep, Operator
from alerts.crud.feeds import FeedUrlRefused, check_feed_url
from alerts.crud.local import Author, audit
from alerts.domain.cap import format_time
from alerts.models import Feed, FeedItem, Quarantine, WarningMessage, WarningThread
from alerts.schemas import FeedIn, FeedOut, FeedPatch, QuarantineOut
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.problems import ProblemError

router = APIRouter(tags=["feeds"])


def _healthy(feed: Feed, now: datetime) -> bool:
    if not feed.enabled:
        return True
    if feed.consecutive_failures > 0 or feed.last_success_at is None:
        return False
    return now - feed.last_success_at <= timedelta(seconds=feed.poll_seconds * 3 + 60)


async def _out(session: SessionDep | ReadSessionDep, feed: Feed, ctx: IngestDep) -> FeedOut:
    items = (await session.exec(select(func.count()).select_from(FeedItem).where(FeedItem.feed_id == feed.id))).one()
    return FeedOut(
        id=feed.id, name=feed.name, kind=feed.kind, url=feed.url, source=feed.source, poll_seconds=feed.poll_seconds,
        enabled=feed.enabled, healthy=_healthy(feed, ctx.now), last_outcome=feed.last_outcome,
        last_error=feed.last_error, last_attempt_at=feed.last_attempt_at, last_success_at=feed.last_success_at,
        consecutive_failures=feed.consecutive_failures, fetches=feed.fetches, not_modified=feed.not_modified,
        quarantined=feed.quarantined, items=int(items),
    )


def _checked(url: str, ctx: IngestDep) -> str:
    try:
        return check_feed_url(url, ctx.settings.feed_allowed_hosts)
    except FeedUrlRefused as exc:
        raise ProblemError(422, "FEED_URL_REFUSED", str(exc), field="url") from None


@router.get("/feeds", response_model=list[FeedOut])
async def list_feeds(_: Operator, session: ReadSessionDep, ctx: IngestDep) -> list[FeedOut]:
    """Every configured feed with its health (operators)."""
    feeds = (await session.exec(select(Feed).order_by(col(Feed.name)))).all()
    return [await _out(session, f, ctx) for f in feeds]


@router.post("/feeds", status_code=201, response_model=FeedOut)
async def add_feed(body: FeedIn, operator: Operator, session: SessionDep, ctx: IngestDep) -> FeedOut:
    if not operator.has_scope("admin") and not operator.has_scope("alert-author"):
        raise ProblemError(403, "FORBIDDEN", "Feeds are configured by alert authors or admins.")
    exists = (await session.exec(select(Feed).where(Feed.name == body.name))).first()
    if exists is not None:
        raise ProblemError(409, "FEED_EXISTS", "A feed with this name exists.", field="name")
    feed = Feed(name=body.name, kind=body.kind, url=_checked(body.url, ctx), source=body.source,
                poll_seconds=body.poll_seconds, enabled=body.enabled, created_by=operator.sub[:64],
                next_poll_at=ctx.now)
    session.add(feed)
    await session.flush()
    audit(session, Author(operator.sub, ctx.gazetteer.landkreis.ars), "feed.added", None, f"{feed.name} {feed.url}")
    out = await _out(session, feed, ctx)
    await session.commit()
    return out


@router.patch("/feeds/{feed_id}", response_model=FeedOut)
async def change_feed(
    feed_id: uuid.UUID, body: FeedPatch, operator: Operator, session: SessionDep, ctx: IngestDep
) -> FeedOut:
    if not operator.has_scope("admin") and not operator.has_scope("alert-author"):
        raise ProblemError(403, "FORBIDDEN", "Feeds are configured by alert authors or admins.")
    feed = await session.get(Feed, feed_id)
    if feed is None:
        raise ProblemError(404, "FEED_NOT_FOUND", "No such feed.")
    if body.url is not None:
        feed.url, feed.etag, feed.last_modified, feed.body_sha256 = _checked(body.url, ctx), None, None, None
    if body.poll_seconds is not None:
        feed.poll_seconds = body.poll_seconds
    if body.enabled is not None:
        feed.enabled = body.enabled
    session.add(feed)
    audit(session, Author(operator.sub, ctx.gazetteer.landkreis.ars), "feed.changed", None,
          body.model_dump_json(exclude_none=True))
    out = await _out(session, feed, ctx)
    await session.commit()
    return out


@router.get("/feeds/quarantine", response_model=list[QuarantineOut])
async def quarantined(_: Operator, session: ReadSessionDep) -> list[QuarantineOut]:
    """Messages that could not be taken, newest first, with the reason."""
    rows = (await session.exec(select(Quarantine).order_by(col(Quarantine.received_at).desc()).limit(200))).all()
    return [QuarantineOut(id=r.id, feed_id=r.feed_id, item=r.item, code=r.code, detail=r.detail,
                          received_at=r.received_at) for r in rows]


ATOM = "http://www.w3.org/2005/Atom"


@router.get("/cap/local.atom")
async def local_atom(session: ReadSessionDep, ctx: IngestDep) -> Response:
    """The district's own public warnings as an Atom feed of CAP 1.2 messages: the current message of every
    active warning, and the Cancels of the last day, each entry linking to its CAP XML."""
    since = ctx.now - timedelta(days=1)
    threads = (await session.exec(
        select(WarningThread).where(
            WarningThread.source == "local", WarningThread.public == True,  # noqa: E712
            WarningThread.issuing_district == ctx.gazetteer.landkreis.ars,
        ).where((col(WarningThread.state) == "active") | (col(WarningThread.updated_at) >= since))
        .order_by(col(WarningThread.updated_at).desc()).limit(200)
    )).all()
    base = ctx.settings.public_url.rstrip("/") + "/api/alerts"
    feed = Element("feed", {"xmlns": ATOM})
    SubElement(feed, "id").text = f"{base}/cap/local.atom"
    SubElement(feed, "title").text = f"Warnungen: {ctx.gazetteer.landkreis.name}"
    SubElement(feed, "updated").text = format_time(max((t.updated_at for t in threads), default=ctx.now))
    SubElement(feed, "link", {"rel": "self", "href": f"{base}/cap/local.atom"})
    author = SubElement(feed, "author")
    SubElement(author, "name").text = ctx.settings.cap_sender_name
    for thread in threads:
        row = await session.get(WarningMessage, thread.current_message_id) if thread.current_message_id else None
        if row is None or row.cap_xml is None:
            continue
        entry = SubElement(feed, "entry")
        SubElement(entry, "id").text = row.identifier
        cancelled = row.msg_type == "Cancel"
        SubElement(entry, "title").text = f"Entwarnung: {thread.headline}" if cancelled else thread.headline
        SubElement(entry, "updated").text = format_time(row.sent)
        SubElement(entry, "link", {"rel": "alternate", "type": "application/cap+xml",
                                   "href": f"{base}/warnings/{thread.id}/messages/{row.id}/cap"})
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(feed, encoding="unicode").encode()
    return Response(body, media_type="application/atom+xml")
