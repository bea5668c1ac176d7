"""Who a warning concerns: its area (shapes, geocodes, NINA's district list) against subscribed places.

A CAP message's areas are a union. An area with shapes covers what its shapes cover; an area with only
geocodes covers those places (WARNCELLID and ARS resolved through the district's gazetteer). NINA's
`warnVerwaltungsbereiche` names whole districts: it counts for a place only when the message has no shapes at
all — a polygon beats "same district" — and always for a subscription to a whole district or Gemeinde.
A geocode we cannot resolve (NUTS3, a foreign warn cell) is neither dropped nor broadcast: it is flagged."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntFlag

from alerts.domain.geometry import BBox, Circle, Polygon, Shape, bbox_of
from alerts.domain.message import Message
from places import Ars, Gazetteer, InvalidArs, area_prefix

_ARS_GEOCODES = {"ARS", "AGS", "RS", "ARS12"}


@dataclass(frozen=True, slots=True)
class Target:
    shapes: tuple[Shape, ...]
    # ARS area prefixes of geocode-only areas (warn cells resolved to their Gemeinden).
    area_prefixes: tuple[str, ...]
    # Area prefixes from NINA's district list.
    district_prefixes: tuple[str, ...]
    # Geocodes we have no lookup for, as "NAME=value".
    unresolved: tuple[str, ...]

    @property
    def bbox(self) -> BBox | None:
        return bbox_of(self.shapes)

    @property
    def is_empty(self) -> bool:
        return not (self.shapes or self.area_prefixes or self.district_prefixes)

    def covers_point(self, lat: float, lon: float, radius_m: float, ars: str) -> bool:
        """A place (a point with a radius, in the Gemeinde `ars`)."""
        if any(shape.contains(lat, lon, radius_m) for shape in self.shapes):
            return True
        if not ars:  # a place outside the district's Gemeinden: shapes only
            return False
        if any(ars.startswith(p) for p in self.area_prefixes):
            return True
        return not self.shapes and any(ars.startswith(p) for p in self.district_prefixes)

    def covers_area(self, ars: str, points: Iterable[tuple[float, float]]) -> bool:
        """A whole Gemeinde or district (`ars` any level), sampled by its places' centroids."""
        prefix = area_prefix(ars)
        for key in (*self.area_prefixes, *self.district_prefixes):
            if key.startswith(prefix) or prefix.startswith(key):
                return True
        return any(shape.contains(lat, lon) for lat, lon in points for shape in self.shapes)


def _prefix(value: str) -> str | None:
    try:
        Ars(value)
    except InvalidArs:
        return None
    return area_prefix(value)


def compile_target(message: Message, gazetteer: Gazetteer) -> Target:
    area_prefixes: dict[str, None] = {}
    unresolved: dict[str, None] = {}
    for info in message.infos:
        for area in info.areas:
            if area.shapes:
                continue
            for name, value in area.geocodes:
                keys: list[str] = []
                if name == "WARNCELLID":
                    keys = [g.ars for g in gazetteer.gemeinden_for_warncell(value)]
                elif name.upper() in _ARS_GEOCODES:
                    prefix = _prefix(value)
                    keys = [prefix] if prefix else []
                for key in keys:
                    area_prefixes[key] = None
                if not keys:
                    unresolved[f"{name}={value}"[:80]] = None
    district_prefixes = {p: None for p in (_prefix(a) for a in message.ars_list) if p}
    return Target(message.shapes, tuple(area_prefixes), tuple(district_prefixes), tuple(unresolved))


class Topic(IntFlag):
    """What a resident can subscribe to; a warning's categories and event map onto these."""

    WEATHER = 1
    FLOOD = 2
    FIRE = 4
    HAZMAT = 8
    POLICE = 16
    HEALTH = 32
    INFRASTRUCTURE = 64
    CIVIL_PROTECTION = 128
    SCHOOL = 256

    @classmethod
    def parse_many(cls, names: Iterable[str]) -> Topic:
        mask = cls(0)
        for name in names:
            mask |= cls[name.strip().upper()]
        return mask

    @classmethod
    def all(cls) -> Topic:
        mask = cls(0)
        for topic in cls:
            mask |= topic
        return mask

    def names(self) -> list[str]:
        return [t.name.lower() for t in Topic if t in self and t.name]


_CATEGORY_TOPICS = {
    "met": Topic.WEATHER, "fire": Topic.FIRE, "cbrne": Topic.HAZMAT, "env": Topic.HAZMAT,
    "security": Topic.POLICE, "health": Topic.HEALTH, "infra": Topic.INFRASTRUCTURE,
    "transport": Topic.INFRASTRUCTURE, "geo": Topic.CIVIL_PROTECTION, "rescue": Topic.CIVIL_PROTECTION,
    "safety": Topic.CIVIL_PROTECTION, "other": Topic.CIVIL_PROTECTION,
}


def topics_of(categories: Sequence[str], event: str = "", identifier: str = "") -> Topic:
    mask = Topic(0)
    for category in categories:
        mask |= _CATEGORY_TOPICS.get(category.strip().lower(), Topic(0))
    text = event.lower()
    if "hochwasser" in text or "flood" in text or identifier.lower().startswith("lhp."):
        mask |= Topic.FLOOD
    if "schul" in text or "school" in text:
        mask |= Topic.SCHOOL
    return mask or Topic.CIVIL_PROTECTION


def target_to_json(target: Target) -> dict[str, object]:
    """The stored form of an area (thread.area_json): what maps draw and what re-matching reads."""
    polygons = [[list(map(list, s.outer)), *[list(map(list, h)) for h in s.holes]]
                for s in target.shapes if isinstance(s, Polygon)]
    circles = [[s.lat, s.lon, s.radius_km] for s in target.shapes if isinstance(s, Circle)]
    return {
        "polygons": polygons,
        "circles": circles,
        "area_prefixes": list(target.area_prefixes),
        "district_prefixes": list(target.district_prefixes),
        "unresolved": list(target.unresolved),
    }


def target_from_json(doc: dict[str, object]) -> Target:
    shapes: list[Shape] = []
    for rings in doc.get("polygons") or []:  # type: ignore[attr-defined]
        outer, *holes = [tuple((float(p[0]), float(p[1])) for p in ring) for ring in rings]
        shapes.append(Polygon(outer, tuple(holes)))
    for lat, lon, km in doc.get("circles") or []:  # type: ignore[attr-defined]
        shapes.append(Circle(float(lat), float(lon), float(km)))

    def strings(name: str) -> tuple[str, ...]:
        value = doc.get(name) or []
        return tuple(str(v) for v in value)  # type: ignore[attr-defined]

    return Target(tuple(shapes), strings("area_prefixes"), strings("district_prefixes"), strings("unresolved"))


def covered_ortsteile(target: Target, gazetteer: Gazetteer) -> list[str]:
    """The district's Ortsteile the area concerns (their centroids)."""
    return [o.id for o in gazetteer.ortsteile if target.covers_point(o.lat, o.lon, 0.0, o.ars)]
