"""Telling people: the delivery rules (domain/delivery.py) applied to a thread's change, with a record per
recipient and notice. Notices go through platformkit's notify (outbox → NOTIFY → the person's live feed and
channels), each with a dedupe key, so that nothing is sent twice even when a step runs again."""

from __future__ import annotations

import json
import uuid

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from alerts.crud import channels
from alerts.crud.context import Ingest
from alerts.crud.recipients import Recipient, recipients
from alerts.domain import delivery as rules
from alerts.domain.language import reading
from alerts.domain.matching import target_from_json
from alerts.domain.message import Message, Severity
from alerts.domain.notices import compose
from alerts.models import Delivery, DeliveryRecord, WarningMessage, WarningThread
from platformkit import outbound
from platformkit.events import notify

__all__ = ["Delivery", "deliver_cancel", "deliver_change"]

KIND = "alerts.warning"

def _told(row: Delivery) -> rules.Told:
    return rules.Told(Severity(row.told_severity), row.affected, row.last_notified_at, row.all_clear_sent)


def _dedupe_key(thread: WarningThread, row: WarningMessage, notice: rules.Notice, severity: Severity) -> str:
    if notice is rules.Notice.ESCALATION:
        return f"{thread.id}:escalation:{severity.name.lower()}"
    if notice is rules.Notice.ALL_CLEAR:
        return f"{thread.id}:all_clear"
    return f"{thread.id}:{notice.value}:{row.id}"


async def _send(
    session: AsyncSession,
    thread: WarningThread,
    row: WarningMessage,
    message: Message,
    person_id: uuid.UUID,
    notice: rules.Notice,
    places: list[str],
    languages: str,
    push: tuple[uuid.UUID, str] | None,
) -> None:
    """To a person's feed (and their channels) through notify; to an anonymous subscription by Web Push."""
    text = compose(notice, reading(message.infos, languages.split()), places, message.severity)
    key = _dedupe_key(thread, row, notice, message.severity)
    link = f"/alerts/warnings/{thread.id}"
    if push is None:
        await notify(session, person_id=person_id, kind=KIND, title=text.title, body=text.body, link=link,
                     severity=text.severity, dedupe_key=key)  # type: ignore[arg-type]
    else:
        subscription_id, target = push
        await outbound.enqueue(
            session, channel="webpush", target=target, dedupe_key=f"{key}:{subscription_id}",
            payload={"kind": KIND, "title": text.title, "body": text.body, "link": link, "severity": text.severity},
            params={"urgency": "high" if text.severity == "critical" else "normal"},
            reference=f"subscription:{subscription_id}",
        )
    session.add(DeliveryRecord(thread_id=thread.id, message_id=row.id, person_id=person_id, notice=notice.value,
                               channel="feed" if push is None else "webpush", dedupe_key=key))


async def _deliveries(session: AsyncSession, thread_id: uuid.UUID) -> dict[uuid.UUID, Delivery]:
    rows = (await session.exec(select(Delivery).where(Delivery.thread_id == thread_id))).all()
    return {row.person_id: row for row in rows}


async def deliver_change(
    session: AsyncSession, thread: WarningThread, row: WarningMessage, message: Message, ctx: Ingest
) -> int:
    """The thread's current message is `message` (public, active): tell whom it newly concerns, who is
    raised, who fell out; the rest get a silent update. Returns the number of notices."""
    target = target_from_json(json.loads(thread.area_json))
    found = await recipients(session, target, ctx.gazetteer, severity=thread.severity, topic_mask=thread.topic_mask)
    matched = {recipient.person_id: recipient for recipient in found.values()}
    existing = await _deliveries(session, thread.id)
    anonymous = await channels.anonymous_targets(session, [*matched, *existing])
    sent = 0
    for person_id in set(matched) | {p for p, d in existing.items() if d.affected}:
        record = existing.get(person_id)
        before = _told(record) if record is not None else None
        recipient = matched.get(person_id) or Recipient(person_id.hex)
        matches = person_id in matched
        notice = rules.on_change(before, matches=matches, severity=message.severity, now=ctx.now,
                                 debounce=ctx.debounce)
        state = rules.after(before, notice, matches=matches, severity=message.severity, now=ctx.now)
        places = sorted(recipient.places) or (record.places.split("\n") if record and record.places else [])
        if record is None:
            if not matches:
                continue
            record = Delivery(thread_id=thread.id, person_id=person_id)
        record.told_severity, record.affected = int(state.told_severity), state.affected
        record.last_notified_at, record.all_clear_sent = state.last_notified_at, state.all_clear_sent
        record.places = "\n".join(places)[:500]
        record.updated_at = ctx.now
        session.add(record)
        if notice is not None:
            await _send(session, thread, row, message, person_id, notice, places, recipient.languages,
                        anonymous.get(person_id))
            sent += 1
    return sent


async def deliver_cancel(
    session: AsyncSession, thread: WarningThread, row: WarningMessage, message: Message, ctx: Ingest
) -> int:
    """One all-clear, in their language, to everyone who was told and is still affected."""
    existing = await _deliveries(session, thread.id)
    languages = await _languages(session, list(existing))
    anonymous = await channels.anonymous_targets(session, list(existing))
    sent = 0
    for person_id, record in existing.items():
        before = _told(record)
        notice = rules.on_cancel(before)
        state = rules.after(before, notice, matches=False, severity=message.severity, now=ctx.now)
        record.affected, record.all_clear_sent = state.affected, state.all_clear_sent
        record.last_notified_at, record.updated_at = state.last_notified_at, ctx.now
        session.add(record)
        if notice is not None:
            places = record.places.split("\n") if record.places else []
            await _send(session, thread, row, message, person_id, notice, places, languages.get(person_id, "de"),
                        anonymous.get(person_id))
            sent += 1
    return sent


async def _languages(session: AsyncSession, people: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    from alerts.models import Subscription

    found: dict[uuid.UUID, str] = {}
    for start in range(0, len(people), 400):
        rows = (await session.exec(
            select(Subscription).where(Subscription.person_id.in_(people[start:start + 400]))  # type: ignore[attr-defined]
        )).all()
        for sub in rows:
            found.setdefault(sub.person_id, sub.languages)
    return found
