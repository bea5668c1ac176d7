"""Every text of the volunteers pages (German); `web.texts.Texts.volunteers` holds this area's instance, so
templates read `t.volunteers.<name>`. A second language is a second instance."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VolunteersTexts:
    nav: str


DE = VolunteersTexts(
    nav="Helfen",
)
