"""Every text of the mobility pages (German); `web.texts.Texts.mobility` holds this area's instance, so
templates read `t.mobility.<name>`. A second language is a second instance."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MobilityTexts:
    nav: str


DE = MobilityTexts(
    nav="Mitfahren",
)
