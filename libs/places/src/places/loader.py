"""Reading a district's gazetteer from a GeoJSON file (format: libs/places/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from places.model import Gemeinde, Landkreis, Ortsteil


class GazetteerFileError(ValueError):
    """The gazetteer file is not valid; the message names the feature and the field."""


_COORDINATE_FIELDS = {"lon": "geometry.coordinates[0] (lon)", "lat": "geometry.coordinates[1] (lat)"}


def _field_errors(exc: ValidationError, prefix: str) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        where = _COORDINATE_FIELDS.get(loc) or (f"{prefix}.{loc}" if loc else prefix)
        parts.append(f"field '{where}': {err['msg']}")
    return "; ".join(parts)


def _feature_label(index: int, props: dict[str, Any]) -> str:
    label = f"feature {index}"
    ident = props.get("id") or props.get("ars")
    if isinstance(ident, str):
        label += f" ({ident})"
    return label


def parse_geojson(doc: Any, *, source: str = "<data>") -> tuple[Landkreis, list[Gemeinde], list[Ortsteil]]:
    """Validate a parsed GeoJSON document and return its places (consistency is checked by `Gazetteer`)."""

    def fail(message: str) -> GazetteerFileError:
        return GazetteerFileError(f"{source}: {message}")

    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise fail('the top level must be a GeoJSON object with "type": "FeatureCollection"')
    raw_kreis = doc.get("landkreis")
    if not isinstance(raw_kreis, dict):
        raise fail('missing top-level member \'landkreis\' ({"ars", "name", "warncells"})')
    try:
        landkreis = Landkreis.model_validate(raw_kreis)
    except ValidationError as exc:
        raise fail(_field_errors(exc, "landkreis")) from None
    features = doc.get("features")
    if not isinstance(features, list):
        raise fail("'features' must be a list")

    gemeinden: list[Gemeinde] = []
    ortsteile: list[Ortsteil] = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise fail(f'feature {index}: must be an object with "type": "Feature"')
        props = feature.get("properties")
        if not isinstance(props, dict):
            raise fail(f"feature {index}: 'properties' must be an object")
        label = _feature_label(index, props)
        props = dict(props)
        kind = props.pop("kind", None)
        geometry = feature.get("geometry")
        if kind == "gemeinde":
            try:
                gemeinden.append(Gemeinde.model_validate(props))
            except ValidationError as exc:
                raise fail(f"{label}: {_field_errors(exc, 'properties')}") from None
        elif kind == "ortsteil":
            if not isinstance(geometry, dict) or geometry.get("type") != "Point":
                raise fail(f"{label}: field 'geometry': an Ortsteil needs a Point geometry [lon, lat]")
            coords = geometry.get("coordinates")
            if (
                not isinstance(coords, list)
                or len(coords) not in (2, 3)
                or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
            ):
                raise fail(f"{label}: field 'geometry.coordinates': must be [lon, lat] numbers")
            try:
                ortsteile.append(Ortsteil.model_validate({**props, "lon": coords[0], "lat": coords[1]}))
            except ValidationError as exc:
                raise fail(f"{label}: {_field_errors(exc, 'properties')}") from None
        else:
            raise fail(f"{label}: field 'properties.kind': must be 'gemeinde' or 'ortsteil', got {kind!r}")
    return landkreis, gemeinden, ortsteile


def read_geojson(path: str | Path) -> tuple[Landkreis, list[Gemeinde], list[Ortsteil]]:
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise GazetteerFileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    return parse_geojson(doc, source=str(path))
