"""The warnings' map: the district's villages and the warning areas as one SVG (web.maps projects them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from web.maps import Dot, district_projection


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
    box = district_projection(places)
    if box is None:
        return None
    shapes: list[Shape] = []
    for warning in warnings:
        area = warning.get("area") or {}
        for rings in area.get("polygons") or []:
            outer = rings[0] if rings else []
            points = " ".join("{},{}".format(*box.xy(float(lat), float(lon))) for lat, lon in outer)
            shapes.append(Shape(warning.get("severity", "Unknown"), points=points))
        for lat, lon, km in area.get("circles") or []:
            cx, cy = box.xy(float(lat), float(lon))
            shapes.append(Shape(warning.get("severity", "Unknown"), cx=cx, cy=cy, r=box.length(float(km))))
    return DistrictMap(width=box.width, height=box.height, dots=[box.dot(p) for p in places], shapes=shapes)
