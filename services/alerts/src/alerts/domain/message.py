"""One model of a warning message, whichever format it came in (CAP 1.2 XML, NINA JSON), and the identity
rules that join messages into threads: normalised identifiers and the three `references` formats."""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from alerts.domain.geometry import Circle, Polygon, Shape

STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")


class Severity(IntEnum):
    UNKNOWN = 0
    MINOR = 1
    MODERATE = 2
    SEVERE = 3
    EXTREME = 4

    @classmethod
    def parse(cls, value: str | None) -> Severity:
        """CAP's words; anything else (NINA's "Cancel", empty) is Unknown."""
        return {s.name.lower(): s for s in cls}.get((value or "").strip().lower(), cls.UNKNOWN)

    @property
    def word(self) -> str:
        return self.name.capitalize()


class MessageError(ValueError):
    """A message that cannot be taken: quarantined with `code` (stable) and `detail`."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


# Provider prefixes NINA puts before the original identifier, and the language suffix of DWD identifiers:
# `dwd.2.49...MUL` (NINA) and `2.49....MUL` (DWD opendata) are one message.
_PROVIDER_PREFIX = re.compile(r"^(?:mow|kat|biw|dwd|lhp|pol|police)\.", re.IGNORECASE)
_DWD_LANGUAGE_SUFFIX = re.compile(r"\.(?:MUL|DEU|ENG)$")


def normalise_identifier(identifier: str) -> str:
    return _DWD_LANGUAGE_SUFFIX.sub("", _PROVIDER_PREFIX.sub("", identifier.strip()))


@dataclass(frozen=True, slots=True)
class Reference:
    """One earlier message a message points at: `identifier` normalised; sender and sent where given."""

    identifier: str
    sender: str | None = None
    sent: datetime | None = None


def parse_time(value: str | None, *, field_name: str, required: bool = False) -> datetime | None:
    """ISO 8601 with an offset (`-00:00` and a lenient `Z` both mean UTC); naive times are refused."""
    if value is None or not value.strip():
        if required:
            raise MessageError("MISSING_FIELD", f"{field_name} is missing")
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise MessageError("BAD_TIME", f"{field_name} is not an ISO 8601 time: {text[:40]!r}") from None
    if parsed.tzinfo is None:
        raise MessageError("BAD_TIME", f"{field_name} has no UTC offset: {text[:40]!r}")
    return parsed


def parse_references(text: str | None) -> tuple[Reference, ...]:
    """`references` in the three forms met in the wild:

    - standard CAP: whitespace-separated `sender,identifier,sent` triples;
    - the BBK columnar form: `S1 S2 … Sn,I1 I2 … In,<one sent>`;
    - bare identifiers (BIWAPP): `biw.BIWAPP-1 biw.BIWAPP-2`.

    Splitting on whitespace first drops the columnar form, splitting on commas first breaks several
    triples; so the form is recognised first. Unparseable times keep the identifier (it is what links)."""
    if text is None or not text.strip():
        return ()
    columns = text.split(",")
    if len(columns) == 3 and (len(columns[0].split()) > 1 or len(columns[1].split()) > 1):
        senders, identifiers = columns[0].split(), columns[1].split()
        sent = _lenient_time(columns[2])
        return tuple(
            Reference(normalise_identifier(ident), senders[i] if i < len(senders) else None, sent)
            for i, ident in enumerate(identifiers)
        )
    found: list[Reference] = []
    for token in text.split():
        parts = token.split(",")
        if len(parts) == 3 and parts[1]:
            found.append(Reference(normalise_identifier(parts[1]), parts[0] or None, _lenient_time(parts[2])))
        elif len(parts) == 1 and parts[0]:
            found.append(Reference(normalise_identifier(parts[0])))
        # anything else (two parts) names no identifier we could tell apart from a sender: skipped
    return tuple(found)


def _lenient_time(text: str) -> datetime | None:
    try:
        return parse_time(text, field_name="references")
    except MessageError:
        return None


_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,500}>")
_SPACES = re.compile(r"[ \t\u00a0]+")


def clean_text(value: str | None) -> str:
    """Text fields carry HTML (`<br/>`, `&nbsp;`, `&quot;`): decoded once, tags dropped, line breaks kept,
    so the result is plain text, safe to put in a push or an SMS (and escaped again by the templates)."""
    if not value:
        return ""
    text = _BREAK.sub("\n", value)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r", "").split("\n")]
    return "\n".join(lines).strip("\n ").replace("\n\n\n", "\n\n")


@dataclass(frozen=True, slots=True)
class Area:
    description: str
    shapes: tuple[Shape, ...] = ()
    # (valueName, value), e.g. ("WARNCELLID", "814626190"), ("NUTS3", "FR433"); meaningless ones dropped.
    geocodes: tuple[tuple[str, str], ...] = ()
    # Polygons the area excludes (DWD `EXCLUDE_POLYGON`).
    exclusions: tuple[Polygon, ...] = ()


@dataclass(frozen=True, slots=True)
class Info:
    language: str
    categories: tuple[str, ...] = ()
    event: str = ""
    response_types: tuple[str, ...] = ()
    urgency: str = "Unknown"
    severity: Severity = Severity.UNKNOWN
    certainty: str = "Unknown"
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    contact: str = ""
    parameters: tuple[tuple[str, str], ...] = ()
    areas: tuple[Area, ...] = ()

    def parameter(self, name: str) -> str | None:
        return next((v for k, v in self.parameters if k == name), None)


@dataclass(frozen=True, slots=True)
class Message:
    identifier: str  # as received
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    infos: tuple[Info, ...] = ()
    references: tuple[Reference, ...] = ()
    codes: tuple[str, ...] = ()
    source: str = ""
    note: str = ""
    # NINA's version of a re-issued identifier (MoWaS/KATWARN reuse ids); None for CAP.
    version: int | None = None
    # Geometry delivered beside the message (NINA's .geojson), applying to every language.
    extra_shapes: tuple[Shape, ...] = field(default=())

    @property
    def key(self) -> str:
        """The identity across feeds: provider prefix and language suffix stripped."""
        return normalise_identifier(self.identifier)

    @property
    def is_public(self) -> bool:
        """Only real, public messages reach residents: no drills by status, no private or restricted scope,
        no acknowledgements or error reports."""
        return self.status == "Actual" and self.scope == "Public" and self.msg_type in ("Alert", "Update", "Cancel")

    @property
    def is_cancel(self) -> bool:
        return self.msg_type == "Cancel"

    @property
    def expires(self) -> datetime | None:
        """The latest `expires` of the infos; None (open-ended) when any info has none."""
        ends = [i.expires for i in self.infos]
        if not ends or any(e is None for e in ends):
            return None
        return max(e for e in ends if e is not None)

    @property
    def severity(self) -> Severity:
        return max((i.severity for i in self.infos), default=Severity.UNKNOWN)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(sorted({c for i in self.infos for c in i.categories}))

    @property
    def shapes(self) -> tuple[Shape, ...]:
        """Every usable shape of every info (translations often omit them; geometry of one language applies
        to all) plus the delivered extra geometry, with each area's exclusions cut out as holes."""
        found: list[Shape] = list(self.extra_shapes)
        for info in self.infos:
            for area in info.areas:
                for shape in area.shapes:
                    if isinstance(shape, Polygon) and area.exclusions:
                        shape = Polygon(shape.outer, shape.holes + tuple(x.outer for x in area.exclusions))
                    if shape not in found:
                        found.append(shape)
        return tuple(found)

    @property
    def geocodes(self) -> tuple[tuple[str, str], ...]:
        seen: dict[tuple[str, str], None] = {}
        for info in self.infos:
            for area in info.areas:
                for code in area.geocodes:
                    seen[code] = None
        return tuple(seen)

    @property
    def ars_list(self) -> tuple[str, ...]:
        """NINA's `warnVerwaltungsbereiche`: the 12-digit ARS of the districts or Länder concerned."""
        found: dict[str, None] = {}
        for info in self.infos:
            for value in (info.parameter("warnVerwaltungsbereiche") or "").split(","):
                if value.strip():
                    found[value.strip()] = None
        return tuple(found)

    def fingerprint(self) -> str:
        """What a reader sees, without `sent`, identifier and version: equal fingerprints are no change
        (update floods that only move `sent` are one message)."""
        content = [
            self.status, self.scope, "Cancel" if self.is_cancel else "Active",
            [[i.language, i.severity.name, i.headline, i.description, i.instruction, i.event,
              i.expires.isoformat() if i.expires else None, list(i.categories), list(i.response_types)]
             for i in self.infos],
            [repr(s) for s in self.shapes], list(self.geocodes), list(self.ars_list),
        ]
        return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


def check_enums(status: str, msg_type: str, scope: str) -> None:
    if status not in STATUSES:
        raise MessageError("BAD_STATUS", f"status must be one of {', '.join(STATUSES)}, got {status[:20]!r}")
    if msg_type not in MSG_TYPES:
        raise MessageError("BAD_MSGTYPE", f"msgType must be one of {', '.join(MSG_TYPES)}, got {msg_type[:20]!r}")
    if scope not in SCOPES:
        raise MessageError("BAD_SCOPE", f"scope must be one of {', '.join(SCOPES)}, got {scope[:20]!r}")


__all__ = [
    "Area", "Circle", "Info", "Message", "MessageError", "Polygon", "Reference", "Severity",
    "check_enums", "clean_text", "normalise_identifier", "parse_references", "parse_time",
]


def info_to_dict(info: Info) -> dict[str, object]:
    """What readers see of an info (stored with the message; the raw CAP of local warnings is kept too)."""
    return {
        "language": info.language,
        "event": info.event,
        "severity": info.severity.word,
        "urgency": info.urgency,
        "headline": info.headline,
        "description": info.description,
        "instruction": info.instruction,
        "sender_name": info.sender_name,
        "web": info.web,
        "expires": info.expires.isoformat() if info.expires else None,
        "onset": info.onset.isoformat() if info.onset else None,
        "areas": [a.description for a in info.areas if a.description],
        "categories": list(info.categories),
        "response_types": list(info.response_types),
    }


def info_from_dict(doc: dict[str, object]) -> Info:
    def text(name: str) -> str:
        value = doc.get(name)
        return value if isinstance(value, str) else ""

    def strings(name: str) -> tuple[str, ...]:
        value = doc.get(name)
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    expires = doc.get("expires")
    return Info(
        language=text("language"),
        event=text("event"),
        severity=Severity.parse(text("severity")),
        urgency=text("urgency") or "Unknown",
        headline=text("headline"),
        description=text("description"),
        instruction=text("instruction"),
        sender_name=text("sender_name"),
        web=text("web"),
        expires=datetime.fromisoformat(expires) if isinstance(expires, str) else None,
        categories=strings("categories"),
        response_types=strings("response_types"),
        areas=tuple(Area(d) for d in strings("areas")),
    )
