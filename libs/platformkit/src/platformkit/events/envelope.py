"""CloudEvents 1.0 in binary mode over NATS headers.

Headers: `ce-specversion`, `ce-id`, `ce-type`, `ce-source` (`/services/<name>`), `ce-time`, `ce-subject`,
`ce-datacontenttype`, plus `Nats-Msg-Id` (= `ce-id`, for JetStream's duplicate window) and, when known,
`X-Request-ID` and `traceparent`. The body is the event's data as JSON."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import ValidationError

from platformkit.events.contracts import Event

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"

H_SPECVERSION = "ce-specversion"
H_ID = "ce-id"
H_TYPE = "ce-type"
H_SOURCE = "ce-source"
H_TIME = "ce-time"
H_SUBJECT = "ce-subject"
H_DATACONTENTTYPE = "ce-datacontenttype"
H_MSG_ID = "Nats-Msg-Id"
H_REQUEST_ID = "X-Request-ID"
H_TRACEPARENT = "traceparent"

# The W3C trace context of the current request, if a tracing middleware sets it (the request id lives in
# platformkit.context). Both are stored with every outbox row and restored while a handler runs.
traceparent: ContextVar[str | None] = ContextVar("traceparent", default=None)

E = TypeVar("E", bound=Event)


class UndecodableEvent(ValueError):
    """A message that can never be handled: missing headers, wrong type, invalid JSON or schema."""


def new_event_id() -> str:
    """A UUIDv7 (RFC 9562): time-ordered, so ids sort roughly by creation and index well."""
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b, 62 bits
    return str(uuid.UUID(int=value))


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, as CloudEvents asks."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"ce-time {text!r} has no time zone")
    return parsed.astimezone(UTC)


def source_for(service: str) -> str:
    return f"/services/{service}"


@dataclass(frozen=True, slots=True)
class Envelope:
    """The CloudEvents attributes of one event (everything but the data)."""

    id: str
    type: str
    source: str
    time: datetime
    subject: str | None = None
    request_id: str | None = None
    traceparent: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {
            H_SPECVERSION: SPECVERSION,
            H_ID: self.id,
            H_TYPE: self.type,
            H_SOURCE: self.source,
            H_TIME: format_time(self.time),
            H_DATACONTENTTYPE: CONTENT_TYPE,
            H_MSG_ID: self.id,
        }
        if self.subject is not None:
            headers[H_SUBJECT] = self.subject
        if self.request_id is not None:
            headers[H_REQUEST_ID] = self.request_id
        if self.traceparent is not None:
            headers[H_TRACEPARENT] = self.traceparent
        return headers

    @classmethod
    def from_headers(cls, headers: Mapping[str, str] | None) -> Envelope:
        if not headers:
            raise UndecodableEvent("no CloudEvents headers")
        lowered = {key.lower(): value for key, value in headers.items()}
        missing = [name for name in (H_ID, H_TYPE, H_SOURCE, H_TIME) if not lowered.get(name)]
        if missing:
            raise UndecodableEvent(f"missing header(s): {', '.join(missing)}")
        if lowered.get(H_SPECVERSION, SPECVERSION) != SPECVERSION:
            raise UndecodableEvent(f"unsupported ce-specversion {lowered[H_SPECVERSION]!r}")
        try:
            moment = parse_time(lowered[H_TIME])
        except ValueError as error:
            raise UndecodableEvent(f"bad ce-time: {error}") from None
        return cls(
            id=lowered[H_ID],
            type=lowered[H_TYPE],
            source=lowered[H_SOURCE],
            time=moment,
            subject=lowered.get(H_SUBJECT),
            request_id=lowered.get(H_REQUEST_ID.lower()),
            traceparent=lowered.get(H_TRACEPARENT),
        )


def encode(
    event: Event,
    *,
    source: str,
    event_id: str | None = None,
    at: datetime | None = None,
    request_id: str | None = None,
    trace: str | None = None,
) -> tuple[str, dict[str, str], bytes]:
    """(subject, headers, body) of one event, ready for `js.publish`."""
    envelope = Envelope(
        id=event_id or new_event_id(),
        type=event.type,
        source=source,
        time=at or datetime.now(UTC),
        subject=event.ce_subject(),
        request_id=request_id,
        traceparent=trace,
    )
    return event.type, envelope.headers(), event.model_dump_json().encode()


def decode(headers: Mapping[str, str] | None, body: bytes | str, expected: type[E]) -> tuple[Envelope, E]:
    """The envelope and the validated event, or `UndecodableEvent` for a message that can never succeed."""
    envelope = Envelope.from_headers(headers)
    if envelope.type != expected.type:
        raise UndecodableEvent(f"ce-type {envelope.type!r} where {expected.type!r} was expected")
    try:
        event = expected.model_validate_json(body)
    except ValidationError as error:
        raise UndecodableEvent(f"data does not match {expected.__name__}: {error}") from None
    return envelope, event
