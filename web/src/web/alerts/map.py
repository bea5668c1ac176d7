"""A small map without tiles or scripts: the district's villages and the warning areas as one SVG,
projected onto the district's bounding box (equirectangular, corrected for latitude)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WIDTH = 320.0
MARGIN = 0.05  # degrees around the villages


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    name: str


@dataclass(frozen=True)
class Shape:
    severity: str
    points: str = ""  # polygon "x,y x,y ..."
    cx: float = 0.0
    cy: float = 0.0
    r: float = 0.0


@dataclass(frozen=True)
class DistrictMap:
    width: float
    height: float
    dots: list[Dot]
    shapes: list[Shape]


def district_map(places: Sequence[dict[str, Any]], warnings: Sequence[dict[str, Any]]) -> DistrictMap | None:
    if not places:
        return None
    lats = [float(p["lat"]) for p in places]
    lons = [float(p["lon"]) for p in places]
    south, north = min(lats) - MARGIN, max(lats) + MARGIN
    west, east = min(lons) - MARGIN, max(lons) + MARGIN
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / ((east - west) * squeeze)
    height = (north - south) * scale

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return round((lon - west) * squeeze * scale, 1), round((north - lat) * scale, 1)

    shapes: list[Shape] = []
    for warning in warnings:
        area = warning.get("area") or {}
        for rings in area.get("polygons") or []:
            outer = rings[0] if rings else []
            points = " ".join("{},{}".format(*xy(float(lat), float(lon))) for lat, lon in outer)
            shapes.append(Shape(warning.get("severity", "Unknown"), points=points))
        for lat, lon, km in area.get("circles") or []:
            cx, cy = xy(float(lat), float(lon))
            shapes.append(Shape(warning.get("severity", "Unknown"), cx=cx, cy=cy,
                                r=round(float(km) / 111.2 * scale, 1)))
    dots = [Dot(*xy(float(p["lat"]), float(p["lon"])), name=str(p["name"])) for p in places]
    return DistrictMap(width=WIDTH, height=round(height, 1), dots=dots, shapes=shapes)
