"""Small maps without tiles or scripts: lat/lon projected onto an SVG box spanning the district's villages
(equirectangular, corrected for latitude), shared by the warnings' map and the volunteering map."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WIDTH = 320.0
MARGIN = 0.05  # degrees around the villages
KM_PER_DEGREE = 111.2  # of latitude


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    name: str


@dataclass(frozen=True)
class Projection:
    """The district's bounding box (with a margin) on a box `width` wide and `height` high, north up."""

    width: float
    height: float
    west: float
    north: float
    squeeze: float  # cos(latitude): a degree of longitude is shorter than one of latitude
    scale: float  # SVG units per degree of latitude

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return round((lon - self.west) * self.squeeze * self.scale, 1), round((self.north - lat) * self.scale, 1)

    def length(self, km: float) -> float:
        return round(km / KM_PER_DEGREE * self.scale, 1)

    def dot(self, place: dict[str, Any]) -> Dot:
        return Dot(*self.xy(float(place["lat"]), float(place["lon"])), name=str(place["name"]))


def district_projection(places: Sequence[dict[str, Any]], width: float = WIDTH) -> Projection | None:
    """The box for these villages (each with `lat` and `lon`), or None without any."""
    if not places:
        return None
    lats = [float(p["lat"]) for p in places]
    lons = [float(p["lon"]) for p in places]
    south, north = min(lats) - MARGIN, max(lats) + MARGIN
    west, east = min(lons) - MARGIN, max(lons) + MARGIN
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = width / ((east - west) * squeeze)
    return Projection(width=width, height=round((north - south) * scale, 1), west=west, north=north,
                      squeeze=squeeze, scale=scale)
