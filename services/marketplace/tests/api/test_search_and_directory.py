"""Search across merchants in German (umlaut folds, word parts), facets, suspended merchants leaving the
search; the delivery-service directory; the demo seed (twice changes nothing)."""

from __future__ import annotations

import uuid

from marketplace_testkit import Market

from marketplace.main import service


async def titles(market: Market, **params: object) -> list[str]:
    answer = await market.http.get("/products", params=params)
    assert answer.status_code == 200, answer.text
    return [item["title"] for item in answer.json()["items"]]


async def test_german_search_folds_umlauts_and_finds_word_parts(market: Market) -> None:
    dairy = await market.merchant("Hofladen Gramzow")
    press = await market.merchant("Mosterei Schmargendorf", village="ot-angermuende-schmargendorf")
    await market.product(dairy, title="Bergkäse", category="milch-kaese", ingredients="Milch", allergens=["milk"],
                         labels=["regional"])
    await market.product(dairy, title="Frischmilch", category="milch-kaese", ingredients="Milch", allergens=["milk"],
                         labels=["bio", "regional"])
    await market.product(press, title="Apfelsaft naturtrüb", category="getraenke", ingredients="Apfel",
                         allergens=[], labels=["bio"])
    # Every spelling finds the same: the cheese, and the milk in the category "Milch & Käse".
    for query in ("Käse", "Kaese", "kase", "KÄSE"):
        assert await titles(market, q=query) == ["Bergkäse", "Frischmilch"], query
    assert await titles(market, q="bergkase") == ["Bergkäse"]
    assert await titles(market, q="saft") == ["Apfelsaft naturtrüb"]
    assert await titles(market, q="apfel trüb") == ["Apfelsaft naturtrüb"]
    assert await titles(market, q="mosterei") == ["Apfelsaft naturtrüb"]  # the merchant's name counts
    assert await titles(market, q="Brot") == []
    # Two letters: a plain substring match (the trigram index needs three).
    assert await titles(market, q="ka") == ["Bergkäse", "Frischmilch"]

    everything = (await market.http.get("/products")).json()
    assert {f["value"]: f["count"] for f in everything["facets"]["category"]} == {"milch-kaese": 2, "getraenke": 1}
    assert {f["value"]: f["count"] for f in everything["facets"]["label"]} == {"bio": 2, "regional": 2}
    assert await titles(market, label="bio") == ["Apfelsaft naturtrüb", "Frischmilch"]
    bio = (await market.http.get("/products", params={"label": "bio"})).json()
    # Facets count under the other filters: the category facet follows the label, the label facet does not.
    assert {f["value"]: f["count"] for f in bio["facets"]["category"]} == {"milch-kaese": 1, "getraenke": 1}
    assert {f["value"]: f["count"] for f in bio["facets"]["label"]} == {"bio": 2, "regional": 2}
    assert await titles(market, merchant_id=press) == ["Apfelsaft naturtrüb"]
    near = await titles(market, village="ot-gramzow-gramzow", max_km=10)
    assert near == ["Bergkäse", "Frischmilch"]

    suspended = await market.http.post(f"/admin/merchants/{dairy}/decision", headers=market.operator(),
                                       json={"status": "suspended", "reason": "Kontrolle"})
    assert suspended.status_code == 200
    assert await titles(market, q="käse") == []
    assert (await market.http.get("/merchants")).json()[0]["id"] == press


async def test_search_input_is_checked(market: Market) -> None:
    unknown = await market.http.get("/products", params={"village": "ot-atlantis-nirgendwo"})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "UNKNOWN_ORTSTEIL")
    needs = await market.http.get("/products", params={"delivers": True})
    assert (needs.status_code, needs.json()["code"]) == (422, "VILLAGE_REQUIRED")
    odd = await market.http.get("/products", params={"q": "\"' OR 1=1 -- *", "limit": 5})
    assert odd.status_code == 200 and odd.json()["items"] == []
    long = await market.http.get("/products", params={"q": "x" * 101})
    assert long.status_code == 422


async def test_who_delivers_bread_to_my_village_on_tuesday(market: Market) -> None:
    created = await market.http.post("/admin/delivery-services", headers=market.operator(), json={
        "name": "Bäckerwagen Lychen", "kind": "bakery_van", "categories": ["brot"],
        "stops": [{"ortsteil_id": "ot-lychen-lychen", "weekday": 1, "time_window": "7–8 Uhr"},
                  {"ortsteil_id": "ot-templin-templin", "weekday": 3}]})
    assert created.status_code == 201, created.text
    await market.http.post("/admin/delivery-services", headers=market.operator(), json={
        "name": "Getränkedienst", "kind": "drinks", "categories": ["getraenke"],
        "stops": [{"ortsteil_id": "ot-lychen-lychen", "weekday": 1}]})
    tuesday = (await market.http.get("/delivery-services", params={
        "village": "ot-lychen-lychen", "weekday": 1, "category": "brot"})).json()
    assert [s["name"] for s in tuesday] == ["Bäckerwagen Lychen"]
    assert tuesday[0]["stops"] == [{"ortsteil_id": "ot-lychen-lychen", "weekday": 1, "time_window": "7–8 Uhr"}]
    wednesday = (await market.http.get("/delivery-services", params={"village": "ot-lychen-lychen",
                                                                     "weekday": 2})).json()
    assert wednesday == []
    refused = await market.http.post("/admin/delivery-services", headers=market.merchant_staff("m-x"), json={
        "name": "X", "kind": "other"})
    assert refused.status_code == 403


async def test_demo_seed_twice_changes_nothing_and_can_be_ordered_from(market: Market) -> None:
    await service.seed_demo(market.db, market.settings)  # type: ignore[misc]
    first = (await market.http.get("/products", params={"limit": 50})).json()
    await service.seed_demo(market.db, market.settings)  # type: ignore[misc]
    second = (await market.http.get("/products", params={"limit": 50})).json()
    assert first == second
    assert len(first["items"]) == 9
    assert "Bergkäse, 6 Monate gereift" in await titles(market, q="käse")
    cheese = next(i for i in first["items"] if i["title"].startswith("Bergkäse"))
    points = (await market.http.get("/pickup-points", params={"merchant_id": cheese["merchant_id"]})).json()
    variant = cheese["variants"][0]
    placed = await market.checkout(uuid.uuid4(), [(variant["id"], 1)], [
        {"merchant_id": cheese["merchant_id"], "fulfilment": "pickup", "pickup_point_id": points[0]["id"]}],
        expected=variant["price_cents"])
    assert placed.status_code == 201, placed.text
    # The farm delivers in weekly rounds: the order joined the next one.
    assert placed.json()["orders"][0]["round_id"] is not None
    pending = (await market.http.get("/admin/merchants", params={"status": "pending"},
                                     headers=market.operator(("verifier",)))).json()
    assert [m["name"] for m in pending] == ["Imkerei Wolletz"]
