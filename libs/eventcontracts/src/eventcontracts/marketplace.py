"""Events published by `services/marketplace` (stream `MARKETPLACE` <- `marketplace.>`).

Order events are per merchant order (one checkout over two merchants gives two `order.placed`). No
personal data travels: ids, places and amounts only (a merchant's name is a business's, not a person's)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime

from eventcontracts.personal_data import PersonalDataErased
from platformkit.events import Event


class _OrderEvent(Event):
    subject_field: ClassVar[str | None] = "order_id"

    order_id: UUID
    order_number: str
    merchant_id: str
    customer_order_id: UUID
    person_id: UUID | None
    at: AwareDatetime


class OrderPlacedV1(_OrderEvent):
    """A merchant order was placed (stock committed, payment authorized where paid online)."""

    type: ClassVar[str] = "marketplace.order.placed.v1"

    total_cents: int
    fulfilment: str
    ortsteil_id: str
    round_id: UUID | None = None


class OrderAcceptedV1(_OrderEvent):
    """The merchant accepted the order and will pack it."""

    type: ClassVar[str] = "marketplace.order.accepted.v1"


class OrderCancelledV1(_OrderEvent):
    """The order was cancelled (by the customer, the merchant or staff) or rejected by the merchant;
    its stock went back unless `restocked` is false."""

    type: ClassVar[str] = "marketplace.order.cancelled.v1"

    by: str
    reason: str | None = None
    rejected: bool = False
    restocked: bool = True


class OrderReadyV1(_OrderEvent):
    """The order is packed: ready for pickup, or out for delivery. `total_cents` is the final amount
    after actual weights and shortages."""

    type: ClassVar[str] = "marketplace.order.ready.v1"

    state: str
    total_cents: int
    partially_fulfilled: bool


class OrderCompletedV1(_OrderEvent):
    """The goods were handed over (picked up or delivered)."""

    type: ClassVar[str] = "marketplace.order.completed.v1"


class _StockEvent(Event):
    subject_field: ClassVar[str | None] = "variant_id"

    variant_id: UUID
    product_id: UUID
    merchant_id: str
    available: int
    at: AwareDatetime


class StockRanLowV1(_StockEvent):
    """A variant's available stock fell to or below the low-stock threshold (and is above zero)."""

    type: ClassVar[str] = "marketplace.stock.ran_low.v1"


class StockRanOutV1(_StockEvent):
    """A variant's available stock reached zero."""

    type: ClassVar[str] = "marketplace.stock.ran_out.v1"


class DeliveryRequestedV1(Event):
    """Goods of a packed order need to get to a village: the mobility and volunteer flows can pick it up
    (from the merchant's village, or a pickup point, to the order's Ortsteil on the round's date)."""

    type: ClassVar[str] = "marketplace.delivery.requested.v1"
    subject_field: ClassVar[str | None] = "order_id"

    order_id: UUID
    merchant_id: str
    from_ortsteil_id: str
    to_ortsteil_id: str
    delivery_date: date | None = None
    parcels: int = 1
    at: AwareDatetime


class _MerchantDecisionEvent(Event):
    subject_field: ClassVar[str | None] = "merchant_id"

    merchant_id: str
    # The applicant (None: registered by staff, or the applicant has been erased since).
    person_id: UUID | None
    name: str
    # The staff member who decided.
    decided_by: str


class MerchantApprovedV1(_MerchantDecisionEvent):
    """District staff approved a merchant (from pending, or again after a suspension): it may sell.
    accounts binds the applicant's `merchant` role to `merchant_id`."""

    type: ClassVar[str] = "marketplace.merchant.approved.v1"

    approved_at: AwareDatetime


class MerchantSuspendedV1(_MerchantDecisionEvent):
    """District staff suspended a merchant: its goods left the search and its writes are refused."""

    type: ClassVar[str] = "marketplace.merchant.suspended.v1"

    suspended_at: AwareDatetime
    reason: str | None = None


class MarketplacePersonalDataErasedV1(PersonalDataErased):
    """marketplace has erased a person (its completion report; platformkit.personal_data publishes it)."""

    type: ClassVar[str] = "marketplace.personal_data.erased.v1"
