"""A district's territory for local warnings: the convex hull of its places' centroids. The gazetteer has no
boundary, so a warning area may reach a tolerance beyond the hull before a second author must approve it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from alerts.domain.geometry import Circle, Point, Polygon, Shape, make_ring


def convex_hull(points: Iterable[Point]) -> Polygon | None:
    """Andrew's monotone chain on (lon, lat); None for fewer than three points in general position."""
    pts = sorted(set(points), key=lambda p: (p[1], p[0]))
    if len(pts) < 3:
        return None

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[1] - o[1]) * (b[0] - o[0]) - (a[0] - o[0]) * (b[1] - o[1])

    lower: list[Point] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    ring = make_ring(lower[:-1] + upper[:-1])
    return None if ring is None else Polygon(ring)


def outside(territory: Polygon, shapes: Sequence[Shape], tolerance_m: float) -> list[Point]:
    """The vertices (and circle centres/edges) of the shapes that lie beyond the territory's tolerance."""
    far: list[Point] = []
    for shape in shapes:
        if isinstance(shape, Circle):
            box = shape.bbox
            probes: list[Point] = [(shape.lat, shape.lon), (box.min_lat, shape.lon), (box.max_lat, shape.lon),
                                   (shape.lat, box.min_lon), (shape.lat, box.max_lon)]
        else:
            probes = list(shape.outer[:-1])  # the closing corner once
        far.extend(p for p in probes if not territory.contains(p[0], p[1], tolerance_m))
    return far
