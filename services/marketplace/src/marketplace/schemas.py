"""Request and response bodies of marketplace's API."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from marketplace.domain.lmiv import unknown_allergens

Cents = Annotated[int, Field(ge=0, le=10_000_000)]
Qty = Annotated[int, Field(ge=1, le=999)]
OrtsteilId = Annotated[str, Field(min_length=4, max_length=80, pattern=r"^ot-[a-z0-9-]+$")]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Label = Literal["bio", "regional", "vegan", "fairtrade"]
# One of marketplace.domain.categories.CATEGORIES.
Category = Literal["obst-gemuese", "brot-backwaren", "milch-kaese", "fleisch-wurst", "eier", "getraenke",
                   "honig-aufstriche", "vorrat", "haushalt", "drogerie", "sonstiges"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- merchants -------------------------------------------------------------------------------------

class MerchantCreate(_In):
    name: Text200
    kind: Literal["producer", "retailer", "hub"]
    ortsteil_id: OrtsteilId
    seller_of_record: Literal["merchant", "district"] = "merchant"
    description: Annotated[str, Field(max_length=2000)] = ""
    phone: Annotated[str | None, Field(max_length=40)] = None


class MerchantDecision(_In):
    status: Literal["active", "suspended"]
    reason: Annotated[str | None, Field(max_length=200)] = None


class MerchantPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    kind: str
    status: str
    seller_of_record: str
    ortsteil_id: str
    description: str
    phone: str | None


# --- catalogue -------------------------------------------------------------------------------------

class VariantIn(_In):
    label: Annotated[str, Field(min_length=1, max_length=120)]
    sku: Annotated[str | None, Field(max_length=64)] = None
    price_cents: Annotated[int, Field(ge=1, le=10_000_000)]
    vat_rate: Literal[0, 7, 19]
    deposit_cents: Cents = 0
    unit: Literal["piece", "g", "ml"] = "piece"
    net_quantity: Annotated[int | None, Field(ge=1, le=1_000_000)] = None
    variable_weight: bool = False
    price_per_kg_cents: Annotated[int | None, Field(ge=1, le=10_000_000)] = None
    estimated_weight_g: Annotated[int | None, Field(ge=1, le=100_000)] = None
    on_hand: Annotated[int, Field(ge=0, le=1_000_000)] = 0


class VariantPatch(_In):
    label: Annotated[str | None, Field(min_length=1, max_length=120)] = None
    sku: Annotated[str | None, Field(max_length=64)] = None
    price_cents: Annotated[int | None, Field(ge=1, le=10_000_000)] = None
    vat_rate: Literal[0, 7, 19] | None = None
    deposit_cents: Cents | None = None
    price_per_kg_cents: Annotated[int | None, Field(ge=1, le=10_000_000)] = None


class ProductIn(_In):
    title: Text200
    description: Annotated[str, Field(max_length=4000)] = ""
    category: Category
    labels: list[Label] = []
    is_food: bool = True
    ingredients: Annotated[str | None, Field(max_length=4000)] = None
    allergens: list[str] | None = None
    origin: Annotated[str | None, Field(max_length=120)] = None
    storage: Annotated[str | None, Field(max_length=200)] = None
    image_url: Annotated[str | None, Field(max_length=500, pattern=r"^https://")] = None
    variants: Annotated[list[VariantIn], Field(min_length=1, max_length=20)]

    @field_validator("allergens")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and unknown_allergens(value):
            raise ValueError(f"unknown allergen codes: {', '.join(unknown_allergens(value))}")
        return value


class ProductPatch(_In):
    title: Text200 | None = None
    description: Annotated[str | None, Field(max_length=4000)] = None
    category: Category | None = None
    labels: list[Label] | None = None
    ingredients: Annotated[str | None, Field(max_length=4000)] = None
    allergens: list[str] | None = None
    origin: Annotated[str | None, Field(max_length=120)] = None
    storage: Annotated[str | None, Field(max_length=200)] = None
    image_url: Annotated[str | None, Field(max_length=500, pattern=r"^https://")] = None

    @field_validator("allergens")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and unknown_allergens(value):
            raise ValueError(f"unknown allergen codes: {', '.join(unknown_allergens(value))}")
        return value


class UnitPriceOut(BaseModel):
    cents: int
    unit: str


class VariantOut(BaseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    label: str
    sku: str | None
    price_cents: int
    vat_rate: int
    deposit_cents: int
    unit: str
    net_quantity: int | None
    variable_weight: bool
    price_per_kg_cents: int | None
    estimated_weight_g: int | None
    # The Grundpreis per kg or l (without Pfand); None where none is required.
    unit_price: UnitPriceOut | None
    # Shown as the law asks: "1,99 € zzgl. 0,15 € Pfand", "2,84 €/l".
    price_text: str
    available: int
    on_hand: int
    version: int
    updated_at: datetime


class ProductOut(BaseModel):
    id: uuid.UUID
    merchant_id: str
    merchant_name: str | None = None
    title: str
    description: str
    category: str
    labels: list[str]
    is_food: bool
    ingredients: str | None
    allergens: list[str] | None
    allergen_names: list[str] | None
    origin: str | None
    storage: str | None
    image_url: str | None
    status: str
    version: int
    updated_at: datetime
    variants: list[VariantOut]
    distance_km: float | None = None
    delivers_to_village: bool | None = None


class Facet(BaseModel):
    value: str
    count: int


class SearchResult(BaseModel):
    items: list[ProductOut]
    # Pass as `cursor` for the next page (None: this is the last).
    next_cursor: str | None = None
    facets: dict[str, list[Facet]]
    # How many products the search finds: exact, or the count limit (1,000) with total_capped when more.
    total: int
    total_capped: bool = False
    # True: more products match the words and place than are counted; the facet counts are over the first
    # 1,000 matches (the order of the pages) only, so each says "at least".
    counts_capped: bool = False


# --- stock -----------------------------------------------------------------------------------------

class StockAdjust(_In):
    variant_id: uuid.UUID
    delta: Annotated[int, Field(ge=-1_000_000, le=1_000_000)]


class StockSet(_In):
    variant_id: uuid.UUID
    expected_on_hand: Annotated[int, Field(ge=0)]
    on_hand: Annotated[int, Field(ge=0, le=1_000_000)]


class StockBatch(_In):
    """Every change in one transaction: one unknown variant or failed condition, and nothing applies."""

    adjust: Annotated[list[StockAdjust], Field(max_length=100)] = []
    set: Annotated[list[StockSet], Field(max_length=100)] = []
    note: Annotated[str | None, Field(max_length=80)] = None


class StockLevel(BaseModel):
    variant_id: uuid.UUID
    on_hand: int
    reserved: int
    available: int
    version: int


class HoldIn(_In):
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=50)]


class HoldOut(BaseModel):
    expires_at: datetime
    lines: list[LineIn]


# --- cart and checkout -----------------------------------------------------------------------------

class LineIn(_In):
    variant_id: uuid.UUID
    qty: Qty


class CartOut(BaseModel):
    lines: list[CartLineOut]
    goods_cents: int
    deposit_cents: int


class CartLineOut(BaseModel):
    variant_id: uuid.UUID
    product_id: uuid.UUID
    merchant_id: str
    merchant_name: str
    title: str
    qty: int
    price_cents: int
    deposit_cents: int
    line_cents: int
    available: int


class MerchantChoice(_In):
    """How one merchant's part reaches the customer."""

    merchant_id: Annotated[str, Field(min_length=1, max_length=64)]
    fulfilment: Literal["delivery", "pickup"]
    pickup_point_id: uuid.UUID | None = None
    round_id: uuid.UUID | None = None


class CheckoutIn(_In):
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=50)]
    ortsteil_id: OrtsteilId
    choices: Annotated[list[MerchantChoice], Field(min_length=1, max_length=20)]
    payment_method: Literal["on_pickup", "on_delivery", "invoice", "online"]
    # The total the customer saw; a different total now is 409 PRICE_CHANGED (never charge unseen prices).
    expected_total_cents: Cents
    recipient_name: Annotated[str | None, Field(max_length=200)] = None
    address: Annotated[str | None, Field(max_length=300)] = None
    note: Annotated[str | None, Field(max_length=500)] = None
    # For online payment: the token the payment page gave.
    payment_token: Annotated[str | None, Field(max_length=200)] = None


class QuoteIn(_In):
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=50)]
    ortsteil_id: OrtsteilId
    choices: Annotated[list[MerchantChoice], Field(min_length=1, max_length=20)]
    payment_method: Literal["on_pickup", "on_delivery", "invoice", "online"]


class VatGroup(BaseModel):
    vat_rate: int
    gross_cents: int
    vat_cents: int
    net_cents: int


class OrderLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    variant_id: uuid.UUID
    title: str
    unit_price_cents: int
    vat_rate: int
    deposit_cents: int
    allergens: str | None
    qty: int
    qty_fulfilled: int | None
    qty_cancelled: int
    variable_weight: bool
    price_per_kg_cents: int | None
    estimated_weight_g: int | None
    actual_weight_g: int | None
    line_cents: int


class MerchantOrderOut(BaseModel):
    id: uuid.UUID
    number: str
    customer_order_id: uuid.UUID
    merchant_id: str
    merchant_name: str | None = None
    round_id: uuid.UUID | None
    delivery_date: date | None = None
    fulfilment: str
    pickup_point_id: uuid.UUID | None
    ortsteil_id: str
    recipient_name: str | None
    address: str | None
    note: str | None
    state: str
    payment_method: str
    payment_state: str
    authorized_cents: int
    captured_cents: int
    goods_cents: int
    deposit_cents: int
    delivery_fee_cents: int
    total_cents: int
    vat: list[VatGroup]
    partially_fulfilled: bool
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    lines: list[OrderLineOut]
    refunds_cents: int = 0


class QuoteOrder(BaseModel):
    merchant_id: str
    goods_cents: int
    deposit_cents: int
    delivery_fee_cents: int
    total_cents: int
    vat: list[VatGroup]


class QuoteOut(BaseModel):
    total_cents: int
    orders: list[QuoteOrder]


class CheckoutOut(BaseModel):
    customer_order_id: uuid.UUID
    total_cents: int
    orders: list[MerchantOrderOut]


class OrderPage(BaseModel):
    items: list[MerchantOrderOut]
    next_cursor: str | None = None


class CancelIn(_In):
    reason: Annotated[str | None, Field(max_length=200)] = None
    # Staff only: put nothing back (spoiled food).
    restock: bool = True


class PackLine(_In):
    line_id: uuid.UUID
    qty_fulfilled: Annotated[int, Field(ge=0, le=999)]
    actual_weight_g: Annotated[int | None, Field(ge=1, le=100_000)] = None


class PackIn(_In):
    lines: Annotated[list[PackLine], Field(max_length=50)] = []


class EditLine(_In):
    line_id: uuid.UUID
    qty: Annotated[int, Field(ge=0, le=999)]


class EditIn(_In):
    lines: Annotated[list[EditLine], Field(min_length=1, max_length=50)]


class RefundIn(_In):
    cents: Annotated[int, Field(ge=1, le=10_000_000)]
    reason: Text200


# --- places, rounds, directory ---------------------------------------------------------------------

class DeliveryVillageIn(_In):
    ortsteil_id: OrtsteilId
    fee_cents: Cents = 0
    min_order_cents: Cents = 0


class DeliveryAreaIn(_In):
    villages: Annotated[list[DeliveryVillageIn], Field(max_length=200)]


class DeliveryVillageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    ortsteil_id: str
    fee_cents: int
    min_order_cents: int


class OpeningHours(_In):
    weekday: Annotated[int, Field(ge=0, le=6)]
    opens: time
    closes: time


class PickupPointIn(_In):
    name: Text200
    kind: Literal["dorfladen", "hofladen", "station"]
    ortsteil_id: OrtsteilId
    address: Annotated[str, Field(max_length=200)] = ""
    opening_hours: Annotated[list[OpeningHours], Field(max_length=30)] = []
    merchant_id: Annotated[str | None, Field(max_length=64)] = None


class PickupPointOut(BaseModel):
    id: uuid.UUID
    merchant_id: str | None
    name: str
    kind: str
    ortsteil_id: str
    address: str
    opening_hours: list[dict[str, Any]]
    distance_km: float | None = None


class RoundIn(_In):
    merchant_id: Annotated[str, Field(min_length=1, max_length=64)]
    delivery_date: date
    # The cut-off in Europe/Berlin wall time: `cutoff_days_before` days before delivery at `cutoff_time`.
    cutoff_days_before: Annotated[int, Field(ge=0, le=14)] = 1
    cutoff_time: time = time(18, 0)
    capacity_orders: Annotated[int | None, Field(ge=1, le=10_000)] = None


class RoundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    merchant_id: str
    delivery_date: date
    cutoff_at: datetime
    status: str
    capacity_orders: int | None
    orders_count: int


class DeliveryServiceIn(_In):
    name: Text200
    kind: Literal["bakery_van", "pharmacy", "drinks", "grocery", "butcher", "other"]
    phone: Annotated[str | None, Field(max_length=40)] = None
    categories: Annotated[list[Annotated[str, Field(pattern=r"^[a-z-]{2,30}$")]], Field(max_length=20)] = []
    notes: Annotated[str, Field(max_length=500)] = ""
    stops: Annotated[list[StopIn], Field(max_length=500)] = []


class StopIn(_In):
    ortsteil_id: OrtsteilId
    weekday: Annotated[int, Field(ge=0, le=6)]
    time_window: Annotated[str, Field(max_length=40)] = ""


class DeliveryServiceOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    phone: str | None
    categories: list[str]
    notes: str
    stops: list[StopOut]


class StopOut(BaseModel):
    ortsteil_id: str
    weekday: int
    time_window: str


# --- webhooks and audit ------------------------------------------------------------------------------

class WebhookIn(_In):
    url: Annotated[str, Field(min_length=8, max_length=500)]
    events: Annotated[list[str], Field(max_length=20)] = []


class WebhookOut(BaseModel):
    id: uuid.UUID
    merchant_id: str
    url: str
    events: list[str]
    status: str
    consecutive_failures: int
    disabled_reason: str | None
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str


class WebhookDeliveryOut(BaseModel):
    """One message to an endpoint (platformkit.outbound) with its attempts (`log`)."""

    id: str
    event: str
    # pending | held | sent | failed | cancelled
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    finished_at: datetime | None
    log: list[dict[str, Any]]


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    at: datetime
    actor: str
    acting_staff: str | None
    merchant_id: str | None
    action: str
    target: str
    detail: dict[str, Any]


HoldIn.model_rebuild()
HoldOut.model_rebuild()
CartOut.model_rebuild()
DeliveryServiceIn.model_rebuild()
DeliveryServiceOut.model_rebuild()
