"""The pure domain: geometry (holes, circles, cells, degenerate rings), identifiers, text cleaning, expiry,
matching rules, delivery rules, territory, CAP writing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.domain import delivery as rules
from alerts.domain.cap import CapDraft, CapReference, parse_cap, write_cap
from alerts.domain.geometry import (
    Circle,
    Polygon,
    cell_box,
    cell_of,
    circle_from_cap,
    make_ring,
    ring_from_bbk,
    ring_from_cap,
)
from alerts.domain.local import next_sent
from alerts.domain.matching import Target, Topic, topics_of
from alerts.domain.message import MessageError, Severity, clean_text, normalise_identifier, parse_time
from alerts.domain.territory import convex_hull, outside

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def square(lat: float, lon: float, half: float) -> Polygon:
    ring = make_ring([(lat - half, lon - half), (lat - half, lon + half), (lat + half, lon + half),
                      (lat + half, lon - half)])
    assert ring is not None
    return Polygon(ring)


def test_a_polygon_with_a_hole_excludes_the_hole() -> None:
    outer, hole = square(53.0, 14.0, 0.1), square(53.0, 14.0, 0.02)
    donut = Polygon(outer.outer, (hole.outer,))
    assert donut.contains(53.05, 14.05) and not donut.contains(53.0, 14.0)
    assert donut.contains(53.0, 14.0, within_m=2_500)  # 2.2 km to the hole's edge
    assert not donut.contains(53.2, 14.0) and donut.contains(53.11, 14.0, within_m=1_500)


def test_degenerate_and_junk_rings() -> None:
    assert ring_from_cap("51.437717,13.32218 51.437828,13.332933 51.437717,13.32218") is None  # 2 distinct points
    assert ring_from_cap("1,1 2,2 3,3 1,1") is None  # collinear: no area
    assert ring_from_cap("1,1 2,x 3,3") is None
    assert ring_from_cap("91,1 2,2 3,1") is None
    closed = ring_from_cap("1,1 1,2 2,2 ")  # open and with a trailing space: closed for us
    assert closed == ((1.0, 1.0), (1.0, 2.0), (2.0, 2.0), (1.0, 1.0))
    assert ring_from_bbk("1,1 -1.0,-1.0 2,1 2,2 -1.0,-1.0") == ((1.0, 1.0), (1.0, 2.0), (2.0, 2.0), (1.0, 1.0))


def test_circles_are_kilometres_and_cells_cover_boxes() -> None:
    circle = circle_from_cap("53.401,-165.164 1.0")
    assert circle == Circle(53.401, -165.164, 1.0)
    assert circle_from_cap("53.4,-165.1") is None and circle_from_cap("53.4,-165.1 -1") is None
    box = cell_box(cell_of(53.3167, 13.8667))
    assert box.contains(53.3167, 13.8667)
    assert square(53.3167, 13.8667, 0.05).covers_box(box)
    assert not square(53.3167, 13.8667, 0.004).covers_box(box)
    assert Circle(53.315, 13.865, 2.0).covers_box(box) and not Circle(53.315, 13.865, 0.3).covers_box(box)


def test_identifiers_from_two_feeds_are_one() -> None:
    dwd = "2.49.0.0.276.0.DWD.PVW.1661544180000.6ffa85ac-a5ed-4e69-977c-e767a423ecd6"
    assert normalise_identifier(f"dwd.{dwd}.MUL") == normalise_identifier(f"{dwd}.MUL") == dwd
    assert normalise_identifier("mow.DE-HE-KS-SE106-20250313-106-000") == "DE-HE-KS-SE106-20250313-106-000"
    katwarn = "60e96f0b62aefd198d9c0956_public_topics"
    assert normalise_identifier(f"kat.{katwarn}") == katwarn


def test_times_and_text() -> None:
    assert parse_time("2025-03-13T09:15:06-00:00", field_name="s") == parse_time("2025-03-13T10:15:06+01:00",
                                                                                  field_name="s")
    assert parse_time("2025-03-13T09:15:06Z", field_name="s") is not None
    with pytest.raises(MessageError):
        parse_time("2025-03-13T09:15:06", field_name="sent")
    assert clean_text("Warnung &quot;Probe&quot;<br/><br/>Ende&nbsp;jetzt <b>fett</b>") == \
        'Warnung "Probe"\n\nEnde jetzt fett'


def test_matching_a_point_by_shape_by_geocode_and_by_district_list() -> None:
    shaped = Target((square(53.0, 14.0, 0.05),), (), ("120730000000"[:5],), ())
    assert shaped.covers_point(53.0, 14.0, 0, "120730452452")
    assert not shaped.covers_point(53.5, 14.0, 0, "120730452452")  # the polygon beats "same district"
    assert shaped.covers_point(53.06, 14.0, 2_000, "")  # within the subscribed radius of the edge
    by_cell = Target((), ("120730452452",), (), ())
    assert by_cell.covers_point(1.0, 1.0, 0, "120730452452") and not by_cell.covers_point(1.0, 1.0, 0, "")
    by_list = Target((), (), ("12073",), ())
    assert by_list.covers_point(0, 0, 0, "120735306225")
    assert by_list.covers_area("120730000000", []) and by_list.covers_area("120000000000", [])
    assert not by_list.covers_area("130750000000", [])


def test_topics_from_categories_and_events() -> None:
    assert topics_of(["Met"]) == Topic.WEATHER
    assert Topic.FLOOD in topics_of(["Met"], "Hochwasser an der Oder")
    assert topics_of([], "", "lhp.x") & Topic.FLOOD
    assert topics_of(["Unknown"]) == Topic.CIVIL_PROTECTION
    assert Topic.parse_many(["weather", "Fire"]) == Topic.WEATHER | Topic.FIRE


@pytest.mark.parametrize(("before", "matches", "severity", "expected"), [
    (None, True, Severity.MODERATE, rules.Notice.NEW),
    (None, False, Severity.MODERATE, None),
    (rules.Told(Severity.MODERATE, True, NOW), True, Severity.MINOR, None),
    (rules.Told(Severity.MODERATE, True, NOW), True, Severity.MODERATE, None),
    (rules.Told(Severity.MODERATE, True, NOW), True, Severity.SEVERE, rules.Notice.ESCALATION),
    (rules.Told(Severity.MODERATE, True, NOW), False, Severity.MODERATE, rules.Notice.NO_LONGER_AFFECTED),
    (rules.Told(Severity.MODERATE, False, NOW), True, Severity.MODERATE, None),  # back within the debounce
    (rules.Told(Severity.MODERATE, False, NOW - timedelta(minutes=5)), True, Severity.MODERATE, rules.Notice.NEW),
])
def test_delivery_rules_on_change(
    before: rules.Told | None, matches: bool, severity: Severity, expected: rules.Notice | None
) -> None:
    notice = rules.on_change(before, matches=matches, severity=severity, now=NOW, debounce=timedelta(seconds=60))
    assert notice == expected


def test_delivery_rules_on_cancel_and_after() -> None:
    told = rules.Told(Severity.SEVERE, True, NOW)
    assert rules.on_cancel(told) is rules.Notice.ALL_CLEAR
    cleared = rules.after(told, rules.Notice.ALL_CLEAR, matches=False, severity=Severity.SEVERE, now=NOW)
    assert rules.on_cancel(cleared) is None and not cleared.affected
    assert rules.on_cancel(rules.Told(Severity.SEVERE, False, NOW)) is None  # left earlier: told then
    assert rules.on_cancel(None) is None
    raised = rules.after(told, rules.Notice.ESCALATION, matches=True, severity=Severity.EXTREME, now=NOW)
    assert raised.told_severity is Severity.EXTREME


def test_territory_is_the_hull_of_the_places_with_a_tolerance() -> None:
    hull = convex_hull([(53.0, 13.5), (53.0, 14.3), (53.5, 14.3), (53.5, 13.5), (53.2, 13.9)])
    assert hull is not None
    assert outside(hull, [square(53.2, 13.9, 0.05)], 1_000) == []
    assert outside(hull, [Circle(53.52, 13.9, 0.5)], 3_000) == []
    assert len(outside(hull, [square(52.5, 13.4, 0.05)], 5_000)) == 4


def test_our_cap_round_trips_with_references_and_increasing_sent() -> None:
    earlier = [CapReference("a@b", "DE-1-001", NOW)]
    sent = next_sent(NOW, earlier)
    assert sent == NOW + timedelta(seconds=1)
    xml = write_cap(CapDraft(
        identifier="DE-1-002", sender="a@b", sender_name="Leitstelle", sent=sent, msg_type="Update",
        category="Fire", event="Brand", severity=Severity.SEVERE, urgency="Immediate", certainty="Observed",
        headline="Brand & Rauch \"Halle 3\"", description="", instruction="", area_description="Ort",
        shapes=(square(53.0, 14.0, 0.01), Circle(53.0, 14.0, 1.5)), geocodes=(("ARS", "120730452452"),),
        expires=NOW + timedelta(hours=1), references=tuple(earlier),
    ))
    assert b"<references>a@b,DE-1-001,2026-11-25T12:00:00-00:00</references>" in xml
    message = parse_cap(xml)
    assert message.msg_type == "Update" and message.infos[0].headline == "Brand & Rauch \"Halle 3\""
    assert [r.identifier for r in message.references] == ["DE-1-001"]
    assert len(message.shapes) == 2 and message.geocodes == (("ARS", "120730452452"),)


def test_the_nina_listings_mapdata_and_dashboard_give_ids_and_change_keys() -> None:
    from pathlib import Path

    from alerts.domain.nina import load_json, parse_listing

    fixtures = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "alerts"
    dashboard = parse_listing(load_json((fixtures / "nina-dashboard-sample.json").read_bytes(), max_bytes=100_000))
    assert [(w.id, w.version) for w in dashboard] == [
        ("mow.DE-BW-S-SE018-20211102-18-001", "1:cae97b1c11bde900017305f681904ad5a6e8fd1c841241ced524b83eaa3522f4"),
        ("mow.DE-NW-BN-SE030-20201014-30-000", "1:551db820a43be7e4f39283e1dfb71b212cd520c3ee478d44f43519e9c48fde4c")]
    map_data = parse_listing([{"id": "kat.60e96f0b62aefd198d9c0956_public_topics", "version": 9}, {"version": 1}, 7])
    assert [(w.id, w.version) for w in map_data] == [("kat.60e96f0b62aefd198d9c0956_public_topics", "9:")]
    with pytest.raises(MessageError):
        parse_listing({"not": "a list"})
