"""CAP 1.2 XML in (single messages, Atom/RSS feeds, DWD-style zip snapshots) and out (our local warnings).

Untrusted XML is parsed with defusedxml and no DTD at all (no entities, no external references: billion
laughs, XXE and external DTDs are refused before anything is expanded); bodies and zip members are capped
before they are read, so a zip bomb is stopped by its inflated size, not by running out of memory."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element, SubElement, tostring  # noqa: S405 - only for writing our own XML

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException

from alerts.domain.geometry import Circle, Polygon, Shape, circle_from_cap, decimal, ring_from_cap
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

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
# Geocodes that carry no place (NINA's AreaId=0) or are handled as geometry (DWD exclusions).
_MEANINGLESS_GEOCODES = {"AreaId"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_xml(data: bytes, *, max_bytes: int) -> Element:
    """Safe XML: size-capped, DTDs refused outright."""
    if len(data) > max_bytes:
        raise MessageError("TOO_LARGE", f"the document has {len(data)} bytes, more than {max_bytes}")
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise MessageError("UNSAFE_XML", f"refused: {type(exc).__name__}") from None
    except SafeET.ParseError as exc:
        raise MessageError("BAD_XML", f"not well-formed XML: {exc}") from None
    return root


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def _pairs(element: Element, name: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        ((_text(child, "valueName") or "").strip(), (_text(child, "value") or "").strip())
        for child in _children(element, name)
    )


def _area(element: Element) -> Area:
    shapes: list[Shape] = []
    for polygon in _children(element, "polygon"):
        ring = ring_from_cap(polygon.text or "")
        if ring is not None:  # degenerate polygons cover nothing; the area's geocodes still count
            shapes.append(Polygon(ring))
    for circle in _children(element, "circle"):
        parsed = circle_from_cap(circle.text or "")
        if parsed is not None:
            shapes.append(parsed)
    geocodes: list[tuple[str, str]] = []
    exclusions: list[Polygon] = []
    for name, value in _pairs(element, "geocode"):
        if name == "EXCLUDE_POLYGON":
            ring = ring_from_cap(value)
            if ring is not None:
                exclusions.append(Polygon(ring))
        elif name and value and name not in _MEANINGLESS_GEOCODES:
            geocodes.append((name, value))
    return Area(clean_text(_text(element, "areaDesc")), tuple(shapes), tuple(geocodes), tuple(exclusions))


def _info(element: Element) -> Info:
    return Info(
        language=(_text(element, "language") or "en-US").strip(),
        categories=tuple((c.text or "").strip() for c in _children(element, "category")),
        event=clean_text(_text(element, "event")),
        response_types=tuple((c.text or "").strip() for c in _children(element, "responseType")),
        urgency=_text(element, "urgency") or "Unknown",
        severity=Severity.parse(_text(element, "severity")),
        certainty=_text(element, "certainty") or "Unknown",
        effective=parse_time(_text(element, "effective"), field_name="effective"),
        onset=parse_time(_text(element, "onset"), field_name="onset"),
        expires=parse_time(_text(element, "expires"), field_name="expires"),
        sender_name=clean_text(_text(element, "senderName")),
        headline=clean_text(_text(element, "headline")),
        description=clean_text(_text(element, "description")),
        instruction=clean_text(_text(element, "instruction")),
        web=(_text(element, "web") or "").strip(),
        contact=clean_text(_text(element, "contact")),
        parameters=_pairs(element, "parameter"),
        areas=tuple(_area(a) for a in _children(element, "area")),
    )


def message_from_element(root: Element) -> Message:
    if _local(root.tag) != "alert":
        raise MessageError("NOT_CAP", f"the root element is <{_local(root.tag)[:40]}>, not <alert>")

    def required(name: str) -> str:
        value = _text(root, name)
        if not value:
            raise MessageError("MISSING_FIELD", f"<{name}> is missing")
        return value

    identifier, sender = required("identifier"), required("sender")
    sent = parse_time(required("sent"), field_name="sent", required=True)
    assert sent is not None
    status, msg_type, scope = required("status"), required("msgType"), required("scope")
    check_enums(status, msg_type, scope)
    return Message(
        identifier=identifier,
        sender=sender,
        sent=sent,
        status=status,
        msg_type=msg_type,
        scope=scope,
        infos=tuple(_info(i) for i in _children(root, "info")),
        references=parse_references(_text(root, "references")),
        codes=tuple((c.text or "").strip() for c in _children(root, "code")),
        source=_text(root, "source") or "",
        note=clean_text(_text(root, "note")),
    )


def parse_cap(data: bytes, *, max_bytes: int = 2 * 1024 * 1024) -> Message:
    return message_from_element(parse_xml(data, max_bytes=max_bytes))


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of an Atom/RSS CAP feed: the CAP inline, or a link to fetch it from."""

    key: str
    updated: str
    alert: Element | None = None
    link: str | None = None


def parse_cap_feed(data: bytes, *, max_bytes: int) -> list[FeedEntry]:
    """Atom (`<entry>` with `<content><alert>` or `<link href>`) or RSS 2.0 (`<item>` with `<link>`)."""
    root = parse_xml(data, max_bytes=max_bytes)
    entries: list[FeedEntry] = []
    if _local(root.tag) == "alert":
        message = message_from_element(root)
        return [FeedEntry(key=message.key, updated=message.sent.isoformat(), alert=root)]
    items = [e for e in root.iter() if _local(e.tag) in ("entry", "item")]
    for item in items:
        key = _text(item, "id") or _text(item, "guid") or ""
        updated = _text(item, "updated") or _text(item, "pubDate") or ""
        alert = next((e for e in item.iter() if _local(e.tag) == "alert"), None)
        link: str | None = None
        for child in _children(item, "link"):
            link = child.get("href") or (child.text or "").strip() or None
            if child.get("type") in ("application/cap+xml", "application/xml") or link:
                break
        if alert is None and link is None:
            continue
        entries.append(FeedEntry(key=key or link or "", updated=updated, alert=alert, link=link))
    return entries


def read_zip(data: bytes, *, member_max_bytes: int, total_max_bytes: int) -> Iterator[tuple[str, bytes | MessageError]]:
    """The XML members of a DWD-style status zip. Each member is read in chunks and abandoned as soon as it
    inflates past `member_max_bytes` (the header's claimed size is not trusted): that member comes out as a
    MessageError, so that the rest of the snapshot still counts. Past `total_max_bytes` the zip is refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise MessageError("BAD_ZIP", "not a zip file") from None
    total = 0
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(".xml")]
        if len(members) > 10_000:
            raise MessageError("BAD_ZIP", f"{len(members)} members, more than 10000")
        for member in members:
            chunks: list[bytes] = []
            size = 0
            with archive.open(member) as stream:
                while chunk := stream.read(64 * 1024):
                    size += len(chunk)
                    if size > member_max_bytes:
                        break
                    chunks.append(chunk)
            total += size
            if total > total_max_bytes:
                raise MessageError("ZIP_BOMB", f"the zip inflates past {total_max_bytes} bytes")
            if size > member_max_bytes:
                too_large = f"{member.filename[:80]} inflates past {member_max_bytes} bytes"
                yield member.filename, MessageError("ZIP_BOMB", too_large)
            else:
                yield member.filename, b"".join(chunks)


# --- writing CAP for our own warnings -----------------------------------------------------------------

def format_time(value: datetime) -> str:
    """CAP times: seconds precision, explicit offset, UTC written `-00:00` as the standard asks."""
    text = value.replace(microsecond=0).isoformat()
    return text.replace("+00:00", "-00:00")


@dataclass(frozen=True, slots=True)
class CapReference:
    sender: str
    identifier: str
    sent: datetime


@dataclass(frozen=True, slots=True)
class CapDraft:
    """The content of one message of a local warning, in German."""

    identifier: str
    sender: str
    sender_name: str
    sent: datetime
    msg_type: str  # Alert | Update | Cancel
    category: str
    event: str
    severity: Severity
    urgency: str
    certainty: str
    headline: str
    description: str
    instruction: str
    area_description: str
    shapes: tuple[Shape, ...]
    geocodes: tuple[tuple[str, str], ...]
    expires: datetime | None
    references: tuple[CapReference, ...] = ()
    web: str = ""


def write_cap(draft: CapDraft) -> bytes:
    """A valid CAP 1.2 message: element order as the schema demands; Update/Cancel reference every earlier
    message of the thread as whitespace-separated `sender,identifier,sent` triples."""
    alert = Element("alert", {"xmlns": CAP_NS})

    def add(parent: Element, name: str, text: str) -> Element:
        child = SubElement(parent, name)
        child.text = text
        return child

    add(alert, "identifier", draft.identifier)
    add(alert, "sender", draft.sender)
    add(alert, "sent", format_time(draft.sent))
    add(alert, "status", "Actual")
    add(alert, "msgType", draft.msg_type)
    add(alert, "scope", "Public")
    if draft.references:
        add(alert, "references", " ".join(f"{r.sender},{r.identifier},{format_time(r.sent)}" for r in draft.references))
    info = SubElement(alert, "info")
    add(info, "language", "de-DE")
    add(info, "category", draft.category)
    add(info, "event", draft.event)
    add(info, "responseType", "AllClear" if draft.msg_type == "Cancel" else "Prepare")
    add(info, "urgency", "Past" if draft.msg_type == "Cancel" else draft.urgency)
    add(info, "severity", draft.severity.word)
    add(info, "certainty", draft.certainty)
    add(info, "effective", format_time(draft.sent))
    if draft.expires is not None:
        add(info, "expires", format_time(draft.expires))
    add(info, "senderName", draft.sender_name)
    add(info, "headline", draft.headline)
    if draft.description:
        add(info, "description", draft.description)
    if draft.instruction:
        add(info, "instruction", draft.instruction)
    if draft.web:
        add(info, "web", draft.web)
    area = SubElement(info, "area")
    add(area, "areaDesc", draft.area_description)
    for shape in draft.shapes:
        if isinstance(shape, Polygon):
            add(area, "polygon", shape.to_cap())
    for shape in draft.shapes:
        if isinstance(shape, Circle):
            add(area, "circle", f"{decimal(shape.lat)},{decimal(shape.lon)} {decimal(shape.radius_km)}")
    for name, value in draft.geocodes:
        geocode = SubElement(area, "geocode")
        add(geocode, "valueName", name)
        add(geocode, "value", value)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(alert, encoding="unicode").encode()
