"""Which info of a multi-language message a person reads.

NINA writes `DE`, `DE-LS` (Leichte Sprache), `EN`, …; DWD `de-DE`, `en-GB`. Matching is case-insensitive and
by primary subtag, but a variant like `DE-LS` is taken only by whoever asked for it. NINA's translations swap
only boilerplate (the EN headline is "Alert", the description stays German), so the reader gets the
translated headline and instruction and the original description, marked with its language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from alerts.domain.message import Info

SPECIAL_VARIANTS = ("ls",)  # Leichte Sprache


def _norm(tag: str) -> str:
    return tag.strip().lower().replace("_", "-")


def _variant_ok(tag: str, wanted: str) -> bool:
    parts = tag.split("-")
    return not (len(parts) > 1 and parts[1] in SPECIAL_VARIANTS and tag != wanted)


def choose_info(infos: Sequence[Info], preferred: Sequence[str]) -> Info | None:
    """The first info matching the person's languages in order; then German; then the first."""
    if not infos:
        return None
    for wanted in [_norm(p) for p in preferred] + ["de"]:
        for info in infos:
            if _norm(info.language) == wanted:
                return info
        primary = wanted.split("-")[0]
        for info in infos:
            tag = _norm(info.language)
            if tag.split("-")[0] == primary and _variant_ok(tag, wanted):
                return info
    return infos[0]


def primary_info(infos: Sequence[Info]) -> Info | None:
    """The original (German) info: the one translations are made from."""
    return choose_info(infos, ("de",))


@dataclass(frozen=True, slots=True)
class Reading:
    language: str
    headline: str
    description: str
    instruction: str
    # The language of `description` when it is not the reader's (NINA translations keep it German).
    description_language: str | None


def reading(infos: Sequence[Info], preferred: Sequence[str]) -> Reading | None:
    chosen = choose_info(infos, preferred)
    if chosen is None:
        return None
    original = primary_info(infos) or chosen
    headline = chosen.headline or original.headline
    # A bare boilerplate headline ("Alert", "Warnung") says nothing: add the original's.
    if chosen is not original and original.headline and len(chosen.headline.split()) <= 1:
        headline = f"{chosen.headline or chosen.event}: {original.headline}".strip(": ")
    description = chosen.description or original.description
    description_language = None
    if chosen is not original and description == original.description and original.description:
        description_language = original.language.split("-")[0].lower()
    return Reading(
        language=chosen.language,
        headline=headline,
        description=description,
        instruction=chosen.instruction or original.instruction,
        description_language=description_language,
    )
