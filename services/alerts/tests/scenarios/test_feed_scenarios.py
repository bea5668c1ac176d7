"""The research's scenarios (shared research alerts.md, section d) with the real fixtures, fed through a
local HTTP server that replays the feeds (NINA API, DWD zip, CAP) — including 304s, 5xx and timeouts.
Scenarios 4, 7-11 are in test_area_scenarios.py, 12 in tests/api/test_local_warnings.py."""

from __future__ import annotations

import json
import re
from typing import Any

from alerts_testkit import TEST_DISTRICT, FeedServer, Harness, at, fixture, make_zip
from sqlmodel import select

from alerts.crud import views
from alerts.crud.threads import expire_due
from alerts.models import Feed, WarningMessage
from alerts.schemas import PlaceIn

UPDATE_ID = "2.49.0.0.276.0.DWD.PVW.1661544180000.6ffa85ac-a5ed-4e69-977c-e767a423ecd6"
PREDECESSOR_ID = "2.49.0.0.276.0.DWD.PVW.1661542140000.7462e657-ce54-473f-91c8-abe408afe703"
A_PLACE = PlaceIn(ortsteil_id="ot-goerlitz-innenstadt")
B_PLACE = PlaceIn(ortsteil_id="ot-hohendubrau-weigersdorf")


def dwd_predecessor() -> bytes:
    """The Alert that `dwd-cap-update.xml` updates: its referenced identifier and sent, a polygon covering
    both test villages (A in Görlitz, B in Hohendubrau), the same warn cell."""
    xml = fixture("dwd-cap-update.xml").decode()
    xml = xml.replace(UPDATE_ID, PREDECESSOR_ID)
    xml = xml.replace("<sent>2022-08-26T22:03:00+02:00</sent>", "<sent>2022-08-26T21:29:00+02:00</sent>")
    xml = xml.replace("<msgType>Update</msgType>", "<msgType>Alert</msgType>")
    xml = re.sub(r"<references>.*?</references>\s*", "", xml)
    return xml.replace(
        "<polygon>51.437717,13.32218 51.437828,13.332933 51.437717,13.32218</polygon>",
        "<polygon>51.0,14.5 51.4,14.5 51.4,15.1 51.0,15.1 51.0,14.5</polygon>",
    ).encode()


async def messages(harness: Harness) -> list[WarningMessage]:
    async with harness.db.read_sessions() as session:
        return list((await session.exec(select(WarningMessage))).all())


async def test_1_an_update_that_shrinks_the_area(harness: Harness, feed_server: FeedServer) -> None:
    harness.use_district(TEST_DISTRICT)
    await harness.subscribe("A", A_PLACE)
    await harness.subscribe("B", B_PLACE)
    feed_server.put("/dwd/latest.zip", make_zip({"a.xml": dwd_predecessor()}))
    feed = await harness.add_feed("dwd", "cap_zip", feed_server.url("/dwd/latest.zip"), source="dwd")

    harness.now = at("2022-08-26T21:35:00+02:00")
    await harness.poll(feed)
    assert await harness.told("A") == ["new"]
    assert await harness.told("B") == ["new"]

    feed_server.put("/dwd/latest.zip", make_zip({"b.xml": fixture("dwd-cap-update.xml")}))
    harness.now = at("2022-08-26T22:05:00+02:00")
    report = await harness.poll(feed)

    assert report.ingested == {"updated": 1}
    assert len(await harness.threads()) == 1
    assert await harness.told("A") == ["new", "no_longer_affected"]  # one notice that the place is out
    assert await harness.told("B") == ["new"]  # a silent update: same severity
    assert [n["title"] for n in await harness.notices("A")][-1].startswith("Entwarnung für Ihren Ort")
    by_id = {m.identifier: m for m in await messages(harness)}
    assert by_id[PREDECESSOR_ID + ".MUL"].disposition == "superseded"
    assert by_id[UPDATE_ID + ".MUL"].disposition == "current"
    async with harness.db.read_sessions() as session:
        assert await views.for_person(session, harness.person("A"), harness.now, harness.ctx.gazetteer) == []
        mine = await views.for_person(session, harness.person("B"), harness.now, harness.ctx.gazetteer)
    assert [labels for _, labels in mine] == [["Weigersdorf"]]
    assert len(await harness.events("alerts.warning.issued.v1")) == 1
    assert len(await harness.events("alerts.warning.updated.v1")) == 1


# --- scenario 2: a Cancel, in order and out of order ---------------------------------------------------

CANCEL = json.loads(fixture("nina-warning-mowas-cancel.json"))
ALERT_ID = "mow.DE-HE-KS-SE106-20250313-106-000"
CANCEL_ID = "mow.DE-HE-KS-SE106-20250313-106-001"
HESSEN_DISTRICT = PlaceIn(ars="066340000000", label="Schwalm-Eder-Kreis")


def mowas_alert() -> dict[str, Any]:
    """The `-000` that the Cancel fixture references: same sender, its `sent` (09:15:06-00:00 written with
    +01:00 here, the same instant), msgType Alert, a warning instead of the all-clear."""
    alert = json.loads(json.dumps(CANCEL))
    alert.update(identifier=ALERT_ID, sent="2025-03-13T10:15:06+01:00", msgType="Alert")
    del alert["references"]
    for info in alert["info"]:
        info["responseType"] = ["Prepare"]
        if info["language"] == "DE":
            info["headline"] = "Probealarm - Land Hessen"
            info["description"] = "Landesweiter Warntag in Hessen - hessenweiter Probealarm"
    return alert


def serve_mowas(server: FeedServer, *listed: tuple[str, dict[str, Any]]) -> None:
    server.put("/api31/mowas/mapData.json", [{"id": i, "version": 1, "severity": "Extreme", "type": "Alert"}
                                             for i, _ in listed])
    for identifier, body in listed:
        server.put(f"/api31/warnings/{identifier}.json", body)


async def test_2_a_cancel_retracts_and_gives_one_all_clear_in_the_language_of_each(
    harness: Harness, feed_server: FeedServer
) -> None:
    harness.now = at("2025-03-13T10:20:00+01:00")
    await harness.subscribe("de", HESSEN_DISTRICT)
    await harness.subscribe("en", HESSEN_DISTRICT, languages=("en",))
    serve_mowas(feed_server, (ALERT_ID, mowas_alert()))
    feed = await harness.add_feed("mowas", "nina_list", feed_server.url("/api31/mowas/mapData.json"), "mowas")
    await harness.poll(feed)
    async with harness.db.read_sessions() as session:
        assert await views.public_active(session) == []  # active, but in Hessen: not on the district's list
    await harness.subscribe("later", HESSEN_DISTRICT)  # subscribed after the warning was sent

    serve_mowas(feed_server, (CANCEL_ID, CANCEL))
    harness.now = at("2025-03-13T10:51:00+01:00")
    report = await harness.poll(feed)

    assert report.ingested == {"cancelled": 1}
    assert await harness.told("de") == ["new", "all_clear"]
    assert await harness.told("en") == ["new", "all_clear"]
    assert await harness.told("later") == []
    de_clear, en_clear = (await harness.notices("de"))[-1], (await harness.notices("en"))[-1]
    assert de_clear["title"].startswith("Entwarnung: Entwarnung: Probealarm")
    assert en_clear["title"].startswith("All clear: Alert: Entwarnung: Probealarm")  # EN headline + original
    (thread,) = await harness.threads()
    assert thread.state == "cancelled"
    async with harness.db.read_sessions() as session:
        assert await views.public_active(session) == []
    assert len(await harness.events("alerts.warning.cancelled.v1")) == 1


async def test_2_a_cancel_before_its_alert_is_a_tombstone(harness: Harness, feed_server: FeedServer) -> None:
    harness.now = at("2025-03-13T10:55:00+01:00")
    await harness.subscribe("de", HESSEN_DISTRICT)
    serve_mowas(feed_server, (CANCEL_ID, CANCEL))
    feed = await harness.add_feed("mowas", "nina_list", feed_server.url("/api31/mowas/mapData.json"), "mowas")
    assert (await harness.poll(feed)).ingested == {"cancelled": 1}

    serve_mowas(feed_server, (ALERT_ID, mowas_alert()))  # the late -000 (references match by instant)
    assert (await harness.poll(feed)).ingested == {"suppressed": 1}

    assert await harness.told("de") == []
    (thread,) = await harness.threads()
    assert thread.state == "cancelled" and not thread.public
    assert {m.identifier: m.disposition for m in await messages(harness)} == {
        CANCEL_ID: "current", ALERT_ID: "suppressed"}
    assert await harness.events("alerts.warning.issued.v1") == []


# --- scenario 3: expiry -------------------------------------------------------------------------------

async def test_3a_an_expired_message_is_not_stored(harness: Harness, feed_server: FeedServer) -> None:
    await harness.subscribe("near", PlaceIn(lat=-20.2, lon=-43.9, radius_m=20_000))
    feed_server.put("/cap/expired.xml", fixture("cap-expired-alert.xml"))
    feed = await harness.add_feed("inmet", "cap_feed", feed_server.url("/cap/expired.xml"))
    report = await harness.poll(feed)
    assert report.ingested == {"expired": 1}
    assert await harness.threads() == []
    assert await harness.notices("near") == []


async def test_3c_a_mowas_warning_without_expires_stays_until_cancel_or_absence(
    harness: Harness, feed_server: FeedServer
) -> None:
    samples = json.loads(fixture("nina-warning-details-samples.json"))
    identifier = "mow.DE-BW-S-SE018-20211102-18-001"
    serve_mowas(feed_server, (identifier, samples[identifier]))
    feed = await harness.add_feed("mowas", "nina_list", feed_server.url("/api31/mowas/mapData.json"), "mowas")
    await harness.poll(feed)
    harness.now = harness.now.replace(year=harness.now.year + 1)
    async with harness.db.transaction() as session:
        assert await expire_due(session, harness.ctx) == 0
    (thread,) = await harness.threads()
    assert thread.state == "active" and thread.expires_at is None


# --- scenario 5: one warning from two feeds -------------------------------------------------------------

def nina_rendering_of_the_dwd_update() -> dict[str, Any]:
    """The same DWD message as NINA's /dwd feed serves it: `dwd.` prefix, NINA's JSON shape, upper-case
    language."""
    return {
        "identifier": f"dwd.{UPDATE_ID}.MUL", "sender": "opendata@dwd.de", "sent": "2022-08-26T22:03:00+02:00",
        "status": "Actual", "msgType": "Update", "scope": "Public", "code": [f"id:{UPDATE_ID}"],
        "references": f"opendata@dwd.de,{PREDECESSOR_ID}.MUL,2022-08-26T21:29:00+02:00",
        "info": [{
            "language": "DE", "category": ["Met"], "event": "STARKES GEWITTER", "urgency": "Immediate",
            "severity": "Moderate", "certainty": "Likely", "expires": "2022-08-26T23:00:00+02:00",
            "headline": "Amtliche WARNUNG vor STARKEM GEWITTER", "description": "Es treten einzelne Gewitter auf.",
            "area": [{"areaDesc": "Gemeinde Hohendubrau",
                      "geocode": [{"valueName": "WARNCELLID", "value": "814626190"}]}],
        }],
    }


async def test_5_the_same_warning_from_two_feeds_is_one_thread_and_one_message(
    harness: Harness, feed_server: FeedServer
) -> None:
    harness.use_district(TEST_DISTRICT)
    harness.now = at("2022-08-26T22:05:00+02:00")
    await harness.subscribe("B", B_PLACE, PlaceIn(lat=51.268, lon=14.682, label="Garten"))
    feed_server.put("/dwd/latest.zip", make_zip({"b.xml": fixture("dwd-cap-update.xml")}))
    serve_nina = f"dwd.{UPDATE_ID}.MUL"
    feed_server.put("/api31/dwd/mapData.json", [{"id": serve_nina, "version": 3}])
    feed_server.put(f"/api31/warnings/{serve_nina}.json", nina_rendering_of_the_dwd_update())
    dwd = await harness.add_feed("dwd", "cap_zip", feed_server.url("/dwd/latest.zip"), "dwd")
    nina = await harness.add_feed("nina-dwd", "nina_list", feed_server.url("/api31/dwd/mapData.json"), "dwd")

    assert (await harness.poll(dwd)).ingested == {"new": 1}
    assert (await harness.poll(nina)).ingested == {"updated": 1}  # NINA's version of it: a silent update

    assert len(await harness.threads()) == 1
    (notice,) = await harness.notices("B")
    assert "Garten" in notice["body"] and "Weigersdorf" in notice["body"]  # both places, one message


# --- scenario 6: conditional requests and sweep safety --------------------------------------------------

async def test_6a_a_304_costs_nothing_and_removes_nothing(harness: Harness, feed_server: FeedServer) -> None:
    serve_mowas(feed_server, (ALERT_ID, mowas_alert()))
    feed_server.routes["/api31/mowas/mapData.json"].etag = '"E1"'
    harness.now = at("2025-03-13T10:20:00+01:00")
    feed = await harness.add_feed("mowas", "nina_list", feed_server.url("/api31/mowas/mapData.json"), "mowas")
    await harness.subscribe("de", HESSEN_DISTRICT)
    assert (await harness.poll(feed)).ingested == {"new": 1}
    for _ in range(3):  # more than the absences needed for removal
        report = await harness.poll(feed)
        assert report.outcome == "not_modified" and report.parsed == 0
    listing = feed_server.hits("/api31/mowas/mapData.json")
    assert "if-none-match" not in listing[0].headers
    assert [hit.headers.get("if-none-match") for hit in listing[1:]] == ['"E1"'] * 3
    assert len(feed_server.hits(f"/api31/warnings/{ALERT_ID}.json")) == 1
    (thread,) = await harness.threads()
    assert thread.state == "active"
    assert await harness.told("de") == ["new"]


async def test_6b_without_validators_the_next_request_is_unconditional(
    harness: Harness, feed_server: FeedServer
) -> None:
    feed_server.put("/cap/one.xml", fixture("cap-circle-tsunami.xml"))
    harness.now = at("2022-08-01T00:45:00+00:00")
    feed = await harness.add_feed("ntwc", "cap_feed", feed_server.url("/cap/one.xml"))
    await harness.poll(feed)
    feed_server.put("/cap/one.xml", fixture("cap-circle-tsunami.xml"), last_modified="Mon, 01 Aug 2022 00:41:00 GMT")
    await harness.poll(feed)
    await harness.poll(feed)
    first, second, third = feed_server.hits("/cap/one.xml")
    assert "if-none-match" not in first.headers and "if-modified-since" not in first.headers
    assert "if-none-match" not in second.headers  # never a literal "None"
    assert third.headers.get("if-modified-since") == "Mon, 01 Aug 2022 00:41:00 GMT"
    assert "if-none-match" not in third.headers


async def test_6c_the_same_body_with_a_new_etag_notifies_nobody_again(
    harness: Harness, feed_server: FeedServer
) -> None:
    harness.now = at("2025-03-13T10:20:00+01:00")
    await harness.subscribe("de", HESSEN_DISTRICT)
    serve_mowas(feed_server, (ALERT_ID, mowas_alert()))
    feed_server.routes["/api31/mowas/mapData.json"].etag = '"E1"'
    feed = await harness.add_feed("mowas", "nina_list", feed_server.url("/api31/mowas/mapData.json"), "mowas")
    await harness.poll(feed)
    feed_server.routes["/api31/mowas/mapData.json"].etag = '"E2"'
    report = await harness.poll(feed)
    assert report.outcome == "not_modified"
    assert await harness.told("de") == ["new"]


async def test_6d_a_failing_detail_fetch_keeps_the_warning_until_it_is_absent_twice(
    harness: Harness, feed_server: FeedServer
) -> None:
    harness.now = at("2025-03-13T10:20:00+01:00")
    await harness.subscribe("de", HESSEN_DISTRICT)
    serve_mowas(feed_server, (ALERT_ID, mowas_alert()))
    feed = await harness.add_feed("mowas", "nina_list", feed_server.url("/api31/mowas/mapData.json"), "mowas")
    await harness.poll(feed)
    detail = f"/api31/warnings/{ALERT_ID}.json"

    # A new version is listed, but its detail answers 500, then times out: nothing is lost.
    feed_server.put("/api31/mowas/mapData.json", [{"id": ALERT_ID, "version": 2}])
    feed_server.routes[detail].status = 500
    assert (await harness.poll(feed)).detail_failures == 1
    feed_server.routes[detail].status, feed_server.routes[detail].delay = 200, 1.5
    assert (await harness.poll(feed)).detail_failures == 1
    (thread,) = await harness.threads()
    assert thread.state == "active"

    # Gone from one successful listing: still active; from two in a row: ended, without an all-clear.
    feed_server.put("/api31/mowas/mapData.json", [])
    await harness.poll(feed)
    assert (await harness.threads())[0].state == "active"
    report = await harness.poll(feed)
    assert report.removed == 1
    assert (await harness.threads())[0].state == "ended"
    assert await harness.told("de") == ["new"]
    assert len(await harness.events("alerts.warning.cancelled.v1")) == 1


async def test_6e_a_feed_answering_5xx_keeps_its_warnings_and_is_flagged(
    harness: Harness, feed_server: FeedServer
) -> None:
    harness.now = at("2025-03-13T10:20:00+01:00")
    serve_mowas(feed_server, (ALERT_ID, mowas_alert()))
    feed = await harness.add_feed("mowas", "nina_list", feed_server.url("/api31/mowas/mapData.json"), "mowas")
    await harness.poll(feed)
    feed_server.routes["/api31/mowas/mapData.json"].status = 503
    for _ in range(3):
        assert (await harness.poll(feed)).outcome == "failing"
    feed_server.routes["/api31/mowas/mapData.json"].delay = 1.5  # and then a timeout
    feed_server.routes["/api31/mowas/mapData.json"].status = 200
    assert (await harness.poll(feed)).outcome == "failing"
    (thread,) = await harness.threads()
    assert thread.state == "active"
    async with harness.db.read_sessions() as session:
        row = await session.get(Feed, feed)
    assert row is not None and row.consecutive_failures == 4 and row.last_error == "timed out"
