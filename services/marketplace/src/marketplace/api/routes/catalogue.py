"""What everyone may browse without signing in: goods and shops, search with facets, villages, pickup
points, rounds and the delivery-service directory."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, select

from marketplace.api.deps import GazetteerDep, MarketplaceSettingsDep
from marketplace.api.views import products_out
from marketplace.crud import catalogue, places, search
from marketplace.domain.search import cursor_from, cursor_values
from marketplace.models import Merchant, Product
from marketplace.schemas import (
    DeliveryServiceOut,
    Facet,
    MerchantPublic,
    PickupPointOut,
    ProductOut,
    RoundOut,
    SearchResult,
    StopOut,
)
from platformkit.deps import NowDep, ReadSessionDep
from platformkit.pagination import decode_cursor, encode_cursor
from platformkit.problems import ProblemError

router = APIRouter(tags=["catalogue"])
VillageQuery = Annotated[str | None, Query(max_length=80, pattern=r"^ot-[a-z0-9-]+$")]


def _check_village(gazetteer: GazetteerDep, village: str | None, field: str = "query.village") -> None:
    if village is not None and gazetteer.get_ortsteil(village) is None:
        raise ProblemError(422, "UNKNOWN_ORTSTEIL", "This is not an Ortsteil of the district.", field=field)


@router.get("/products", response_model=SearchResult)
async def search_products(
    session: ReadSessionDep, gazetteer: GazetteerDep, settings: MarketplaceSettingsDep,
    q: Annotated[str, Query(max_length=100)] = "",
    category: Annotated[str | None, Query(max_length=40)] = None,
    label: Annotated[str | None, Query(max_length=20)] = None,
    merchant_id: Annotated[str | None, Query(max_length=64)] = None,
    village: VillageQuery = None,
    delivers: Annotated[bool, Query(description="only merchants delivering to `village`")] = False,
    max_km: Annotated[float | None, Query(gt=0, le=200)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    cursor: Annotated[str | None, Query(max_length=2000, description="`next_cursor` of the page before")] = None,
) -> SearchResult:
    """Full text in German (Käse = Kaese = Kase; "saft" finds "Apfelsaft") across all merchants, with
    facets; `village` adds each item's distance and whether its merchant delivers there. Results come A to Z
    when there are at most 1,000 (`total_capped` false), else in a fixed order the index gives (product id);
    the cursor keeps a search's order from page to page."""
    _check_village(gazetteer, village)
    after = cursor_from(decode_cursor(cursor, 3)) if cursor else None
    if cursor and after is None:
        raise ProblemError(400, "INVALID_CURSOR", "The cursor is not one this list handed out.", field="query.cursor")
    if (delivers or max_km is not None) and village is None:
        raise ProblemError(422, "VILLAGE_REQUIRED", "Say which village.", field="query.village")
    query = search.SearchQuery(text=q, category=category, label=label, merchant_id=merchant_id, village=village,
                               delivers_only=delivers, max_km=max_km)
    found = await search.search(session, query=query, gazetteer=gazetteer, limit=limit, offset=offset, cursor=after,
                                count_limit=settings.search_count_limit)
    rows = found.products
    items = await products_out(session, rows)
    if village is not None:
        merchants = {m.id: m for m in (await session.exec(select(Merchant).where(
            col(Merchant.id).in_(sorted({p.merchant_id for p in rows}))))).all()}
        delivering = await search.delivering_merchants(session, village=village, merchant_ids=list(merchants))
        for item in items:
            home = merchants[item.merchant_id].ortsteil_id
            if gazetteer.get_ortsteil(home) is not None:
                item.distance_km = round(gazetteer.distance_m(home, village) / 1000, 1)
            item.delivers_to_village = item.merchant_id in delivering
    next_cursor = encode_cursor(cursor_values(found.next_cursor)) if found.next_cursor else None
    return SearchResult(items=items, next_cursor=next_cursor,
                        facets={name: [Facet(value=v, count=c) for v, c in values]
                                for name, values in found.facets.items()},
                        total=found.total, total_capped=found.total_capped, counts_capped=found.counts_capped)


@router.get("/products/{product_id}", response_model=ProductOut)
async def read_product(product_id: uuid.UUID, session: ReadSessionDep) -> ProductOut:
    product = await session.get(Product, product_id)
    merchant = await session.get(Merchant, product.merchant_id) if product else None
    if product is None or product.status != "published" or merchant is None or merchant.status != "active":
        raise ProblemError(404, "PRODUCT_NOT_FOUND", "No such product.")
    return (await products_out(session, [product]))[0]


@router.get("/merchants", response_model=list[MerchantPublic])
async def list_merchants(session: ReadSessionDep, gazetteer: GazetteerDep,
                         village: VillageQuery = None) -> list[MerchantPublic]:
    """Active merchants (nearest first when a village is given)."""
    _check_village(gazetteer, village)
    rows = list((await session.exec(select(Merchant).where(Merchant.status == "active")
                                    .order_by(col(Merchant.name)))).all())
    if village is not None:
        rows.sort(key=lambda m: gazetteer.distance_m(m.ortsteil_id, village)
                  if gazetteer.get_ortsteil(m.ortsteil_id) else float("inf"))
    return [MerchantPublic.model_validate(m) for m in rows]


@router.get("/merchants/{merchant_id}", response_model=MerchantPublic)
async def read_merchant(merchant_id: str, session: ReadSessionDep) -> MerchantPublic:
    merchant = await catalogue.get_merchant(session, merchant_id)
    if merchant is None or merchant.status != "active":
        raise ProblemError(404, "MERCHANT_NOT_FOUND", "No such merchant.")
    return MerchantPublic.model_validate(merchant)


@router.get("/villages")
async def list_villages(gazetteer: GazetteerDep) -> list[dict[str, str]]:
    """The district's Ortsteile (for choosing one's village)."""
    return [{"id": o.id, "name": o.name, "gemeinde": gazetteer.gemeinde_of(o).name}
            for o in sorted(gazetteer.ortsteile, key=lambda o: o.name)]


@router.get("/pickup-points", response_model=list[PickupPointOut])
async def list_pickup_points(session: ReadSessionDep, gazetteer: GazetteerDep, village: VillageQuery = None,
                             merchant_id: Annotated[str | None, Query(max_length=64)] = None) -> list[PickupPointOut]:
    """A merchant's pickup points and the district's shared ones, nearest first from `village`."""
    _check_village(gazetteer, village)
    points = await places.pickup_points(session, merchant_id=merchant_id)
    result = [PickupPointOut(id=p.id, merchant_id=p.merchant_id, name=p.name, kind=p.kind, ortsteil_id=p.ortsteil_id,
                             address=p.address, opening_hours=p.opening_hours,
                             distance_km=round(gazetteer.distance_m(p.ortsteil_id, village) / 1000, 1)
                             if village and gazetteer.get_ortsteil(p.ortsteil_id) else None) for p in points]
    return sorted(result, key=lambda p: (p.distance_km if p.distance_km is not None else 0.0, p.name))


@router.get("/rounds", response_model=list[RoundOut])
async def list_rounds(session: ReadSessionDep, now: NowDep,
                      merchant_id: Annotated[str | None, Query(max_length=64)] = None) -> list[RoundOut]:
    """Rounds still taking orders (cut-off in the future), soonest cut-off first."""
    return [RoundOut.model_validate(r) for r in await places.open_rounds(session, merchant_id=merchant_id, now=now)]


@router.get("/delivery-services", response_model=list[DeliveryServiceOut])
async def who_delivers(
    session: ReadSessionDep, gazetteer: GazetteerDep, village: VillageQuery = None,
    weekday: Annotated[int | None, Query(ge=0, le=6, description="Monday = 0")] = None,
    category: Annotated[str | None, Query(max_length=30)] = None,
) -> list[DeliveryServiceOut]:
    """Who delivers (bread, drinks, medicine...) to my village (on Tuesday)?"""
    _check_village(gazetteer, village)
    if village is None:
        found = await places.all_delivery_services(session)
    else:
        found = await places.who_delivers(session, village=village, weekday=weekday, category=category)
    return [DeliveryServiceOut(id=s.id, name=s.name, kind=s.kind, phone=s.phone, categories=s.categories.split(),
                               notes=s.notes, stops=[StopOut(ortsteil_id=x.ortsteil_id, weekday=x.weekday,
                                                             time_window=x.time_window) for x in stops])
            for s, stops in found]
