"""The find page's map of where help is needed: the villages with open shifts (the service's `/map`, at the
village centre) as numbered circles over the district's villages, the person's home village ringed;
web.maps projects them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from web.maps import Dot, district_projection

SPOT_RADIUS = 8.0  # room for a two-digit number
SPOT_RADIUS_MAX = 14.0
HOME_RING_GAP = 4.0  # the home ring lies this far outside the village's circle (or its small dot)
VILLAGE_RADIUS = 1.5  # the small dot find.html draws for every village


@dataclass(frozen=True)
class Spot:
    x: float
    y: float
    r: float
    village_id: str
    name: str
    count: int
    home: bool


@dataclass(frozen=True)
class HelpMap:
    width: float
    height: float
    villages: list[Dot]  # every village of the district, for orientation
    spots: list[Spot]  # most open shifts first (the list's order; drawn so, the smaller ones lie on top)
    home: Dot | None
    home_ring: float  # radius of the ring around the home village


def spot_radius(count: int) -> float:
    """Grows with the number of open shifts, gently (the area with its square root: one village with many
    must not cover its neighbours), up to a cap; the number inside says it exactly."""
    return round(min(SPOT_RADIUS_MAX, SPOT_RADIUS * math.sqrt(math.sqrt(max(count, 1)))), 1)


def help_map(villages: Sequence[dict[str, Any]], points: Sequence[dict[str, Any]],
             home_village_id: str | None) -> HelpMap | None:
    """`villages`: the district's (`id`, `name`, `lat`, `lon`); `points`: the service's map points
    (`village_id`, `village`, `lat`, `lon`, `open_shifts`). None without any village to place."""
    placed = [{"name": p["village"], "lat": p["lat"], "lon": p["lon"]} for p in points]
    box = district_projection([*villages, *placed])
    if box is None:
        return None
    ordered = sorted(points, key=lambda p: (-int(p["open_shifts"]), str(p["village"])))
    spots = [Spot(*box.xy(float(p["lat"]), float(p["lon"])), r=spot_radius(int(p["open_shifts"])),
                  village_id=str(p["village_id"]), name=str(p["village"]), count=int(p["open_shifts"]),
                  home=str(p["village_id"]) == home_village_id) for p in ordered]
    home = next((box.dot(v) for v in villages if home_village_id and str(v["id"]) == home_village_id), None)
    home_spot = next((s.r for s in spots if s.home), VILLAGE_RADIUS)
    return HelpMap(width=box.width, height=box.height, villages=[box.dot(v) for v in villages], spots=spots,
                   home=home, home_ring=home_spot + HOME_RING_GAP)
