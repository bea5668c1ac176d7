"""Villages are the district gazetteer's Ortsteile (libs/places): checked on input, never invented."""

from __future__ import annotations

from places import Gazetteer, Ortsteil, demo
from platformkit.problems import ProblemError


def gazetteer() -> Gazetteer:
    return demo()


def village(village_id: str, *, field: str) -> Ortsteil:
    found = gazetteer().get_ortsteil(village_id)
    if found is None:
        raise ProblemError(422, "UNKNOWN_VILLAGE", "This village (Ortsteil id) is not in the district.", field=field)
    return found


def point(village_id: str | None) -> tuple[float, float] | None:
    if village_id is None:
        return None
    found = gazetteer().get_ortsteil(village_id)
    return None if found is None else (found.lat, found.lon)


def name(village_id: str | None) -> str:
    found = gazetteer().get_ortsteil(village_id) if village_id else None
    return found.name if found else ""
