"""The tables of marketplace (its own SQLModel registry, see platformkit.db.service_registry).

Money is integer euro cents, gross. Stock lives on the variant: `on_hand` is what the shop has for sale,
`reserved` the part held for checkouts in progress; available = on_hand − reserved, and it only ever
changes through conditional UPDATEs (crud/stock.py). The search tables (product_fts) are made by hand in
the migration and are not models."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from platformkit.db import UtcDateTime, service_registry, utcnow


class MarketplaceModel(SQLModel, registry=service_registry()):
    """The base of every marketplace table: its own metadata, with the platform tables in it."""


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


class Merchant(MarketplaceModel, table=True):
    """A producer, retailer or hub selling on the platform. `id` is the merchant id accounts binds the
    `merchant` role and API keys to. The district approves a merchant before it can sell.
    `applicant_id` is the person who applied (their `merchant` role is bound at approval); None when staff
    registered the merchant, or after the applicant's erasure — the merchant, a business, stays."""

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    # producer | retailer | hub
    kind: str = Field(max_length=16)
    # pending | active | suspended
    status: str = Field(default="pending", max_length=16, index=True)
    # merchant (sells in its own name) | district (the district sells on commission from its store)
    seller_of_record: str = Field(default="merchant", max_length=16)
    ortsteil_id: str = Field(max_length=80)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    phone: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    decided_by: str | None = Field(default=None, max_length=64)
    applicant_id: uuid.UUID | None = Field(default=None, index=True)


class Product(MarketplaceModel, table=True):
    __table_args__ = (
        Index("ix_product_merchant_updated", "merchant_id", "updated_at", "id"),
        # Browsing without words: published goods in title order, straight from the index.
        Index("ix_product_status_title", "status", "title", "id"),
    )
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    merchant_id: str = Field(foreign_key="merchant.id", max_length=64)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    category: str = Field(max_length=40, index=True)
    # Space-separated: bio regional vegan
    labels: str = Field(default="", max_length=200)
    is_food: bool = True
    ingredients: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Space-separated allergen codes; None = not stated yet, "" = contains none of the 14.
    allergens: str | None = Field(default=None, max_length=200)
    origin: str | None = Field(default=None, max_length=120)
    storage: str | None = Field(default=None, max_length=200)
    image_url: str | None = Field(default=None, max_length=500)
    # draft | published | archived
    status: str = Field(default="draft", max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    version: int = 1


class Variant(MarketplaceModel, table=True):
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_stock"),
        Index("ix_variant_merchant_updated", "merchant_id", "updated_at", "id"),
    )
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    product_id: uuid.UUID = Field(foreign_key="product.id", index=True)
    merchant_id: str = Field(foreign_key="merchant.id", max_length=64)
    label: str = Field(max_length=120)
    sku: str | None = Field(default=None, max_length=64)
    price_cents: int
    vat_rate: int
    deposit_cents: int = 0
    # The net quantity of one pack: grams (unit g), millilitres (unit ml), or pieces.
    unit: str = Field(default="piece", max_length=8)
    net_quantity: int | None = None
    # Variable weight: priced per kg; `price_cents` is the estimate for `estimated_weight_g`.
    variable_weight: bool = False
    price_per_kg_cents: int | None = None
    estimated_weight_g: int | None = None
    on_hand: int = 0
    reserved: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    version: int = 1


class StockMovement(MarketplaceModel, table=True):
    """The append-only stock ledger: every change of on_hand, with why."""

    __tablename__ = "stock_movement"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    variant_id: uuid.UUID = Field(foreign_key="variant.id", index=True)
    merchant_id: str = Field(max_length=64)
    delta: int
    # sale | cancel_restock | edit | adjust | set
    reason: str = Field(max_length=20)
    ref: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class StockHold(MarketplaceModel, table=True):
    """Units held for one person's checkout until `expires_at`; one per person and variant."""

    __tablename__ = "stock_hold"
    __table_args__ = (UniqueConstraint("person_id", "variant_id"),)
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    person_id: uuid.UUID = Field(index=True)
    variant_id: uuid.UUID = Field(foreign_key="variant.id")
    qty: int
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)


class CartLine(MarketplaceModel, table=True):
    __tablename__ = "cart_line"
    person_id: uuid.UUID = Field(primary_key=True)
    variant_id: uuid.UUID = Field(foreign_key="variant.id", primary_key=True)
    qty: int
    added_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class DeliveryVillage(MarketplaceModel, table=True):
    """One Ortsteil of a merchant's delivery area, with the fee and minimum order there."""

    __tablename__ = "delivery_village"
    merchant_id: str = Field(foreign_key="merchant.id", primary_key=True, max_length=64)
    ortsteil_id: str = Field(primary_key=True, max_length=80, index=True)
    fee_cents: int = 0
    min_order_cents: int = 0


class PickupPoint(MarketplaceModel, table=True):
    __tablename__ = "pickup_point"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    # None: run by the district (e.g. the village shop), open to every merchant.
    merchant_id: str | None = Field(default=None, foreign_key="merchant.id", max_length=64, index=True)
    name: str = Field(max_length=200)
    # dorfladen | hofladen | station
    kind: str = Field(max_length=16)
    ortsteil_id: str = Field(max_length=80)
    address: str = Field(default="", max_length=200)
    # [{"weekday": 0-6, "opens": "08:00", "closes": "12:00"}, ...]
    opening_hours: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class DeliveryRound(MarketplaceModel, table=True):
    """A delivery or pickup date of a merchant with its cut-off (stored in UTC, given in Berlin time)."""

    __tablename__ = "delivery_round"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    merchant_id: str = Field(foreign_key="merchant.id", max_length=64, index=True)
    delivery_date: date
    cutoff_at: datetime = Field(sa_type=UtcDateTime, index=True)
    # open | closed
    status: str = Field(default="open", max_length=16)
    capacity_orders: int | None = None
    orders_count: int = 0


class DeliveryService(MarketplaceModel, table=True):
    """The delivery-service directory: who brings daily goods to which villages on which days."""

    __tablename__ = "delivery_service"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    name: str = Field(max_length=200)
    # bakery_van | pharmacy | drinks | grocery | butcher | other
    kind: str = Field(max_length=20)
    phone: str | None = Field(default=None, max_length=40)
    # Space-separated categories served (bread drinks medicine ...)
    categories: str = Field(default="", max_length=200)
    notes: str = Field(default="", max_length=500)
    merchant_id: str | None = Field(default=None, max_length=64)


class DeliveryServiceStop(MarketplaceModel, table=True):
    __tablename__ = "delivery_service_stop"
    service_id: uuid.UUID = Field(foreign_key="delivery_service.id", primary_key=True)
    ortsteil_id: str = Field(primary_key=True, max_length=80, index=True)
    # Monday = 0
    weekday: int = Field(primary_key=True)
    time_window: str = Field(default="", max_length=40)


class CustomerOrder(MarketplaceModel, table=True):
    """What a resident ordered in one checkout; split into one merchant order per merchant."""

    __tablename__ = "customer_order"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    person_id: uuid.UUID | None = Field(default=None, index=True)
    ortsteil_id: str = Field(max_length=80)
    total_cents: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class MerchantOrder(MarketplaceModel, table=True):
    __tablename__ = "merchant_order"
    __table_args__ = (Index("ix_merchant_order_merchant_updated", "merchant_id", "updated_at", "id"),)
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    number: str = Field(max_length=24, unique=True)
    customer_order_id: uuid.UUID = Field(foreign_key="customer_order.id", index=True)
    merchant_id: str = Field(foreign_key="merchant.id", max_length=64)
    # Erased persons' past orders keep their totals without the person (None).
    person_id: uuid.UUID | None = Field(default=None, index=True)
    round_id: uuid.UUID | None = Field(default=None, foreign_key="delivery_round.id")
    # delivery | pickup
    fulfilment: str = Field(max_length=16)
    pickup_point_id: uuid.UUID | None = Field(default=None, foreign_key="pickup_point.id")
    ortsteil_id: str = Field(max_length=80)
    # Personal: the recipient and where to deliver; emptied on erasure.
    recipient_name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=500)
    state: str = Field(default="placed", max_length=20, index=True)
    # on_pickup | on_delivery | invoice | online
    payment_method: str = Field(max_length=16)
    # none | authorized | captured | voided | refunded | partially_refunded
    payment_state: str = Field(default="none", max_length=20)
    payment_ref: str | None = Field(default=None, max_length=80)
    authorized_cents: int = 0
    captured_cents: int = 0
    goods_cents: int
    deposit_cents: int
    delivery_fee_cents: int
    total_cents: int
    # [{"vat_rate": 7, "gross_cents": .., "vat_cents": .., "net_cents": ..}]
    vat: list[dict[str, int]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    partially_fulfilled: bool = False
    cancel_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    version: int = 1


class OrderLine(MarketplaceModel, table=True):
    """A line as sold: title, price, VAT, Pfand and allergens are snapshots, never re-read."""

    __tablename__ = "order_line"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    merchant_order_id: uuid.UUID = Field(foreign_key="merchant_order.id", index=True)
    variant_id: uuid.UUID = Field(foreign_key="variant.id")
    title: str = Field(max_length=330)
    unit_price_cents: int
    vat_rate: int
    deposit_cents: int = 0
    allergens: str | None = Field(default=None, max_length=200)
    qty: int
    qty_fulfilled: int | None = None
    qty_cancelled: int = 0
    variable_weight: bool = False
    price_per_kg_cents: int | None = None
    estimated_weight_g: int | None = None
    actual_weight_g: int | None = None
    line_cents: int


class Refund(MarketplaceModel, table=True):
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    merchant_order_id: uuid.UUID = Field(foreign_key="merchant_order.id", index=True)
    cents: int
    reason: str = Field(max_length=200)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class WebhookEndpoint(MarketplaceModel, table=True):
    __tablename__ = "webhook_endpoint"
    id: uuid.UUID = Field(default_factory=_uuid, primary_key=True)
    merchant_id: str = Field(foreign_key="merchant.id", max_length=64, index=True)
    url: str = Field(max_length=500)
    secret: str = Field(max_length=80)
    # Space-separated event names (order.placed ...); empty: all.
    events: str = Field(default="", max_length=500)
    # active | disabled (after failures: its messages are held) | removed (by the merchant)
    status: str = Field(default="active", max_length=16)
    consecutive_failures: int = 0
    disabled_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
