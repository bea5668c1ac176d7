"""Residents' subscriptions, the public warning list, operators' feeds (allowed hosts only), the personal-data
contract and the demo seed — through the HTTP API on both databases."""

from __future__ import annotations

import uuid

from alerts_testkit import App, make_settings, running

from alerts.crud.personal import erase, example, export
from alerts.main import service


async def test_a_resident_subscribes_places_and_reads_them_back(alerts_app: App) -> None:
    app = alerts_app
    _, headers = app.resident("erika")
    assert (await app.http.get("/me/subscription", headers=headers)).status_code == 404
    answer = await app.http.put("/me/subscription", headers=headers, json={
        "places": [{"ortsteil_id": "ot-prenzlau-dedelow"}, {"ars": "120730452452"},
                   {"ortsteil_id": "ot-hohenselchow-gross-pinnow-heinrichshof"},  # the longest id (41)
                   {"lat": 53.31234, "lon": 13.86789, "radius_m": 500, "label": "Garten"}],
        "topics": ["weather", "fire"], "min_severity": "Moderate", "languages": ["de", "en"]})
    assert answer.status_code == 200, answer.text
    got = (await app.http.get("/me/subscription", headers=headers)).json()
    assert sorted(p["label"] for p in got["places"]) == ["Dedelow", "Garten", "Heinrichshof", "Prenzlau"]
    garden = next(p for p in got["places"] if p["label"] == "Garten")
    assert (garden["lat"], garden["lon"]) == (53.312, 13.868)  # kept to about 100 m
    assert got["topics"] == ["weather", "fire"] and got["min_severity"] == "Moderate"
    assert (await app.http.delete("/me/subscription", headers=headers)).status_code == 204
    assert (await app.http.get("/me/subscription", headers=headers)).status_code == 404


async def test_bad_subscriptions_get_problems_with_the_field(alerts_app: App) -> None:
    app = alerts_app
    _, headers = app.resident("erika")
    cases = [
        ({"places": [{"ortsteil_id": "ot-nirgendwo"}]}, "UNKNOWN_PLACE", "places.0.ortsteil_id"),
        ({"places": [{"lat": 53.3}]}, "PLACE_AMBIGUOUS", "places.0"),
        ({"places": [{"ortsteil_id": "ot-prenzlau-dedelow", "ars": "120730000000"}]}, "PLACE_AMBIGUOUS", "places.0"),
        ({"places": [{"lat": 53.3, "lon": 13.8, "radius_m": 99_000}]}, "RADIUS_TOO_LARGE", "places.0.radius_m"),
        ({"places": [{"ortsteil_id": "ot-prenzlau-dedelow"}], "topics": ["aliens"]}, "UNKNOWN_TOPIC", "topics"),
    ]
    for payload, code, field in cases:
        answer = await app.http.put("/me/subscription", headers=headers, json=payload)
        assert answer.status_code == 422, payload
        assert answer.json()["code"] == code and answer.json()["errors"][0]["field"] == field
    schema = await app.http.put("/me/subscription", headers=headers, json={"places": []})
    assert schema.status_code == 422
    assert (await app.http.put("/me/subscription", json={"places": [{"ars": "120730000000"}]})).status_code == 401


async def test_places_type_ahead(alerts_app: App) -> None:
    found = (await alerts_app.http.get("/places", params={"q": "dedel"})).json()
    assert [p["ortsteil_id"] for p in found] == ["ot-prenzlau-dedelow"]


async def test_feeds_only_on_allowed_hosts_and_only_for_operators(alerts_app: App) -> None:
    app = alerts_app
    admin = app.author("op-admin", scopes=("admin",))
    for url in ("http://169.254.169.254/latest/meta-data", "file:///etc/passwd", "http://user:pw@127.0.0.1/x",
                "https://warnung.bund.de.evil.example/api31/mowas/mapData.json"):
        answer = await app.http.post("/feeds", headers=admin, json={"name": "x", "kind": "nina_list", "url": url})
        assert answer.status_code == 422 and answer.json()["code"] == "FEED_URL_REFUSED", url
    added = await app.http.post("/feeds", headers=admin, json={
        "name": "mowas", "kind": "nina_list", "url": "http://127.0.0.1:9/api31/mowas/mapData.json",
        "source": "mowas", "poll_seconds": 60})
    assert added.status_code == 201, added.text
    assert added.json()["healthy"] is False and added.json()["last_outcome"] == "never"
    _, resident = app.resident("erika")
    assert (await app.http.get("/feeds", headers=resident)).status_code == 403
    assert [f["name"] for f in (await app.http.get("/feeds", headers=admin)).json()] == ["mowas"]
    changed = await app.http.patch(f"/feeds/{added.json()['id']}", headers=admin, json={"url": "http://10.0.0.1/x"})
    assert changed.status_code == 422
    assert (await app.http.get("/feeds/quarantine", headers=admin)).json() == []


async def test_personal_data_is_exported_and_erased(alerts_app: App) -> None:
    person_id, bystander = uuid.uuid4(), uuid.uuid4()
    async with alerts_app.db.transaction() as session:
        values = await example(session, person_id)
        await example(session, bystander)
    async with alerts_app.db.transaction() as session:
        exported = await export(session, person_id)
    assert {p["label"] for p in exported["subscription"]["places"]} >= set(values)
    assert len(exported["notices"]) == 1 and len(exported["warnings_told"]) == 1
    async with alerts_app.db.transaction() as session:
        counts = await erase(session, person_id, alerts_app.clock.now())
    assert counts == {"subscriptions_deleted": 1, "places_deleted": 3, "deliveries_deleted": 1,
                      "notices_anonymised": 1}
    async with alerts_app.db.transaction() as session:
        assert await erase(session, person_id, alerts_app.clock.now()) == dict.fromkeys(counts, 0)
        assert (await export(session, person_id))["subscription"] is None
        assert (await export(session, bystander))["subscription"] is not None


async def test_the_demo_shows_current_warnings_in_the_district_and_seeding_twice_changes_nothing(
    database_url: str, oidc_issuer: object
) -> None:
    from datetime import UTC, datetime

    from platformkit.scheduler import ManualClock

    settings = make_settings(database_url, **oidc_issuer.settings_overrides())  # type: ignore[attr-defined]
    async with running(settings, ManualClock(datetime.now(UTC)), None) as app:
        assert service.seed_demo is not None
        await service.seed_demo(app.db, settings)
        first = (await app.http.get("/warnings")).json()["items"]
        await service.seed_demo(app.db, settings)
        second = (await app.http.get("/warnings")).json()["items"]
    assert len(first) == 2 and [w["id"] for w in first] == [w["id"] for w in second]
    assert {w["source"] for w in first} == {"dwd", "biwapp"}
    assert all(w["ortsteil_ids"] and w["expires"] > datetime.now(UTC).isoformat() for w in first)
