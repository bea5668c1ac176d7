"""The distance rules, in one place.

* **Search radius and matching** use the straight line (great-circle distance by the haversine formula, on
  a sphere of the mean Earth radius). Over the few tens of kilometres of a district its error against the
  ellipsoid is well below 0.5 %, far less than the uncertainty of a village centroid.
* **Reimbursement** (drivers paid per km) uses the GTFS `shape_dist_traveled` of the two stops where the feed
  has it: the distance along the route actually driven. GTFS does not fix the unit (it is whatever the feed
  uses in `shapes.txt`), so the caller must say which unit the feed uses. Where there is no shape distance,
  the straight line is multiplied by a detour factor (default 1.3): roads are longer than the beeline, and in
  this rural district they wind around lakes, moors and the Oder polder. As an example from the demo data,
  Prenzlau–Templin is about 33 km straight-line and about 40 km by road (factor ≈ 1.2); 1.3 leaves a small
  margin for village streets at both ends. The factor is a setting: a district can measure its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
#: Default ratio road distance / straight-line distance for reimbursement without a GTFS shape distance.
DEFAULT_DETOUR_FACTOR = 1.3
#: A shape distance this much shorter than the straight line cannot be a road distance: the unit is wrong.
_SHAPE_TOLERANCE = 0.95


class DistanceUnit(StrEnum):
    """The unit a GTFS feed uses for `shape_dist_traveled`."""

    METRES = "m"
    KILOMETRES = "km"
    MILES = "mi"
    FEET = "ft"

    @property
    def metres(self) -> float:
        return _UNIT_METRES[self]


_UNIT_METRES: dict[DistanceUnit, float] = {
    DistanceUnit.METRES: 1.0,
    DistanceUnit.KILOMETRES: 1000.0,
    DistanceUnit.MILES: 1609.344,
    DistanceUnit.FEET: 0.3048,
}


def _check_coordinate(lat: float, lon: float) -> None:
    if not (-90.0 <= lat <= 90.0) or not (-180.0 <= lon <= 180.0) or math.isnan(lat) or math.isnan(lon):
        raise ValueError(f"not a coordinate: lat={lat!r}, lon={lon!r}")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Straight-line (great-circle) distance in metres between two WGS84 points in degrees."""
    _check_coordinate(lat1, lon1)
    _check_coordinate(lat2, lon2)
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def shape_distance_m(start: float, end: float, unit: DistanceUnit | str) -> float:
    """Metres travelled between two stops of one trip from their `shape_dist_traveled` values.

    Order does not matter (a return trip's values may count from the other end); the values must be
    finite and non-negative.
    """
    unit = DistanceUnit(unit)
    for value in (start, end):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"shape_dist_traveled must be a finite, non-negative number, got {value!r}")
    return abs(end - start) * unit.metres


class DistanceMethod(StrEnum):
    SHAPE = "shape_dist_traveled"
    DETOUR_FACTOR = "straight_line_x_detour_factor"


@dataclass(frozen=True, slots=True)
class ReimbursableDistance:
    metres: float
    method: DistanceMethod
    #: Why the shape distance was not used, when it was given but rejected.
    note: str | None = None

    @property
    def km(self) -> float:
        return self.metres / 1000.0


def reimbursable_distance(
    origin: tuple[float, float],
    destination: tuple[float, float],
    *,
    shape_dist_start: float | None = None,
    shape_dist_end: float | None = None,
    unit: DistanceUnit | str | None = None,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> ReimbursableDistance:
    """The distance a driver is paid for between two stops `(lat, lon)`.

    With both `shape_dist_traveled` values and their unit: the distance along the shape. Without them: the
    straight line × `detour_factor`. A shape distance shorter than the straight line (less 5 % for rounding
    of stop positions) cannot be right, usually a wrong unit; then the detour rule is used and `note` says why.
    """
    if not (math.isfinite(detour_factor) and detour_factor >= 1.0):
        raise ValueError(f"detour_factor must be >= 1.0 (a road is never shorter than the line), got {detour_factor}")
    straight = haversine_m(origin[0], origin[1], destination[0], destination[1])
    fallback = straight * detour_factor
    if shape_dist_start is None or shape_dist_end is None:
        return ReimbursableDistance(fallback, DistanceMethod.DETOUR_FACTOR)
    if unit is None:
        raise ValueError("shape_dist_traveled values need their unit (the feed's unit, e.g. 'm' or 'km')")
    along = shape_distance_m(shape_dist_start, shape_dist_end, unit)
    if along < straight * _SHAPE_TOLERANCE:
        note = (
            f"shape distance {along:.0f} m is shorter than the straight line {straight:.0f} m; "
            f"is the unit {DistanceUnit(unit).value!r} right?"
        )
        return ReimbursableDistance(fallback, DistanceMethod.DETOUR_FACTOR, note)
    return ReimbursableDistance(along, DistanceMethod.SHAPE)
