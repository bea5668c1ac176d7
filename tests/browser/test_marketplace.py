"""The marketplace in a real chromium at a phone viewport, against the real platform (accounts, marketplace,
gateway with demo data): a resident from Prenzlau finds "Käse", orders from two merchants and sees two
orders; the merchant of Hofladen Gramzow accepts and packs one; staff see the merchant waiting for approval.
axe-core and the tap-target check on every page visited. The marketplace counts search results only up to
one here (SEARCH_COUNT_LIMIT; 1,000 in production), so that the demo's two cheeses show the page for
"very many" results."""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator

import pytest
from browserkit import MERCHANT, OPERATOR, RunningPlatform, audit, horizontal_overflow, sign_in
from playwright.sync_api import Browser, BrowserContext, expect

pytestmark = pytest.mark.slow

RESIDENT = ("erika.schulze@prenzlau.example", "Dorfleben-Demo-2026")
PRENZLAU = "ot-prenzlau-prenzlau"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module needs marketplace too (the shared fixture starts accounts and the gateway only)."""
    if importlib.util.find_spec("gateway.browser") is None:
        pytest.skip("the gateway's browser sessions are not there yet")
    before = os.environ.get("SEARCH_COUNT_LIMIT")
    os.environ["SEARCH_COUNT_LIMIT"] = "1"
    try:
        platform = RunningPlatform(tmp_path_factory.mktemp("market") / "var", services="accounts,marketplace,gateway")
    finally:
        if before is None:
            del os.environ["SEARCH_COUNT_LIMIT"]
        else:
            os.environ["SEARCH_COUNT_LIMIT"] = before
    try:
        yield platform.url
    finally:
        platform.stop()


def test_resident_orders_from_two_merchants_and_the_merchant_packs(
    phone: BrowserContext, browser: Browser, base_url: str
) -> None:
    page = phone.new_page()
    page.goto(base_url + "/shop")
    audit(page, "m01-shop-anonymous")
    sign_in(page, base_url, *RESIDENT, next_path="/shop")

    # Käse, from her village: the Gramzow farm's cheese with Grundpreis and allergens, and how far it is.
    page.select_option("#village", PRENZLAU)
    page.fill("#q", "Käse")
    page.get_by_role("button", name="Suchen").click()
    cheese = page.locator(".card", has_text="Bergkäse")
    # Two match, one is counted: the heading says "more than", with a hint how to narrow the search down.
    expect(page.locator("#results-title")).to_have_text("Mehr als 1 Treffer")
    expect(page.get_by_text("Wählen Sie einen Bereich oder ein Merkmal")).to_be_visible()
    expect(page.locator(".card")).to_have_count(2)
    expect(cheese).to_contain_text("Hofladen Gramzow")
    expect(cheese).to_contain_text("€/kg")
    expect(cheese).to_contain_text("Milch")
    expect(cheese).to_contain_text(re.compile(r"· \d+(,\d)? km entfernt"))  # "13,2 km", never "13.2 km"
    audit(page, "m02-search-kaese")
    assert horizontal_overflow(page) == 0
    cheese.get_by_role("button", name="In den Warenkorb").first.click()
    expect(page.get_by_role("status")).to_contain_text("Im Warenkorb")

    page.fill("#q", "Apfelsaft")
    page.get_by_role("button", name="Suchen").click()
    juice = page.locator(".card", has_text="Apfelsaft naturtrüb")
    expect(page.locator("#results-title")).to_have_text("1 Treffer")
    expect(juice).to_contain_text("Pfand")
    juice.get_by_role("button", name="In den Warenkorb").first.click()
    audit(page, "m03-search-saft")

    page.goto(base_url + "/shop/cart")
    expect(page.locator("section.panel h2", has_text="Hofladen Gramzow")).to_be_visible()
    expect(page.locator("section.panel h2", has_text="Mosterei Schmargendorf")).to_be_visible()
    audit(page, "m04-cart")
    page.select_option("#village", PRENZLAU)
    page.fill("#recipient", "Erika Schulze")
    page.get_by_role("button", name="Weiter zur Übersicht").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Bestellung prüfen")
    expect(page.locator(".card")).to_have_count(2)
    audit(page, "m05-review")
    page.get_by_role("button", name="Jetzt bestellen").click()

    expect(page).to_have_url(f"{base_url}/shop/orders?done=placed")
    expect(page.get_by_role("status")).to_contain_text("Vielen Dank")
    expect(page.locator(".card")).to_have_count(2)
    expect(page.locator(".card", has_text="Hofladen Gramzow").locator(".order-state")).to_have_text("Bestellt")
    audit(page, "m06-my-orders")

    page.goto(base_url + "/shop/delivery-services?village=ot-lychen-lychen&weekday=1")
    expect(page.locator(".card", has_text="Bäckerwagen Lychen")).to_be_visible()
    audit(page, "m07-who-delivers")

    # The merchant accepts and packs the Gramzow order.
    merchant_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    merchant = merchant_context.new_page()
    sign_in(merchant, base_url, *MERCHANT, next_path="/merchant/orders")
    order = merchant.locator(".card").first
    expect(order).to_contain_text("Bergkäse")
    audit(merchant, "m08-portal-orders")
    order.get_by_role("button", name="Annehmen").click()
    expect(merchant.get_by_role("status")).to_contain_text("Erledigt")
    merchant.locator(".card").first.get_by_role("button", name="Alles gepackt").click()
    expect(merchant.locator(".card").first.locator(".order-state")).to_have_text("Abholbereit")
    audit(merchant, "m09-portal-packed")
    merchant.goto(base_url + "/merchant/products")
    expect(merchant.locator(".card", has_text="Bergkäse")).to_be_visible()
    audit(merchant, "m10-portal-products")
    merchant_context.close()

    page.goto(base_url + "/shop/orders")
    expect(page.locator(".card", has_text="Hofladen Gramzow").locator(".order-state")).to_have_text("Abholbereit")
    expect(page.locator(".card", has_text="Mosterei Schmargendorf").locator(".order-state")).to_have_text("Bestellt")

    # Staff see who waits for approval.
    staff_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    staff = staff_context.new_page()
    sign_in(staff, base_url, *OPERATOR, next_path="/admin/marketplace")
    expect(staff.locator(".card", has_text="Imkerei Wolletz")).to_be_visible()
    audit(staff, "m11-admin-marketplace")
    staff_context.close()
