"""Scenarios 4, 7-11 of the research (alerts.md, section d): geography in three coordinate orders, a batch
of malformed and odd-but-valid CAP, hostile XML and zips, languages, escalation and floods, status and
scope. Feeds come from the local replaying HTTP server; messages we need beyond the fixtures are written
with the service's own CAP writer."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timedelta
from typing import Any

import pytest
from alerts_testkit import TEST_DISTRICT, FeedServer, Harness, at, fixture, make_zip
from sqlmodel import select

from alerts.crud.recipients import recipients
from alerts.crud.threads import expire_due, ingest
from alerts.crud.views import public_active
from alerts.domain.cap import CapDraft, CapReference, parse_cap, write_cap
from alerts.domain.geometry import Circle, Polygon, make_ring
from alerts.domain.matching import compile_target
from alerts.domain.message import Message, Severity
from alerts.domain.nina import parse_warning
from alerts.models import Quarantine
from alerts.schemas import PlaceIn

# --- scenario 4: a polygon across the district border, in three coordinate orders ---------------------

# Over Prenzlau and north into Vorpommern-Greifswald (ARS 130750000000); Templin stays outside.
BORDER_RING = [(53.25, 13.70), (53.25, 14.10), (53.75, 14.10), (53.75, 13.70), (53.25, 13.70)]
DISTRICTS = "120730000000,130750000000"


def nina_base(identifier: str) -> dict[str, Any]:
    return {
        "identifier": identifier, "sender": "DE-BB-UM-W001", "sent": "2026-01-10T08:00:00+01:00",
        "status": "Actual", "msgType": "Alert", "scope": "Public",
        "info": [{"language": "DE", "category": ["Safety"], "event": "Gefahreninformation",
                  "severity": "Severe", "headline": "Großbrand bei Prenzlau: Fenster und Türen schließen",
                  "parameter": [{"valueName": "warnVerwaltungsbereiche", "value": DISTRICTS}],
                  "area": [{"areaDesc": "Prenzlau und Umgebung", "geocode": [{"valueName": "AreaId", "value": "0"}]}]}],
    }


def from_geojson() -> Message:
    geojson = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"warnId": "mow.DE-BB-UM-1"},
        "geometry": {"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in BORDER_RING]]}}]}
    return parse_warning(nina_base("mow.DE-BB-UM-1"), geojson=geojson)


def from_legacy_bbk() -> Message:
    doc = nina_base("mow.DE-BB-UM-2")
    pairs = [f"{lon},{lat}" for lat, lon in BORDER_RING]
    doc["info"][0]["area"][0]["polygon"] = [" ".join(["-1.0,-1.0", *pairs[:2], "-1.0,-1.0", *pairs[2:]])]
    return parse_warning(doc)


def from_cap() -> Message:
    ring = make_ring(BORDER_RING)
    assert ring is not None
    xml = write_cap(CapDraft(
        identifier="DE-BB-UM-3", sender="DE-BB-UM-W001", sender_name="Leitstelle", sent=at("2026-01-10T08:00:00+01:00"),
        msg_type="Alert", category="Safety", event="Gefahreninformation", severity=Severity.SEVERE,
        urgency="Immediate", certainty="Observed", headline="Großbrand", description="", instruction="",
        area_description="Prenzlau und Umgebung", shapes=(Polygon(ring),), geocodes=(), expires=None,
    ))
    assert b"<polygon>53.25,13.7 53.25,14.1 53.75,14.1 53.75,13.7 53.25,13.7</polygon>" in xml  # lat,lon
    parameter = f"<parameter><valueName>warnVerwaltungsbereiche</valueName><value>{DISTRICTS}</value></parameter>"
    return parse_cap(xml.replace(b"<area>", parameter.encode() + b"<area>"))


async def test_4_a_polygon_across_the_border_beats_same_district_in_every_coordinate_order(harness: Harness) -> None:
    harness.now = at("2026-01-10T08:05:00+01:00")
    await harness.subscribe("P1", PlaceIn(lat=53.60, lon=13.95, label="Hof in Vorpommern"))  # in Y, inside
    await harness.subscribe("P2", PlaceIn(ortsteil_id="ot-templin-templin"))  # in X, outside
    await harness.subscribe("P3", PlaceIn(ars="130750000000", label="Vorpommern-Greifswald"))  # Y as a whole
    people = {harness.person(n): n for n in ("P1", "P2", "P3")}
    matches = []
    async with harness.db.read_sessions() as session:
        for message in (from_geojson(), from_legacy_bbk(), from_cap()):
            target = compile_target(message, harness.ctx.gazetteer)
            found = await recipients(session, target, harness.ctx.gazetteer, severity=3, topic_mask=0xFFFF)
            matches.append(sorted(people[r.person_id] for r in found.values()))
    assert matches == [["P1", "P3"]] * 3

    async with harness.db.transaction() as session:
        await ingest(session, from_geojson(), harness.ctx, source="mowas")
    async with harness.db.read_sessions() as session:
        assert [t.first_key for t in await public_active(session)] == ["DE-BB-UM-1"]  # it concerns Prenzlau
    assert await harness.told("P1") == ["new"]
    assert await harness.told("P2") == []
    assert await harness.told("P3") == ["new"]


# --- scenarios 7 and 8: one batch with broken, odd, hostile and valid messages --------------------------

def future(xml: bytes) -> bytes:
    """The fixture with its 2022 dates moved to 2099, so that every message of the batch is current."""
    return xml.replace(b"2022-", b"2099-")


BAD_IDENTIFIER = future(fixture("cap-circle-tsunami.xml")).replace(b"<identifier>PAAQ-1-rfwv11</identifier>", b"")
BAD_MSGTYPE = future(fixture("cap-polygon-trailing-space.xml")).replace(b"<msgType>Alert</msgType>",
                                                                        b"<msgType>Updte</msgType>")
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>"""


def external_dtd(url: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE alert SYSTEM "{url}">
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>""".encode()


def zip_bomb() -> bytes:
    """A member that inflates to 50 MB of zeros (about 50 kB packed)."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("bomb.xml", "w") as member:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(50):
            member.write(chunk)
    return buffer.getvalue()


async def quarantined(harness: Harness) -> dict[str, str]:
    async with harness.db.read_sessions() as session:
        return {q.item: q.code for q in (await session.exec(select(Quarantine))).all()}


async def test_7_a_batch_quarantines_the_broken_and_takes_the_valid(harness: Harness, feed_server: FeedServer) -> None:
    harness.use_district(TEST_DISTRICT)
    await harness.subscribe("B", PlaceIn(ortsteil_id="ot-hohendubrau-weigersdorf"))
    # 0.9 km and 1.1 km north of the tsunami circle's centre (radius 1 km).
    await harness.subscribe("near", PlaceIn(lat=53.401 + 0.9 / 111.2, lon=-165.164))
    await harness.subscribe("far", PlaceIn(lat=53.401 + 1.1 / 111.2, lon=-165.164))
    batch = {
        "missing-identifier.xml": BAD_IDENTIFIER,
        "invalid.xml": b"<alert><identifier>unclosed</alert>",
        "updte.xml": BAD_MSGTYPE,
        "dwd-3-point-polygon.xml": future(fixture("dwd-cap-update.xml")),
        "trailing-space.xml": future(fixture("cap-polygon-trailing-space.xml")),
        "geocode-only.xml": future(fixture("cap-multi-info-geocode-nuts3.xml")),
        "circle.xml": future(fixture("cap-circle-tsunami.xml")),
    }
    feed_server.put("/dwd/batch.zip", make_zip(batch))
    feed = await harness.add_feed("batch", "cap_zip", feed_server.url("/dwd/batch.zip"), "dwd")
    report = await harness.poll(feed)

    assert await quarantined(harness) == {
        "missing-identifier.xml": "MISSING_FIELD", "invalid.xml": "BAD_XML", "updte.xml": "BAD_MSGTYPE"}
    assert report.quarantined == 3 and report.ingested == {"new": 4}
    by_key = {t.first_key: t for t in await harness.threads()}
    # The degenerate polygon is dropped; the warn cell of the same message still reaches B.
    assert await harness.told("B") == ["new"]
    assert json.loads(by_key["2.49.0.0.276.0.DWD.PVW.1661544180000.6ffa85ac-a5ed-4e69-977c-e767a423ecd6"]
                      .area_json)["polygons"] == []
    # Geocodes without a lookup are flagged, neither dropped nor broadcast.
    nuts = by_key["2.49.0.0.250.0.FR.20220810161220.589023"]
    assert nuts.unresolved_geocodes.split() == ["NUTS3=FR821", "NUTS3=FR822", "NUTS3=FR823", "NUTS3=FR623"]
    assert nuts.ortsteil_ids == ""
    # The circle: 0.9 km in, 1.1 km out.
    assert await harness.told("near") == ["new"]
    assert await harness.told("far") == []
    # The polygon with a trailing space and repeated vertices is a usable polygon.
    assert len(json.loads(by_key["urn:oid:2.49.0.0.76.0.2022.18084.1"].area_json)["polygons"]) == 1


def test_7_all_three_references_formats_name_the_right_predecessors() -> None:
    from alerts.domain.message import parse_references

    standard = parse_cap(fixture("dwd-cap-update.xml")).references
    assert [r.identifier for r in standard] == [
        "2.49.0.0.276.0.DWD.PVW.1661542140000.7462e657-ce54-473f-91c8-abe408afe703"]
    columnar = parse_warning(json.loads(fixture("nina-warning-details-samples.json"))[
        "mow.DE-BW-S-SE018-20211102-18-001"]).references
    assert [r.identifier for r in columnar] == [
        "DE-NW-BN-SE030-20200506-30-001", "DE-NW-BN-SE030-20200422-30-000", "DE-NW-BN-SE030-20200420-30-001",
        "DE-NW-BN-SE030-20200416-30-001", "DE-NW-BN-SE030-20200403-30-000", "DE-NW-BN-W003-20200403-000"]
    assert {r.sent for r in columnar} == {at("2020-04-03T00:00:00+00:00")}
    bare = parse_references("biw.BIWAPP-91770_1 biw.BIWAPP-91770_2")
    assert [(r.identifier, r.sender, r.sent) for r in bare] == [("BIWAPP-91770_1", None, None),
                                                                 ("BIWAPP-91770_2", None, None)]
    two_triples = parse_references("a@x,ID-1,2025-03-13T09:15:06-00:00 a@x,ID-2,2025-03-13T10:15:06+01:00")
    assert [r.identifier for r in two_triples] == ["ID-1", "ID-2"]
    assert two_triples[0].sent == two_triples[1].sent  # -00:00 and +01:00: the same instant


async def test_7_a_columnar_reference_joins_the_thread_it_names(harness: Harness) -> None:
    samples = json.loads(fixture("nina-warning-details-samples.json"))
    predecessor = nina_base("mow.DE-NW-BN-SE030-20200403-30-000")
    predecessor["sent"] = "2020-04-03T00:00:00+00:00"
    harness.now = at("2021-11-02T20:10:00+01:00")
    async with harness.db.transaction() as session:
        first = await ingest(session, parse_warning(predecessor), harness.ctx, source="mowas")
        second = await ingest(session, parse_warning(samples["mow.DE-BW-S-SE018-20211102-18-001"]), harness.ctx,
                              source="mowas")
    assert first.thread_id == second.thread_id and second.kind == "updated"


async def test_8_bombs_entities_and_external_dtds_are_refused_and_the_rest_goes_on(
    harness: Harness, feed_server: FeedServer
) -> None:
    harness.use_district(TEST_DISTRICT)
    await harness.subscribe("B", PlaceIn(ortsteil_id="ot-hohendubrau-weigersdorf"))
    dtd_url = feed_server.url("/evil.dtd")
    feed_server.put("/evil.dtd", b'<!ENTITY x "pwned">')
    feed_server.put("/dwd/batch.zip", make_zip({
        "laughs.xml": BILLION_LAUGHS, "xxe.xml": XXE, "external.xml": external_dtd(dtd_url),
        "valid.xml": future(fixture("dwd-cap-update.xml")),
    }))
    feed = await harness.add_feed("batch", "cap_zip", feed_server.url("/dwd/batch.zip"), "dwd")
    report = await harness.poll(feed)
    assert await quarantined(harness) == {"laughs.xml": "UNSAFE_XML", "xxe.xml": "UNSAFE_XML",
                                          "external.xml": "UNSAFE_XML"}
    assert report.ingested == {"new": 1}
    assert feed_server.hits("/evil.dtd") == []  # no network fetch
    assert await harness.told("B") == ["new"]

    # A zip whose member inflates past the cap: that member is refused, read only up to the cap.
    feed_server.put("/dwd/bomb.zip", _with(zip_bomb(), "valid.xml", future(fixture("cap-circle-tsunami.xml"))))
    bomb = await harness.add_feed("bomb", "cap_zip", feed_server.url("/dwd/bomb.zip"), "dwd")
    report = await harness.poll(bomb)
    assert (await quarantined(harness))["bomb.xml"] == "ZIP_BOMB"
    assert report.ingested == {"new": 1}


def _with(zip_bytes: bytes, name: str, data: bytes) -> bytes:
    import io

    buffer = io.BytesIO(zip_bytes)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


# --- scenario 9: languages ------------------------------------------------------------------------------

async def test_9_each_reader_gets_their_language_with_a_sensible_fallback(harness: Harness) -> None:
    from alerts.domain.language import reading

    cancel = parse_warning(json.loads(fixture("nina-warning-mowas-cancel.json")))
    english = reading(cancel.infos, ["en"])
    assert english is not None and english.language == "EN"
    assert english.headline == "Alert: Entwarnung: Probealarm - Land Hessen"  # never just "Alert"
    assert english.instruction.startswith("Get information from the media")
    assert english.description.startswith("Dies ist die Entwarnung") and english.description_language == "de"
    german = reading(cancel.infos, ["de"])
    assert german is not None and german.language == "DE" and german.description_language is None
    easy = reading(cancel.infos, ["de-LS"])
    assert easy is not None and easy.language == "DE-LS"
    dwd = parse_cap(fixture("dwd-cap-update.xml"))
    assert (reading(dwd.infos, ["DE"]) or english).language == "de-DE"  # case-insensitive, by prefix
    assert (reading(dwd.infos, ["pl"]) or english).language == "de-DE"  # no Polish: the original


# --- scenario 10: escalation, silent updates, floods, an area that grows --------------------------------

PRENZLAU = (53.3167, 13.8667)


def square(lat: float, lon: float, half: float) -> Polygon:
    ring = make_ring([(lat - half, lon - half), (lat - half, lon + half), (lat + half, lon + half),
                      (lat + half, lon - half)])
    assert ring is not None
    return Polygon(ring)


class Sender:
    """A CAP sender writing a thread of messages (Alert, then Updates referencing all earlier ones)."""

    def __init__(self, start: datetime) -> None:
        self.sent = start
        self.earlier: list[CapReference] = []

    def next(self, severity: Severity, shape: Polygon | Circle, *, status: str = "Actual", scope: str = "Public",
             msg_type: str | None = None, seconds: int = 10, expires: datetime | None = None) -> Message:
        self.sent += timedelta(seconds=seconds)
        identifier = f"DE-TEST-{len(self.earlier):03d}"
        xml = write_cap(CapDraft(
            identifier=identifier, sender="test@kreis.example", sender_name="Test", sent=self.sent,
            msg_type=msg_type or ("Update" if self.earlier else "Alert"), category="Fire", event="Brand",
            severity=severity, urgency="Immediate", certainty="Observed", headline="Rauchentwicklung",
            description="Es brennt eine Lagerhalle.", instruction="Fenster schließen.", area_description="Gebiet",
            shapes=(shape,), geocodes=(), expires=expires, references=tuple(self.earlier),
        ))
        xml = xml.replace(b"<status>Actual</status>", f"<status>{status}</status>".encode())
        xml = xml.replace(b"<scope>Public</scope>", f"<scope>{scope}</scope>".encode())
        message = parse_cap(xml)
        self.earlier.append(CapReference(message.sender, message.identifier, message.sent))
        return message


async def take(harness: Harness, message: Message) -> str:
    async with harness.db.transaction() as session:
        return (await ingest(session, message, harness.ctx, source="cap")).kind


async def test_10_silent_updates_one_escalation_no_flood_and_new_people_told(harness: Harness) -> None:
    await harness.subscribe("A", PlaceIn(ortsteil_id="ot-prenzlau-prenzlau"))
    await harness.subscribe("C", PlaceIn(lat=53.37, lon=13.87, label="Hof"))  # outside the first square
    sender = Sender(harness.now)
    small, large = square(*PRENZLAU, 0.02), square(*PRENZLAU, 0.1)
    assert await take(harness, sender.next(Severity.MODERATE, small)) == "new"
    assert await take(harness, sender.next(Severity.MINOR, small)) == "updated"  # lower: silent
    assert await take(harness, sender.next(Severity.SEVERE, small)) == "updated"  # higher: told once
    flood = [await take(harness, sender.next(Severity.SEVERE, small, seconds=5)) for _ in range(5)]
    assert flood == ["unchanged"] * 5  # only `sent` changed
    assert await take(harness, sender.next(Severity.SEVERE, large)) == "updated"  # the area grows to C

    assert await harness.told("A") == ["new", "escalation"]
    assert await harness.told("C") == ["new"]
    assert len(await harness.events("alerts.warning.updated.v1")) == 3  # no event for the flood


async def test_10_a_flapping_area_within_the_debounce_window_is_one_message(harness: Harness) -> None:
    await harness.subscribe("C", PlaceIn(lat=53.37, lon=13.87, label="Hof"))
    sender = Sender(harness.now)
    small, large = square(*PRENZLAU, 0.02), square(*PRENZLAU, 0.1)
    await take(harness, sender.next(Severity.MODERATE, large))
    await take(harness, sender.next(Severity.MODERATE, small))
    await take(harness, sender.next(Severity.MODERATE, large))  # back within seconds
    assert await harness.told("C") == ["new", "no_longer_affected"]


# --- scenario 11: status and scope ----------------------------------------------------------------------

@pytest.mark.parametrize(("status", "scope", "msg_type"), [
    ("Exercise", "Public", None), ("Test", "Public", None), ("System", "Public", None), ("Draft", "Public", None),
    ("Actual", "Restricted", None), ("Actual", "Private", None), ("Actual", "Public", "Ack"),
    ("Actual", "Public", "Error"),
])
async def test_11_drills_tests_and_restricted_messages_never_reach_the_public(
    harness: Harness, status: str, scope: str, msg_type: str | None
) -> None:
    await harness.subscribe("A", PlaceIn(ortsteil_id="ot-prenzlau-prenzlau"))
    message = Sender(harness.now).next(Severity.EXTREME, square(*PRENZLAU, 0.05), status=status, scope=scope,
                                       msg_type=msg_type)
    assert await take(harness, message) == "not_public"
    assert await harness.notices("A") == []
    (thread,) = await harness.threads()
    assert not thread.public and thread.status == status  # kept for operators
    assert await harness.events("alerts.warning.issued.v1") == []


async def test_11_a_warntag_drill_sent_as_actual_is_delivered(harness: Harness) -> None:
    await harness.subscribe("A", PlaceIn(ortsteil_id="ot-prenzlau-prenzlau"))
    assert await take(harness, Sender(harness.now).next(Severity.EXTREME, square(*PRENZLAU, 0.05))) == "new"
    assert await harness.told("A") == ["new"]


async def test_3d_an_info_mix_stays_active_until_its_last_info_expires(harness: Harness) -> None:
    message = Sender(harness.now).next(Severity.MODERATE, square(*PRENZLAU, 0.05),
                                       expires=harness.now + timedelta(hours=1))
    english = message.infos[0].__class__(**{**{f: getattr(message.infos[0], f) for f in message.infos[0].__slots__},
                                           "language": "en-GB", "expires": harness.now + timedelta(hours=5)})
    mixed = message.__class__(**{**{f: getattr(message, f) for f in message.__slots__},
                                 "infos": (message.infos[0], english)})
    assert await take(harness, mixed) == "new"
    harness.now += timedelta(hours=2)  # the German info has expired, the English one not
    async with harness.db.transaction() as session:
        assert await expire_due(session, harness.ctx) == 0
    harness.now += timedelta(hours=4)
    async with harness.db.transaction() as session:
        assert await expire_due(session, harness.ctx) == 1
    (thread,) = await harness.threads()
    assert thread.state == "expired"
