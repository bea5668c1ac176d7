"""The district's gazetteer (Landkreis → Gemeinden with ARS → Ortsteile, DWD warn cells) and distance rules.

Every service stores Ortsteil ids (`ot-prenzlau-dedelow`) so that a warning area, a delivery area, a ride stop
and a volunteer's home village speak the same language. See libs/places/README.md.
"""

from places.ars import Ars, ArsLevel, InvalidArs, area_prefix
from places.distance import (
    DEFAULT_DETOUR_FACTOR,
    DistanceMethod,
    DistanceUnit,
    ReimbursableDistance,
    haversine_m,
    reimbursable_distance,
    shape_distance_m,
)
from places.gazetteer import Gazetteer, Hit, UnknownPlace, demo
from places.loader import GazetteerFileError
from places.model import Gemeinde, Landkreis, Ortsteil
from places.names import fold, fold_keys

__all__ = [
    "DEFAULT_DETOUR_FACTOR",
    "Ars",
    "ArsLevel",
    "DistanceMethod",
    "DistanceUnit",
    "Gazetteer",
    "GazetteerFileError",
    "Gemeinde",
    "Hit",
    "InvalidArs",
    "Landkreis",
    "Ortsteil",
    "ReimbursableDistance",
    "UnknownPlace",
    "area_prefix",
    "demo",
    "fold",
    "fold_keys",
    "haversine_m",
    "reimbursable_distance",
    "shape_distance_m",
]
