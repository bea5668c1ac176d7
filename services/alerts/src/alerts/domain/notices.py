"""The words of a notice to a person, in their language where we have it (German otherwise). The warning's
own text comes from the message (domain/language.py); this adds what kind of notice it is and the places."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from alerts.domain.delivery import Notice
from alerts.domain.language import Reading
from alerts.domain.message import Severity

_PREFIX = {
    "de": {
        Notice.NEW: "Warnung", Notice.ESCALATION: "Warnung verschärft",
        Notice.NO_LONGER_AFFECTED: "Entwarnung für Ihren Ort", Notice.ALL_CLEAR: "Entwarnung",
    },
    "en": {
        Notice.NEW: "Warning", Notice.ESCALATION: "Warning raised",
        Notice.NO_LONGER_AFFECTED: "No longer affected", Notice.ALL_CLEAR: "All clear",
    },
}
_FOR = {"de": "Betrifft", "en": "Concerns"}
_GERMAN_ONLY = {"de": "", "en": "(German only)"}


@dataclass(frozen=True, slots=True)
class NoticeText:
    title: str
    body: str
    severity: str  # the notification's: info | warning | critical


def compose(notice: Notice, reading: Reading | None, places: Sequence[str], severity: Severity) -> NoticeText:
    language = (reading.language if reading else "de").split("-")[0].lower()
    words = language if language in _PREFIX else "de"
    headline = reading.headline if reading else ""
    title = f"{_PREFIX[words][notice]}: {headline}" if headline else _PREFIX[words][notice]
    lines = [f"{_FOR[words]}: {', '.join(sorted(places))}"] if places else []
    if reading and notice in (Notice.NEW, Notice.ESCALATION):
        if reading.instruction:
            lines.append(reading.instruction)
        elif reading.description:
            marker = _GERMAN_ONLY[words] if reading.description_language else ""
            lines.append(f"{reading.description} {marker}".strip())
    level = "info"
    if notice in (Notice.NEW, Notice.ESCALATION):
        level = "critical" if severity >= Severity.SEVERE else "warning"
    return NoticeText(title=title[:200], body="\n".join(lines)[:2000], severity=level)
