"""Search across all merchants: German full text (umlaut folds, word parts) on SQLite FTS5 (trigram
tokenizer) and PostgreSQL (pg_trgm GIN index on the same folded text), facets, "delivers to my village"
and distance from my village.

Three statements per search, all on product_fts (which carries title, category, merchant and labels beside
the text, so a search reads only its own matches): one aggregate over every match (category × merchant ×
labels, from which the three facets are counted, each under the other filters), the page's ids in title
order, and the page's products by id."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, column, func, or_, select, table, text
from sqlmodel import col
from sqlmodel import select as model_select
from sqlmodel.ext.asyncio.session import AsyncSession

from marketplace.crud import _sql
from marketplace.domain.search import query_terms
from marketplace.models import DeliveryVillage, Merchant, Product
from places import Gazetteer

# The hand-made search table (see the migration): not a model, so not in the metadata.
PRODUCT_FTS = table("product_fts", column("product_id"), column("body"), column("title"), column("category"),
                    column("merchant_id"), column("labels"))


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    category: str | None = None
    label: str | None = None
    merchant_id: str | None = None
    village: str | None = None
    delivers_only: bool = False
    max_km: float | None = None


def _text_conditions(session: AsyncSession, terms: list[str]) -> list[Any]:
    """Conditions on the joined product_fts row: it contains every term as a substring."""
    body: Any = PRODUCT_FTS.c.body
    sqlite = session.bind is not None and session.bind.dialect.name == "sqlite"
    if not sqlite:
        return [body.contains(term, autoescape=True) for term in terms]
    # FTS5 trigram: a quoted phrase matches as a substring, several phrases mean AND; it needs three
    # letters, shorter terms are a plain substring test on the row.
    long_terms = [t for t in terms if len(t) >= 3]
    conditions: list[Any] = [body.contains(t, autoescape=True) for t in terms if len(t) < 3]
    if long_terms:
        match = " ".join('"' + t.replace('"', "") + '"' for t in long_terms)
        conditions.append(text("product_fts MATCH :match").bindparams(match=match))
    return conditions


def merchants_within(gazetteer: Gazetteer, merchants: list[tuple[str, str]], village: str,
                     max_km: float) -> list[str]:
    return [mid for mid, ortsteil in merchants
            if gazetteer.get_ortsteil(ortsteil) is not None
            and gazetteer.distance_m(ortsteil, village) <= max_km * 1000]


def _has_label(labels: Any, label: str) -> ColumnElement[bool]:
    return or_(labels == label, labels.like(f"{label} %"), labels.like(f"% {label}"), labels.like(f"% {label} %"))


# Facet counts of a browse without words are the same for everyone: kept this long (per database and
# place filter), so that browsing the whole catalogue does not count it on every page.
BROWSE_FACETS_SECONDS = 30.0
_browse_facets: dict[tuple[str, str | None, str | None, float | None], tuple[float, list[tuple[Any, ...]]]] = {}


async def search(session: AsyncSession, *, query: SearchQuery, gazetteer: Gazetteer, limit: int,
                 offset: int) -> tuple[list[Product], dict[str, list[tuple[str, int]]], bool]:
    """A page of matching searchable products (title order) and the facets over all matches."""
    fts: Any = PRODUCT_FTS.c
    terms = query_terms(query.text)
    conditions: list[Any] = [*_text_conditions(session, terms)]
    place: list[Any] = []  # the same conditions on product's own columns, for the browse below
    if query.village and query.delivers_only:
        delivering = select(col(DeliveryVillage.merchant_id)).where(col(DeliveryVillage.ortsteil_id) == query.village)
        conditions.append(fts.merchant_id.in_(delivering))
        place.append(col(Product.merchant_id).in_(delivering))
    if query.village and query.max_km is not None:
        merchants = [(str(m), str(o)) for m, o in map(tuple, (await _sql.execute(session,
            select(col(Merchant.id), col(Merchant.ortsteil_id)).where(col(Merchant.status) == "active"))).all())]
        near = merchants_within(gazetteer, merchants, query.village, query.max_km)
        conditions.append(fts.merchant_id.in_(near))
        place.append(col(Product.merchant_id).in_(near))
    facets = _facets(await _combos(session, conditions, query, cached=not terms), query)
    if not terms:
        found = await _browse(session, query=query, place=place, limit=limit, offset=offset)
        return found[:limit], facets, len(found) > limit
    chosen: list[Any] = []
    if query.category:
        chosen.append(fts.category == query.category)
    if query.merchant_id:
        chosen.append(fts.merchant_id == query.merchant_id)
    if query.label:
        chosen.append(_has_label(fts.labels, query.label))
    page = [row[0] for row in (await _sql.execute(session, select(fts.product_id).select_from(PRODUCT_FTS)
                                                  .where(*conditions, *chosen).order_by(fts.title, fts.product_id)
                                                  .offset(offset).limit(limit + 1))).all()]
    ids = [uuid.UUID(str(value)) for value in page[:limit]]
    by_id = {p.id: p for p in (await session.exec(model_select(Product).where(col(Product.id).in_(ids)))).all()}
    return [by_id[i] for i in ids if i in by_id], facets, len(page) > limit


async def _combos(session: AsyncSession, conditions: list[Any], query: SearchQuery,
                  cached: bool) -> list[tuple[Any, ...]]:
    """Match counts per (category, merchant, labels): the material of all three facets."""
    fts: Any = PRODUCT_FTS.c
    key = (str(getattr(session.bind, "url", "")), query.village if query.delivers_only else None,
           query.village if query.max_km is not None else None, query.max_km)
    now = time.monotonic()
    if cached and key in _browse_facets and _browse_facets[key][0] > now:
        return _browse_facets[key][1]
    rows = [tuple(row) for row in (await _sql.execute(session, select(
        fts.category, fts.merchant_id, fts.labels, func.count()).select_from(PRODUCT_FTS).where(*conditions)
        .group_by(fts.category, fts.merchant_id, fts.labels))).all()]
    if cached:
        _browse_facets[key] = (now + BROWSE_FACETS_SECONDS, rows)
    return rows


async def _browse(session: AsyncSession, *, query: SearchQuery, place: list[Any], limit: int,
                  offset: int) -> list[Product]:
    """A page without words, in title order straight from the index on product(status, title, id)."""
    statement = model_select(Product).where(
        col(Product.status) == "published", *place,
        col(Product.merchant_id).in_(select(col(Merchant.id)).where(col(Merchant.status) == "active")))
    if query.category:
        statement = statement.where(col(Product.category) == query.category)
    if query.merchant_id:
        statement = statement.where(col(Product.merchant_id) == query.merchant_id)
    if query.label:
        statement = statement.where(_has_label(col(Product.labels), query.label))
    return list((await session.exec(statement.order_by(col(Product.title), col(Product.id))
                                    .offset(offset).limit(limit + 1))).all())


def _facets(combos: list[tuple[Any, ...]], query: SearchQuery) -> dict[str, list[tuple[str, int]]]:
    """Category, merchant and label counts, each under the other two filters (choosing a category keeps
    the other categories countable)."""
    counts: dict[str, dict[str, int]] = {"category": {}, "merchant": {}, "label": {}}
    for category, merchant_id, labels, count in combos:
        keeps = {"category": query.category in (None, category),
                 "merchant": query.merchant_id in (None, merchant_id),
                 "label": query.label is None or query.label in labels.split()}
        for name, value in (("category", [category]), ("merchant", [merchant_id]), ("label", labels.split())):
            if all(ok for other, ok in keeps.items() if other != name):
                for one in value:
                    counts[name][one] = counts[name].get(one, 0) + count
    return {name: sorted(values.items(), key=lambda item: (-item[1], item[0])) for name, values in counts.items()}


async def delivering_merchants(session: AsyncSession, *, village: str, merchant_ids: list[str]) -> set[str]:
    if not merchant_ids:
        return set()
    rows = (await _sql.execute(session, select(col(DeliveryVillage.merchant_id)).where(
        col(DeliveryVillage.ortsteil_id) == village, col(DeliveryVillage.merchant_id).in_(merchant_ids)))).all()
    return {row[0] for row in rows}


