"""The NINA API's JSON shapes (bundesAPI/nina-api): `warnings/{id}.json` (CAP-like), `warnings/{id}.geojson`,
the per-provider `mapData.json` list and the district `dashboard/{ARS}.json` list. Each shape differs and
fields come and go, so every field is optional until the message model needs it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from alerts.domain.geometry import Polygon, Shape, polygons_from_geojson, ring_from_bbk
from alerts.domain.message import (
    Area,
    Info,
    Message,
    MessageError,
    Severity,
    check_enums,
    clean_text,
    parse_references,
    parse_time,
)

_MEANINGLESS_GEOCODES = {"AreaId"}


def load_json(data: bytes, *, max_bytes: int) -> Any:
    if len(data) > max_bytes:
        raise MessageError("TOO_LARGE", f"the document has {len(data)} bytes, more than {max_bytes}")
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MessageError("BAD_JSON", f"not JSON: {str(exc)[:80]}") from None


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    return tuple(
        (_str(item.get("valueName")), _str(item.get("value")))
        for item in _list(value)
        if isinstance(item, dict)
    )


def _area(doc: dict[str, Any]) -> Area:
    shapes: list[Shape] = []
    # The legacy bbk.* feeds inline polygons in lon,lat order with -1.0,-1.0 junk pairs.
    for text in _list(doc.get("polygon")):
        ring = ring_from_bbk(text) if isinstance(text, str) else None
        if ring is not None:
            shapes.append(Polygon(ring))
    geocodes = tuple((n, v) for n, v in _pairs(doc.get("geocode")) if n and v and n not in _MEANINGLESS_GEOCODES)
    return Area(clean_text(_str(doc.get("areaDesc"))), tuple(shapes), geocodes)


def _info(doc: dict[str, Any]) -> Info:
    return Info(
        language=_str(doc.get("language")) or "DE",
        categories=tuple(_str(c) for c in _list(doc.get("category"))),
        event=clean_text(_str(doc.get("event"))),
        response_types=tuple(_str(r) for r in _list(doc.get("responseType"))),
        urgency=_str(doc.get("urgency")) or "Unknown",
        severity=Severity.parse(_str(doc.get("severity"))),
        certainty=_str(doc.get("certainty")) or "Unknown",
        effective=parse_time(_str(doc.get("effective")), field_name="effective"),
        onset=parse_time(_str(doc.get("onset")), field_name="onset"),
        expires=parse_time(_str(doc.get("expires")), field_name="expires"),
        sender_name=clean_text(_str(doc.get("senderName"))),
        headline=clean_text(_str(doc.get("headline"))),
        description=clean_text(_str(doc.get("description"))),
        instruction=clean_text(_str(doc.get("instruction"))),
        web=_str(doc.get("web")),
        contact=clean_text(_str(doc.get("contact"))),
        parameters=_pairs(doc.get("parameter")),
        areas=tuple(_area(a) for a in _list(doc.get("area")) if isinstance(a, dict)),
    )


def geojson_shapes(doc: object, identifier: str) -> tuple[Shape, ...]:
    """Every Polygon/MultiPolygon feature of the warning (a warning may have several features; those naming
    another `warnId` are skipped)."""
    if not isinstance(doc, dict):
        return ()
    features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
    shapes: list[Shape] = []
    for feature in _list(features):
        if not isinstance(feature, dict):
            continue
        properties = feature.get("properties")
        warn_id = properties.get("warnId") if isinstance(properties, dict) else None
        if warn_id not in (None, identifier):
            continue
        shapes.extend(polygons_from_geojson(feature.get("geometry")))
    return tuple(shapes)


def parse_warning(doc: object, *, geojson: object = None, version: int | None = None) -> Message:
    """A `warnings/{id}.json` body (and its `.geojson`, if fetched) as a Message."""
    if not isinstance(doc, dict):
        raise MessageError("NOT_NINA", "a warning is a JSON object")
    identifier, sender = _str(doc.get("identifier")), _str(doc.get("sender"))
    if not identifier:
        raise MessageError("MISSING_FIELD", "identifier is missing")
    if not sender:
        raise MessageError("MISSING_FIELD", "sender is missing")
    sent = parse_time(_str(doc.get("sent")), field_name="sent", required=True)
    assert sent is not None
    status, msg_type, scope = _str(doc.get("status")), _str(doc.get("msgType")), _str(doc.get("scope"))
    check_enums(status, msg_type, scope)
    return Message(
        identifier=identifier,
        sender=sender,
        sent=sent,
        status=status,
        msg_type=msg_type,
        scope=scope,
        infos=tuple(_info(i) for i in _list(doc.get("info")) if isinstance(i, dict)),
        references=parse_references(_str(doc.get("references"))),
        codes=tuple(_str(c) for c in _list(doc.get("code"))),
        source=_str(doc.get("source")),
        note=clean_text(_str(doc.get("note"))),
        version=version,
        extra_shapes=geojson_shapes(geojson, identifier),
    )


@dataclass(frozen=True, slots=True)
class ListedWarning:
    """An entry of mapData or the dashboard: the id and what tells a new version apart."""

    id: str
    version: str


def parse_listing(doc: object) -> list[ListedWarning]:
    """`mapData.json` (`[{id, version, ...}]`) or `dashboard/{ARS}.json` (`[{id, payload: {version, hash}}]`).
    Entries without an id are skipped; the change key is version and hash together."""
    if not isinstance(doc, list):
        raise MessageError("NOT_A_LIST", "a NINA listing is a JSON array")
    found: dict[str, ListedWarning] = {}
    for entry in doc:
        if not isinstance(entry, dict):
            continue
        identifier = _str(entry.get("id"))
        if not identifier or len(identifier) > 200:
            continue
        payload = entry.get("payload")
        payload = payload if isinstance(payload, dict) else {}
        version = payload.get("version", entry.get("version", ""))
        digest = _str(payload.get("hash"))
        found[identifier] = ListedWarning(identifier, f"{version}:{digest}")
    return list(found.values())
