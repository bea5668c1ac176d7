"""Warning geometry: polygons (with holes), circles; the three coordinate orders met in the wild.

Points are `(lat, lon)` everywhere inside this module. CAP writes `lat,lon`, GeoJSON `[lon, lat]`, the legacy
BBK JSON `lon,lat` with `-1.0,-1.0` junk pairs; each has its own parser so that one warning gives the same
shape whichever way it arrived. Degenerate rings (fewer than three distinct vertices, zero area) are dropped:
they cover nothing, and the message's other areas (geocodes) still count."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from places import haversine_m

Point = tuple[float, float]  # (lat, lon), WGS84
# Subscribed places are kept in cells of 0.01° (about 1.1 × 0.7 km here), so that an area is matched cell by
# cell: the people in a cell the area covers whole match without looking at each of them.
CELL_DEGREES = 0.01
Ring = tuple[Point, ...]  # closed: first == last
_EARTH_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class BBox:
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def grow(self, metres: float) -> BBox:
        dlat = math.degrees(metres / _EARTH_M)
        dlon = dlat / max(math.cos(math.radians(max(abs(self.min_lat), abs(self.max_lat)))), 0.01)
        return BBox(self.min_lat - dlat, self.min_lon - dlon, self.max_lat + dlat, self.max_lon + dlon)

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon

    @property
    def corners(self) -> tuple[Point, Point, Point, Point]:
        return ((self.min_lat, self.min_lon), (self.min_lat, self.max_lon), (self.max_lat, self.max_lon),
                (self.max_lat, self.min_lon))

    @property
    def centre(self) -> Point:
        return ((self.min_lat + self.max_lat) / 2, (self.min_lon + self.max_lon) / 2)

    @property
    def half_diagonal_m(self) -> float:
        return haversine_m(self.min_lat, self.min_lon, self.max_lat, self.max_lon) / 2

    def crossed_by(self, a: Point, b: Point) -> bool:
        """Whether the segment a-b touches the box (an end inside, or crossing a side)."""
        if self.contains(*a) or self.contains(*b):
            return True
        if max(a[0], b[0]) < self.min_lat or min(a[0], b[0]) > self.max_lat:
            return False
        if max(a[1], b[1]) < self.min_lon or min(a[1], b[1]) > self.max_lon:
            return False
        c = self.corners
        return any(_segments_cross(a, b, c[i], c[(i + 1) % 4]) for i in range(4))


@dataclass(frozen=True, slots=True)
class Polygon:
    outer: Ring
    holes: tuple[Ring, ...] = ()

    @property
    def bbox(self) -> BBox:
        lats = [p[0] for p in self.outer]
        lons = [p[1] for p in self.outer]
        return BBox(min(lats), min(lons), max(lats), max(lons))

    def contains(self, lat: float, lon: float, within_m: float = 0.0) -> bool:
        """The point is inside (not in a hole), or, with `within_m`, at most that far from the area."""
        inside = _in_ring(self.outer, lat, lon) and not any(_in_ring(h, lat, lon) for h in self.holes)
        if inside or within_m <= 0:
            return inside
        if _in_ring(self.outer, lat, lon):  # in a hole: near enough to the hole's edge?
            return any(_ring_distance_m(h, lat, lon) <= within_m for h in self.holes if _in_ring(h, lat, lon))
        return _ring_distance_m(self.outer, lat, lon) <= within_m

    def covers_box(self, box: BBox) -> bool:
        """Every point of the box is inside: its corners are, and no edge (outer or hole) enters it."""
        if not all(self.contains(lat, lon) for lat, lon in box.corners):
            return False
        return not any(box.crossed_by(a, b) for ring in (self.outer, *self.holes)
                       for a, b in zip(ring, ring[1:], strict=False))

    def to_cap(self) -> str:
        return " ".join(f"{decimal(lat)},{decimal(lon)}" for lat, lon in self.outer)

    def to_geojson(self) -> list[list[list[float]]]:
        return [[[lon, lat] for lat, lon in ring] for ring in (self.outer, *self.holes)]


@dataclass(frozen=True, slots=True)
class Circle:
    lat: float
    lon: float
    radius_km: float

    @property
    def bbox(self) -> BBox:
        return BBox(self.lat, self.lon, self.lat, self.lon).grow(self.radius_km * 1000)

    def contains(self, lat: float, lon: float, within_m: float = 0.0) -> bool:
        return haversine_m(self.lat, self.lon, lat, lon) <= self.radius_km * 1000 + within_m

    def covers_box(self, box: BBox) -> bool:
        return all(self.contains(lat, lon) for lat, lon in box.corners)


Shape = Polygon | Circle


def decimal(value: float) -> str:
    """A coordinate as CAP writes it: at most six decimals (about 0.1 m), no trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _in_ring(ring: Ring, lat: float, lon: float) -> bool:
    """Even-odd ray casting (a ring's self-intersections count the way most GIS count them)."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        lat_i, lon_i = ring[i]
        lat_j, lon_j = ring[j]
        if (lat_i > lat) != (lat_j > lat) and lon < (lon_j - lon_i) * (lat - lat_i) / (lat_j - lat_i) + lon_i:
            inside = not inside
        j = i
    return inside


def _ring_distance_m(ring: Ring, lat: float, lon: float) -> float:
    """Shortest distance from the point to the ring's edges, on a local flat projection (fine for the few
    kilometres of a subscription radius)."""
    kx = math.cos(math.radians(lat)) * math.pi / 180 * _EARTH_M
    ky = math.pi / 180 * _EARTH_M
    best = math.inf
    for (a_lat, a_lon), (b_lat, b_lon) in zip(ring, ring[1:], strict=False):
        ax, ay = (a_lon - lon) * kx, (a_lat - lat) * ky
        bx, by = (b_lon - lon) * kx, (b_lat - lat) * ky
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def _segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    def side(p: Point, q: Point, r: Point) -> float:
        return (q[1] - p[1]) * (r[0] - p[0]) - (q[0] - p[0]) * (r[1] - p[1])

    d1, d2, d3, d4 = side(c, d, a), side(c, d, b), side(a, b, c), side(a, b, d)
    return ((d1 > 0) != (d2 > 0) or d1 == 0 or d2 == 0) and ((d3 > 0) != (d4 > 0) or d3 == 0 or d4 == 0)


def _area2(ring: Sequence[Point]) -> float:
    return sum(a[1] * b[0] - b[1] * a[0] for a, b in zip(ring, ring[1:], strict=False))


def cell_of(lat: float, lon: float) -> int:
    """The cell a point lies in, as one integer (row-major from the south-west of the globe)."""
    return (math.floor(lat / CELL_DEGREES) + 9_000) * 100_000 + math.floor(lon / CELL_DEGREES) + 18_000


def cell_box(cell: int) -> BBox:
    row, column = divmod(cell, 100_000)
    south, west = (row - 9_000) * CELL_DEGREES, (column - 18_000) * CELL_DEGREES
    return BBox(south, west, south + CELL_DEGREES, west + CELL_DEGREES)


def cells_in(box: BBox) -> list[int]:
    """Every cell the box touches."""
    first, last = cell_of(box.min_lat, box.min_lon), cell_of(box.max_lat, box.max_lon)
    rows = range(first // 100_000, last // 100_000 + 1)
    columns = range(first % 100_000, last % 100_000 + 1)
    return [row * 100_000 + column for row in rows for column in columns]


def make_ring(points: Iterable[Point]) -> Ring | None:
    """A closed ring from vertices: repeated neighbours removed, closed if open; None if degenerate
    (fewer than three distinct vertices, or no area) or a coordinate is out of range."""
    cleaned: list[Point] = []
    for lat, lon in points:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not (math.isfinite(lat) and math.isfinite(lon)):
            return None
        if not cleaned or cleaned[-1] != (lat, lon):
            cleaned.append((lat, lon))
    if len(cleaned) > 1 and cleaned[0] == cleaned[-1]:
        cleaned.pop()
    if len(set(cleaned)) < 3:
        return None
    ring = (*cleaned, cleaned[0])
    if abs(_area2(ring)) < 1e-12:
        return None
    return ring


def _pairs(text: str) -> list[tuple[float, float]] | None:
    pairs: list[tuple[float, float]] = []
    for token in text.split():
        parts = token.split(",")
        if len(parts) != 2:
            return None
        try:
            pairs.append((float(parts[0]), float(parts[1])))
        except ValueError:
            return None
    return pairs


def ring_from_cap(text: str) -> Ring | None:
    """CAP `<polygon>`: "lat,lon lat,lon ..." (whitespace anywhere, trailing space tolerated)."""
    pairs = _pairs(text)
    return None if pairs is None else make_ring(pairs)


def ring_from_bbk(text: str) -> Ring | None:
    """The legacy BBK JSON polygon string: "lon,lat lon,lat ...", with `-1.0,-1.0` junk pairs to skip."""
    pairs = _pairs(text)
    if pairs is None:
        return None
    return make_ring((lat, lon) for lon, lat in pairs if (lon, lat) != (-1.0, -1.0))


def ring_from_geojson(coordinates: object) -> Ring | None:
    """A GeoJSON linear ring: [[lon, lat], ...] (a third value, the altitude, is ignored)."""
    if not isinstance(coordinates, list):
        return None
    points: list[Point] = []
    for position in coordinates:
        if not (isinstance(position, list) and len(position) >= 2):
            return None
        lon, lat = position[0], position[1]
        if not (isinstance(lon, int | float) and isinstance(lat, int | float)):
            return None
        points.append((float(lat), float(lon)))
    return make_ring(points)


def polygons_from_geojson(geometry: object) -> list[Polygon]:
    """Polygon and MultiPolygon geometries (others carry no area)."""
    if not isinstance(geometry, dict):
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if not isinstance(coordinates, list):
        return []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    found: list[Polygon] = []
    for rings in polygons:
        if not isinstance(rings, list) or not rings:
            continue
        outer = ring_from_geojson(rings[0])
        if outer is not None:
            holes = tuple(h for h in (ring_from_geojson(r) for r in rings[1:]) if h is not None)
            found.append(Polygon(outer, holes))
    return found


def circle_from_cap(text: str) -> Circle | None:
    """CAP `<circle>`: "lat,lon radius" with the radius in kilometres."""
    parts = text.split()
    if len(parts) != 2:
        return None
    pairs = _pairs(parts[0])
    try:
        radius = float(parts[1])
    except ValueError:
        return None
    if not pairs or not math.isfinite(radius) or radius < 0:
        return None
    lat, lon = pairs[0]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Circle(lat, lon, radius)


def bbox_of(shapes: Sequence[Shape]) -> BBox | None:
    if not shapes:
        return None
    boxes = [s.bbox for s in shapes]
    return BBox(
        min(b.min_lat for b in boxes), min(b.min_lon for b in boxes),
        max(b.max_lat for b in boxes), max(b.max_lon for b in boxes),
    )
