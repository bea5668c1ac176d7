"""Every text of the marketplace pages (German); `web.texts.Texts.marketplace` holds this area's instance, so
templates read `t.marketplace.<name>`. A second language is a second instance."""

from __future__ import annotations

from dataclasses import dataclass


def _categories() -> dict[str, str]:
    return {
        "obst-gemuese": "Obst & Gemüse", "brot-backwaren": "Brot & Backwaren", "milch-kaese": "Milch & Käse",
        "fleisch-wurst": "Fleisch & Wurst", "eier": "Eier", "getraenke": "Getränke",
        "honig-aufstriche": "Honig & Aufstriche", "vorrat": "Vorrat", "haushalt": "Haushalt",
        "drogerie": "Drogerie", "sonstiges": "Sonstiges",
    }


def _labels() -> dict[str, str]:
    return {"bio": "Bio", "regional": "Regional", "vegan": "Vegan", "fairtrade": "Fairtrade"}


def _states() -> dict[str, str]:
    return {
        "placed": "Bestellt", "accepted": "Angenommen", "packing": "Wird gepackt",
        "ready_for_pickup": "Abholbereit", "out_for_delivery": "Unterwegs zu Ihnen", "completed": "Erledigt",
        "rejected": "Abgelehnt", "cancelled": "Storniert",
    }


def _payments() -> dict[str, str]:
    return {"on_pickup": "Bar oder Karte bei Abholung", "on_delivery": "Bar bei Lieferung",
            "invoice": "Auf Rechnung"}


def _weekdays() -> dict[str, str]:
    return {"0": "Montag", "1": "Dienstag", "2": "Mittwoch", "3": "Donnerstag", "4": "Freitag",
            "5": "Samstag", "6": "Sonntag"}


def _webhook_states() -> dict[str, str]:
    return {"active": "aktiv", "disabled": "abgeschaltet nach Fehlern", "removed": "entfernt"}


def _service_kinds() -> dict[str, str]:
    return {"bakery_van": "Bäckerwagen", "pharmacy": "Apotheke", "drinks": "Getränkedienst",
            "grocery": "Lebensmittel", "butcher": "Fleischerei", "other": "Sonstiges"}


@dataclass(frozen=True, slots=True)
class MarketplaceTexts:
    nav: str
    # shop
    shop_title: str
    shop_intro: str
    search_label: str
    search_hint: str
    village_label: str
    village_any: str
    category_label: str
    category_any: str
    label_label: str
    label_any: str
    delivers_label: str
    search_submit: str
    results_count: str
    results_many: str
    results_narrow: str
    results_none: str
    more_results: str
    from_merchant: str
    distance: str
    delivers_yes: str
    delivers_no: str
    unit_price: str
    allergens: str
    allergens_none: str
    ingredients: str
    origin: str
    available: str
    sold_out: str
    quantity: str
    add_to_cart: str
    add_to_cart_label: str
    added: str
    details: str
    product_back: str
    categories: dict[str, str]
    labels: dict[str, str]
    # cart and checkout
    cart_title: str
    cart_nav: str
    cart_empty: str
    cart_goods: str
    cart_deposit: str
    cart_remove: str
    cart_update: str
    cart_line_label: str
    how_title: str
    how_delivery: str
    how_pickup: str
    pickup_point: str
    no_pickup_points: str
    your_village: str
    your_village_hint: str
    recipient: str
    address: str
    address_hint: str
    payment: str
    review_submit: str
    review_title: str
    review_intro: str
    review_fee: str
    review_vat: str
    review_total: str
    order_submit: str
    change_choices: str
    price_changed: str
    out_of_stock: str
    cutoff_passed: str
    not_in_area: str
    below_minimum: str
    checkout_failed: str
    payments: dict[str, str]
    # orders
    orders_title: str
    orders_nav: str
    orders_empty: str
    orders_placed: str
    order_number: str
    order_state: str
    order_total: str
    order_when: str
    order_delivery_date: str
    order_cancel: str
    order_cancel_label: str
    order_cancelled: str
    states: dict[str, str]
    # who delivers
    services_title: str
    services_intro: str
    services_weekday: str
    services_weekday_any: str
    services_what: str
    services_none: str
    services_choose_village: str
    services_phone: str
    weekdays: dict[str, str]
    service_kinds: dict[str, str]
    # merchant portal
    portal_link_orders: str
    portal_link_products: str
    portal_orders_title: str
    portal_orders_intro: str
    portal_orders_empty: str
    portal_accept: str
    portal_pack: str
    portal_hand_over: str
    portal_reject: str
    portal_action_label: str
    portal_done: str
    portal_not_registered: str
    portal_products_title: str
    portal_products_intro: str
    portal_products_empty: str
    portal_stock: str
    portal_stock_delta: str
    portal_stock_delta_hint: str
    portal_stock_submit: str
    portal_stock_label: str
    portal_status: str
    portal_for: str
    # admin
    admin_title: str
    admin_link: str
    admin_pending: str
    admin_pending_none: str
    admin_approve: str
    admin_suspend: str
    admin_decision_label: str
    admin_decided: str
    admin_orders: str
    admin_webhooks: str
    admin_webhooks_none: str
    admin_webhook_state: str
    admin_merchant: str
    webhook_states: dict[str, str]


DE = MarketplaceTexts(
    nav="Einkaufen",
    shop_title="Einkaufen in der Region",
    shop_intro="Waren von Höfen und Läden aus dem Kreis. Wählen Sie Ihr Dorf: dann sehen Sie, wer zu Ihnen "
               "liefert und wie weit es ist.",
    search_label="Was suchen Sie?",
    search_hint="Zum Beispiel Käse, Brot oder Saft.",
    village_label="Ihr Dorf",
    village_any="Bitte wählen",
    category_label="Bereich",
    category_any="Alle Bereiche",
    label_label="Merkmal",
    label_any="Alle",
    delivers_label="Nur wer in mein Dorf liefert",
    search_submit="Suchen",
    results_count="{count} Treffer",
    results_many="Mehr als {count} Treffer",
    results_narrow="Das sind sehr viele. Wählen Sie einen Bereich oder ein Merkmal, dann finden Sie schneller, "
                   "was Sie suchen.",
    results_none="Dazu haben wir nichts gefunden. Versuchen Sie ein anderes Wort.",
    more_results="Weitere Treffer",
    from_merchant="von {name}",
    distance="{km} km entfernt",
    delivers_yes="Liefert in Ihr Dorf",
    delivers_no="Liefert nicht in Ihr Dorf, Abholung möglich",
    unit_price="Grundpreis",
    allergens="Allergene",
    allergens_none="keine der 14 Hauptallergene",
    ingredients="Zutaten",
    origin="Herkunft",
    available="{count} vorrätig",
    sold_out="Ausverkauft",
    quantity="Menge",
    add_to_cart="In den Warenkorb",
    add_to_cart_label="{title}, {variant} in den Warenkorb",
    added="Im Warenkorb.",
    details="Mehr zu {title}",
    product_back="Zurück zur Suche",
    cart_title="Warenkorb",
    cart_nav="Warenkorb",
    cart_empty="Ihr Warenkorb ist leer.",
    cart_goods="Waren",
    cart_deposit="Pfand",
    cart_remove="Entfernen",
    cart_update="Menge ändern",
    cart_line_label="Menge von {title}",
    how_title="So kommt die Ware zu Ihnen",
    how_delivery="Lieferung",
    how_pickup="Abholung",
    pickup_point="Abholstelle",
    no_pickup_points="Keine Abholstelle",
    your_village="Ihr Dorf",
    your_village_hint="Dahin wird geliefert.",
    recipient="Ihr Name",
    address="Straße und Hausnummer",
    address_hint="Nur für Lieferungen nötig.",
    payment="Bezahlung",
    review_submit="Weiter zur Übersicht",
    review_title="Ihre Bestellung prüfen",
    review_intro="Erst mit „Jetzt bestellen“ wird bestellt. Jeder Laden bekommt seine eigene Bestellung.",
    review_fee="Liefergebühr",
    review_vat="darin {rate} % MwSt.",
    review_total="Gesamt",
    order_submit="Jetzt bestellen",
    change_choices="Zurück zum Warenkorb",
    price_changed="Die Preise haben sich geändert. Bitte prüfen Sie den neuen Betrag.",
    out_of_stock="Von einem Artikel ist nicht mehr genug da. Bitte ändern Sie die Menge.",
    cutoff_passed="Der Bestellschluss für diese Lieferung ist vorbei.",
    not_in_area="Dieser Laden liefert nicht in Ihr Dorf. Bitte wählen Sie Abholung.",
    below_minimum="Für eine Lieferung ist der Mindestbestellwert nicht erreicht.",
    checkout_failed="Das hat nicht geklappt. Bitte prüfen Sie Ihre Angaben.",
    orders_title="Meine Bestellungen",
    orders_nav="Bestellungen",
    orders_empty="Sie haben noch nichts bestellt.",
    orders_placed="Vielen Dank! Ihre Bestellung ist angekommen.",
    order_number="Bestellnummer",
    order_state="Stand",
    order_total="Betrag",
    order_when="Bestellt am",
    order_delivery_date="Liefertag",
    order_cancel="Stornieren",
    order_cancel_label="Bestellung {number} stornieren",
    order_cancelled="Die Bestellung ist storniert.",
    services_title="Wer liefert in mein Dorf?",
    services_intro="Bäckerwagen, Apotheken-Boten, Getränkedienste: wer an welchem Tag in Ihr Dorf kommt.",
    services_weekday="Wochentag",
    services_weekday_any="Alle Tage",
    services_what="Was",
    services_none="Für diese Auswahl kennen wir keinen Lieferdienst.",
    services_choose_village="Bitte wählen Sie Ihr Dorf.",
    services_phone="Telefon",
    portal_link_orders="Bestellungen bearbeiten",
    portal_link_products="Waren und Bestand",
    portal_orders_title="Bestellungen",
    portal_orders_intro="Neue Bestellungen annehmen, packen und übergeben.",
    portal_orders_empty="Keine offenen Bestellungen.",
    portal_accept="Annehmen",
    portal_pack="Alles gepackt",
    portal_hand_over="Übergeben",
    portal_reject="Ablehnen",
    portal_action_label="{action}: Bestellung {number}",
    portal_done="Erledigt.",
    portal_not_registered="Ihr Laden ist im Marktplatz noch nicht eingetragen.",
    portal_products_title="Waren und Bestand",
    portal_products_intro="Was Sie anbieten und wie viel davon da ist.",
    portal_products_empty="Noch keine Waren.",
    portal_stock="Bestand",
    portal_stock_delta="Bestand ändern um",
    portal_stock_delta_hint="Zum Beispiel 5 oder -2.",
    portal_stock_submit="Bestand ändern",
    portal_stock_label="Bestand von {title} ändern",
    portal_status="Status",
    portal_for="für {name}",
    admin_title="Marktplatz",
    admin_link="Marktplatz: Händler und Bestellungen",
    admin_pending="Händler warten auf Freigabe",
    admin_pending_none="Niemand wartet auf Freigabe.",
    admin_approve="Freigeben",
    admin_suspend="Sperren",
    admin_decision_label="{action}: {name}",
    admin_decided="Gespeichert.",
    admin_orders="Letzte Bestellungen",
    admin_webhooks="Webhooks der Händler",
    admin_webhooks_none="Keine Webhooks eingerichtet.",
    admin_webhook_state="{status}, {failed} fehlgeschlagen, {held} zurückgehalten",
    admin_merchant="Händler",
    categories=_categories(),
    labels=_labels(),
    payments=_payments(),
    states=_states(),
    weekdays=_weekdays(),
    service_kinds=_service_kinds(),
    webhook_states=_webhook_states(),
)
