"""CloudEvents binary mode over NATS headers: what goes out comes back, and what can never be handled
is recognised as such."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from events_testkit import ParcelRegisteredV1

from platformkit.events import Envelope, UndecodableEvent, decode, encode, event_class, new_event_id
from platformkit.events.envelope import format_time, parse_time


def test_headers_round_trip() -> None:
    event = ParcelRegisteredV1(parcel_id="p-1", label="fragile")
    at = datetime(2026, 10, 25, 0, 59, 59, 123456, tzinfo=UTC)
    subject, headers, body = encode(
        event, source="/services/depot", event_id="e-1", at=at, request_id="req-9", trace="00-abc-def-01"
    )
    assert subject == "depot.parcel.registered.v1"
    assert headers == {
        "ce-specversion": "1.0",
        "ce-id": "e-1",
        "ce-type": "depot.parcel.registered.v1",
        "ce-source": "/services/depot",
        "ce-time": "2026-10-25T00:59:59.123456Z",
        "ce-subject": "p-1",
        "ce-datacontenttype": "application/json",
        "Nats-Msg-Id": "e-1",
        "X-Request-ID": "req-9",
        "traceparent": "00-abc-def-01",
    }
    envelope, decoded = decode(headers, body, ParcelRegisteredV1)
    assert decoded == event
    assert envelope == Envelope(
        id="e-1",
        type=event.type,
        source="/services/depot",
        time=at,
        subject="p-1",
        request_id="req-9",
        traceparent="00-abc-def-01",
    )
    assert Envelope.from_headers(envelope.headers()) == envelope


def test_headers_are_read_case_insensitively_and_optional_ones_may_be_missing() -> None:
    _, headers, body = encode(ParcelRegisteredV1(parcel_id="p"), source="/services/depot")
    shouted = {
        key.upper(): value for key, value in headers.items() if key not in {"X-Request-ID", "traceparent"}
    }
    envelope, _ = decode(shouted, body, ParcelRegisteredV1)
    assert envelope.request_id is None and envelope.traceparent is None and envelope.subject == "p"


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda h, b: (None, b), "no CloudEvents headers"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "ce-id"}, b), "missing header"),
        (lambda h, b: ({**h, "ce-type": "depot.parcel.lost.v1"}, b), "where 'depot.parcel.registered.v1'"),
        (lambda h, b: ({**h, "ce-time": "yesterday"}, b), "bad ce-time"),
        (lambda h, b: ({**h, "ce-specversion": "0.3"}, b), "specversion"),
        (lambda h, b: (h, b"{not json"), "does not match"),
        (lambda h, b: (h, b'{"label": "no id"}'), "does not match"),
    ],
)
def test_messages_that_can_never_succeed_are_undecodable(mangle: Any, reason: str) -> None:
    _, headers, body = encode(ParcelRegisteredV1(parcel_id="p"), source="/services/depot")
    bad_headers, bad_body = mangle(headers, body)
    with pytest.raises(UndecodableEvent, match=reason):
        decode(bad_headers, bad_body, ParcelRegisteredV1)


def test_unknown_fields_from_a_newer_producer_are_ignored() -> None:
    _, headers, _ = encode(ParcelRegisteredV1(parcel_id="p"), source="/services/depot")
    _, event = decode(headers, b'{"parcel_id": "p", "weight_grams": 1200}', ParcelRegisteredV1)
    assert event == ParcelRegisteredV1(parcel_id="p")


def test_event_ids_are_uuid7_and_time_ordered() -> None:
    ids = [new_event_id() for _ in range(200)]
    assert all(uuid.UUID(i).version == 7 and uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)
    assert len(set(ids)) == len(ids)
    # Same millisecond: random order within it; across milliseconds: ordered.
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)


def test_time_is_rfc3339_utc() -> None:
    local = datetime.fromisoformat("2026-03-29T03:30:00+02:00")
    assert format_time(local) == "2026-03-29T01:30:00.000000Z"
    assert parse_time("2026-03-29T01:30:00Z") == local
    with pytest.raises(ValueError, match="no time zone"):
        parse_time("2026-03-29T01:30:00")


def test_registry_knows_the_class_by_type() -> None:
    assert event_class("depot.parcel.registered.v1") is ParcelRegisteredV1
    with pytest.raises(KeyError, match="no event class"):
        event_class("depot.parcel.vanished.v1")
