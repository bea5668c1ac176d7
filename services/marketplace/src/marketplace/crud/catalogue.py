"""Merchants, products and variants, and the search index that follows the published catalogue."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from eventcontracts.marketplace import MerchantApprovedV1, MerchantSuspendedV1
from marketplace.crud import _sql
from marketplace.crud.search import fts_product_id, fts_rowid
from marketplace.domain.categories import CATEGORIES
from marketplace.domain.lmiv import missing_food_information
from marketplace.domain.search import search_body
from marketplace.models import Merchant, Product, Variant
from marketplace.schemas import MerchantCreate, ProductIn, ProductPatch, VariantIn, VariantPatch
from platformkit.events import publish
from platformkit.problems import ProblemError

_SLUG = re.compile(r"[^a-z0-9]+")


def new_merchant_id(name: str) -> str:
    """A readable, unguessable merchant id: m-<name slug>-<random>."""
    from places import fold

    slug = _SLUG.sub("-", fold(name)).strip("-")[:30] or "haendler"
    return f"m-{slug}-{secrets.token_hex(3)}"


async def create_merchant(session: AsyncSession, *, body: MerchantCreate, merchant_id: str | None = None,
                          status: str = "pending", applicant_id: uuid.UUID | None = None,
                          now: datetime) -> Merchant:
    merchant = Merchant(id=merchant_id or new_merchant_id(body.name), name=body.name, kind=body.kind,
                        seller_of_record=body.seller_of_record, ortsteil_id=body.ortsteil_id,
                        description=body.description, phone=body.phone, status=status,
                        applicant_id=applicant_id, created_at=now, updated_at=now)
    session.add(merchant)
    await session.flush()
    return merchant


async def get_merchant(session: AsyncSession, merchant_id: str) -> Merchant | None:
    return await session.get(Merchant, merchant_id)


async def decide_merchant(session: AsyncSession, *, merchant: Merchant, status: str, by: str, reason: str | None,
                          now: datetime) -> Merchant:
    """Move the merchant to `status` (active or suspended) and announce it, in the caller's transaction.
    The move is one conditional UPDATE on the status it leaves, so of two staff members deciding the same
    at once only one changes it and one event goes out; deciding what already holds changes nothing."""
    moved = await _sql.execute(session, update(Merchant)
                               .where(col(Merchant.id) == merchant.id, col(Merchant.status) != status)
                               .values(status=status, decided_by=by, updated_at=now).returning(col(Merchant.id)))
    if moved.first() is None:
        return merchant
    await session.refresh(merchant)
    if status == "active":
        await publish(session, MerchantApprovedV1(merchant_id=merchant.id, person_id=merchant.applicant_id,
                                                  name=merchant.name, decided_by=by, approved_at=now))
    else:
        await publish(session, MerchantSuspendedV1(merchant_id=merchant.id, person_id=merchant.applicant_id,
                                                   name=merchant.name, decided_by=by, suspended_at=now,
                                                   reason=reason))
    # A suspended merchant's goods leave the search; an approved one's published goods come back.
    products = (await session.exec(select(Product).where(col(Product.merchant_id) == merchant.id))).all()
    for product in products:
        await reindex(session, product=product, merchant=merchant)
    return merchant


# --- products ----------------------------------------------------------------------------------------

def _check_variant(body: VariantIn | Variant) -> None:
    if body.variable_weight and not (body.price_per_kg_cents and body.estimated_weight_g):
        raise ProblemError(422, "VARIABLE_WEIGHT_INCOMPLETE",
                           "A variable-weight item needs price_per_kg_cents and estimated_weight_g.",
                           field="body.variants")
    if body.unit in ("g", "ml") and not body.net_quantity:
        raise ProblemError(422, "NET_QUANTITY_REQUIRED", "Goods sold by weight or volume need net_quantity "
                           "(the Grundpreis is derived from it).", field="body.variants")


def _variant_from(body: VariantIn, *, product_id: uuid.UUID, merchant_id: str, now: datetime) -> Variant:
    _check_variant(body)
    price = body.price_cents
    if body.variable_weight and body.price_per_kg_cents and body.estimated_weight_g:
        from marketplace.domain.money import variable_weight_cents

        price = variable_weight_cents(body.price_per_kg_cents, body.estimated_weight_g)
    return Variant(product_id=product_id, merchant_id=merchant_id, label=body.label, sku=body.sku,
                   price_cents=price, vat_rate=body.vat_rate, deposit_cents=body.deposit_cents, unit=body.unit,
                   net_quantity=body.net_quantity, variable_weight=body.variable_weight,
                   price_per_kg_cents=body.price_per_kg_cents, estimated_weight_g=body.estimated_weight_g,
                   on_hand=body.on_hand, updated_at=now)


async def create_product(session: AsyncSession, *, merchant_id: str, body: ProductIn,
                         now: datetime) -> tuple[Product, list[Variant]]:
    product = Product(merchant_id=merchant_id, title=body.title, description=body.description,
                      category=body.category, labels=" ".join(sorted(set(body.labels))), is_food=body.is_food,
                      ingredients=body.ingredients,
                      allergens=None if body.allergens is None else " ".join(sorted(set(body.allergens))),
                      origin=body.origin, storage=body.storage, image_url=body.image_url,
                      created_at=now, updated_at=now)
    session.add(product)
    await session.flush()
    variants = [_variant_from(v, product_id=product.id, merchant_id=merchant_id, now=now) for v in body.variants]
    session.add_all(variants)
    await session.flush()
    return product, variants


async def add_variant(session: AsyncSession, *, product: Product, body: VariantIn, now: datetime) -> Variant:
    variant = _variant_from(body, product_id=product.id, merchant_id=product.merchant_id, now=now)
    session.add(variant)
    product.updated_at = now
    session.add(product)
    await session.flush()
    return variant


async def merchant_product(session: AsyncSession, *, merchant_id: str, product_id: uuid.UUID) -> Product | None:
    product = await session.get(Product, product_id)
    return product if product is not None and product.merchant_id == merchant_id else None


async def merchant_variant(session: AsyncSession, *, merchant_id: str, variant_id: uuid.UUID) -> Variant | None:
    variant = await session.get(Variant, variant_id)
    return variant if variant is not None and variant.merchant_id == merchant_id else None


async def variants_of(session: AsyncSession, product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Variant]]:
    found: dict[uuid.UUID, list[Variant]] = {pid: [] for pid in product_ids}
    if product_ids:
        rows = (await session.exec(select(Variant).where(col(Variant.product_id).in_(product_ids)))).all()
        for variant in rows:
            found[variant.product_id].append(variant)
    return found


def _check_version(current: int, if_match: int | None) -> None:
    if if_match is None:
        raise ProblemError(428, "IF_MATCH_REQUIRED", "Send If-Match with the version (ETag) you read.",
                           field="header.If-Match")
    if if_match != current:
        raise ProblemError(412, "VERSION_MISMATCH", "The record changed since you read it; read it again.",
                           field="header.If-Match", extra={"current_version": current})


async def update_product(session: AsyncSession, *, product: Product, body: ProductPatch, if_match: int | None,
                         now: datetime) -> Product:
    _check_version(product.version, if_match)
    changes = body.model_dump(exclude_unset=True)
    if "labels" in changes:
        changes["labels"] = " ".join(sorted(set(changes["labels"] or [])))
    if "allergens" in changes and changes["allergens"] is not None:
        changes["allergens"] = " ".join(sorted(set(changes["allergens"])))
    # Conditional on the version, so two writers with the same If-Match cannot both win.
    done = (await _sql.execute(session,
        update(Product).where(col(Product.id) == product.id, col(Product.version) == product.version)
        .values(**changes, updated_at=now, version=col(Product.version) + 1).returning(col(Product.id))
    )).first()
    if done is None:
        raise ProblemError(412, "VERSION_MISMATCH", "The record changed since you read it; read it again.",
                           field="header.If-Match")
    await session.refresh(product)
    allergens = None if product.allergens is None else product.allergens.split()
    if product.status == "published" and product.is_food and missing_food_information(
            ingredients=product.ingredients, allergens=allergens):
        raise ProblemError(422, "LMIV_INCOMPLETE", "A published food product must keep its ingredients and "
                           "allergens.", field="body")
    await reindex(session, product=product)
    return product


async def update_variant(session: AsyncSession, *, variant: Variant, body: VariantPatch, if_match: int | None,
                         now: datetime) -> Variant:
    _check_version(variant.version, if_match)
    changes = body.model_dump(exclude_unset=True)
    done = (await _sql.execute(session,
        update(Variant).where(col(Variant.id) == variant.id, col(Variant.version) == variant.version)
        .values(**changes, updated_at=now, version=col(Variant.version) + 1).returning(col(Variant.id))
    )).first()
    if done is None:
        raise ProblemError(412, "VERSION_MISMATCH", "The record changed since you read it; read it again.",
                           field="header.If-Match")
    await session.refresh(variant)
    await _sql.execute(session, update(Product).where(col(Product.id) == variant.product_id).values(updated_at=now))
    return variant


async def publish_product(session: AsyncSession, *, product: Product, now: datetime) -> Product:
    """Publishing a food product needs its LMIV information (Art. 14: known before the contract)."""
    if product.is_food:
        missing = missing_food_information(
            ingredients=product.ingredients,
            allergens=None if product.allergens is None else product.allergens.split())
        if missing:
            raise ProblemError(422, "LMIV_INCOMPLETE", "Food can only be published with its ingredients and "
                               f"allergens; missing: {', '.join(missing)}.", field=f"body.{missing[0]}",
                               extra={"missing": missing})
    product.status = "published"
    product.updated_at = now
    product.version += 1
    session.add(product)
    await session.flush()
    await reindex(session, product=product)
    return product


async def archive_product(session: AsyncSession, *, product: Product, now: datetime) -> Product:
    product.status = "archived"
    product.updated_at = now
    product.version += 1
    session.add(product)
    await session.flush()
    await reindex(session, product=product)
    return product


# --- the search index --------------------------------------------------------------------------------

async def reindex(session: AsyncSession, *, product: Product, merchant: Merchant | None = None) -> None:
    """Keep product_fts in step: a row for each published product of an active merchant, none else."""
    sqlite = session.bind is not None and session.bind.dialect.name == "sqlite"
    # SQLite finds the row by its rowid (derived from the id; product_id is not indexed in FTS5).
    key = "rowid" if sqlite else "product_id"
    await _sql.execute(session, text(f"DELETE FROM product_fts WHERE {key} = :key"),  # noqa: S608
                       {"key": fts_rowid(product.id) if sqlite else str(product.id)})
    if sqlite:
        await _sql.execute(session, text("DELETE FROM product_facets_fts WHERE rowid = :key"),
                           {"key": fts_rowid(product.id)})
    merchant = merchant or await session.get(Merchant, product.merchant_id)
    if product.status != "published" or merchant is None or merchant.status != "active":
        return
    body = search_body(product.title, CATEGORIES.get(product.category, product.category), product.labels,
                       merchant.name, product.origin)
    row: dict[str, object] = {"product_id": fts_product_id(session, product.id), "body": body, "title": product.title,
                              "category": product.category, "merchant_id": product.merchant_id,
                              "labels": product.labels}
    if sqlite:
        row["rowid"] = fts_rowid(product.id)
    await _sql.execute(session, text(f"INSERT INTO product_fts ({', '.join(row)}) "  # noqa: S608
                                     f"VALUES ({', '.join(':' + name for name in row)})"), row)
    if sqlite:
        await _sql.execute(session, text("INSERT INTO product_facets_fts (rowid, category, merchant_id, labels) "
                                         "VALUES (:rowid, :category, :merchant_id, :labels)"), row)
