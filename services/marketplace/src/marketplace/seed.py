"""Demo data for the Uckermark (`dorf seed --demo`): producers and shops with goods a newcomer can browse
and order, their delivery villages, pickup points, weekly rounds for the coming weeks, and the
delivery-service directory. Fixed ids (uuid5), so running it twice changes nothing."""

from __future__ import annotations

import uuid
from datetime import time, timedelta

from sqlmodel import select

from marketplace.crud import catalogue
from marketplace.domain.rounds import DISTRICT_ZONE, cutoff_for, weekly_dates
from marketplace.models import (
    DeliveryRound,
    DeliveryService,
    DeliveryServiceStop,
    DeliveryVillage,
    Merchant,
    PickupPoint,
    Product,
    Variant,
)
from platformkit.config import ServiceSettings
from platformkit.db import Database, utcnow

# accounts' demo namespace: accounts binds Jana Krüger's merchant role to the id made from the same name.
ACCOUNTS_DEMO_NAMESPACE = uuid.UUID("5b0f3c1e-6d7a-4f0e-9a52-0d0f5e1c0a11")
HOFLADEN_GRAMZOW = str(uuid.uuid5(ACCOUNTS_DEMO_NAMESPACE, "merchant:hofladen-gramzow"))
# Anna Becker (Angermünde) applied for the Imkerei Wolletz: approving it binds her merchant role.
ANNA_BECKER = uuid.uuid5(ACCOUNTS_DEMO_NAMESPACE, "person:anna")
DEMO = uuid.UUID("7d1e0a52-3c44-4f8e-8a1b-5e2f9b0c6d31")

MERCHANTS = [
    # id, name, kind, village, description, delivery villages (fee, minimum)
    (HOFLADEN_GRAMZOW, "Hofladen Gramzow", "producer", "ot-gramzow-gramzow",
     "Milch, Käse und Eier von unseren Kühen und Hühnern.",
     [("ot-gramzow-gramzow", 0, 0), ("ot-gramzow-polssen", 250, 1000), ("ot-prenzlau-prenzlau", 350, 1500),
      ("ot-prenzlau-dedelow", 350, 1500)]),
    ("m-mosterei-schmargendorf", "Mosterei Schmargendorf", "producer", "ot-angermuende-schmargendorf",
     "Apfelsaft und Most aus Uckermärker Streuobst.",
     [("ot-angermuende-angermuende", 300, 1200), ("ot-angermuende-schmargendorf", 0, 0)]),
    ("m-dorfbaeckerei-lychen", "Dorfbäckerei Lychen", "retailer", "ot-lychen-lychen",
     "Brot und Brötchen aus dem Holzofen.",
     [("ot-lychen-lychen", 0, 500), ("ot-templin-templin", 200, 800)]),
    ("m-fleischerei-gerswalde", "Landfleischerei Gerswalde", "producer", "ot-gerswalde-gerswalde",
     "Fleisch und Wurst von Weiderindern aus der Uckermark.",
     [("ot-gerswalde-gerswalde", 0, 0), ("ot-prenzlau-prenzlau", 400, 2000)]),
]

# merchant, title, category, labels, ingredients, allergens, origin, variants:
#   (label, price, vat, deposit, unit, net quantity, stock, variable weight (price per kg, estimate g))
DemoVariant = tuple[str, int, int, int, str, int | None, int, tuple[int, int] | None]
PRODUCTS: list[tuple[str, str, str, list[str], str, list[str], str | None, list[DemoVariant]]] = [
    (HOFLADEN_GRAMZOW, "Bergkäse, 6 Monate gereift", "milch-kaese", ["regional"], "Rohmilch, Salz, Lab",
     ["milk"], "Gramzow", [("250 g", 549, 7, 0, "g", 250, 20, None)]),
    (HOFLADEN_GRAMZOW, "Frischmilch 3,8 %", "milch-kaese", ["bio", "regional"], "Vollmilch", ["milk"], "Gramzow",
     [("1 l Glasflasche", 169, 7, 15, "ml", 1000, 30, None)]),
    (HOFLADEN_GRAMZOW, "Eier aus Freilandhaltung", "eier", ["regional"], "Hühnereier", ["eggs"], "Gramzow",
     [("10 Stück", 320, 7, 0, "piece", None, 40, None), ("6 Stück", 210, 7, 0, "piece", None, 25, None)]),
    ("m-mosterei-schmargendorf", "Apfelsaft naturtrüb", "getraenke", ["regional"], "Apfelsaft aus Streuobst",
     [], "Schmargendorf", [("0,7 l Mehrweg", 199, 19, 15, "ml", 700, 60, None), ("5 l Box", 1290, 19, 0, "ml",
                                                                                    5000, 10, None)]),
    ("m-mosterei-schmargendorf", "Apfel-Quitte-Saft", "getraenke", ["bio"], "Apfelsaft, Quittensaft", [],
     "Uckermark", [("0,7 l Mehrweg", 249, 19, 15, "ml", 700, 30, None)]),
    ("m-dorfbaeckerei-lychen", "Roggenmischbrot", "brot-backwaren", [], "Roggenmehl, Weizenmehl, Wasser, "
     "Sauerteig, Salz, Hefe", ["gluten"], None, [("1000 g", 450, 7, 0, "g", 1000, 15, None), ("500 g", 260, 7, 0,
                                                                                                "g", 500, 15, None)]),
    ("m-dorfbaeckerei-lychen", "Kürbiskernbrötchen", "brot-backwaren", [], "Weizenmehl, Kürbiskerne, Wasser, "
     "Hefe, Salz", ["gluten"], None, [("4 Stück", 320, 7, 0, "piece", None, 20, None)]),
    ("m-fleischerei-gerswalde", "Rinderhackfleisch", "fleisch-wurst", ["regional"], "Rindfleisch", [],
     "Gerswalde", [("ca. 500 g", 645, 7, 0, "g", None, 12, (1290, 500))]),
    ("m-fleischerei-gerswalde", "Leberwurst im Glas", "fleisch-wurst", ["regional"], "Schweineleber, "
     "Schweinefleisch, Speck, Zwiebeln, Salz, Gewürze (enthält Senf)", ["mustard"], "Gerswalde",
     [("200 g", 390, 7, 0, "g", 200, 18, None)]),
]

DELIVERY_SERVICES = [
    ("Bäckerwagen Lychen", "bakery_van", "039888 1234", ["brot"], "Hupt vor der Kirche.",
     [("ot-lychen-lychen", 1, "7–8 Uhr"), ("ot-templin-templin", 1, "9–10 Uhr"), ("ot-lychen-lychen", 4, "7–8 Uhr"),
      ("ot-boitzenburger-land-boitzenburg", 3, "8–9 Uhr")]),
    ("Getränkedienst Uckerland", "drinks", "03984 5678", ["getraenke"], "Kästen bis an die Tür.",
     [("ot-prenzlau-dedelow", 2, "14–18 Uhr"), ("ot-gramzow-gramzow", 2, "10–13 Uhr"),
      ("ot-gramzow-polssen", 2, "13–14 Uhr")]),
    ("Apotheke am Markt Angermünde (Botendienst)", "pharmacy", "03331 9876", ["medikamente"],
     "Rezept vorher einreichen.", [("ot-angermuende-greiffenberg", 1, "nachmittags"),
                                   ("ot-angermuende-wolletz", 3, "nachmittags")]),
]


def _id(name: str) -> uuid.UUID:
    return uuid.uuid5(DEMO, name)


async def seed_demo(db: Database, _settings: ServiceSettings) -> None:
    now = utcnow()
    async with db.transaction() as session:
        for merchant_id, name, kind, village, description, area in MERCHANTS:
            if await session.get(Merchant, merchant_id) is not None:
                continue
            session.add(Merchant(id=merchant_id, name=name, kind=kind, status="active", ortsteil_id=village,
                                 description=description, decided_by="demo", created_at=now, updated_at=now))
            await session.flush()
            session.add_all([DeliveryVillage(merchant_id=merchant_id, ortsteil_id=o, fee_cents=f, min_order_cents=m)
                             for o, f, m in area])
            session.add(PickupPoint(id=_id(f"pickup:{merchant_id}"), merchant_id=merchant_id, name=f"{name} (Laden)",
                                    kind="hofladen", ortsteil_id=village, address="",
                                    opening_hours=[{"weekday": d, "opens": "09:00:00", "closes": "18:00:00"}
                                                   for d in range(0, 5)] + [{"weekday": 5, "opens": "09:00:00",
                                                                             "closes": "12:00:00"}]))
        if await session.get(PickupPoint, _id("pickup:dorfladen-dedelow")) is None:
            session.add(PickupPoint(id=_id("pickup:dorfladen-dedelow"), name="Dorfladen Dedelow", kind="dorfladen",
                                    ortsteil_id="ot-prenzlau-dedelow", address="Dorfstraße 12",
                                    opening_hours=[{"weekday": d, "opens": "07:00:00", "closes": "12:00:00"}
                                                   for d in range(0, 6)]))
        await session.flush()
        for merchant_id, title, category, labels, ingredients, allergens, origin, variants in PRODUCTS:
            product_id = _id(f"product:{merchant_id}:{title}")
            if await session.get(Product, product_id) is not None:
                continue
            product = Product(id=product_id, merchant_id=merchant_id, title=title, category=category,
                              labels=" ".join(labels), ingredients=ingredients, allergens=" ".join(allergens),
                              origin=origin, status="published", created_at=now, updated_at=now)
            session.add(product)
            await session.flush()
            for label, price, vat, deposit, unit, quantity, on_hand, weight in variants:
                session.add(Variant(id=_id(f"variant:{product_id}:{label}"), product_id=product_id,
                                    merchant_id=merchant_id, label=label, price_cents=price, vat_rate=vat,
                                    deposit_cents=deposit, unit=unit, net_quantity=quantity, on_hand=on_hand,
                                    variable_weight=weight is not None,
                                    price_per_kg_cents=weight[0] if weight else None,
                                    estimated_weight_g=weight[1] if weight else None, updated_at=now))
            await session.flush()
            await catalogue.reindex(session, product=product)
        # Weekly rounds for the next four weeks: Gramzow delivers on Saturdays (order by Thursday 18:00),
        # the Gerswalde butcher on Fridays (order by Wednesday 12:00).
        today = now.astimezone(DISTRICT_ZONE).date()
        for merchant_id, weekday, days_before, at in ((HOFLADEN_GRAMZOW, 5, 2, time(18, 0)),
                                                      ("m-fleischerei-gerswalde", 4, 2, time(12, 0))):
            for day in weekly_dates(weekday, today + timedelta(days=1), 4):
                round_id = _id(f"round:{merchant_id}:{day.isoformat()}")
                if await session.get(DeliveryRound, round_id) is None:
                    session.add(DeliveryRound(id=round_id, merchant_id=merchant_id, delivery_date=day,
                                              cutoff_at=cutoff_for(day, days_before=days_before, at=at)))
        for name, kind, phone, categories, notes, stops in DELIVERY_SERVICES:
            service_id = _id(f"delivery-service:{name}")
            if await session.get(DeliveryService, service_id) is not None:
                continue
            session.add(DeliveryService(id=service_id, name=name, kind=kind, phone=phone,
                                        categories=" ".join(categories), notes=notes))
            await session.flush()
            session.add_all([DeliveryServiceStop(service_id=service_id, ortsteil_id=o, weekday=w, time_window=t)
                             for o, w, t in stops])
    # One merchant waits for the district's approval (for the dashboard), applied for by a demo resident.
    async with db.transaction() as session:
        pending = (await session.exec(select(Merchant).where(Merchant.id == "m-imkerei-wolletz"))).first()
        if pending is None:
            session.add(Merchant(id="m-imkerei-wolletz", name="Imkerei Wolletz", kind="producer", status="pending",
                                 ortsteil_id="ot-angermuende-wolletz", description="Honig vom Wolletzsee.",
                                 applicant_id=ANNA_BECKER))
