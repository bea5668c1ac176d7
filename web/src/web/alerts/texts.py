"""Every text of the alerts pages (German); `web.texts.Texts.alerts` holds this area's instance, so
templates read `t.alerts.<name>`. A second language is a second instance."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AlertsTexts:
    nav: str


DE = AlertsTexts(
    nav="Warnungen",
)
