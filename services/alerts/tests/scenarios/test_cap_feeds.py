"""CAP feeds in Atom and RSS: entries with the CAP inline or linked (relative links resolved, linked CAP
fetched only from allowed hosts), through the local replaying HTTP server."""

from __future__ import annotations

from alerts_testkit import FeedServer, Harness, at, fixture

from alerts.schemas import PlaceIn


def atom(entries: str) -> str:
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>x</id>{entries}</feed>'


async def test_an_atom_feed_with_inline_and_linked_cap(harness: Harness, feed_server: FeedServer) -> None:
    harness.now = at("2022-08-01T00:45:00+00:00")
    await harness.subscribe("near", PlaceIn(lat=53.401, lon=-165.164))
    tsunami = fixture("cap-circle-tsunami.xml").decode().split("?>", 1)[1]
    feed_server.put("/cap/trailing.xml", fixture("cap-polygon-trailing-space.xml"))
    feed_server.put("/cap/feed.atom", atom(
        "<entry><id>tsunami</id><updated>2022-08-01T00:40:48Z</updated>"
        f"<content type='text/xml'>{tsunami}</content></entry>"
        "<entry><id>inmet</id><updated>2022-08-12T16:22:45Z</updated>"
        "<link rel='alternate' type='application/cap+xml' href='trailing.xml'/></entry>"
        "<entry><id>elsewhere</id><updated>2022-08-12T16:22:45Z</updated>"
        "<link rel='alternate' href='http://169.254.169.254/latest/meta-data'/></entry>"))
    feed = await harness.add_feed("atom", "cap_feed", feed_server.url("/cap/feed.atom"))
    report = await harness.poll(feed)
    assert report.ingested == {"new": 2} and report.quarantined == 1  # the link to another host: refused
    assert len(feed_server.hits("/cap/trailing.xml")) == 1
    assert await harness.told("near") == ["new"]
    second = await harness.poll(feed)  # unchanged: nothing fetched or parsed again
    assert second.parsed == 0 and len(feed_server.hits("/cap/trailing.xml")) == 1


async def test_an_rss_feed_linking_cap(harness: Harness, feed_server: FeedServer) -> None:
    harness.now = at("2022-08-26T22:05:00+02:00")
    feed_server.put("/dwd/one.xml", fixture("dwd-cap-update.xml"))
    feed_server.put("/dwd/rss.xml", "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
                                    "<item><guid>dwd-1</guid><pubDate>Fri, 26 Aug 2022 20:03:00 GMT</pubDate>"
                                    f"<link>{feed_server.url('/dwd/one.xml')}</link></item></channel></rss>")
    feed = await harness.add_feed("rss", "cap_feed", feed_server.url("/dwd/rss.xml"), "dwd")
    assert (await harness.poll(feed)).ingested == {"new": 1}
    (thread,) = await harness.threads()
    assert thread.source == "dwd" and thread.unresolved_geocodes == "WARNCELLID=814626190"  # not our district
