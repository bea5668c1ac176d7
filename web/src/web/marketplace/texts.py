"""Every text of the marketplace pages (German); `web.texts.Texts.marketplace` holds this area's instance, so
templates read `t.marketplace.<name>`. A second language is a second instance."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MarketplaceTexts:
    nav: str


DE = MarketplaceTexts(
    nav="Einkaufen",
)
