"""What a person is told when a thread changes — the rules, without I/O.

- a new warning for their place: notify;
- an update with the same or lower severity: silent (their list changes, no alert);
- an escalation: notify, once per level (the told severity only rises);
- an update whose area no longer covers them: one "no longer affected" notice;
- an update whose area newly covers them: notify as new — unless they were told about this thread within
  the debounce window (an area flapping in an update flood is one message, not many);
- a cancel: one all-clear, only to whoever was told and is still affected.
Several matching places of one person are one recipient, so one message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from alerts.domain.message import Severity


class Notice(StrEnum):
    NEW = "new"
    ESCALATION = "escalation"
    NO_LONGER_AFFECTED = "no_longer_affected"
    ALL_CLEAR = "all_clear"


@dataclass(frozen=True, slots=True)
class Told:
    """What a recipient was told about a thread so far."""

    told_severity: Severity
    affected: bool
    last_notified_at: datetime | None
    all_clear_sent: bool = False


def on_change(
    before: Told | None,
    *,
    matches: bool,
    severity: Severity,
    now: datetime,
    debounce: timedelta,
) -> Notice | None:
    """An Alert or Update made the thread's current state; the notice this recipient gets, if any."""
    if before is None:
        return Notice.NEW if matches else None
    if not before.affected:
        if not matches or before.all_clear_sent:
            return None
        recent = before.last_notified_at is not None and now - before.last_notified_at < debounce
        return None if recent else Notice.NEW
    if not matches:
        return Notice.NO_LONGER_AFFECTED
    if severity > before.told_severity:
        return Notice.ESCALATION
    return None


def on_cancel(before: Told | None) -> Notice | None:
    if before is None or not before.affected or before.all_clear_sent:
        return None
    return Notice.ALL_CLEAR


def after(before: Told | None, notice: Notice | None, *, matches: bool, severity: Severity, now: datetime) -> Told:
    """The recipient's record after the change (also when nothing was sent)."""
    told = before.told_severity if before is not None else Severity.UNKNOWN
    last = before.last_notified_at if before is not None else None
    if notice in (Notice.NEW, Notice.ESCALATION):
        return Told(severity, True, now)
    if notice is Notice.ALL_CLEAR:
        return Told(told, False, now, all_clear_sent=True)
    if notice is Notice.NO_LONGER_AFFECTED:
        return Told(told, False, now)
    return Told(told, matches and before is not None, last, before.all_clear_sent if before is not None else False)
