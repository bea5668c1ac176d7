"""Search pages and counts: results A to Z while they are few enough to sort, in product id order (what
the index delivers) beyond the count limit, with the total and facet counts then capped and flagged; a
cursor keeps a search's order from page to page. The count limit is 3 here (1,000 in production), so
that a handful of products is "many". Every expectation is computed from the products made, so the same
answers are asserted on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
from marketplace_testkit import Market, start_market

from platformkit.testing.tokens import OidcIssuer

COUNT_LIMIT = 3


@pytest.fixture
async def small_market(database_url: str, oidc_issuer: OidcIssuer) -> AsyncIterator[Market]:
    async with AsyncExitStack() as stack:
        yield await start_market(stack, database_url, oidc_issuer, search_count_limit=COUNT_LIMIT)


async def search(market: Market, **params: object) -> dict[str, Any]:
    answer = await market.http.get("/products", params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def all_pages(market: Market, **params: object) -> list[dict[str, Any]]:
    """Every page of a search, following next_cursor."""
    pages = [await search(market, **params)]
    while pages[-1]["next_cursor"] is not None:
        assert len(pages) < 20, "the cursor does not advance"
        pages.append(await search(market, **params, cursor=pages[-1]["next_cursor"]))
    return pages


async def cheese_market(market: Market) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Six cheeses from two dairies (labels mixed) and a juice."""
    dairy = await market.merchant("Hofladen Gramzow")
    goats = await market.merchant("Ziegenhof Lychen", village="ot-lychen-lychen")
    cheeses = []
    for merchant, title, labels in [(dairy, "Bergkäse", ["regional"]), (goats, "Ziegenkäse", ["bio"]),
                                    (dairy, "Frischkäse", []), (goats, "Käsebruch", ["bio", "regional"]),
                                    (dairy, "Butterkäse", ["bio"]), (dairy, "Rahmkäse", [])]:
        cheeses.append(await market.product(merchant, title=title, category="milch-kaese", ingredients="Milch",
                                            allergens=["milk"], labels=labels))
    juice = await market.product(dairy, title="Apfelsaft", category="getraenke", ingredients="Apfel", allergens=[])
    return cheeses, [juice]


async def test_many_matches_come_in_id_order_with_capped_counts_and_a_stable_cursor(small_market: Market) -> None:
    market = small_market
    cheeses, _ = await cheese_market(market)
    by_id = sorted(cheeses, key=lambda p: p["id"])
    first = await search(market, q="Kaese", limit=2)
    # Six match, three are counted: the total says "3 or more", the facets count the first three by id.
    assert (first["total"], first["total_capped"], first["counts_capped"]) == (3, True, True)
    counted = by_id[:COUNT_LIMIT]
    assert first["facets"]["category"] == [{"value": "milch-kaese", "count": 3}]
    merchants: dict[str, int] = {}
    labels: dict[str, int] = {}
    for product in counted:
        merchants[product["merchant_id"]] = merchants.get(product["merchant_id"], 0) + 1
        for label in product["labels"]:
            labels[label] = labels.get(label, 0) + 1
    assert {f["value"]: f["count"] for f in first["facets"]["merchant"]} == merchants
    assert {f["value"]: f["count"] for f in first["facets"]["label"]} == labels

    pages = await all_pages(market, q="käse", limit=2)
    assert [len(page["items"]) for page in pages] == [2, 2, 2]
    seen = [item["id"] for page in pages for item in page["items"]]
    assert seen == [p["id"] for p in by_id]  # each once, in id order, across pages
    assert all(page["total_capped"] for page in pages)


async def test_few_matches_come_a_to_z_with_exact_counts(small_market: Market) -> None:
    market = small_market
    await cheese_market(market)
    pages = await all_pages(market, q="berg käse", limit=1)
    assert [[item["title"] for item in page["items"]] for page in pages] == [["Bergkäse"]]
    assert (pages[0]["total"], pages[0]["total_capped"], pages[0]["counts_capped"]) == (1, False, False)
    # A facet filter that leaves few of many matches: those are counted exactly and sorted A to Z.
    goats = await all_pages(market, q="kase", label="bio", limit=2)
    assert [item["title"] for page in goats for item in page["items"]] == ["Butterkäse", "Käsebruch", "Ziegenkäse"]
    assert (goats[0]["total"], goats[0]["total_capped"], goats[0]["counts_capped"]) == (3, False, True)
    juice = await search(market, q="saft")
    assert ([i["title"] for i in juice["items"]], juice["total"], juice["total_capped"]) == (["Apfelsaft"], 1, False)
    browse = await all_pages(market, limit=3)
    assert [item["title"] for page in browse for item in page["items"]] == [
        "Apfelsaft", "Bergkäse", "Butterkäse", "Frischkäse", "Käsebruch", "Rahmkäse", "Ziegenkäse"]
    assert (browse[0]["total"], browse[0]["total_capped"]) == (7, False)


async def test_the_cursor_keeps_the_order_while_the_catalogue_changes(small_market: Market) -> None:
    market = small_market
    dairy = await market.merchant("Käserei Angermünde", village="ot-angermuende-angermuende")
    await market.product(dairy, title="Bergkäse", category="milch-kaese", ingredients="Milch", allergens=["milk"])
    await market.product(dairy, title="Quark", category="milch-kaese", ingredients="Milch", allergens=["milk"])
    first = await search(market, q="kaese", limit=1)
    assert [i["title"] for i in first["items"]] == ["Bergkäse"] and first["total_capped"] is False
    # Two more arrive before the next page: now there are more than the limit, yet this search stays A to Z
    # (the cursor says so) and shows nothing twice.
    for title in ("Almkäse", "Ziegenkäse"):
        await market.product(dairy, title=title, category="milch-kaese", ingredients="Milch", allergens=["milk"])
    rest = [first]
    while rest[-1]["next_cursor"]:
        rest.append(await search(market, q="kaese", limit=1, cursor=rest[-1]["next_cursor"]))
    assert [i["title"] for page in rest for i in page["items"]] == ["Bergkäse", "Quark", "Ziegenkäse"]
    # A new search of the same words is in id order now.
    fresh = await all_pages(market, q="kaese", limit=3)
    assert fresh[0]["total_capped"] is True
    ids = [i["id"] for page in fresh for i in page["items"]]
    assert ids == sorted(ids) and len(ids) == 4


async def test_a_cursor_that_was_not_handed_out_is_refused(small_market: Market) -> None:
    # Not base64 JSON; "[]"; '["id","x",""]' (no id); '["up","…",""]' (no order of this search).
    for cursor in ("nonsense", "W10", "WyJpZCIsIngiLCIiXQ",
                   "WyJ1cCIsIjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwIiwiIl0"):
        answer = await small_market.http.get("/products", params={"q": "käse", "cursor": cursor})
        assert answer.status_code == 400, (cursor, answer.text)
        problem = answer.json()
        assert (problem["code"], problem["errors"][0]["field"]) == ("INVALID_CURSOR", "query.cursor"), problem
    too_long = await small_market.http.get("/products", params={"cursor": "x" * 2001})
    assert too_long.status_code == 422
