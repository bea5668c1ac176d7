"""Rows to response bodies: derived values (Grundpreis, price text, available) computed in one place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from marketplace.domain.lmiv import ALLERGENS
from marketplace.domain.money import euro, grundpreis
from marketplace.models import MerchantOrder, OrderLine, Product, Variant
from marketplace.schemas import (
    MerchantOrderOut,
    OrderLineOut,
    ProductOut,
    UnitPriceOut,
    VariantOut,
    VatGroup,
)


def allergen_list(stored: str | None) -> list[str] | None:
    return None if stored is None else stored.split()


def price_text(variant: Variant) -> str:
    """The price as the Preisangabenverordnung wants it shown: total price, Pfand beside it (not in it),
    and the Grundpreis."""
    if variant.variable_weight and variant.price_per_kg_cents:
        text = f"{euro(variant.price_per_kg_cents)}/kg"
        if variant.estimated_weight_g:
            text += f" (ca. {variant.estimated_weight_g} g ≈ {euro(variant.price_cents)})"
        return text
    text = euro(variant.price_cents)
    if variant.deposit_cents:
        text += f" zzgl. {euro(variant.deposit_cents)} Pfand"
    unit = grundpreis(variant.price_cents, variant.net_quantity, variant.unit)
    if unit is not None:
        text += f" ({euro(unit.cents)}/{unit.unit})"
    return text


def variant_out(variant: Variant) -> VariantOut:
    unit = grundpreis(variant.price_cents, variant.net_quantity, variant.unit)
    return VariantOut(
        id=variant.id, product_id=variant.product_id, label=variant.label, sku=variant.sku,
        price_cents=variant.price_cents, vat_rate=variant.vat_rate, deposit_cents=variant.deposit_cents,
        unit=variant.unit, net_quantity=variant.net_quantity, variable_weight=variant.variable_weight,
        price_per_kg_cents=variant.price_per_kg_cents, estimated_weight_g=variant.estimated_weight_g,
        unit_price=UnitPriceOut(cents=unit.cents, unit=unit.unit) if unit else None,
        price_text=price_text(variant), available=variant.on_hand - variant.reserved, on_hand=variant.on_hand,
        version=variant.version, updated_at=variant.updated_at,
    )


def product_out(
    product: Product, variants: Sequence[Variant], *, merchant_name: str | None = None,
    distance_km: float | None = None, delivers_to_village: bool | None = None,
) -> ProductOut:
    allergens = allergen_list(product.allergens)
    return ProductOut(
        id=product.id, merchant_id=product.merchant_id, merchant_name=merchant_name, title=product.title,
        description=product.description, category=product.category, labels=product.labels.split(),
        is_food=product.is_food, ingredients=product.ingredients, allergens=allergens,
        allergen_names=None if allergens is None else [ALLERGENS[code] for code in allergens],
        origin=product.origin, storage=product.storage, image_url=product.image_url, status=product.status,
        version=product.version, updated_at=product.updated_at,
        variants=[variant_out(v) for v in sorted(variants, key=lambda v: (v.price_cents, str(v.id)))],
        distance_km=distance_km, delivers_to_village=delivers_to_village,
    )


def order_out(
    order: MerchantOrder, lines: Sequence[OrderLine], *, merchant_name: str | None = None,
    delivery_date: date | None = None, refunds_cents: int = 0,
) -> MerchantOrderOut:
    return MerchantOrderOut(
        id=order.id, number=order.number, customer_order_id=order.customer_order_id,
        merchant_id=order.merchant_id, merchant_name=merchant_name, round_id=order.round_id,
        delivery_date=delivery_date, fulfilment=order.fulfilment,
        pickup_point_id=order.pickup_point_id, ortsteil_id=order.ortsteil_id,
        recipient_name=order.recipient_name, address=order.address, note=order.note, state=order.state,
        payment_method=order.payment_method, payment_state=order.payment_state,
        authorized_cents=order.authorized_cents, captured_cents=order.captured_cents,
        goods_cents=order.goods_cents, deposit_cents=order.deposit_cents,
        delivery_fee_cents=order.delivery_fee_cents, total_cents=order.total_cents,
        vat=[VatGroup(**group) for group in order.vat], partially_fulfilled=order.partially_fulfilled,
        cancel_reason=order.cancel_reason, created_at=order.created_at, updated_at=order.updated_at,
        version=order.version, lines=[OrderLineOut.model_validate(line) for line in lines],
        refunds_cents=refunds_cents,
    )


def placed_order_out(order: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], *, merchant_name: str,
                     delivery_date: date | None) -> MerchantOrderOut:
    """order_out for an order a checkout is placing, from its rows as written (column values: the checkout
    builds no ORM objects). The schema takes the columns it shows and leaves the others."""
    return MerchantOrderOut.model_validate({**order, "lines": lines, "merchant_name": merchant_name,
                                            "delivery_date": delivery_date})
