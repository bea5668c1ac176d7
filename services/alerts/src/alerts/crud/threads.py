"""Messages into threads: the one place where a CAP or NINA message changes what residents see.

`ingest` finds the thread by the message's normalised identifier or by any identifier it references,
stores the message once (a message seen twice, from two feeds or two polls, is a no-op), and moves the
thread: a newer Alert/Update makes it active (silent when only `sent` changed), a Cancel ends it, an older
message is kept as stale, a message for a cancelled thread is suppressed (the Cancel's references are the
tombstone for an Alert that arrives late). Then delivery tells whom it concerns (crud/delivery.py) and an
event goes out for the other services — all in the caller's transaction."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from alerts import events
from alerts.crud import delivery
from alerts.crud._sql import execute
from alerts.crud.context import Ingest
from alerts.domain.language import primary_info
from alerts.domain.matching import compile_target, covered_ortsteile, target_to_json, topics_of
from alerts.domain.message import Message, info_to_dict
from alerts.models import Quarantine, ThreadKey, WarningMessage, WarningThread

_SOURCES = {"mow": "mowas", "kat": "katwarn", "biw": "biwapp", "dwd": "dwd", "lhp": "lhp", "pol": "police"}


@dataclass(frozen=True, slots=True)
class Outcome:
    # new | updated | unchanged | cancelled | duplicate | expired | suppressed | stale | not_public
    kind: str
    thread_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    notices: int = 0


def source_of(identifier: str, default: str) -> str:
    prefix = identifier.split(".", 1)[0].lower()
    if ".DWD." in identifier:  # DWD identifiers, with or without NINA's prefix
        return "dwd"
    return _SOURCES.get(prefix, default)


def message_key(message: Message) -> str:
    return f"{message.key}|{int(message.sent.timestamp())}|{message.version if message.version is not None else ''}"


async def quarantine(
    session: AsyncSession, *, code: str, detail: str, item: str = "", feed_id: uuid.UUID | None = None
) -> None:
    session.add(Quarantine(feed_id=feed_id, item=item[:300], code=code[:40], detail=detail[:500]))


async def known_message(session: AsyncSession, key: str) -> WarningMessage | None:
    return (await session.exec(select(WarningMessage).where(WarningMessage.message_key == key))).first()


def _newer(message: Message, current: WarningMessage | None, current_version: int | None) -> bool:
    if current is None:
        return True
    if message.sent != current.sent:
        return message.sent > current.sent
    return (message.version or 0) > (current_version or 0)


async def ingest(
    session: AsyncSession,
    message: Message,
    ctx: Ingest,
    *,
    source: str,
    feed_id: uuid.UUID | None = None,
    cap_xml: str | None = None,
    issuing_district: str | None = None,
) -> Outcome:
    key = message_key(message)
    seen = await known_message(session, key)
    if seen is not None:
        return Outcome("duplicate", seen.thread_id, seen.id)
    if not message.is_cancel and message.expires is not None and message.expires <= ctx.now:
        return Outcome("expired")

    keys = list(dict.fromkeys([message.key, *(r.identifier for r in message.references)]))
    known = {row.key: row.thread_id for row in (
        await session.exec(select(ThreadKey).where(col(ThreadKey.key).in_(keys)))).all()}
    thread_id = known.get(message.key) or next((known[k] for k in keys if k in known), None)
    thread = await session.get(WarningThread, thread_id) if thread_id is not None else None
    created = thread is None
    if thread is None:
        thread = WarningThread(
            first_key=message.key[:200], source=source_of(message.identifier, source), sent_at=message.sent,
            state="cancelled" if message.is_cancel else "active", issuing_district=issuing_district,
        )
        session.add(thread)
        await session.flush()
    for k in keys:
        if k not in known:
            session.add(ThreadKey(key=k[:200], thread_id=thread.id))

    current = await session.get(WarningMessage, thread.current_message_id) if thread.current_message_id else None
    row = WarningMessage(
        thread_id=thread.id, message_key=key, identifier=message.identifier[:200], sender=message.sender[:200],
        sent=message.sent, msg_type=message.msg_type, status=message.status, scope=message.scope,
        fingerprint=message.fingerprint(), infos_json=json.dumps([info_to_dict(i) for i in message.infos]),
        cap_xml=cap_xml, feed_id=feed_id,
    )
    if not created and thread.state == "cancelled" and not message.is_cancel:
        row.disposition = "suppressed"
        session.add(row)
        return Outcome("suppressed", thread.id)
    current_version = _version_of(current)
    if not created and not _newer(message, current, current_version):
        row.disposition = "stale"
        session.add(row)
        return Outcome("stale", thread.id)
    session.add(row)
    await session.flush()
    if current is not None:
        current.disposition = "superseded"
        session.add(current)
    if message.is_cancel:
        return await _cancel(session, thread, row, message, ctx, created=created)
    return await _change(session, thread, row, message, ctx, created=created, previous=current)


def _version_of(row: WarningMessage | None) -> int | None:
    if row is None:
        return None
    version = row.message_key.rsplit("|", 1)[-1]
    return int(version) if version else None


def _describe(thread: WarningThread, message: Message, ctx: Ingest) -> None:
    original = primary_info(message.infos)
    target = compile_target(message, ctx.gazetteer)
    thread.status, thread.scope = message.status, message.scope
    thread.public = message.is_public
    thread.severity = int(message.severity)
    thread.categories = " ".join(message.categories)[:200]
    thread.topic_mask = int(topics_of(message.categories, original.event if original else "", message.identifier))
    thread.headline = (original.headline if original else "")[:500]
    thread.sent_at = message.sent
    thread.expires_at = message.expires
    thread.area_json = json.dumps(target_to_json(target))
    thread.ortsteil_ids = " ".join(covered_ortsteile(target, ctx.gazetteer))
    thread.unresolved_geocodes = " ".join(target.unresolved)
    thread.fingerprint = message.fingerprint()
    thread.updated_at = ctx.now


async def _change(
    session: AsyncSession,
    thread: WarningThread,
    row: WarningMessage,
    message: Message,
    ctx: Ingest,
    *,
    created: bool,
    previous: WarningMessage | None,
) -> Outcome:
    was_live = not created and thread.public and thread.state == "active"
    unchanged = was_live and previous is not None and previous.fingerprint == row.fingerprint
    thread.current_message_id = row.id
    _describe(thread, message, ctx)
    thread.state, thread.ended_at = "active", None
    if unchanged:
        session.add(thread)
        return Outcome("unchanged", thread.id, row.id)
    thread.version += 0 if created else 1
    session.add(thread)
    if not thread.public:
        if was_live:
            await events.warning_ended(session, thread, "ended", ctx)
        return Outcome("not_public", thread.id, row.id)
    notices = await delivery.deliver_change(session, thread, row, message, ctx)
    if was_live:
        await events.warning_updated(session, thread, ctx)
        return Outcome("updated", thread.id, row.id, notices)
    await events.warning_issued(session, thread, ctx)
    return Outcome("new", thread.id, row.id, notices)


async def _cancel(
    session: AsyncSession, thread: WarningThread, row: WarningMessage, message: Message, ctx: Ingest, *, created: bool
) -> Outcome:
    was_live = not created and thread.public and thread.state == "active"
    thread.current_message_id = row.id
    thread.state, thread.ended_at, thread.updated_at = "cancelled", ctx.now, ctx.now
    thread.version += 0 if created else 1
    if created:  # a Cancel first: the thread is only its tombstone; nothing was ever shown
        _describe(thread, message, ctx)
        thread.public = False
    session.add(thread)
    notices = 0
    if was_live and message.is_public:
        notices = await delivery.deliver_cancel(session, thread, row, message, ctx)
    if was_live:
        await events.warning_ended(session, thread, "cancelled", ctx)
    return Outcome("cancelled", thread.id, row.id, notices)


async def expire_due(session: AsyncSession, ctx: Ingest) -> int:
    """Active threads whose latest `expires` has passed end now, without a push (their lists update)."""
    due = (await session.exec(
        select(WarningThread).where(
            WarningThread.state == "active", col(WarningThread.expires_at).is_not(None),
            col(WarningThread.expires_at) <= ctx.now,
        )
    )).all()
    for thread in due:
        await end(session, thread, "expired", ctx)
    return len(due)


async def end(session: AsyncSession, thread: WarningThread, reason: str, ctx: Ingest) -> None:
    """Expired, or gone from its feed: ended without an all-clear (policy: the sender did not give one)."""
    was_live = thread.public and thread.state == "active"
    thread.state, thread.ended_at, thread.updated_at = reason, ctx.now, ctx.now
    session.add(thread)
    await execute(session,
        update(delivery.Delivery).where(col(delivery.Delivery.thread_id) == thread.id).values(affected=False)
    )
    if was_live:
        await events.warning_ended(session, thread, "expired" if reason == "expired" else "ended", ctx)
